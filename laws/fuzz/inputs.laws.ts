/**
 * Fuzzing the remaining user-facing inputs: random keys and sample options, data utilities
 * (normalisation, PCA, augmentation), losses on mismatched or odd inputs, and optimizer
 * combinators. A value that is right, or a PuregradError from the catalogue; inputs unchanged.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Data, Loss, Optim, Rng, Tensor as T, Tree } from '../../src/index.js'
import { anyNum, isFiniteNum, isWhole, num, untouched, valueOr, weird } from './support.js'

const BAD_INPUT = ['INVALID_ARGUMENT', 'INVALID_SHAPE', 'INVALID_VALUE', 'INVALID_KEY', 'SHAPE_MISMATCH', 'DTYPE_MISMATCH', 'RESOURCE_LIMIT'] as const
const smallShape = fc.array(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: weird }), { maxLength: 3 })
const anyKey: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer().map((s) => Rng.key(s)) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(0), fc.constant({ _tag: 'Key', words: [1] }), fc.constant({ _tag: 'Key', words: [1.5, 2] }), fc.constant([1, 2])) },
)

// ---------------------------------------------------------------------------------------------
// Random keys and samplers

describe('fuzz: random keys and samplers', () => {
  test.prop([anyNum], { numRuns: 100 })('key(seed): a key for every safe integer, INVALID_ARGUMENT otherwise; same seed, same key', (seed) => {
    const o = valueOr(() => Rng.key(seed as number), 'INVALID_ARGUMENT')
    expect(o.ok).toBe(Number.isSafeInteger(seed))
    if (o.ok) expect(Rng.key(seed as number).words).toEqual(o.value.words)
  })
  test.prop([anyKey, fc.oneof(fc.integer({ min: -1, max: 5 }), weird)], { numRuns: 100 })('split(key, n): n distinct keys, or a clear refusal', (k, n) => {
    const o = valueOr(() => Rng.split(k as Rng.Key, n), ...BAD_INPUT)
    if (o.ok) {
      expect(o.value.length === n).toBe(true)
      expect(new Set(o.value.map((x) => x.words.join())).size).toBe(n || 0)
    } else expect(Rng.isKey(k) && isWhole(n, 0) && n < 2 ** 20).toBe(false)
  })
  test.prop([anyKey, anyNum], { numRuns: 100 })('foldIn(key, data): a key, or a clear refusal', (k, d) => {
    const o = valueOr(() => Rng.foldIn(k as Rng.Key, d as number), ...BAD_INPUT)
    if (o.ok) expect(Rng.isKey(o.value)).toBe(true)
  })
  const samplers = {
    uniform: (k: Rng.Key, s: number[], a: number, b: number) => Rng.uniform(k, s, { min: a, max: b }),
    normal: (k: Rng.Key, s: number[], a: number, b: number) => Rng.normal(k, s, { mean: a, std: b }),
    truncatedNormal: (k: Rng.Key, s: number[], a: number, b: number) => Rng.truncatedNormal(k, s, { mean: a, std: b }),
    bernoulli: (k: Rng.Key, s: number[], a: number) => Rng.bernoulli(k, a, s),
    integers: (k: Rng.Key, s: number[], a: number, b: number) => Rng.integers(k, s, a, b),
  }
  for (const [name, f] of Object.entries(samplers)) {
    test.prop([anyKey, smallShape, num, num], { numRuns: 150 })(`${name}: finite samples of the asked shape within the asked range, or a clear refusal`, (k, s, a, b) => {
      const o = untouched(s, () => valueOr(() => f(k as Rng.Key, s, a, b), ...BAD_INPUT))
      if (!o.ok) return
      expect([...o.value.shape]).toEqual(s)
      const xs = T.toArray(o.value)
      expect(xs.every(Number.isFinite)).toBe(true)
      if (name === 'uniform') expect(xs.every((x) => x >= Math.min(a, b) && x <= Math.max(a, b))).toBe(true)
      if (name === 'integers') expect(xs.every((x) => Number.isInteger(x) && x >= a && x < b)).toBe(true)
      if (name === 'bernoulli') expect(xs.every((x) => x === 0 || x === 1)).toBe(true)
      // same key, same samples
      expect(T.equals(f(k as Rng.Key, s, a, b), o.value)).toBe(true)
    })
  }
  test.prop([anyKey, fc.oneof(fc.integer({ min: -1, max: 40 }), weird)], { numRuns: 100 })('permutation(key, n): each of 0…n−1 once, or a clear refusal', (k, n) => {
    const o = valueOr(() => Rng.permutation(k as Rng.Key, n), ...BAD_INPUT)
    if (o.ok) expect([...T.toArray(o.value)].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i))
    else expect(Rng.isKey(k) && isWhole(n, 0) && n < 2 ** 31).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// Data utilities

/** A [rows, cols] float64 matrix whose entries include the odd values users' data hold. */
const matrix = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 4 }))
  .chain(([r, c]) => fc.array(fc.oneof({ weight: 10, arbitrary: fc.double({ min: -100, max: 100, noNaN: true }) }, { weight: 1, arbitrary: weird }), { minLength: r * c, maxLength: r * c }).map((xs) => T.fromArray(xs, [r, c], 'float64')))

describe('fuzz: data utilities', () => {
  test.prop([matrix], { numRuns: 150 })('standardize: finite data gives zero mean and unit (or zero) spread per column; non-finite data is refused', (x) => {
    const o = untouched(x, () => valueOr(() => Data.standardize(Data.fitStandardizer(x), x), ...BAD_INPUT))
    const finite = T.toArray(x).every(Number.isFinite) && T.toArray(x).every((v) => Math.abs(v) < 1e150)
    if (!o.ok) {
      expect(finite && x.shape[0]! >= 1).toBe(false)
      return
    }
    if (finite) {
      expect(T.toArray(o.value).every(Number.isFinite)).toBe(true)
      // centring leaves an error of about ε·|x| per value, which σ scales up
      const s = Data.fitStandardizer(x)
      const big = T.toArray(T.max(T.abs(x), 0))
      const sd = T.toArray(s.std)
      T.toArray(T.mean(o.value, 0)).forEach((m, j) => expect(Math.abs(m)).toBeLessThan(1e-9 + (x.shape[0]! * 4 * 2 ** -52 * big[j]!) / sd[j]!))
    }
  })
  test.prop([matrix, fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 5 }), weird), fc.boolean()], { numRuns: 150 })(
    'PCA: projections of the fitted shape, or a clear refusal',
    (x, components, whiten) => {
      const o = untouched(x, () => valueOr(() => Data.pcaTransform(Data.fitPca(x, { ...(components === undefined ? {} : { components }), whiten }), x), ...BAD_INPUT))
      if (!o.ok) return
      expect(o.value.shape).toEqual([x.shape[0], components ?? x.shape[1]])
      if (T.toArray(x).every((v) => Number.isFinite(v) && Math.abs(v) < 1e150)) expect(T.toArray(o.value).every(Number.isFinite)).toBe(true)
    },
  )
  const images = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 2 })).map((s) => T.ones(s, 'float32'))
  const augmentations = {
    gaussianNoise: (k: Rng.Key, x: T.Tensor, a: unknown) => Data.gaussianNoise(k, x, a as number),
    flipHorizontal: (k: Rng.Key, x: T.Tensor, a: unknown) => Data.flipHorizontal(k, x, a as number),
    rotate: (k: Rng.Key, x: T.Tensor, a: unknown) => Data.rotate(k, x, a as number),
    randomCrop: (k: Rng.Key, x: T.Tensor, a: unknown) => Data.randomCrop(k, x, [a as number, a as number]),
  }
  for (const [name, f] of Object.entries(augmentations)) {
    test.prop([anyKey, images, anyNum], { numRuns: 100 })(`${name}: an augmented batch of the right shape, finite, or a clear refusal`, (k, x, a) => {
      const o = untouched(x, () => valueOr(() => f(k as Rng.Key, x, a), ...BAD_INPUT))
      if (!o.ok) return
      expect(o.value.shape[0]).toBe(x.shape[0])
      if (name !== 'randomCrop') expect(o.value.shape).toEqual(x.shape)
      expect(T.toArray(o.value).every(Number.isFinite)).toBe(true)
    })
  }
})

// ---------------------------------------------------------------------------------------------
// Losses

const floats = (s: number[]) => fc.array(fc.oneof({ weight: 10, arbitrary: fc.double({ min: -50, max: 50, noNaN: true }) }, { weight: 1, arbitrary: weird }), { minLength: s.reduce((a, b) => a * b, 1), maxLength: s.reduce((a, b) => a * b, 1) }).map((xs) => T.fromArray(xs, s, 'float64'))
const shape2 = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([a, b]) => [a, b])
const pair = fc.tuple(shape2, shape2, fc.boolean()).chain(([sa, sb, same]) => fc.tuple(floats(sa), floats(same ? sa : sb)))

describe('fuzz: losses', () => {
  const regression = { meanSquaredError: Loss.meanSquaredError, halfSumSquaredError: Loss.halfSumSquaredError, huber: Loss.huber, sigmoidBinaryCrossEntropy: Loss.sigmoidBinaryCrossEntropy }
  for (const [name, f] of Object.entries(regression)) {
    test.prop([pair], { numRuns: 150 })(`${name}: a scalar, finite for finite moderate inputs, or SHAPE_MISMATCH`, ([p, t]) => {
      const o = valueOr(() => f(p, t), 'SHAPE_MISMATCH', 'INVALID_VALUE', 'INVALID_ARGUMENT')
      if (!o.ok) {
        expect(p.shape.join()).not.toBe(t.shape.join())
        return
      }
      expect(o.value.rank).toBe(0)
      const moderate = [p, t].every((x) => T.toArray(x).every((v) => Number.isFinite(v) && Math.abs(v) <= 1e100))
      if (moderate && p.size > 0) expect(Number.isFinite(T.item(o.value))).toBe(true)
    })
  }
  test.prop([fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.oneof(fc.integer({ min: -1, max: 5 }), weird), { maxLength: 5 })], { numRuns: 150 })(
    'softmaxCrossEntropy: a finite mean for labels in range, a clear refusal otherwise',
    (n, c, labels) => {
      const logits = T.reshape(T.arange(0, n * c, 1, 'float64'), [n, c])
      const o = untouched(labels, () => valueOr(() => Loss.softmaxCrossEntropy(logits, labels), 'SHAPE_MISMATCH', 'INDEX_OUT_OF_RANGE', 'INVALID_VALUE', 'INVALID_ARGUMENT'))
      const valid = labels.length === n && labels.every((l) => Number.isInteger(l) && l >= 0 && l < c)
      expect(o.ok).toBe(valid)
      if (o.ok && n > 0) expect(Number.isFinite(T.item(o.value))).toBe(true)
    },
  )
  test.prop([fc.oneof(num, fc.constant(1e-3)), fc.constantFrom('l1', 'l2')], { numRuns: 100 })('l1 / l2 penalties: λ ≥ 0 finite gives a finite value, anything else INVALID_ARGUMENT', (lambda, which) => {
    const params = { W: T.tensor([[1, -2], [3, 4]], 'float64'), b: T.tensor([5], 'float64') }
    const o = valueOr(() => (which === 'l1' ? Loss.l1 : Loss.l2)(params, lambda), 'INVALID_ARGUMENT')
    expect(o.ok).toBe(isFiniteNum(lambda) && lambda >= 0)
  })
})

// ---------------------------------------------------------------------------------------------
// Optimizer combinators

describe('fuzz: optimizer combinators', () => {
  const params = { W: T.tensor([[1, 2], [3, 4]]), b: T.tensor([0.5]) }
  const grads = { W: T.tensor([[0.1, -0.2], [0.3, 0.4]]), b: T.tensor([1]) }
  test.prop([anyNum], { numRuns: 60 })('clipByGlobalNorm(maxNorm): updates whose global norm is at most maxNorm, or INVALID_ARGUMENT', (m) => {
    const o = valueOr(() => Optim.clipByGlobalNorm(m as number), 'INVALID_ARGUMENT')
    expect(o.ok).toBe(isFiniteNum(m) && m > 0)
    if (!o.ok) return
    const [u] = o.value.update(grads, o.value.init(params), params)
    const norm = Math.sqrt(Tree.leaves(u).reduce((s, l) => s + T.toArray(T.square(l.value)).reduce((a, b) => a + b, 0), 0))
    expect(norm).toBeLessThanOrEqual((m as number) * (1 + 1e-6))
  })
  test.prop([fc.array(fc.constantFrom<unknown>('sgd', 'adam', 'clip', 'decay', 1, null, {}, undefined), { maxLength: 4 })], { numRuns: 60 })(
    'chain(...): a transformation when every part is one, else INVALID_ARGUMENT',
    (parts) => {
      const made = parts.map((p) => (p === 'sgd' ? Optim.sgd(0.1) : p === 'adam' ? Optim.adam(0.1) : p === 'clip' ? Optim.clip(1) : p === 'decay' ? Optim.addDecayedWeights(1e-4) : p))
      const o = valueOr(() => Optim.chain(...(made as Optim.GradientTransformation<unknown>[])), 'INVALID_ARGUMENT')
      expect(o.ok).toBe(parts.every((p) => typeof p === 'string'))
      if (o.ok) {
        const [u] = o.value.update(grads, o.value.init(params), params)
        expect(Tree.leaves(u).map((l) => l.path)).toEqual(['W', 'b'])
      }
    },
  )
  test.prop([fc.oneof(fc.constant<unknown>({ W: true, b: false }), fc.constant<unknown>({ W: true }), fc.constant<unknown>({ W: 1, b: 0 }), fc.constant<unknown>([true]), fc.constant<unknown>(null), fc.constant<unknown>('W'), fc.constant<unknown>(() => true), fc.constant<unknown>(() => 'yes'))], { numRuns: 40 })(
    'masked(inner, mask): leaves outside the mask pass through unchanged, or a clear refusal',
    (mask) => {
      const o = valueOr(() => {
        const tx = Optim.masked(Optim.sgd(1), mask as Optim.Mask)
        return tx.update(grads, tx.init(params), params)[0]
      }, 'INVALID_ARGUMENT', 'SHAPE_MISMATCH', 'INVALID_VALUE', 'TREE_MISMATCH')
      if (o.ok && typeof mask === 'object' && mask !== null && !Array.isArray(mask) && (mask as { b?: unknown }).b === false) {
        expect(T.equals((o.value as typeof grads).b, grads.b)).toBe(true)
      }
    },
  )
  test.prop([fc.oneof(fc.integer({ min: -1, max: 3 }), weird)], { numRuns: 40 })('applyIfFinite(inner, n): a transformation for whole n ≥ 0, else INVALID_ARGUMENT; a NaN gradient is skipped when n ≥ 1', (n) => {
    const o = valueOr(() => Optim.applyIfFinite(Optim.sgd(0.1), n), 'INVALID_ARGUMENT')
    expect(o.ok).toBe(isWhole(n, 0))
    if (!o.ok || n < 1) return
    const bad = { W: T.tensor([[Number.NaN, 0], [0, 0]]), b: T.tensor([1]) }
    const [u] = o.value.update(bad, o.value.init(params), params)
    expect(Tree.leaves(u).every((l) => T.toArray(l.value).every((v) => v === 0))).toBe(true)
  })
})
