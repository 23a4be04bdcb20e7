/**
 * Samplers that read the key's bit stream directly: raw bits, uniforms and Bernoulli masks.
 *
 * The stream of a key is the sequence of 32-bit words block(key, (0, 0)), block(key, (1, 0)), …
 * (two words per Threefry block). One-word samplers use word i for element i; 64-bit samplers use
 * block i for element i. The stream is prefix-stable (the first elements do not depend on the
 * shape asked for) and is the same for every sampler, so the same key gives the same bits.
 *
 * @since 0.1.0
 */
import { type DType, type FloatDType, alloc } from '../core/dtype.js'
import { fail } from '../core/errors.js'
import type { Shape } from '../core/shape.js'
import { type Tensor, fromBuffer, isTensor } from '../core/Tensor.js'
import { F32_MAX, float32AtOrAbove, float32Below } from '../kernels/random/float.js'
import { fillWords } from '../kernels/random/threefry.js'
import { checkAnyDType, checkFloatDType, checkOptions, checkSampleShape, finiteOption, show } from './check.js'
import { draw, streamOf } from './draw.js'
import { type Key, heldBy } from './Key.js'

/**
 * The key's raw stream: element i is the i-th 32-bit word, stored in an `int32` tensor with the
 * same bit pattern (read a word as unsigned with `w >>> 0`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T } from 'puregrad'
 * const b = T.toArray(Rng.bits(Rng.key(0), [2]))
 * assert.deepStrictEqual(b.map((w) => w >>> 0), [0x6b200159, 0x99ba4efe])
 * assert.deepStrictEqual(b.map((w) => w >>> 0), [...Rng.threefry2x32(0, 0, 0, 0)])
 * @category samplers
 */
export const bits = (key: Key, shape: Shape): Tensor => {
  const op = 'bits'
  const held = heldBy(op, key)
  const { shape: s, size: n } = checkSampleShape(op, shape)
  if (isTensor(held)) return streamOf(held, s)
  const [k0, k1] = held
  const out = alloc('int32', n, op) as Int32Array
  fillWords(k0, k1, 0, new Uint32Array(out.buffer), n)
  return fromBuffer(out, s)
}

/** Options of `uniform`. @category model */
export interface UniformOptions {
  /** 'float32' (default) or 'float64' */
  readonly dtype?: FloatDType
  /** lower end, included (default 0) */
  readonly min?: number
  /** upper end, excluded (default 1) */
  readonly max?: number
}

/**
 * Uniform values in [min, max).
 *
 * float32: u = (w >>> 9)·2^-23 from the top 23 bits of word i (u on a grid of 2^23 points in
 * [0, 1)); float64: u = m·2^-53 with m the top 53 bits of block i (26 + 27 bits of its words).
 * The value is min + (max − min)·u, rounded to the dtype and kept inside [min, max) (a result
 * that rounds up to max becomes the largest value below it).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T } from 'puregrad'
 * const u = T.toArray(Rng.uniform(Rng.key(0), [1000], { min: -1, max: 1 }))
 * assert.ok(u.every((v) => v >= -1 && v < 1))
 * // prefix-stable: fewer values from the same key are the first ones of the longer draw
 * assert.deepStrictEqual(T.toArray(Rng.uniform(Rng.key(0), [3], { min: -1, max: 1 })), u.slice(0, 3))
 * @category samplers
 */
export const uniform = (key: Key, shape: Shape, options?: UniformOptions): Tensor => {
  const op = 'uniform'
  const held = heldBy(op, key)
  const { shape: s, size: n } = checkSampleShape(op, shape)
  const o = checkOptions<UniformOptions>(op, options, "{ dtype: 'float64', min: -1, max: 1 }", ['dtype', 'min', 'max'])
  const dtype = checkFloatDType(op, o.dtype)
  const min = finiteOption(op, 'min', o.min, 0)
  const max = finiteOption(op, 'max', o.max, 1)
  if (!(min < max)) fail('INVALID_ARGUMENT', op, `min must be below max (the interval is [min, max)); got min ${min} and max ${max}.`)
  if (!Number.isFinite(max - min)) fail('INVALID_ARGUMENT', op, `max − min overflows (min ${min}, max ${max}); use a narrower interval.`)
  if (dtype === 'float32') {
    if (Math.abs(min) > F32_MAX || Math.abs(max) > F32_MAX) {
      fail('INVALID_ARGUMENT', op, `min ${min} and max ${max} must lie within the float32 range (±3.4e38); use dtype 'float64'.`)
    }
    if (!(float32AtOrAbove(min) <= float32Below(max))) fail('INVALID_ARGUMENT', op, `no float32 value lies in [${min}, ${max}); widen the interval or use dtype 'float64'.`)
  }
  return draw(op, held, s, n, { dist: 'uniform', dtype, min, max })
}

/** Options of `bernoulli`. @category model */
export interface BernoulliOptions {
  /** dtype of the 0/1 values: 'float32' (default), 'float64' or 'int32' */
  readonly dtype?: DType
}

/**
 * Independent 0/1 values, each 1 with probability p (a dropout keep-mask is
 * `bernoulli(key, 1 - rate, shape)`).
 *
 * Element i is 1 when word i < p·2^32, so P(1) = ⌈p·2^32⌉ / 2^32, within 2^-32 of p; p = 0 gives
 * all zeros and p = 1 all ones. For the same key, a larger p only turns zeros into ones.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T } from 'puregrad'
 * const half = T.toArray(Rng.bernoulli(Rng.key(0), 0.5, [1000]))
 * const most = T.toArray(Rng.bernoulli(Rng.key(0), 0.9, [1000]))
 * assert.ok(half.every((v) => v === 0 || v === 1))
 * // with the same key, a larger p only turns zeros into ones
 * assert.ok(half.every((v, i) => v <= most[i]!))
 * @category samplers
 */
export const bernoulli = (key: Key, p: number, shape: Shape, options?: BernoulliOptions): Tensor => {
  const op = 'bernoulli'
  const held = heldBy(op, key)
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    fail(
      'INVALID_ARGUMENT',
      op,
      `p is the probability of a 1 and must be a number in [0, 1]; got ${typeof p === 'object' && p !== null ? 'an object (pass p as a plain number)' : show(p)}.` +
        (typeof p === 'number' && p > 1 && p <= 100 ? ' A percentage must be divided by 100.' : ''),
    )
  }
  const { shape: s, size: n } = checkSampleShape(op, shape)
  const o = checkOptions<BernoulliOptions>(op, options, "{ dtype: 'int32' }", ['dtype'])
  const dtype = checkAnyDType(op, o.dtype)
  return draw(op, held, s, n, { dist: 'bernoulli', dtype, p })
}
