/** Indexing by integer tensors: gather and one-hot encoding. */
import { type DType, checkDType } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { type Shape, normalizeAxis, sameShape, shapeOrThrow } from '../core/shape.js'
import { type Tensor, checkTensor, dataOf, deviceOf, isAbstract, isTensor } from '../core/Tensor.js'
import { bind } from '../prims/bind.js'
import { checkValue, fromArray } from './create.js'

/** Indices: an int32 tensor or a plain array of whole numbers. @category model */
export type Indices = Tensor | ReadonlyArray<number>

const toIndexTensor = (op: string, ix: Indices): Tensor => {
  if (!isTensor(ix)) {
    if (!Array.isArray(ix)) return fail('INVALID_ARGUMENT', op, 'indices must be an int32 tensor or an array of whole numbers.')
    ix.forEach((v, i) => {
      if (!Number.isInteger(v)) fail('INVALID_VALUE', op, `index ${String(v)} at position ${i} is not a whole number; indices count positions.`)
    })
    return fromArray(ix, [ix.length], 'int32')
  }
  if (ix.dtype !== 'int32') fail('DTYPE_MISMATCH', op, `indices must be an int32 tensor; got ${ix.dtype} ${showShape(ix.shape)}. Use cast(indices, 'int32').`)
  return ix
}

/**
 * Takes slices along an axis at the given indices (negative indices count from the end):
 * the result has shape x.shape[:axis] + indices.shape + x.shape[axis+1:].
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const table = T.tensor([[1, 1], [2, 2], [3, 3]])
 * assert.deepStrictEqual(T.toNested(T.gather(table, [2, 0])), [[3, 3], [1, 1]])
 * assert.deepStrictEqual(T.toNested(T.gather(table, [-1])), [[3, 3]])
 * @category indexing
 */
export const gather = (x: Tensor, indices: Indices, axis = 0): Tensor => {
  const op = 'gather'
  checkTensor(op, x, 'x')
  const ix = toIndexTensor(op, indices)
  if (x.rank === 0) fail('SHAPE_MISMATCH', op, 'cannot gather from a scalar.')
  const ax = normalizeAxis(op, axis, x.rank)
  checkIndices(op, ix, x.shape[ax]!, ax, x.shape)
  return bind('gather', [x, ix], { axis: ax })
}

/** Refuses indices outside [−n, n). */
const checkIndices = (op: string, ix: Tensor, n: number, axis: number, shape: Shape): void => {
  if (isAbstract(ix)) return // traced by jit: the kernel checks the range when the program runs
  const src = dataOf(ix)
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!
    if (v < -n || v >= n) fail('INDEX_OUT_OF_RANGE', op, `index ${v} (at flat position ${i} of the indices) is out of range for axis ${axis} of size ${n} in ${showShape(shape)}; use indices in [${-n}, ${n - 1}].`)
  }
}

/**
 * The adjoint of `gather`: a tensor of shape `shape`, zero except that each slice of
 * `updates` is added at its index along `axis` (repeated indices add up). Where `gather`
 * reads rows of an embedding table, `scatterAdd` sends their gradients back.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.scatterAdd(T.tensor([1, 2, 3]), [0, 2, 0], [3])), [4, 0, 2])
 * @category indexing
 */
export const scatterAdd = (updates: Tensor, indices: Indices, shape: ReadonlyArray<number>, axis = 0): Tensor => {
  const op = 'scatterAdd'
  checkTensor(op, updates, 'updates')
  const ix = toIndexTensor(op, indices)
  const s = shapeOrThrow(op, shape)
  if (s.length === 0) fail('SHAPE_MISMATCH', op, 'cannot scatter into a scalar.')
  const ax = normalizeAxis(op, axis, s.length)
  const want = [...s.slice(0, ax), ...ix.shape, ...s.slice(ax + 1)]
  if (!sameShape(updates.shape, want)) {
    fail('SHAPE_MISMATCH', op, `updates have shape ${showShape(updates.shape)} but scattering indices ${showShape(ix.shape)} into ${showShape(s)} along axis ${ax} needs ${showShape(want)}.`)
  }
  checkIndices(op, ix, s[ax]!, ax, s)
  return bind('scatterAdd', [updates, ix], { axis: ax, shape: s })
}

/** Options of `oneHot`. */
export interface OneHotOptions {
  readonly dtype?: DType
  readonly on?: number
  readonly off?: number
}

/**
 * One-hot encoding: shape indices.shape + [depth], `on` (1) at each index and `off` (0)
 * elsewhere. An index outside [0, depth) is refused (TensorFlow silently writes a zero row).
 * Indices on the GPU (argmax's) cannot be checked without a read: their rows are computed there
 * (float32 only), and an index outside [0, depth) gives a row of NaN.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toNested(T.oneHot([2, 0], 3)), [[0, 0, 1], [1, 0, 0]])
 * assert.throws(() => T.oneHot([3], 3), { code: 'INDEX_OUT_OF_RANGE' })
 * @category indexing
 */
export const oneHot = (indices: Indices, depth: number, opts: OneHotOptions = {}): Tensor => {
  const op = 'oneHot'
  checkOptions(op, opts, ['dtype', 'on', 'off'])
  const { dtype = 'float32', on = 1, off = 0 } = opts
  checkDType(op, dtype)
  if (!Number.isInteger(depth) || depth < 1) fail('INVALID_ARGUMENT', op, `depth must be a whole number ≥ 1; got ${depth}.`)
  const ix = toIndexTensor(op, indices)
  // traced by jit: the kernel checks the labels when the program runs; on the GPU, its rows of NaN mark them
  const src = isAbstract(ix) || deviceOf(ix) !== undefined ? new Int32Array(0) : dataOf(ix)
  const offV = checkValue(op, dtype, off, () => 'the off value')
  const onV = checkValue(op, dtype, on, () => 'the on value')
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!
    if (v < 0 || v >= depth) fail('INDEX_OUT_OF_RANGE', op, `label ${v} (at flat position ${i}) is outside [0, ${depth}); check the labels or raise depth.`)
  }
  return bind('oneHot', [ix], { depth, dtype, on: onV, off: offV })
}
