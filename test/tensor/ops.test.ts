import { describe, expect, it } from 'vitest'
import { Tensor as T } from '../../src/index.js'
import { caught } from '../util.js'

describe('elementwise', () => {
  it('broadcasts a row over a matrix and numbers over anything', () => {
    expect(T.toNested(T.add(T.tensor([[1, 2], [3, 4]]), T.tensor([10, 20])))).toEqual([[11, 22], [13, 24]])
    expect(T.toNested(T.mul(2, T.tensor([[1], [2]])))).toEqual([[2], [4]])
    expect(T.add(T.ones([4, 1, 3]), T.ones([5, 1])).shape).toEqual([4, 5, 3])
  })
  it('computes activations stably', () => {
    const x = T.tensor([-750, -1, 0, 1, 750], 'float64')
    expect(T.toArray(T.sigmoid(x))).toEqual([0, 1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-1)), 1])
    expect(T.toArray(T.softplus(T.tensor([-1000, 0, 1000], 'float64')))).toEqual([0, Math.LN2, 1000])
    expect(T.toArray(T.relu(T.tensor([-1, 0, 2, NaN])))).toEqual([0, 0, 2, NaN])
  })
  it('computes erf to full double precision', () => {
    const ref: ReadonlyArray<readonly [number, number]> = [
      [2.9, 0.9999589021219005],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3.5, 0.9999992569016276],
      [-0.1, -0.1124629160182849],
    ]
    const got = T.toArray(T.erf(T.tensor(ref.map(([x]) => x), 'float64')))
    ref.forEach(([, want], i) => expect(Math.abs(got[i]! - want) / Math.abs(want)).toBeLessThan(5e-16))
  })
  it('propagates NaN through maximum, max and argmax', () => {
    expect(T.toArray(T.maximum(T.tensor([NaN, 1]), T.tensor([0, NaN])))).toEqual([NaN, NaN])
    expect(T.item(T.max(T.tensor([1, NaN, 3])))).toBeNaN()
    expect(T.item(T.argmax(T.tensor([1, NaN, 3])))).toBe(1)
  })
  it('follows IEEE arithmetic in matmul (0 · ∞ is NaN)', () => {
    expect(T.toArray(T.matmul(T.tensor([[0, 1]]), T.tensor([[Infinity], [1]])))).toEqual([NaN])
  })
  it('refuses shapes that do not broadcast, naming both', () => {
    const e = caught(() => T.add(T.zeros([2, 3]), T.zeros([4])))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toMatch(/^add: cannot broadcast shapes \[2, 3\] and \[4\]/)
    expect(caught(() => T.where(T.ones([3]), T.ones([2]), 0)).message).toMatch(/^where: cannot broadcast shapes \[3\] and \[2\]/)
  })
  it('refuses mixed dtypes instead of promoting', () => {
    const e = caught(() => T.mul(T.zeros([2]), T.zeros([2], 'float64')))
    expect(e.code).toBe('DTYPE_MISMATCH')
    expect(e.message).toBe('mul: operands have different dtypes (float32 [2] and float64 [2]); cast one of them with cast(t, dtype).')
  })
  it('keeps int32 for index arithmetic and refuses float maths on it', () => {
    expect(T.toArray(T.add(T.tensor([1, 2], 'int32'), 1))).toEqual([2, 3])
    expect(caught(() => T.exp(T.tensor([1], 'int32'))).message).toMatch(/needs a float tensor/)
    expect(caught(() => T.div(T.tensor([1], 'int32'), 2)).code).toBe('DTYPE_MISMATCH')
  })
})

describe('matmul', () => {
  it('multiplies vectors and batches NumPy style', () => {
    const a = T.tensor([[1, 2], [3, 4]])
    expect(T.toArray(T.matmul(T.tensor([1, 1]), a))).toEqual([4, 6])
    expect(T.toArray(T.matmul(a, T.tensor([1, 1])))).toEqual([3, 7])
    expect(T.item(T.dot(T.tensor([1, 2]), T.tensor([3, 4])))).toBe(11)
    expect(T.matmul(T.ones([5, 2, 3]), T.ones([3, 4])).shape).toEqual([5, 2, 4])
    expect(T.toNested(T.matmul(T.zeros([2, 0]), T.zeros([0, 2])))).toEqual([[0, 0], [0, 0]])
  })
  it('names both shapes when inner sizes differ', () => {
    const e = caught(() => T.matmul(T.zeros([2, 3]), T.zeros([4, 5]), { transposeB: true }))
    expect(e.message).toBe('matmul: inner sizes differ: [2, 3] · [4, 5] (read transposed) contracts 3 with 5; the last axis of a must equal the second-to-last of b.')
    expect(caught(() => T.matmul(T.zeros([2, 2, 2]), T.zeros([3, 2, 2]))).message).toMatch(/batch axes \[2\] of a \[2, 2, 2\] and \[3\] of b \[3, 2, 2\] do not broadcast/)
  })
})

describe('reductions', () => {
  const x = T.tensor([[1, 2, 3], [4, 5, 6]])
  it('reduce over one axis, several, or all', () => {
    expect(T.toArray(T.sum(x, 1))).toEqual([6, 15])
    expect(T.toArray(T.mean(x, 0))).toEqual([2.5, 3.5, 4.5])
    expect(T.item(T.max(x))).toBe(6)
    expect(T.sum(x, [0, 1], true).shape).toEqual([1, 1])
    expect(T.toArray(T.argmin(x, 0))).toEqual([0, 0, 0])
    expect(T.argmax(x).dtype).toBe('int32')
  })
  it('logsumexp neither overflows nor underflows', () => {
    expect(T.toArray(T.logsumexp(T.tensor([[1000, 1000], [-1000, -1000], [-Infinity, -Infinity]], 'float64'), 1))).toEqual([
      1000 + Math.LN2,
      -1000 + Math.LN2,
      -Infinity,
    ])
  })
  it('refuses axes out of range, duplicates and max over nothing', () => {
    expect(caught(() => T.sum(x, 2)).message).toBe('sum: axis 2 is out of range for a tensor of rank 2; use axes in [-2, 1].')
    expect(caught(() => T.sum(x, [1, -1])).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => T.max(T.zeros([0, 2]), 0)).code).toBe('SHAPE_MISMATCH')
    expect(T.item(T.sum(T.zeros([0])))).toBe(0)
  })
})

describe('layout', () => {
  const x = T.arange(6)
  it('reshape infers one −1 and refuses sizes that do not multiply out', () => {
    expect(T.reshape(x, [3, -1]).shape).toEqual([3, 2])
    expect(caught(() => T.reshape(x, [4, -1])).message).toMatch(/cannot infer the −1 in \[4, -1\] for a tensor of shape \[6\]/)
    expect(caught(() => T.reshape(x, [4])).message).toBe('reshape: cannot reshape [6] (6 elements) to [4] (4 elements); the sizes must multiply to the same number.')
  })
  it('squeeze / expandDims / broadcastTo', () => {
    expect(T.squeeze(T.zeros([1, 3, 1])).shape).toEqual([3])
    expect(T.expandDims(x, -1).shape).toEqual([6, 1])
    expect(T.toNested(T.broadcastTo(T.tensor([1, 2]), [2, 2]))).toEqual([[1, 2], [1, 2]])
    expect(caught(() => T.broadcastTo(T.zeros([3]), [2])).code).toBe('SHAPE_MISMATCH')
    expect(caught(() => T.squeeze(T.zeros([2]), 0)).code).toBe('SHAPE_MISMATCH')
  })
  it('transpose refuses what is not a permutation', () => {
    expect(caught(() => T.transpose(T.zeros([2, 3]), [0, 0])).code).toBe('INVALID_ARGUMENT')
  })
  it('slice, concat, stack, pad', () => {
    const m = T.tensor([[1, 2, 3], [4, 5, 6]])
    expect(T.toNested(T.slice(m, [-1], [-1]))).toEqual([[4, 5, 6]])
    expect(caught(() => T.slice(m, [0, 2], [1, 2])).code).toBe('INDEX_OUT_OF_RANGE')
    expect(T.toNested(T.concat([m, m], -1))).toEqual([[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]])
    expect(caught(() => T.concat([m, T.zeros([2, 2], 'float64')])).code).toBe('DTYPE_MISMATCH')
    expect(caught(() => T.concat([m, T.zeros([3, 2])], 1)).message).toMatch(/tensor 1 has shape \[3, 2\] but tensor 0 has \[2, 3\]/)
    expect(T.toNested(T.stack([T.tensor([1, 2]), T.tensor([3, 4])], 1))).toEqual([[1, 3], [2, 4]])
    expect(T.toNested(T.pad(T.tensor([[1]]), [[1, 0], [0, 1]], -1))).toEqual([[-1, -1], [1, -1]])
  })
})

describe('indexing', () => {
  it('gathers along any axis with negative indices', () => {
    const m = T.tensor([[1, 2, 3], [4, 5, 6]])
    expect(T.toNested(T.gather(m, [2, -3], 1))).toEqual([[3, 1], [6, 4]])
    expect(T.gather(m, T.tensor([[0, 1]], 'int32')).shape).toEqual([1, 2, 3])
    expect(caught(() => T.gather(m, [2])).message).toBe('gather: index 2 (at flat position 0 of the indices) is out of range for axis 0 of size 2 in [2, 3]; use indices in [-2, 1].')
    expect(caught(() => T.gather(m, T.tensor([0]))).code).toBe('DTYPE_MISMATCH')
  })
  it('oneHot refuses labels outside the depth instead of writing a zero row', () => {
    expect(T.toNested(T.oneHot([1], 2, { on: 5, off: -1 }))).toEqual([[-1, 5]])
    expect(caught(() => T.oneHot([3], 3)).code).toBe('INDEX_OUT_OF_RANGE')
  })
})

describe('allclose / equals', () => {
  it('compare values, shapes and NaN as documented', () => {
    expect(T.allclose(T.tensor([1, 2]), T.tensor([1, 2.00001]))).toBe(true)
    expect(T.allclose(T.tensor([1, 2]), T.tensor([1, 2.1]))).toBe(false)
    expect(T.allclose(T.tensor([1]), T.tensor([[1]]))).toBe(false)
    expect(T.allclose(T.tensor([NaN]), T.tensor([NaN]))).toBe(false)
    expect(T.allclose(T.tensor([NaN]), T.tensor([NaN]), { equalNaN: true })).toBe(true)
    expect(T.allclose(T.tensor([Infinity]), T.tensor([Infinity]))).toBe(true)
    expect(T.equals(T.tensor([0]), T.tensor([-0]))).toBe(false)
    expect(T.equals(T.tensor([1]), T.tensor([1], 'float64'))).toBe(false)
  })
})
