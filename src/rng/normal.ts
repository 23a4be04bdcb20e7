/**
 * Normal samplers by inversion: z = Φ⁻¹(u) for u uniform in the open interval (0, 1), with
 * Φ⁻¹ computed by Wichura's AS 241 in deterministic arithmetic (see `math.ts`), so the values
 * are the same on every engine and never ±Infinity.
 *
 * Inversion uses exactly one uniform per value (unlike Box–Muller or rejection), so values stay
 * aligned with the key's bit stream: element i depends on word i (float32) or block i (float64).
 *
 * @since 0.1.0
 */
import type { FloatDType } from '../core/dtype.js'
import { fail } from '../core/errors.js'
import type { Shape } from '../core/shape.js'
import type { Tensor } from '../core/Tensor.js'
import { F32_MAX } from '../kernels/random/float.js'
import { normalCdf } from '../kernels/random/math.js'
import { boundOption, checkFloatDType, checkOptions, checkSampleShape, finiteOption } from './check.js'
import { draw } from './draw.js'
import { type Key, heldBy } from './Key.js'

/** Options of `normal`. @category model */
export interface NormalOptions {
  /** 'float32' (default) or 'float64' */
  readonly dtype?: FloatDType
  /** default 0 */
  readonly mean?: number
  /** standard deviation ≥ 0, default 1 */
  readonly std?: number
}

/** Options of `truncatedNormal`. @category model */
export interface TruncatedNormalOptions extends NormalOptions {
  /** lower bound in standard deviations from the mean (default −2; −Infinity allowed) */
  readonly lower?: number
  /** upper bound in standard deviations from the mean (default 2; Infinity allowed) */
  readonly upper?: number
}

interface Location {
  readonly dtype: FloatDType
  readonly mean: number
  readonly std: number
}

/** Validates dtype, mean and std, and that mean ± maxAbsZ·std stays finite in the dtype. @internal */
const location = (op: string, o: Partial<NormalOptions>, maxAbsZ: number): Location => {
  const dtype = checkFloatDType(op, o.dtype)
  const mean = finiteOption(op, 'mean', o.mean, 0)
  const std = finiteOption(op, 'std', o.std, 1)
  if (std < 0) fail('INVALID_ARGUMENT', op, `std must be ≥ 0; got ${std}. A negative spread is not a standard deviation: pass its absolute value.`)
  const z = maxAbsZ
  const limit = dtype === 'float32' ? F32_MAX : Number.MAX_VALUE
  if (!(Math.abs(mean) + z * std <= limit)) {
    fail('INVALID_ARGUMENT', op, `mean ${mean} ± ${z}·std (std ${std}) leaves the ${dtype} range, so values could overflow to ±Infinity; use a smaller mean or std${dtype === 'float32' ? ", or dtype 'float64'" : ''}.`)
  }
  return { dtype, mean, std }
}

/**
 * Normally distributed values with the given mean and standard deviation.
 *
 * float32: u = (w + ½)·2^-32 from word i, so |z| ≤ Φ⁻¹(1 − 2^-33) ≈ 6.3; float64: u = (m + ½)·2^-52
 * from the top 52 bits m of block i, so |z| ≤ 8.2. The value is mean + std·z rounded to the dtype.
 * The grids are symmetric about ½, so the distribution of z is exactly symmetric.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T } from 'puregrad'
 * const x = T.toArray(Rng.normal(Rng.key(0), [10000], { mean: 3, std: 2 }))
 * const mean = x.reduce((a, b) => a + b, 0) / x.length
 * const std = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length)
 * assert.ok(Math.abs(mean - 3) < 0.05 && Math.abs(std - 2) < 0.05)
 * @category samplers
 */
export const normal = (key: Key, shape: Shape, options?: NormalOptions): Tensor => {
  const op = 'normal'
  const held = heldBy(op, key)
  const { shape: s, size: n } = checkSampleShape(op, shape)
  const o = checkOptions<NormalOptions>(op, options, "{ dtype: 'float64', mean: 0, std: 0.01 }", ['dtype', 'mean', 'std'])
  const { dtype, mean, std } = location(op, o, 9)
  return draw(op, held, s, n, { dist: 'normal', dtype, mean, std })
}

/** Φ(x) below which an interval carries too little probability to sample by inversion. @internal */
const TINY = 1e-300

/**
 * Normal values conditioned to lie in [mean + lower·std, mean + upper·std] (bounds in standard
 * deviations, default ±2, as in the usual "truncated normal" weight initialisers).
 *
 * Inversion restricted to the interval: z = Φ⁻¹(Φ(lower) + u·(Φ(upper) − Φ(lower))) with u as in
 * `normal`, clamped to [lower, upper]. When lower > 0 the mirrored interval is sampled and
 * negated, so intervals far in either tail keep full precision; an interval whose probability
 * underflows (beyond about 37 standard deviations) is refused. As mean + std·z is monotone in z,
 * every value lies between the dtype roundings of mean + std·lower and mean + std·upper.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T } from 'puregrad'
 * // the default bounds are ±2 standard deviations: here ±0.2
 * const x = T.toArray(Rng.truncatedNormal(Rng.key(0), [1000], { std: 0.1 }))
 * assert.ok(x.every((v) => Math.abs(v) <= Math.fround(0.2)))
 * @category samplers
 */
export const truncatedNormal = (key: Key, shape: Shape, options?: TruncatedNormalOptions): Tensor => {
  const op = 'truncatedNormal'
  const held = heldBy(op, key)
  const { shape: s, size: n } = checkSampleShape(op, shape)
  const o = checkOptions<TruncatedNormalOptions>(op, options, '{ std: 0.02, lower: -2, upper: 2 }', ['dtype', 'mean', 'std', 'lower', 'upper'])
  const lower = boundOption(op, 'lower', o.lower, -2)
  const upper = boundOption(op, 'upper', o.upper, 2)
  // |z| ≤ max(|lower|, |upper|), and never beyond ~38 (Φ of the interval is at least 1e-300)
  const { dtype, mean, std } = location(op, o, Math.min(40, Math.max(Math.abs(lower), Math.abs(upper))))
  if (!(lower < upper)) fail('INVALID_ARGUMENT', op, `lower must be below upper (both in standard deviations); got lower ${lower} and upper ${upper}.`)
  // the interval sampled: mirrored when above 0 (see the conversion)
  if (!(normalCdf(lower > 0 ? -lower : upper) >= TINY)) {
    fail('INVALID_ARGUMENT', op, `[${lower}, ${upper}] lies so far in the tail (probability below 1e-300) that it cannot be sampled; keep the interval within about ±37 standard deviations.`)
  }
  return draw(op, held, s, n, { dist: 'truncatedNormal', dtype, mean, std, lower, upper })
}
