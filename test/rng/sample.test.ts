import { describe, expect, it } from 'vitest'
import { Rng, Tensor as T } from '../../src/index.js'

const k0 = Rng.key(0)
const k42 = Rng.key(42)
const arr = (t: T.Tensor): number[] => T.toArray(t)

describe('golden values (any change to these is a breaking change of every seeded result)', () => {
  it('bits', () => {
    expect(arr(Rng.bits(k0, [4]))).toEqual([1797259609, -1715843330, 1351547692, -1059176654])
    expect(arr(Rng.bits(k42, [4]))).toEqual([1832780943, 270669613, 430176367, -809760775])
  })

  it('uniform', () => {
    expect(arr(Rng.uniform(k0, [4]))).toEqual([0.41845703125, 0.6004990339279175, 0.31468164920806885, 0.7533911466598511])
    expect(arr(Rng.uniform(k42, [4]))).toEqual([0.4267275333404541, 0.06302011013031006, 0.1001582145690918, 0.8114627599716187])
    expect(arr(Rng.uniform(k0, [3], { dtype: 'float64' }))).toEqual([0.41845711022987275, 0.3146817218764961, 0.39316028345159515])
    expect(arr(Rng.uniform(k42, [3], { dtype: 'float64' }))).toEqual([0.42672756361231334, 0.10015824296670306, 0.19643803754070277])
  })

  it('normal', () => {
    expect(arr(Rng.normal(k0, [4]))).toEqual([-0.20584213733673096, 0.2546391487121582, -0.48262301087379456, 0.6852002739906311])
    expect(arr(Rng.normal(k42, [4]))).toEqual([-0.1847117394208908, -1.5299044847488403, -1.2806503772735596, 0.8832999467849731])
    expect(arr(Rng.normal(k0, [3], { dtype: 'float64' }))).toEqual([-0.2058421318306143, -0.482623007162241, -0.2710916199172625])
    expect(arr(Rng.normal(k42, [3], { dtype: 'float64' }))).toEqual([-0.18471175182983557, -1.2806504160859566, -0.8544132417120568])
  })

  it('truncatedNormal', () => {
    expect(arr(Rng.truncatedNormal(k0, [4]))).toEqual([-0.19635199010372162, 0.24281685054302216, -0.4590092897415161, 0.6490960717201233])
    expect(arr(Rng.truncatedNormal(k42, [4]))).toEqual([-0.17621764540672302, -1.3858072757720947, -1.1832696199417114, 0.8319847583770752])
    expect(arr(Rng.truncatedNormal(k0, [3], { dtype: 'float64' }))).toEqual([-0.19635198508007443, -0.45900928092268173, -0.25847150547775066])
  })

  it('bernoulli, integers, permutation', () => {
    expect(arr(Rng.bernoulli(k0, 0.5, [8]))).toEqual([1, 0, 1, 0, 1, 0, 0, 1])
    expect(arr(Rng.bernoulli(k42, 0.5, [8]))).toEqual([1, 1, 1, 0, 1, 1, 1, 1])
    expect(arr(Rng.integers(k0, [6], 0, 10))).toEqual([4, 3, 3, 7, 6, 3])
    expect(arr(Rng.integers(k42, [6], 0, 10))).toEqual([4, 1, 1, 3, 7, 4])
    expect(arr(Rng.permutation(k0, 8))).toEqual([6, 0, 7, 5, 3, 2, 4, 1])
    expect(arr(Rng.permutation(k42, 8))).toEqual([7, 6, 0, 1, 3, 2, 5, 4])
  })

  // Cross-check against JAX (values as printed in JAX's documentation / REPL, remembered to the
  // digits shown): JAX maps the first word w of PRNGKey(0)'s stream to the same uniform
  // (w >>> 9)·2^-23 = 0.41845703, and its normals (√2·erfinv of a uniform in (−1, 1), float32)
  // agree with ours to float32 rounding.
  it('agrees with JAX’s first values up to float32 rounding', () => {
    expect(arr(Rng.uniform(k0, [1]))[0]).toBeCloseTo(0.41845703, 8)
    expect(arr(Rng.normal(k0, [1]))[0]).toBeCloseTo(-0.20584226, 6)
    const [, sub] = Rng.split(k0)
    expect(arr(Rng.normal(sub, [1]))[0]).toBeCloseTo(-1.2515389, 6)
  })
})

describe('samplers', () => {
  it('return the asked shape and dtype, including scalars and empty tensors', () => {
    const cases: Array<[T.Tensor, T.DType]> = [
      [Rng.bits(k0, [2, 3]), 'int32'],
      [Rng.uniform(k0, [2, 3]), 'float32'],
      [Rng.uniform(k0, [2, 3], { dtype: 'float64' }), 'float64'],
      [Rng.normal(k0, [2, 3]), 'float32'],
      [Rng.normal(k0, [2, 3], { dtype: 'float64' }), 'float64'],
      [Rng.truncatedNormal(k0, [2, 3], { dtype: 'float64' }), 'float64'],
      [Rng.bernoulli(k0, 0.5, [2, 3], { dtype: 'int32' }), 'int32'],
      [Rng.bernoulli(k0, 0.5, [2, 3]), 'float32'],
      [Rng.integers(k0, [2, 3], -5, 5), 'int32'],
    ]
    for (const [t, d] of cases) {
      expect(t.shape).toEqual([2, 3])
      expect(t.dtype).toBe(d)
    }
    expect(Rng.normal(k0, []).shape).toEqual([])
    expect(Rng.normal(k0, []).size).toBe(1)
    expect(Rng.uniform(k0, [0, 4]).size).toBe(0)
    expect(Rng.permutation(k0, 0).shape).toEqual([0])
    expect(arr(Rng.permutation(k0, 1))).toEqual([0])
  })

  it('cross chunk boundaries seamlessly (prefix-stable streams)', () => {
    const n = 10_001
    const long = arr(Rng.normal(k42, [n]))
    const short = arr(Rng.normal(k42, [4097]))
    expect(long.slice(0, 4097)).toEqual(short)
    const l64 = arr(Rng.uniform(k42, [n], { dtype: 'float64' }))
    expect(l64.slice(0, 2049)).toEqual(arr(Rng.uniform(k42, [2049], { dtype: 'float64' })))
  })

  it('uniform stays in [min, max), also when rounding would reach max', () => {
    const u = arr(Rng.uniform(k0, [20_000], { min: -3, max: 5 }))
    expect(u.every((v) => v >= -3 && v < 5)).toBe(true)
    // an interval so narrow that float32 rounding of min + span·u lands on max
    const narrow = arr(Rng.uniform(k0, [2000], { min: 1, max: 1 + 2 ** -22 }))
    expect(narrow.every((v) => v >= 1 && v < 1 + 2 ** -22)).toBe(true)
    const n64 = arr(Rng.uniform(k0, [2000], { dtype: 'float64', min: 1, max: 1 + 2 ** -50 }))
    expect(n64.every((v) => v >= 1 && v < 1 + 2 ** -50)).toBe(true)
    // min not representable in float32: values are the float32 values ≥ min
    const odd = arr(Rng.uniform(k0, [2000], { min: 0.1, max: 0.2 }))
    expect(odd.every((v) => v >= 0.1 && v < 0.2)).toBe(true)
  })

  it('normal never returns ±Infinity and respects mean/std', () => {
    const z = arr(Rng.normal(k0, [100_000]))
    expect(z.every(Number.isFinite)).toBe(true)
    expect(Math.max(...z.map(Math.abs))).toBeLessThan(6.4)
    const c = arr(Rng.normal(k0, [5], { mean: 3, std: 0 }))
    expect(c).toEqual([3, 3, 3, 3, 3])
    const big = arr(Rng.normal(k0, [1000], { mean: 1e38, std: 1e37 }))
    expect(big.every(Number.isFinite)).toBe(true)
  })

  it('truncatedNormal stays within its bounds, also far in either tail and with infinite bounds', () => {
    const t = arr(Rng.truncatedNormal(k0, [20_000], { mean: 1, std: 0.5 }))
    expect(t.every((v) => v >= 0 && v <= 2)).toBe(true)
    const right = arr(Rng.truncatedNormal(k0, [5000], { dtype: 'float64', lower: 8, upper: 9 }))
    expect(right.every((v) => v >= 8 && v <= 9)).toBe(true)
    const left = arr(Rng.truncatedNormal(k0, [5000], { dtype: 'float64', lower: -30, upper: -29 }))
    expect(left.every((v) => v >= -30 && v <= -29)).toBe(true)
    const half = arr(Rng.truncatedNormal(k0, [5000], { lower: 0, upper: Infinity }))
    expect(half.every((v) => v >= 0 && Number.isFinite(v))).toBe(true)
    const all = arr(Rng.truncatedNormal(k0, [5000], { dtype: 'float64', lower: -Infinity, upper: Infinity }))
    expect(all.every(Number.isFinite)).toBe(true)
  })

  it('truncatedNormal with infinite bounds is the normal up to the rounding of Φ⁻¹(Φ(·))', () => {
    const a = arr(Rng.truncatedNormal(k0, [1000], { dtype: 'float64', lower: -Infinity, upper: Infinity }))
    const b = arr(Rng.normal(k0, [1000], { dtype: 'float64' }))
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-12)
  })

  it('bernoulli with p = 0 and p = 1 is constant', () => {
    expect(arr(Rng.bernoulli(k0, 0, [1000])).every((v) => v === 0)).toBe(true)
    expect(arr(Rng.bernoulli(k0, 1, [1000])).every((v) => v === 1)).toBe(true)
  })

  it('integers covers the whole int32 range and single-value ranges', () => {
    const wide = arr(Rng.integers(k0, [10_000], -(2 ** 31), 2 ** 31))
    expect(wide.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)).toBe(true)
    expect(wide.some((v) => v < 0) && wide.some((v) => v > 0)).toBe(true)
    expect(arr(Rng.integers(k0, [5], 7, 8))).toEqual([7, 7, 7, 7, 7])
    const r = arr(Rng.integers(k0, [1000], -3, 2))
    expect(new Set(r)).toEqual(new Set([-3, -2, -1, 0, 1]))
  })

  it('permutation of a large n is a permutation', () => {
    const n = 100_000
    const p = arr(Rng.permutation(k0, n))
    const seen = new Uint8Array(n)
    for (const v of p) seen[v] = 1
    expect(seen.every((s) => s === 1)).toBe(true)
  })

  it('shuffle permutes slices along the axis and keeps them whole', () => {
    const t = T.fromArray(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4], 'int32')
    for (const axis of [0, 1, 2, -1]) {
      const s = Rng.shuffle(k42, t, axis)
      expect(s.shape).toEqual([2, 3, 4])
      expect(s.dtype).toBe('int32')
      expect(T.equals(s, T.gather(t, Rng.permutation(k42, t.shape.at(axis)!), axis))).toBe(true)
      expect([...arr(s)].sort((a, b) => a - b)).toEqual(arr(t))
    }
    const rows = T.toNested(Rng.shuffle(k0, T.tensor([[1, 1], [2, 2], [3, 3], [4, 4]]))) as number[][]
    expect(rows.every((r) => r[0] === r[1])).toBe(true)
    expect(Rng.shuffle(k0, T.zeros([0, 3])).shape).toEqual([0, 3])
  })

  it('never mutates its inputs', () => {
    const t = T.tensor([1, 2, 3, 4])
    const k = Rng.key(1)
    Rng.shuffle(k, t)
    expect(arr(t)).toEqual([1, 2, 3, 4])
    expect(k.words).toEqual([0, 1])
  })
})
