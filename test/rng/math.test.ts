import { describe, expect, it } from 'vitest'
import { Rng, Tensor as T } from '../../src/index.js'
import { erfc, exp, log, normalCdf, normalQuantile } from '../../src/kernels/random/math.js'

const f64 = new Float64Array(1)
const i64 = new BigInt64Array(f64.buffer)
const u32 = new Uint32Array(f64.buffer)
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0 // little-endian: high word at index 1
const LO = 1 - HI

/** Distance in units in the last place between two doubles of the same sign (0 when identical). */
const ulps = (a: number, b: number): number => {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return 0
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity
  f64[0] = a
  const x = i64[0]!
  f64[0] = b
  const y = i64[0]!
  const d = x > y ? x - y : y - x
  return Number(d)
}

/** Doubles from raw bits (words from the generator itself), any sign and exponent. */
const randomDoubles = (n: number, seed: number): number[] => {
  const w = T.toArray(Rng.bits(Rng.key(seed), [2 * n]))
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    u32[HI] = w[2 * i]! >>> 0
    u32[LO] = w[2 * i + 1]! >>> 0
    out.push(f64[0]!)
  }
  return out
}

const fromBits = (hi: number, lo: number): number => {
  u32[HI] = hi
  u32[LO] = lo
  return f64[0]!
}

const edgeInputs = (): number[] => {
  const xs = [Number.MIN_VALUE, 2 * Number.MIN_VALUE, 1e-320, 2.2250738585072014e-308, 2.225073858507201e-308, 1e-300, 1e-100, 1e-10, 0.1, 0.5, 0.7071067811865476, 0.75, 0.9, 0.999999, 1, 1.000001, 1.4142135623730951, 1.5, 2, Math.E, 3, 10, 1e10, 1e100, 1e300, Number.MAX_VALUE]
  for (let k = -1074; k <= 1023; k++) xs.push(2 ** k)
  for (let d = -40; d <= 40; d++) xs.push(1 + d * Number.EPSILON, 1 + d * 2 ** -30, 1 + d * 2 ** -21)
  for (let m = 0; m < 64; m++) xs.push(fromBits(0x000fffff >>> (m % 20), (0xffffffff >>> m % 32) >>> 0)) // subnormals
  return xs
}

describe('log (fdlibm, deterministic)', () => {
  it('is within 1 ulp of Math.log on 200 000 random positive doubles of every magnitude', () => {
    let worst = 0
    for (const v of randomDoubles(200_000, 1)) {
      const x = Math.abs(v)
      if (!Number.isFinite(x)) continue
      worst = Math.max(worst, ulps(log(x), Math.log(x)))
    }
    expect(worst).toBeLessThanOrEqual(1)
  })

  it('is within 1 ulp of Math.log on subnormals, powers of two, values near 1, near 0 and huge', () => {
    for (const x of edgeInputs()) {
      const d = ulps(log(x), Math.log(x))
      if (d > 1) throw new Error(`log(${x}) = ${log(x)}, Math.log gives ${Math.log(x)} (${d} ulps apart)`)
    }
  })

  it('is exact where the answer is: log(1) = 0, log(2^k) = k·ln 2 to 1 ulp', () => {
    expect(Object.is(log(1), 0)).toBe(true)
    expect(ulps(log(2), Math.LN2)).toBeLessThanOrEqual(1)
    expect(ulps(log(1024), 10 * Math.LN2)).toBeLessThanOrEqual(1)
  })

  it('handles 0, negatives, NaN and infinities', () => {
    expect(log(0)).toBe(-Infinity)
    expect(log(-0)).toBe(-Infinity)
    expect(log(-1)).toBeNaN()
    expect(log(-Number.MIN_VALUE)).toBeNaN()
    expect(log(-Infinity)).toBeNaN()
    expect(log(NaN)).toBeNaN()
    expect(log(Infinity)).toBe(Infinity)
  })
})

describe('exp (fdlibm, deterministic)', () => {
  it('is within 1 ulp of Math.exp over [-746, 710] and at the edges', () => {
    const w = T.toArray(Rng.uniform(Rng.key(2), [100_000], { dtype: 'float64', min: -746, max: 710 }))
    const xs = [...w, 0, -0, 1, -1, 1e-300, -1e-300, 0.3465, 0.35, 1.04, 709.78, -708.39, -745.13, 2 ** -28, 2 ** -29]
    for (const x of xs) {
      const d = ulps(exp(x), Math.exp(x))
      if (d > 1) throw new Error(`exp(${x}) = ${exp(x)}, Math.exp gives ${Math.exp(x)} (${d} ulps apart)`)
    }
  })

  it('handles overflow, underflow, NaN and infinities', () => {
    expect(exp(710)).toBe(Infinity)
    expect(exp(-746)).toBe(0)
    expect(exp(Infinity)).toBe(Infinity)
    expect(exp(-Infinity)).toBe(0)
    expect(exp(NaN)).toBeNaN()
  })
})

describe('erfc and the normal CDF', () => {
  it('matches reference values (to 2 ulps)', () => {
    // erfc reference values (Abramowitz–Stegun / high-precision tables)
    const cases: Array<[number, number]> = [
      [0, 1],
      [0.5, 0.4795001221869534],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [10, 2.088487583762545e-45],
      [-1, 1.8427007929497148],
    ]
    for (const [x, want] of cases) expect(ulps(erfc(x), want)).toBeLessThanOrEqual(2)
    expect(erfc(30)).toBe(0)
    expect(erfc(-30)).toBe(2)
    expect(erfc(Infinity)).toBe(0)
    expect(erfc(-Infinity)).toBe(2)
    expect(erfc(NaN)).toBeNaN()
  })

  it('Φ has its textbook values and keeps relative accuracy in the lower tail', () => {
    expect(normalCdf(0)).toBe(0.5)
    expect(Math.abs(normalCdf(1.959963984540054) - 0.975)).toBeLessThan(2e-16)
    expect(Math.abs(normalCdf(-3) / 0.0013498980316300946 - 1)).toBeLessThan(4e-15)
    expect(Math.abs(normalCdf(-10) / 7.619853024160527e-24 - 1)).toBeLessThan(1e-14)
    expect(Math.abs(normalCdf(-37) / 5.725571222524e-300 - 1)).toBeLessThan(1e-12)
  })
})

describe('normalQuantile (AS 241)', () => {
  // Reference values are quantiles of the decimal probabilities; the doubles nearest them differ by
  // ~1e-17, which moves the quantile by a few ulps, hence tolerances of ~4 ulps.
  it('has its textbook values', () => {
    expect(normalQuantile(0.5)).toBe(0)
    expect(Math.abs(normalQuantile(0.975) - 1.959963984540054)).toBeLessThan(1e-15)
    expect(Math.abs(normalQuantile(0.025) + 1.959963984540054)).toBeLessThan(1e-15)
    expect(Math.abs(normalQuantile(0.8413447460685429) - 1)).toBeLessThan(1e-15)
    expect(normalQuantile(0)).toBe(-Infinity)
    expect(normalQuantile(1)).toBe(Infinity)
    expect(normalQuantile(-0.1)).toBeNaN()
    expect(normalQuantile(1.1)).toBeNaN()
    expect(normalQuantile(NaN)).toBeNaN()
  })

  it('inverts Φ to ~1e-15 relative over [−37, 0] (all three branches)', () => {
    const zs = T.toArray(Rng.uniform(Rng.key(3), [20_000], { dtype: 'float64', min: -37, max: 0 }))
    let worst = 0
    for (const z of zs) worst = Math.max(worst, Math.abs(normalQuantile(normalCdf(z)) - z) / Math.max(1, Math.abs(z)))
    expect(worst).toBeLessThan(2e-15)
  })

  it('is antisymmetric: Φ⁻¹(1 − p) = −Φ⁻¹(p) for p on the samplers’ grids', () => {
    for (let i = 0; i < 1000; i++) {
      const p = (i * 4294967 + 0.5) * 2 ** -32
      expect(normalQuantile(1 - p)).toBe(-normalQuantile(p))
    }
  })
})
