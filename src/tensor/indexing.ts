/** Indexing by integer tensors: gather and one-hot encoding. */
import { type DType, alloc, checkDType } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import { normalizeAxis } from '../core/shape.js'
import { type Tensor, dataOf, fromBuffer, isTensor } from '../core/Tensor.js'
import { kernels } from '../kernels/registry.js'
import { checkValue, fromArray } from './create.js'

/** Indices: an int32 tensor or a plain array of whole numbers. @category model */
export type Indices = Tensor | ReadonlyArray<number>

const toIndexTensor = (op: string, ix: Indices): Tensor => {
  if (!isTensor(ix)) return fromArray(ix, [ix.length], 'int32')
  if (ix.dtype !== 'int32') fail('DTYPE_MISMATCH', op, `indices must be an int32 tensor; got ${ix.dtype} ${showShape(ix.shape)}. Use cast(indices, 'int32').`)
  return ix
}

/**
 * Takes slices along an axis at the given indices (negative indices count from the end):
 * the result has shape x.shape[:axis] + indices.shape + x.shape[axis+1:].
 *
 * @example
 * const table = tensor([[1, 1], [2, 2], [3, 3]])
 * assert.deepStrictEqual(toNested(gather(table, [2, 0])), [[3, 3], [1, 1]])
 * @category indexing
 */
export const gather = (x: Tensor, indices: Indices, axis = 0): Tensor => {
  const op = 'gather'
  const ix = toIndexTensor(op, indices)
  if (x.rank === 0) fail('SHAPE_MISMATCH', op, 'cannot gather from a scalar.')
  const ax = normalizeAxis(op, axis, x.rank)
  const n = x.shape[ax]!
  const src = dataOf(ix) as Int32Array
  const norm = new Int32Array(src.length)
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!
    if (v < -n || v >= n) fail('INDEX_OUT_OF_RANGE', op, `index ${v} (at flat position ${i} of the indices) is out of range for axis ${ax} of size ${n} in ${showShape(x.shape)}.`)
    norm[i] = v < 0 ? v + n : v
  }
  const outer = x.shape.slice(0, ax).reduce((p, d) => p * d, 1)
  const inner = x.shape.slice(ax + 1).reduce((p, d) => p * d, 1)
  const shape = [...x.shape.slice(0, ax), ...ix.shape, ...x.shape.slice(ax + 1)]
  const out = alloc(x.dtype, outer * norm.length * inner)
  kernels().gather(dataOf(x), outer, n, inner, norm, out)
  return fromBuffer(out, shape)
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
 *
 * @example
 * assert.deepStrictEqual(toNested(oneHot([2, 0], 3)), [[0, 0, 1], [1, 0, 0]])
 * @category indexing
 */
export const oneHot = (indices: Indices, depth: number, opts: OneHotOptions = {}): Tensor => {
  const op = 'oneHot'
  const { dtype = 'float32', on = 1, off = 0 } = opts
  checkDType(op, dtype)
  if (!Number.isInteger(depth) || depth < 1) fail('INVALID_ARGUMENT', op, `depth must be a whole number ≥ 1; got ${depth}.`)
  const ix = toIndexTensor(op, indices)
  const src = dataOf(ix)
  const out = alloc(dtype, src.length * depth)
  const offV = checkValue(op, dtype, off, () => 'the off value')
  const onV = checkValue(op, dtype, on, () => 'the on value')
  if (offV !== 0) out.fill(offV)
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!
    if (v < 0 || v >= depth) fail('INDEX_OUT_OF_RANGE', op, `label ${v} (at flat position ${i}) is outside [0, ${depth}); check the labels or raise depth.`)
    out[i * depth + v] = onV
  }
  return fromBuffer(out, [...ix.shape, depth])
}
