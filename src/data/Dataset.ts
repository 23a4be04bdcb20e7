/**
 * A data set: inputs and targets, row i of `x` going with row i of `y` (the leading axis counts
 * examples). Every operation here is a pure function; the random ones take a key.
 */
import { fail, showShape } from '../core/errors.js'
import { type Tensor, checkTensor } from '../core/Tensor.js'
import * as T from '../tensor/index.js'
import { checkDataset } from './check.js'

/** @category model */
export interface Dataset {
  readonly x: Tensor
  readonly y: Tensor
}

/**
 * A data set from inputs and targets, refusing ones whose numbers of examples differ.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * const ds = Data.dataset(T.zeros([4, 2]), T.tensor([0, 1, 0, 1], 'int32'))
 * assert.strictEqual(Data.size(ds), 4)
 * assert.throws(() => Data.dataset(T.zeros([3, 2]), T.zeros([4])), /every input needs its target/)
 * @category constructors
 */
export const dataset = (x: Tensor, y: Tensor): Dataset => {
  checkTensor('dataset', x, 'x (argument 1)')
  checkTensor('dataset', y, 'y (argument 2)')
  if (x.rank === 0 || y.rank === 0) fail('SHAPE_MISMATCH', 'dataset', `x ${showShape(x.shape)} and y ${showShape(y.shape)} need a leading axis counting the examples.`)
  if (x.shape[0] !== y.shape[0]) {
    fail('SHAPE_MISMATCH', 'dataset', `x has ${x.shape[0]} examples (${showShape(x.shape)}) but y has ${y.shape[0]} (${showShape(y.shape)}); every input needs its target.`)
  }
  return Object.freeze({ x, y })
}

/**
 * Number of examples: the length of the leading axis.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * assert.strictEqual(Data.size(Data.dataset(T.zeros([5, 28, 28]), T.zeros([5]))), 5)
 * @category utils
 */
export const size = (ds: Dataset): number => checkDataset('size', ds).x.shape[0]!

/**
 * The examples at the given indices, in that order (an index may repeat).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * const ds = Data.dataset(T.tensor([[0], [1], [2]]), T.tensor([10, 11, 12]))
 * const picked = Data.take(ds, [2, 0, 2])
 * assert.deepStrictEqual([T.toNested(picked.x), T.toArray(picked.y)], [[[2], [0], [2]], [12, 10, 12]])
 * @category utils
 */
export const take = (ds: Dataset, indices: ReadonlyArray<number> | Tensor): Dataset => {
  checkDataset('take', ds)
  return { x: T.gather(ds.x, indices), y: T.gather(ds.y, indices) }
}

/**
 * Examples [start, start + count), in order.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * const ds = Data.dataset(T.arange(5), T.mul(T.arange(5), 10))
 * const part = Data.range(ds, 1, 3)
 * assert.deepStrictEqual([T.toArray(part.x), T.toArray(part.y)], [[1, 2, 3], [10, 20, 30]])
 * @category utils
 */
export const range = (ds: Dataset, start: number, count: number): Dataset => {
  checkDataset('range', ds)
  return { x: T.slice(ds.x, [start], [count]), y: T.slice(ds.y, [start], [count]) }
}
