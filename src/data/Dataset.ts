/**
 * A data set: inputs and targets, row i of `x` going with row i of `y` (the leading axis counts
 * examples). Every operation here is a pure function; the random ones take a key.
 */
import { fail, showShape } from '../core/errors.js'
import { type Tensor, isTensor } from '../core/Tensor.js'
import * as T from '../tensor/index.js'

/** @category model */
export interface Dataset {
  readonly x: Tensor
  readonly y: Tensor
}

/**
 * A data set from inputs and targets, refusing ones whose numbers of examples differ.
 *
 * @example
 * const ds = dataset(Tensor.zeros([4, 2]), Tensor.tensor([0, 1, 0, 1], 'int32'))
 * assert.strictEqual(size(ds), 4)
 * @category constructors
 */
export const dataset = (x: Tensor, y: Tensor): Dataset => {
  if (!isTensor(x) || !isTensor(y)) return fail('INVALID_ARGUMENT', 'dataset', 'x and y must be tensors.')
  if (x.rank === 0 || y.rank === 0) fail('SHAPE_MISMATCH', 'dataset', `x ${showShape(x.shape)} and y ${showShape(y.shape)} need a leading axis counting the examples.`)
  if (x.shape[0] !== y.shape[0]) {
    fail('SHAPE_MISMATCH', 'dataset', `x has ${x.shape[0]} examples (${showShape(x.shape)}) but y has ${y.shape[0]} (${showShape(y.shape)}); every input needs its target.`)
  }
  return Object.freeze({ x, y })
}

/** Number of examples. @category utils */
export const size = (ds: Dataset): number => ds.x.shape[0]!

/** The examples at the given indices, in that order. @category utils */
export const take = (ds: Dataset, indices: ReadonlyArray<number> | Tensor): Dataset => ({ x: T.gather(ds.x, indices), y: T.gather(ds.y, indices) })

/** Examples [start, start + count). @category utils */
export const range = (ds: Dataset, start: number, count: number): Dataset => ({ x: T.slice(ds.x, [start], [count]), y: T.slice(ds.y, [start], [count]) })
