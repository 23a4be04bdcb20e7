import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { Ad, Rng, Tensor as T } from '../src/index.js'
import { normalCdf } from '../src/kernels/random/math.js'
import * as arb from './arb/tensor.js'
import { deepEqual, exact } from './Equiv.js'
import * as L from './rng.js'

/** The smallest float32 value ≥ x. */
const float32AtOrAbove = (x: number): number => {
  const f = Math.fround(x)
  if (f >= x) return f
  const bits = new Int32Array(new Float32Array([f]).buffer)
  bits[0]! += f >= 0 ? 1 : -1
  return new Float32Array(bits.buffer)[0]!
}

/** Any key: two arbitrary 32-bit words. */
const anyKey = fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })).map(([a, b]) => Rng.keyFromWords(a, b))
/** Keys from seeds, including negative ones. */
const seededKey = fc.maxSafeInteger().map((s) => Rng.key(s))
const key = fc.oneof(anyKey, seededKey)
const samplerName = fc.constantFrom(...Object.keys(L.samplers))
const sampler = (name: string): L.Sampler => L.samplers[name]!

describe('structural laws (random keys)', () => {
  test.prop([samplerName, key, arb.shape({ maxDim: 5 })])('same key ⇒ bit-identical tensors, for every sampler', (name, k, s) => {
    expect(L.determinism(sampler(name), k, s)).toHold(exact)
  })

  test.prop([key, arb.shape({ maxDim: 6 })])('same key ⇒ same permutation and shuffle', (k, s) => {
    const n = s[0] ?? 3
    expect(L.determinism((kk) => Rng.permutation(kk, n), k, [])).toHold(exact)
    const t = T.arange(T.sizeOf(s))
    expect(L.determinism((kk) => Rng.shuffle(kk, T.reshape(t, s.length === 0 ? [1] : s)), k, [])).toHold(exact)
  })

  test.prop([samplerName, key, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 })])('only the element count matters, not the shape', (name, k, a, b) => {
    expect(L.shapeIndependence(sampler(name), k, a, b)).toHold(exact)
  })

  test.prop([samplerName, key, fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 })])('samples are prefix-stable', (name, k, x, y) => {
    expect(L.prefixStable(sampler(name), k, Math.max(x, y), Math.min(x, y))).toHold(exact)
  })

  test.prop([key, fc.integer({ min: 0, max: 64 })])('split keys differ from each other and from the parent', (k, n) => {
    expect(L.splitDistinct(k, n)).toHold(deepEqual)
  })

  test.prop([key, fc.integer({ min: 0, max: 16 })])('split is deterministic', (k, n) => {
    expect(L.splitDeterministic(k, n)).toHold(deepEqual)
  })

  test.prop([key, fc.maxSafeInteger(), fc.maxSafeInteger()])('foldIn is injective in its data', (k, a, b) => {
    expect(L.foldInInjective(k, a, b)).toHold(deepEqual)
    expect(L.foldInInjective(k, a, a)).toHold(deepEqual)
  })

  test.prop([key, fc.integer({ min: 0, max: 300 })])('float32 uniform is (w >>> 9)·2^-23 of the raw bits', (k, n) => {
    expect(L.uniformFromBits(k, n)).toHold(exact)
  })

  test.prop([
    key,
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
    fc.constantFrom<T.FloatDType>('float32', 'float64'),
  ])('uniform lies in [min, max)', (k, min, width, dtype) => {
    const max = min + width
    // float32 needs a float32 value inside [min, max): the smallest one at or above min
    fc.pre(dtype === 'float64' || float32AtOrAbove(min) < max)
    expect(L.inRange(Rng.uniform(k, [200], { dtype, min, max }), min, max, true)).toHold(deepEqual)
  })

  test.prop([key, fc.double({ min: -8, max: 8, noNaN: true }), fc.double({ min: 0.01, max: 8, noNaN: true })])(
    'truncatedNormal lies within [mean + lower·std, mean + upper·std]',
    (k, lower, width) => {
      const upper = lower + width
      const t = Rng.truncatedNormal(k, [200], { dtype: 'float64', mean: 1, std: 3, lower, upper })
      expect(L.inRange(t, 1 + 3 * lower, 1 + 3 * upper, false)).toHold(deepEqual)
    },
  )

  test.prop([key, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 2 ** 32 })])('integers lie in [low, high)', (k, low, width) => {
    const high = Math.min(low + width, 2 ** 31)
    const t = Rng.integers(k, [200], low, high)
    expect(L.inRange(t, low, high, true)).toHold(deepEqual)
  })

  test.prop([key, fc.integer({ min: 0, max: 200 }), fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true })])(
    'normal(mean, std) = mean + std·normal(0, 1)',
    (k, n, m, s) => {
      expect(L.normalAffine(k, n, m, s)).toHold(exact)
    },
  )

  test.prop([key, fc.integer({ min: 0, max: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'bernoulli is monotone in p for a fixed key',
    (k, n, p, q) => {
      expect(L.bernoulliMonotone(k, n, p, q)).toHold(exact)
    },
  )

  test.prop([key, fc.integer({ min: 0, max: 500 })])('permutation is a permutation', (k, n) => {
    expect(L.permutationIsPermutation(k, n)).toHold(exact)
  })

  test.prop([key, arb.tensor({ minRank: 1, maxRank: 3, maxDim: 5 }), fc.nat()])('shuffle gathers the slices at permutation(key, n)', (k, t, a) => {
    expect(L.shuffleIsGather(k, t, a % t.rank)).toHold(exact)
  })
})

describe('keys as data: jit and vmap draw what the key draws, bit for bit', () => {
  test.prop([samplerName, key, arb.shape({ maxDim: 5 })], { numRuns: 30 })('jit(sampler)(key) = sampler(key), for every sampler', (name, k, s) => {
    expect(L.jitEqualsEager(sampler(name), k, s)).toHold(exact)
  })

  test.prop([samplerName, key, fc.integer({ min: 1, max: 4 }), arb.shape({ maxRank: 2, maxDim: 4 })], { numRuns: 30 })(
    'vmap(sampler) over split keys stacks each key\'s draw (independent draws)',
    (name, k, n, s) => {
      expect(L.vmapEqualsEach(sampler(name), Rng.split(k, n), s)).toHold(exact)
    },
  )

  test.prop([key, fc.integer({ min: 0, max: 40 }), arb.tensor({ minRank: 1, maxRank: 3, maxDim: 5 }), fc.nat()], { numRuns: 30 })(
    'permutation and shuffle under jit',
    (k, n, t, a) => {
      expect(L.jitEqualsEager((kk) => Rng.permutation(kk, n), k, [])).toHold(exact)
      expect(L.jitEqualsEager((kk) => Rng.shuffle(kk, t, a % t.rank), k, [])).toHold(exact)
    },
  )

  test.prop([key, fc.integer({ min: 0, max: 9 }), fc.maxSafeInteger()], { numRuns: 30 })('split and foldIn of a traced key', (k, n, d) => {
    expect(L.derivedKeysUnderJit(k, n, d)).toHold(deepEqual)
  })

  test.prop([key, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })])('foldIn of an int32 scalar tensor is foldIn of its value, traced or not', (k, d) => {
    const data = T.scalar(d, 'int32')
    expect(Rng.foldIn(k, data)).toEqual(Rng.foldIn(k, d))
    expect(Ad.jit((kk: Rng.Key, dd: T.Tensor) => Rng.foldIn(kk, dd))(k, data)).toEqual(Rng.foldIn(k, d))
  })
})

describe('statistical laws (fixed keys: deterministic, never flaky)', () => {
  const root = Rng.key(12345)
  const n = 100_000

  it('the two halves of a split give uncorrelated streams (|r| ≤ 4/√n)', () => {
    expect(L.splitUncorrelated(root, n)).toHold(deepEqual)
    const [a] = Rng.split(root)
    expect(L.splitUncorrelated(a!, n)).toHold(deepEqual)
  })

  it('parent and child, sibling foldIns and lag-1 neighbours are uncorrelated', () => {
    const bound = 4 / Math.sqrt(n)
    const u = (k: Rng.Key): number[] => T.toArray(Rng.uniform(k, [n], { dtype: 'float64' }))
    const parent = u(root)
    const [c0, c1] = Rng.split(root)
    expect(L.within('r(parent, child)', L.correlation(parent, u(c0!)), -bound, bound)).toHold(deepEqual)
    expect(L.within('r(parent, child 2)', L.correlation(parent, u(c1!)), -bound, bound)).toHold(deepEqual)
    expect(L.within('r(foldIn 0, foldIn 1)', L.correlation(u(Rng.foldIn(root, 0)), u(Rng.foldIn(root, 1))), -bound, bound)).toHold(deepEqual)
    expect(L.within('lag-1 autocorrelation', L.correlation(parent.slice(1), parent.slice(0, -1)), -bound, bound)).toHold(deepEqual)
    // words 2j and 2j + 1 come from the same block
    const f32 = T.toArray(Rng.uniform(root, [2 * n]))
    const even = f32.filter((_, i) => i % 2 === 0)
    const odd = f32.filter((_, i) => i % 2 === 1)
    expect(L.within('r(word 2j, word 2j + 1)', L.correlation(even, odd), -bound, bound)).toHold(deepEqual)
  })

  it('many split keys give first values that are uniform (χ²)', () => {
    const keys = Rng.split(root, 20_000)
    const firsts = keys.map((k) => T.toArray(Rng.uniform(k, [1], { dtype: 'float64' }))[0]!)
    expect(L.within('χ² of first values', L.chiSquareUniform(L.bucketCounts(firsts, 50)), 0, L.chiSquareBound(49))).toHold(deepEqual)
  })

  it('bucketed uniforms are flat (χ², float32 and float64)', () => {
    expect(L.uniformFlat(Rng.uniform(root, [n]), 100)).toHold(deepEqual)
    expect(L.uniformFlat(Rng.uniform(Rng.foldIn(root, 1), [n], { dtype: 'float64' }), 100)).toHold(deepEqual)
    const u = T.toArray(Rng.uniform(Rng.foldIn(root, 2), [n]))
    expect(L.within('uniform mean', L.mean(u), 0.5 - 5 * Math.sqrt(1 / 12 / n), 0.5 + 5 * Math.sqrt(1 / 12 / n))).toHold(deepEqual)
  })

  it('normals have mean 0, variance 1, normal tails and a small KS distance to Φ', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const z = T.toArray(Rng.normal(Rng.foldIn(root, 3), [n], { dtype }))
      expect(L.within(`${dtype} normal mean`, L.mean(z), -5 / Math.sqrt(n), 5 / Math.sqrt(n))).toHold(deepEqual)
      expect(L.within(`${dtype} normal variance`, L.variance(z), 1 - 5 * Math.sqrt(2 / n), 1 + 5 * Math.sqrt(2 / n))).toHold(deepEqual)
      const tail = z.filter((v) => Math.abs(v) > 3).length / n
      const p3 = 2 * normalCdf(-3)
      const se = Math.sqrt((p3 * (1 - p3)) / n)
      expect(L.within(`${dtype} P(|z| > 3)`, tail, p3 - 5 * se, p3 + 5 * se)).toHold(deepEqual)
      expect(L.within(`${dtype} KS·√n`, L.ksStatistic(z, normalCdf), 0, 2)).toHold(deepEqual)
    }
  })

  it('truncated normals have the truncated moments, also in the mirrored tail branch', () => {
    const moments = (a: number, b: number): [number, number] => {
      const phi = (x: number): number => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI)
      const Z = normalCdf(b) - normalCdf(a)
      const m = (phi(a) - phi(b)) / Z
      const v = 1 + (a * phi(a) - b * phi(b)) / Z - m * m
      return [m, v]
    }
    for (const [a, b] of [[-2, 2], [1, 3], [-3, -0.5], [4, 6]] as const) {
      const z = T.toArray(Rng.truncatedNormal(Rng.foldIn(root, 4), [n], { dtype: 'float64', lower: a, upper: b }))
      const [m, v] = moments(a, b)
      const se = Math.sqrt(v / n)
      expect(L.within(`mean on [${a}, ${b}]`, L.mean(z), m - 5 * se, m + 5 * se)).toHold(deepEqual)
      expect(L.within(`variance on [${a}, ${b}]`, L.variance(z) / v, 1 - 5 * Math.sqrt(2 / n), 1 + 5 * Math.sqrt(2 / n))).toHold(deepEqual)
      const cdf = (x: number): number => (normalCdf(x) - normalCdf(a)) / (normalCdf(b) - normalCdf(a))
      expect(L.within(`KS·√n on [${a}, ${b}]`, L.ksStatistic(z, cdf), 0, 2)).toHold(deepEqual)
    }
  })

  it('bernoulli frequencies match p', () => {
    for (const p of [0.001, 0.1, 0.5, 0.9]) {
      const f = L.mean(T.toArray(Rng.bernoulli(Rng.foldIn(root, 5), p, [n])))
      const se = Math.sqrt((p * (1 - p)) / n)
      expect(L.within(`frequency for p = ${p}`, f, p - 5 * se, p + 5 * se)).toHold(deepEqual)
    }
  })

  it('integers are uniform over small and huge ranges (χ²)', () => {
    const small = T.toArray(Rng.integers(Rng.foldIn(root, 6), [n], -3, 7))
    const counts = new Array<number>(10).fill(0)
    for (const v of small) counts[v + 3]! += 1
    expect(L.within('χ² of integers in [-3, 7)', L.chiSquareUniform(counts), 0, L.chiSquareBound(9))).toHold(deepEqual)
    // a range that is not a power of two and close to 2^32, where modulo bias would be largest
    const r = 3 * 2 ** 30
    const big = T.toArray(Rng.integers(Rng.foldIn(root, 7), [n], -(2 ** 31), -(2 ** 31) + r))
    const thirds = [0, 0, 0]
    for (const v of big) thirds[Math.floor(((v + 2 ** 31) / r) * 3)]! += 1
    expect(L.within('χ² of thirds of [−2^31, 2^31 + 2^30)', L.chiSquareUniform(thirds), 0, L.chiSquareBound(2))).toHold(deepEqual)
  })

  it('permutations: all 3! orders equally likely, every position uniform for n = 6', () => {
    const orders = new Map<string, number>()
    const pos = Array.from({ length: 6 }, () => new Array<number>(6).fill(0))
    const m = 12_000
    for (let i = 0; i < m; i++) {
      const k = Rng.foldIn(root, i)
      const p3 = T.toArray(Rng.permutation(k, 3)).join('')
      orders.set(p3, (orders.get(p3) ?? 0) + 1)
      T.toArray(Rng.permutation(Rng.foldIn(k, 1), 6)).forEach((v, j) => (pos[j]![v]! += 1))
    }
    expect(orders.size).toBe(6)
    expect(L.within('χ² of the 6 orders of 3', L.chiSquareUniform([...orders.values()]), 0, L.chiSquareBound(5))).toHold(deepEqual)
    const chi = pos.flat().reduce((s, c) => s + (c - m / 6) ** 2 / (m / 6), 0)
    expect(L.within('χ² of position × value for n = 6', chi, 0, L.chiSquareBound(25))).toHold(deepEqual)
  })
})
