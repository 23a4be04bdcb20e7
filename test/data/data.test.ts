import { describe, expect, it } from 'vitest'
import { Data, PuregradError, Rng, Tensor as T } from '../../src/index.js'

const ds = Data.dataset(T.reshape(T.arange(20), [10, 2]), T.arange(10, undefined, 1, 'int32'))

describe('datasets, splits and batches', () => {
  it('refuse inputs and targets of different lengths', () => {
    expect(() => Data.dataset(T.zeros([5, 2]), T.zeros([4]))).toThrow(/x has 5 examples \(\[5, 2\]\) but y has 4/)
  })
  it('split 60/20/20 and 98/1/1, keeping rows together, the same for the same key', () => {
    const [a, b, c] = Data.split(Rng.key(1), ds, [0.6, 0.2, 0.2])
    expect([Data.size(a!), Data.size(b!), Data.size(c!)]).toEqual([6, 2, 2])
    const rows = [a!, b!, c!].flatMap((p) => (T.toNested(p.x) as number[][]).map((r, i) => [r, T.toArray(p.y)[i]]))
    expect(rows.every(([r, y]) => (r as number[])[0] === 2 * (y as number))).toBe(true)
    expect(rows.map(([, y]) => y).sort((p, q) => (p as number) - (q as number))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(T.toArray(Data.split(Rng.key(1), ds, [0.6, 0.2, 0.2])[0]!.y)).toEqual(T.toArray(a!.y))
    const big = Data.dataset(T.zeros([1000, 1]), T.zeros([1000]))
    expect(Data.split(Rng.key(2), big, [0.98, 0.01, 0.01]).map(Data.size)).toEqual([980, 10, 10])
    expect(() => Data.split(Rng.key(1), ds, [0.5, 0.2])).toThrow(/must add up to 1/)
  })
  it('batch in random order per key, covering every example once', () => {
    const bs = Data.batches(Rng.key(3), ds, 4)
    expect(bs.map(Data.size)).toEqual([4, 4, 2])
    expect(bs.flatMap((b) => T.toArray(b.y)).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(Data.batches(undefined, ds, 4, { dropRemainder: true }).map((b) => T.toArray(b.y))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]])
  })
})

describe('normalisation fitted on the training set', () => {
  it('gives zero mean and unit variance on train and reuses μ, σ elsewhere', () => {
    const train = Rng.normal(Rng.key(4), [500, 3], { dtype: 'float64', mean: 5, std: 2 })
    const s = Data.fitStandardizer(train)
    const z = Data.standardize(s, train)
    expect(T.allclose(T.mean(z, 0), T.zeros([3], 'float64'), { atol: 1e-12 })).toBe(true)
    expect(T.allclose(T.variance(z, 0), T.ones([3], 'float64'), { rtol: 1e-12 })).toBe(true)
    expect(T.toArray(Data.standardize(s, T.reshape(s.mean, [1, 3])))).toEqual([0, 0, 0])
    expect(() => Data.standardize(s, T.zeros([2, 4], 'float64'))).toThrow(PuregradError)
  })
  it('centres constant features without dividing by zero', () => {
    const s = Data.fitStandardizer(T.tensor([[1, 7], [3, 7]]))
    expect(T.toNested(Data.standardize(s, T.tensor([[1, 7]])))).toEqual([[-1, 0]])
  })
})

describe('PCA', () => {
  it('finds the directions of largest variance and whitens', () => {
    const x = T.matmul(Rng.normal(Rng.key(5), [2000, 2], { dtype: 'float64' }), T.tensor([[3, 0], [0, 0.5]], 'float64'))
    const p = Data.fitPca(x, { whiten: true })
    expect(T.allclose(T.abs(p.components), T.eye(2, 2, 'float64'), { atol: 0.05 })).toBe(true)
    const z = Data.pcaTransform(p, x)
    const cov = T.div(T.matmul(z, z, { transposeA: true }), 2000)
    expect(T.allclose(cov, T.eye(2, 2, 'float64'), { atol: 1e-3 })).toBe(true)
  })
  it('agrees between the full and the leading-components solvers', () => {
    const x = Rng.normal(Rng.key(6), [200, 80], { dtype: 'float64' })
    const top = Data.fitPca(x, { components: 4 })
    const all = Data.fitPca(x)
    expect(T.allclose(top.variances, T.slice(all.variances, [0], [4]), { rtol: 1e-8 })).toBe(true)
  })
})

describe('augmentation', () => {
  const img = T.reshape(T.arange(2 * 27 * 27), [2, 27, 27, 1])
  it('crops 24×24 out of 27×27 at keyed offsets', () => {
    const c = Data.randomCrop(Rng.key(7), img, [24, 24])
    expect(c.shape).toEqual([2, 24, 24, 1])
    const first = T.get(c, 0, 0, 0, 0)
    expect(T.get(c, 0, 1, 0, 0) - first).toBe(27)
    expect(T.equals(c, Data.randomCrop(Rng.key(7), img, [24, 24]))).toBe(true)
  })
  it('flips, rotates by 0° exactly, and adds noise of the given size', () => {
    expect(T.toArray(Data.flipHorizontal(Rng.key(8), T.reshape(T.tensor([1, 2, 3]), [1, 1, 3, 1]), 1))).toEqual([3, 2, 1])
    expect(T.equals(Data.rotate(Rng.key(9), img, 0), img)).toBe(true)
    const noisy = Data.gaussianNoise(Rng.key(10), T.zeros([10000], 'float64'), 0.5)
    expect(Math.abs(Math.sqrt(T.item(T.variance(noisy))) - 0.5)).toBeLessThan(0.02)
  })
})
