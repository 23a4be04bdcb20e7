/**
 * From stream words to values: how each sampler turns a key's 32-bit words into uniform,
 * normal, Bernoulli or integer values and permutations. The eager samplers (`rng/`) run these
 * on the words of one chunk at a time; the `fromBits` primitive runs them on words computed by
 * `randomBits` inside a program. Both run the same code, so a sample is the same bit for bit
 * whether its key was a value or traced by `jit` or `vmap`.
 *
 * An element takes `wordsPer(dist)` consecutive words: one for float32 values and Bernoulli
 * draws, two (one Threefry block) for float64 values, integers and permutation steps.
 * @internal
 */
import type { Buffer, DType, FloatDType } from '../../core/dtype.js'
import { float32AtOrAbove, float32Below, prevDouble } from './float.js'
import { normalCdf, normalQuantile } from './math.js'

/** A distribution and its parameters, as the public samplers have checked them. */
export type Dist =
  | { readonly dist: 'uniform'; readonly dtype: FloatDType; readonly min: number; readonly max: number }
  | { readonly dist: 'normal'; readonly dtype: FloatDType; readonly mean: number; readonly std: number }
  | { readonly dist: 'truncatedNormal'; readonly dtype: FloatDType; readonly mean: number; readonly std: number; readonly lower: number; readonly upper: number }
  | { readonly dist: 'bernoulli'; readonly dtype: DType; readonly p: number }
  | { readonly dist: 'integers'; readonly low: number; readonly high: number }
  | { readonly dist: 'permutation' }

/** Words each element takes: 1 or 2. */
export const wordsPer = (d: Dist): 1 | 2 => {
  switch (d.dist) {
    case 'uniform':
    case 'normal':
    case 'truncatedNormal':
      return d.dtype === 'float32' ? 1 : 2
    case 'bernoulli':
      return 1
    default:
      return 2
  }
}

/** The dtype of the values. */
export const dtypeOfDist = (d: Dist): DType => (d.dist === 'integers' || d.dist === 'permutation' ? 'int32' : d.dtype)

/** Writes `m` values to `out[at …]` from the words `w[from …]` (`wordsPer` words each). */
export type Convert = (w: Uint32Array, from: number, out: Buffer, at: number, m: number) => void

/** 2^-23 */
const TWO_M23 = 1.1920928955078125e-7
/** 2^-32 */
const TWO_M32 = 2.3283064365386963e-10
/** 2^-52 */
const TWO_M52 = 2.220446049250313e-16
/** 2^-53 */
const TWO_M53 = 1.1102230246251565e-16
const TWO16 = 65536
/** 2^26 */
const TWO26 = 67108864
const TWO32 = 4294967296

/**
 * Uniform in [min, max). float32: u = (w >>> 9)·2^-23 from one word, the value min + (max − min)·u
 * kept within the float32 values of [min, max); float64: u = m·2^-53 with m the top 53 bits of a
 * block (26 + 27 bits of its words), the value kept below max.
 */
const uniform = (dtype: FloatDType, min: number, max: number): Convert => {
  const span = max - min
  if (dtype === 'float32') {
    const lo = float32AtOrAbove(min)
    const hi = float32Below(max)
    return (w, from, out, at, m) => {
      for (let t = 0; t < m; t++) {
        const v = min + span * ((w[from + t]! >>> 9) * TWO_M23)
        out[at + t] = v < lo ? lo : v > hi ? hi : v
      }
    }
  }
  const hi = prevDouble(max)
  return (w, from, out, at, m) => {
    for (let t = 0; t < m; t++) {
      const u = ((w[from + 2 * t]! >>> 5) * TWO26 + (w[from + 2 * t + 1]! >>> 6)) * TWO_M53
      const v = min + span * u
      out[at + t] = v > hi ? hi : v
    }
  }
}

/** u in (0, 1): (w + ½)·2^-32 from one word (float32) or (m + ½)·2^-52 from the top 52 bits of a block (float64), then `at(u)`. */
const byInversion = (dtype: FloatDType, value: (u: number) => number): Convert =>
  dtype === 'float32'
    ? (w, from, out, at, m) => {
        for (let t = 0; t < m; t++) out[at + t] = value((w[from + t]! + 0.5) * TWO_M32)
      }
    : (w, from, out, at, m) => {
        for (let t = 0; t < m; t++) {
          const bits52 = (w[from + 2 * t]! >>> 6) * TWO26 + (w[from + 2 * t + 1]! >>> 6)
          out[at + t] = value((bits52 + 0.5) * TWO_M52)
        }
      }

/** mean + std·Φ⁻¹(u). */
const normal = (dtype: FloatDType, mean: number, std: number): Convert =>
  dtype === 'float32'
    ? (w, from, out, at, m) => {
        for (let t = 0; t < m; t++) out[at + t] = mean + std * normalQuantile((w[from + t]! + 0.5) * TWO_M32)
      }
    : byInversion(dtype, (u) => mean + std * normalQuantile(u))

/**
 * mean + std·z with z = Φ⁻¹(Φ(lower) + u·(Φ(upper) − Φ(lower))) clamped to [lower, upper]; an
 * interval above 0 is sampled mirrored and negated, so far tails keep their precision.
 */
const truncatedNormal = (dtype: FloatDType, mean: number, std: number, lower: number, upper: number): Convert => {
  const flip = lower > 0
  const a = flip ? -upper : lower
  const b = flip ? -lower : upper
  const pa = normalCdf(a)
  const width = normalCdf(b) - pa
  const sign = flip ? -1 : 1
  return byInversion(dtype, (u) => {
    let z = normalQuantile(pa + u * width)
    if (z < a) z = a
    else if (z > b) z = b
    return mean + std * (sign * z)
  })
}

/** 1 when the word is below p·2^32, else 0. */
const bernoulli = (p: number): Convert => {
  const threshold = p * TWO32
  return (w, from, out, at, m) => {
    for (let t = 0; t < m; t++) out[at + t] = w[from + t]! < threshold ? 1 : 0
  }
}

/** ⌊a·b / 2^32⌋ for integers 0 ≤ a, b < 2^32, exactly. */
export const mulHigh32 = (a: number, b: number): number => {
  const p1 = (a >>> 16) * b // < 2^48, exact
  const p0 = (a & 0xffff) * b // < 2^48, exact
  const p1h = Math.floor(p1 / TWO16)
  return p1h + Math.floor(((p1 - p1h * TWO16) * TWO16 + p0) / TWO32)
}

/** ⌊(xh·2^32 + xl)·r / 2^64⌋ for words xh, xl and 1 ≤ r ≤ 2^32, exactly: a draw in [0, r). */
export const below = (xh: number, xl: number, r: number): number => {
  if (r === TWO32) return xh
  const carry = (Math.imul(xh, r) >>> 0) + mulHigh32(xl, r) >= TWO32 ? 1 : 0
  return mulHigh32(xh, r) + carry
}

/** low + ⌊X·(high − low) / 2^64⌋ for the block X of each element. */
const integers = (low: number, high: number): Convert => {
  const r = high - low
  return (w, from, out, at, m) => {
    for (let t = 0; t < m; t++) out[at + t] = low + below(w[from + 2 * t]!, w[from + 2 * t + 1]!, r)
  }
}

/**
 * A permutation of 0 … m − 1 at `out[at …]` by Fisher–Yates: step i (from m − 1 down to 1)
 * swaps i with a draw in [0, i] from block i of the words.
 */
const permutation: Convert = (w, from, out, at, m) => {
  for (let i = 0; i < m; i++) out[at + i] = i
  for (let i = m - 1; i >= 1; i--) {
    const j = below(w[from + 2 * i]!, w[from + 2 * i + 1]!, i + 1)
    const t = out[at + i]!
    out[at + i] = out[at + j]!
    out[at + j] = t
  }
}

/**
 * The conversion of a distribution. For `permutation`, `m` is the length of one permutation
 * (its words are the 2m words of m blocks); for the others, the number of elements.
 */
export const converter = (d: Dist): Convert => {
  switch (d.dist) {
    case 'uniform':
      return uniform(d.dtype, d.min, d.max)
    case 'normal':
      return normal(d.dtype, d.mean, d.std)
    case 'truncatedNormal':
      return truncatedNormal(d.dtype, d.mean, d.std, d.lower, d.upper)
    case 'bernoulli':
      return bernoulli(d.p)
    case 'integers':
      return integers(d.low, d.high)
    case 'permutation':
      return permutation
  }
}
