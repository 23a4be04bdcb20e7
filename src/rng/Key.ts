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
 * Inside `Ad.jit` and `Ad.vmap` a key is data, as in JAX: a key argument of a jitted function
 * (or an array of keys mapped by `vmap`) reaches the function as a key held by an int32 tensor
 * of its two words, traced like any tensor. Sampling with it, splitting it or folding data into
 * it records random primitives (`randomBits`, `threefry2x32`, `fromBits`) that compute, when the
 * program runs, the same values bit for bit as the same key outside. So a new key is a new value
 * for the same program, not a new trace. Only its words cannot be read there (`key.words` refuses
 * with TRACED_READ).
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import { type Tensor, boxOf, dataOf, fromBuffer, isTensor } from '../core/Tensor.js'
import { blockInto } from '../kernels/random/threefry.js'
import { bind } from '../prims/bind.js'
import * as T from '../tensor/index.js'
import { show } from './check.js'

/**
 * A random key: two unsigned 32-bit words, frozen. It is plain data: `JSON.stringify` writes
 * it and the parsed object is accepted again as a key. Inside `Ad.jit` and `Ad.vmap` a key
 * argument is held by a traced int32 tensor of its words instead (see `keyData`): every sampler
 * and `split` and `foldIn` take it as usual, but reading `words` there refuses (TRACED_READ).
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

/** What a key is held by: its two words, or (inside jit and vmap) an int32 tensor of shape [2]. */
type Held = readonly [number, number] | Tensor

/** The data of a key held by a tensor, if it is one. */
const heldData = (r: object): unknown => (r as { readonly data?: unknown }).data

const isKeyData = (u: unknown): u is Tensor => isTensor(u) && u.dtype === 'int32' && u.rank === 1 && u.shape[0] === 2

const tracedWords = (): never =>
  fail(
    'TRACED_READ',
    'Key.words',
    'the words of a key traced by jit or vmap are known only when the program runs (inside the traced function the key is data). ' +
      'Sample with the key, split it or fold data into it as usual; to see its words, return Rng.keyData(key) from the function.',
  )

/** A key held by a traced int32 tensor of its two words (bit patterns). @internal */
const dataKey = (data: Tensor): Key => Object.freeze(Object.defineProperty({ _tag: 'Key' as const, data }, 'words', { get: tracedWords, enumerable: false })) as unknown as Key

/** The key whose words `data` (int32, shape [2]) holds: plain words when `data` is concrete, else held by `data`. @internal */
export const wrapKey = (data: Tensor): Key => {
  if (boxOf(data) !== undefined) return dataKey(data)
  const d = dataOf(data)
  return makeKey(d[0]!, d[1]!)
}

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
  if (r._tag !== 'Key') return false
  const data = heldData(r)
  if (data !== undefined) return isKeyData(data)
  return Array.isArray(r.words) && r.words.length === 2 && isWord(r.words[0]) && isWord(r.words[1])
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

/**
 * What a key is held by: its words (the usual case, read without allocating), or the traced
 * int32 tensor of a key inside jit or vmap; refuses anything else, with INVALID_KEY. @internal
 */
export const heldBy = (op: string, u: unknown): Held => {
  const k = checkKey(op, u)
  const data = heldData(k)
  return data === undefined ? k.words : (data as Tensor)
}

/** The int32 tensor [w0, w1] of the key's words, for the random primitives. @internal */
const asData = (h: Held): Tensor => (isTensor(h) ? h : fromBuffer(Int32Array.of(h[0] | 0, h[1] | 0), [2]))

/**
 * The key's two words as an int32 tensor of shape [2] (each word's bit pattern: read a word as
 * unsigned with `w >>> 0`), as JAX's `random.key_data`. Inside `jit` and `vmap` it is the traced
 * tensor the key is held by, so a function can return it or compute with it.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(Rng.keyData(Rng.key(42))), [0, 42])
 * assert.deepStrictEqual(T.toArray(Rng.keyData(Rng.key(-1))), [-1, -1]) // the words 0xffffffff
 * @category destructors
 */
export const keyData = (key: Key): Tensor => asData(heldBy('keyData', key))

/**
 * The key whose two words an int32 tensor of shape [2] holds (bit patterns, as `keyData` gives
 * them), as JAX's `random.wrap_key_data`. A traced tensor (inside `jit` or `vmap`) gives a key
 * held by it; so a tensor of keys [n, 2] mapped by `vmap` gives each example its key.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Rng, Tensor as T } from 'puregrad'
 * const k = Rng.keyFromData(Rng.keyData(Rng.key(7)))
 * assert.deepStrictEqual(k, Rng.key(7))
 * // a tensor of 3 keys, mapped: each row draws as its key does
 * const rows = T.stack(Rng.split(Rng.key(0), 3).map(Rng.keyData))
 * const draws = Ad.vmap((d: T.Tensor) => Rng.uniform(Rng.keyFromData(d), [2]))(rows)
 * assert.ok(T.equals(T.slice(draws, [1, 0], [1, 2]), T.reshape(Rng.uniform(Rng.split(Rng.key(0), 3)[1]!, [2]), [1, 2])))
 * @category constructors
 */
export const keyFromData = (data: Tensor): Key => {
  const d: unknown = data
  if (!isKeyData(d)) {
    fail(
      'INVALID_ARGUMENT',
      'keyFromData',
      `the key data must be an int32 tensor of shape [2] (the key's two words); got ${isTensor(d) ? `a ${d.dtype} tensor of shape [${d.shape.join(', ')}]` : show(d)}. ` +
        'Get it from a key with Rng.keyData(key); for a batch of keys [n, 2], map over the rows with Ad.vmap.',
    )
  }
  return wrapKey(d as Tensor)
}

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
  const held = heldBy(op, key)
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    fail('INVALID_ARGUMENT', op, `the number of keys must be a whole number in [0, 2^31 - 1]; got ${String(n)}. Use split(key) for two keys or split(key, n) for n.`)
  }
  if (isTensor(held)) return splitData(held, n)
  const [k0, k1] = held
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
 * `data` may also be an int32 scalar tensor (a step count computed inside a jitted function,
 * say), which folds in as its value does.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T } from 'puregrad'
 * const k = Rng.key(0)
 * assert.notDeepStrictEqual(Rng.foldIn(k, 1).words, Rng.foldIn(k, 2).words)
 * assert.deepStrictEqual(Rng.foldIn(k, 1), Rng.foldIn(k, 1))
 * assert.deepStrictEqual(Rng.foldIn(k, T.scalar(-3, 'int32')), Rng.foldIn(k, -3))
 * @category combinators
 */
export const foldIn = (key: Key, data: number | Tensor): Key => {
  const op = 'foldIn'
  const held = heldBy(op, key)
  if (isTensor(data)) return foldInTensor(held, data)
  const [hi, lo] = words64(op, 'the data folded in', data)
  if (isTensor(held)) return wrapKey(bind('threefry2x32', [held, fromBuffer(Int32Array.of(hi | 0, lo | 0), [2])], {}))
  const [k0, k1] = held
  const out = new Uint32Array(2)
  blockInto(k0, k1, hi, lo, out, 0)
  return makeKey(out[0]!, out[1]!)
}

/** `split` of a key held by a tensor: the same blocks, hashed by the `threefry2x32` primitive. */
const splitData = (data: Tensor, n: number): ReadonlyArray<Key> => {
  if (n === 0) return Object.freeze([])
  // block i hashes counter (i, n + i); its two words are ys[i] and ys[n + i], and key j is (ys[2j], ys[2j + 1])
  const counters = new Int32Array(2 * n)
  for (let i = 0; i < n; i++) [counters[2 * i], counters[2 * i + 1]] = [i, n + i]
  const blocks = bind('threefry2x32', [data, fromBuffer(counters, [n, 2])], {})
  const ys = T.reshape(T.transpose(blocks), [n, 2])
  return Object.freeze(Array.from({ length: n }, (_, j) => wrapKey(T.reshape(T.slice(ys, [j, 0], [1, 2]), [2]))))
}

/** `foldIn` of an int32 scalar tensor: its 64-bit two's complement is (−1 or 0, the value). */
const foldInTensor = (held: Held, data: Tensor): Key => {
  if (data.dtype !== 'int32' || data.rank !== 0) {
    fail(
      'INVALID_ARGUMENT',
      'foldIn',
      `data given as a tensor must be an int32 scalar; got a ${data.dtype} tensor of shape [${data.shape.join(', ')}]. ` +
        (data.rank === 0 ? "Cast it first: Tensor.cast(x, 'int32')." : 'Fold in one number at a time (a scalar), or give a plain number.'),
    )
  }
  const counter = T.stack([T.neg(T.less(data, 0)), data])
  return wrapKey(bind('threefry2x32', [asData(held), counter], {}))
}
