import { describe, expect, it } from 'vitest'
import { Ad, Loss, PuregradError, Tensor as T } from '../../src/index.js'

const f64 = (v: T.NestedArray) => T.tensor(v, 'float64')

describe('classification losses stay finite for any logits', () => {
  it('softmax cross-entropy of logits ±1000 is exact, and so is its gradient', () => {
    const logits = f64([[1000, -1000], [-1000, 1000]])
    expect(T.item(Loss.softmaxCrossEntropy(logits, [0, 0]))).toBe(1000) // one example right (0), one wrong (2000)
    const g = Ad.grad((z: T.Tensor) => Loss.softmaxCrossEntropy(z, [0, 0]))(logits) as T.Tensor
    expect(T.toNested(g)).toEqual([[0, 0], [-0.5, 0.5]])
  })
  it('takes class indices, an int32 tensor or one-hot rows alike', () => {
    const logits = f64([[2, 1, 0], [0, 3, 1]])
    const a = T.item(Loss.softmaxCrossEntropy(logits, [0, 1]))
    expect(T.item(Loss.softmaxCrossEntropy(logits, T.tensor([0, 1], 'int32')))).toBe(a)
    expect(T.item(Loss.softmaxCrossEntropy(logits, f64([[1, 0, 0], [0, 1, 0]])))).toBeCloseTo(a, 14)
    const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0))
    expect(a).toBeCloseTo((lse([2, 1, 0]) - 2 + lse([0, 3, 1]) - 3) / 2, 14)
  })
  it('sigmoid binary cross-entropy of logits ±1000 is exact', () => {
    const logits = f64([1000, -1000, 1000, 0])
    const targets = f64([1, 0, 0, 1])
    expect(T.item(Loss.sigmoidBinaryCrossEntropy(logits, targets))).toBeCloseTo((0 + 0 + 1000 + Math.LN2) / 4, 12)
    const g = T.toArray(Ad.grad((z: T.Tensor) => Loss.sigmoidBinaryCrossEntropy(z, targets))(logits) as T.Tensor)
    expect(g.every(Number.isFinite)).toBe(true)
    expect(g.map((v) => v * 4)).toEqual([0, 0, 1, -0.5])
  })
  it('refuses labels that do not fit the logits', () => {
    expect(() => Loss.softmaxCrossEntropy(f64([[1, 2]]), [0, 1])).toThrow(/class indices \[2\] must match the logits \[1, 2\]/)
    expect(() => Loss.softmaxCrossEntropy(f64([[1, 2]]), [2])).toThrow(PuregradError)
  })
})

describe('regression losses', () => {
  it('the notes’ ½Σ form and the mean form', () => {
    const y = f64([[1, 2], [3, 4]])
    const t = f64([[1, 0], [0, 4]])
    expect(T.item(Loss.halfSumSquaredError(y, t))).toBe(0.5 * (4 + 9))
    expect(T.item(Loss.meanSquaredError(y, t))).toBe((4 + 9) / 4)
  })
  it('huber is quadratic near the target and linear beyond delta', () => {
    expect(T.item(Loss.huber(f64([0.5]), f64([0]), 1))).toBe(0.125)
    expect(T.item(Loss.huber(f64([3]), f64([0]), 1))).toBe(2.5)
  })
  it('refuses shapes that would broadcast silently', () => {
    expect(() => Loss.meanSquaredError(f64([[1], [2]]), f64([1, 2]))).toThrow(/prediction \[2, 1\] and target \[2\] must have the same shape/)
  })
})

describe('penalties cover weights, not biases, unless told otherwise', () => {
  const params = { dense: { W: f64([[1, -2], [3, 0]]), b: f64([10, 10]) }, bn: { gamma: f64([5]) } }
  it('l2 = λ/2·Σ‖W‖²', () => {
    expect(T.item(Loss.l2(params, 0.1))).toBeCloseTo(0.05 * 14, 15)
    expect(T.toNested((Ad.grad((p: typeof params) => Loss.l2(p, 0.1))(params) as typeof params).dense.W)).toEqual([[0.1, -0.2], [0.30000000000000004, 0]])
  })
  it('l1 = λ·Σ|W|, with a selector for what it covers', () => {
    expect(T.item(Loss.l1(params, 1))).toBe(6)
    expect(T.item(Loss.l1(params, 1, (path) => path.endsWith('.b')))).toBe(20)
  })
  it('refuses a negative strength', () => {
    expect(() => Loss.l2(params, -1)).toThrow(/lambda must be a finite number ≥ 0/)
  })
})
