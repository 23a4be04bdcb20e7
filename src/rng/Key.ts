/**
 * Random keys: immutable, JSON-serialisable 64-bit values from which all randomness flows.
 *
 * There is no hidden generator state. A function that needs randomness takes a key; to get
 * several independent streams, `split` the key (or `foldIn` a step number) and use each new key
 * once. The same key always gives the same numbers, on every JavaScript engine.
 *
 * `split` and `foldIn` hash counters with Threefry-2x32 exactly as JAX's original scheme
 * (`jax_threefry_partitionable=False`), so `split(key(0))` equals
 * `jax.random.split(jax.random.PRNGKey(0))` under that setting. (Recent JAX releases default to
 * the partitionable scheme, whose splits differ.)
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import { show } from './check.js'
import { blockInto } from './threefry.js'

/**
 * A random key: two unsigned 32-bit words, frozen. It is plain data: `JSON.stringify` writes
 * it and the parsed object is accepted again as a key.
 * @category model
 */
export interface Key {
  readonly _tag: 'Key'
  readonly words: readonly [number, number]
}

const TWO32 = 4294967296

/** Builds a frozen key from two words (reduced modulo 2^32). @internal */
export const makeKey = (w0: number, w1: number): Key =>
  Object.freeze({ _tag: 'Key' as const, words: Object.freeze([w0 >>> 0, w1 >>> 0] as const) })

const isWord = (u: unknown): boolean => typeof u === 'number' && Number.isInteger(u) && u >= 0 && u < TWO32

/**
 * Whether a value is a key: `{ _tag: 'Key', words: [w0, w1] }` with integer words in [0, 2^32).
 * Objects parsed back from JSON pass.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng } from 'puregrad'
 * assert.ok(Rng.isKey(Rng.key(0)))
 * assert.ok(Rng.isKey(JSON.parse(JSON.stringify(Rng.key(7)))))
 * assert.ok(!Rng.isKey(7))
 * @category guards
 */
export const isKey = (u: unknown): u is Key => {
  if (typeof u !== 'object' || u === null) return false
  const r = u as { readonly _tag?: unknown; readonly words?: unknown }
  return r._tag === 'Key' && Array.isArray(r.words) && r.words.length === 2 && isWord(r.words[0]) && isWord(r.words[1])
}

const describe = (u: unknown): string => {
  if (typeof u === 'number') {
    return Number.isSafeInteger(u)
      ? `the number ${u}: a seed is not a key; make the key once with Rng.key(${u})`
      : `the number ${u}`
  }
  if (u === undefined) return 'undefined (did you forget to pass the key, or use the second key of a split that returned fewer?)'
  if (u === null) return 'null'
  if (Array.isArray(u)) {
    return u.length === 2 && isWord(u[0]) && isWord(u[1])
      ? `the array [${u.join(', ')}]: raw words are not a key; wrap them with Rng.keyFromWords(${u.join(', ')})`
      : `an array of length ${u.length}`
  }
  if (typeof u === 'object') {
    const r = u as { readonly _tag?: unknown }
    return r._tag === 'Key' ? 'an object tagged Key whose words are not two integers in [0, 2^32)' : 'an object that is not a key'
  }
  return show(u)
}

/** Refuses anything that is not a key, with INVALID_KEY. @internal */
export const checkKey = (op: string, u: unknown): Key =>
  isKey(u)
    ? u
    : fail('INVALID_KEY', op, `expected a random key, got ${describe(u)}. Make a key with Rng.key(seed) and derive more with Rng.split(key) or Rng.foldIn(key, i).`)

/** The two's-complement 64-bit words [high, low] of a safe integer, as JAX's `threefry_seed`. @internal */
const words64 = (op: string, what: string, n: unknown): readonly [number, number] => {
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    return fail(
      'INVALID_ARGUMENT',
      op,
      `${what} must be a whole number between -(2^53 - 1) and 2^53 - 1; got ${show(n)}. ` +
        (typeof n === 'number' && Number.isFinite(n) ? `Round it first, e.g. Math.floor(${n}).` : 'Pass a plain integer such as 0 or 42.'),
    )
  }
  const hi = Math.floor(n / TWO32)
  return [hi >>> 0, (n - hi * TWO32) >>> 0]
}

/**
 * A key from an integer seed. Any safe integer works (negative too): the key's words are the
 * high and low 32 bits of the seed's 64-bit two's complement, as in `jax.random.PRNGKey`,
 * so `key(42).words` is `[0, 42]` and `key(-1).words` is `[0xffffffff, 0xffffffff]`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng } from 'puregrad'
 * assert.deepStrictEqual(Rng.key(42).words, [0, 42])
 * assert.deepStrictEqual(Rng.key(2 ** 32 + 5).words, [1, 5])
 * assert.deepStrictEqual(Rng.key(-1).words, [0xffffffff, 0xffffffff])
 * @category constructors
 */
export const key = (seed: number): Key => {
  const [hi, lo] = words64('key', 'the seed', seed)
  return makeKey(hi, lo)
}

/**
 * A key from its two raw words (each an integer in [0, 2^32)), e.g. the words of a JAX key
 * from `jax.random.key_data`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng } from 'puregrad'
 * assert.deepStrictEqual(Rng.keyFromWords(0, 42), Rng.key(42))
 * assert.deepStrictEqual(Rng.keyFromWords(1, 5), Rng.key(2 ** 32 + 5))
 * @category constructors
 */
export const keyFromWords = (w0: number, w1: number): Key => {
  if (!isWord(w0) || !isWord(w1)) {
    fail('INVALID_ARGUMENT', 'keyFromWords', `key words must be integers in [0, 2^32); got ${String(w0)} and ${String(w1)}. For an arbitrary integer seed use Rng.key(seed).`)
  }
  return makeKey(w0, w1)
}

/**
 * Splits a key into `n` new keys (default 2), independent of each other and of the parent.
 *
 * Hashes the counters 0 … 2n − 1 with the key (block i takes counter (i, n + i)) and pairs the
 * 2n output words up, as JAX's `random.split`. Use the parent no more once it is split.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng } from 'puregrad'
 * const [a, b] = Rng.split(Rng.key(0))
 * assert.deepStrictEqual(a.words, [4146024105, 967050713])
 * assert.deepStrictEqual(b.words, [2718843009, 1272950319])
 * assert.strictEqual(Rng.split(Rng.key(0), 5).length, 5)
 * @category combinators
 */
export function split(key: Key): readonly [Key, Key]
export function split(key: Key, n: number): ReadonlyArray<Key>
export function split(key: Key, n = 2): ReadonlyArray<Key> {
  const op = 'split'
  const [k0, k1] = checkKey(op, key).words
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    fail('INVALID_ARGUMENT', op, `the number of keys must be a whole number in [0, 2^31 - 1]; got ${String(n)}. Use split(key) for two keys or split(key, n) for n.`)
  }
  const ys = new Uint32Array(2 * n)
  const pair = new Uint32Array(2)
  for (let i = 0; i < n; i++) {
    blockInto(k0, k1, i, n + i, pair, 0)
    ys[i] = pair[0]!
    ys[n + i] = pair[1]!
  }
  const keys = new Array<Key>(n)
  for (let j = 0; j < n; j++) keys[j] = makeKey(ys[2 * j]!, ys[2 * j + 1]!)
  return Object.freeze(keys)
}

/**
 * Mixes an integer into a key: a new key for each `data`, e.g. one per training step or layer,
 * without threading split keys around. `foldIn(k, i)` is block(k, counter (hi, lo)) where
 * (hi, lo) are the 64-bit two's-complement words of `data`, as JAX's `random.fold_in` for
 * 0 ≤ data < 2^32. Different `data` always give different keys (the block is a bijection).
 *
 * As in JAX, derived keys and the sampling stream of the same key can share blocks (the words of
 * `foldIn(k, 0)` are the first two words of `bits(k, …)`): sample with a key or derive keys from
 * it, not both.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng } from 'puregrad'
 * const k = Rng.key(0)
 * assert.notDeepStrictEqual(Rng.foldIn(k, 1).words, Rng.foldIn(k, 2).words)
 * assert.deepStrictEqual(Rng.foldIn(k, 1), Rng.foldIn(k, 1))
 * @category combinators
 */
export const foldIn = (key: Key, data: number): Key => {
  const op = 'foldIn'
  const [k0, k1] = checkKey(op, key).words
  const [hi, lo] = words64(op, 'the data folded in', data)
  const out = new Uint32Array(2)
  blockInto(k0, k1, hi, lo, out, 0)
  return makeKey(out[0]!, out[1]!)
}
