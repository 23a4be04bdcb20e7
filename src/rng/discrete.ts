/**
 * Discrete samplers: uniform integers, random permutations and shuffles.
 *
 * A draw in [0, r) takes a 64-bit block X of the key's stream and returns ⌊X·r / 2^64⌋
 * (Lemire's multiply-high without the rejection step), computed exactly with 16- and 32-bit
 * pieces. Each outcome then has probability within 2^-64 of 1/r: no modulo bias, no loop, and
 * element i always uses block i.
 *
 * @since 0.1.0
 */
import { alloc } from '../core/dtype.js'
import { fail } from '../core/errors.js'
import { type Shape, normalizeAxis } from '../core/shape.js'
import { type Tensor, dataOf, fromBuffer, isTensor, readOf } from '../core/Tensor.js'
import { gather } from '../tensor/index.js'
import { checkSampleShape, show } from './check.js'
import { draw } from './draw.js'
import { type Key, heldBy } from './Key.js'

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

/**
 * Uniform whole numbers in [low, high) as an int32 tensor; −2^31 ≤ low < high ≤ 2^31.
 *
 * Element i is low + ⌊X_i·(high − low) / 2^64⌋ with X_i the 64-bit block i of the key's stream:
 * every value has probability within 2^-64 of 1/(high − low).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T } from 'puregrad'
 * const dice = Rng.integers(Rng.key(0), [100], 1, 7)
 * assert.strictEqual(dice.dtype, 'int32')
 * assert.ok(T.toArray(dice).every((d) => d >= 1 && d <= 6))
 * @category samplers
 */
export const integers = (key: Key, shape: Shape, low: number, high: number): Tensor => {
  const op = 'integers'
  const held = heldBy(op, key)
  const { shape: s, size: n } = checkSampleShape(op, shape)
  for (const [name, v] of [['low', low], ['high', high]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > 2 ** 31) {
      fail('INVALID_ARGUMENT', op, `${name} must be a whole number in [-2^31, 2^31]; got ${show(v)}. Values are int32 and drawn from [low, high).`)
    }
  }
  if (!(low < high)) fail('INVALID_ARGUMENT', op, `low must be below high (values are drawn from [low, high), high excluded); got low ${low} and high ${high}.`)
  return draw(op, held, s, n, { dist: 'integers', low, high })
}

/**
 * A uniformly random permutation of 0 … n − 1 as an int32 tensor of shape [n] (Fisher–Yates:
 * for i = n − 1 … 1 swap position i with a uniform j in [0, i] drawn from block i).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T } from 'puregrad'
 * const p = T.toArray(Rng.permutation(Rng.key(0), 10))
 * assert.deepStrictEqual(p, [6, 0, 7, 5, 3, 2, 4, 8, 9, 1])
 * assert.deepStrictEqual([...p].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
 * @category samplers
 */
export const permutation = (key: Key, n: number): Tensor => {
  const op = 'permutation'
  const held = heldBy(op, key)
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > INT32_MAX) {
    fail('INVALID_ARGUMENT', op, `n must be a whole number in [0, 2^31 - 1]; got ${show(n)}. permutation(key, n) permutes 0 … n − 1; to reorder a tensor use Rng.shuffle(key, t).`)
  }
  return draw(op, held, [n], n, { dist: 'permutation' })
}

/**
 * The tensor with its slices along `axis` (default 0) in a uniformly random order: slice j of
 * the result is slice permutation(key, n)[j] of t, where n is the size of the axis. Shuffling
 * the rows of a data set and its labels with the same key keeps them paired.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T } from 'puregrad'
 * const x = T.tensor([[1, 1], [2, 2], [3, 3]])
 * const y = T.tensor([10, 20, 30])
 * const k = Rng.key(0)
 * // the same key reorders examples and labels alike, so they stay paired
 * assert.deepStrictEqual(T.toNested(Rng.shuffle(k, x)), [[3, 3], [1, 1], [2, 2]])
 * assert.deepStrictEqual(T.toArray(Rng.shuffle(k, y)), [30, 10, 20])
 * @category samplers
 */
export const shuffle = (key: Key, t: Tensor, axis = 0): Tensor => {
  const op = 'shuffle'
  const held = heldBy(op, key)
  if (!isTensor(t)) fail('INVALID_ARGUMENT', op, `expected a tensor to shuffle, got ${show(t)}; build one with Tensor.tensor(values). For a permutation of 0 … n − 1 use Rng.permutation(key, n).`)
  if (t.rank === 0) fail('INVALID_SHAPE', op, 'cannot shuffle a scalar (it has no axis); shuffle a tensor of rank ≥ 1.')
  const ax = normalizeAxis(op, axis, t.rank)
  const len = t.shape[ax]!
  // a key held by a traced tensor: the permutation is known when the program runs, so gather by it
  if (isTensor(held)) return gather(t, draw(op, held, [len], len, { dist: 'permutation' }), ax)
  let outer = 1
  for (let i = 0; i < ax; i++) outer *= t.shape[i]!
  let inner = 1
  for (let i = ax + 1; i < t.rank; i++) inner *= t.shape[i]!
  const perm = dataOf(draw(op, held, [len], len, { dist: 'permutation' }))
  const src = readOf(op, t)
  const out = alloc(t.dtype, src.length, op)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < len; j++) {
      const to = (o * len + j) * inner
      const from = (o * len + perm[j]!) * inner
      for (let k = 0; k < inner; k++) out[to + k] = src[from + k]!
    }
  }
  return fromBuffer(out, t.shape)
}
