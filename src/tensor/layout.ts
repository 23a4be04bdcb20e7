/**
 * Changing the layout of a tensor: reshape, transpose, slice, concat, stack, pad, broadcast.
 *
 * Tensors never change, so operations that keep the row-major order (reshape, expandDims,
 * squeeze, flatten) share the buffer instead of copying it.
 */
import { describe, fail, showShape } from '../core/errors.js'
import { broadcastOrThrow, normalizeAxes, normalizeAxis, sameShape, shapeOrThrow, sizeOf } from '../core/shape.js'
import { type Tensor, checkTensor } from '../core/Tensor.js'
import { bind } from '../prims/bind.js'
import { checkValue } from './create.js'

/** An array whose every element is a tensor, naming the first that is not. */
const checkTensorList = (op: string, ts: unknown): void => {
  if (!Array.isArray(ts)) fail('INVALID_ARGUMENT', op, `${op} takes an array of tensors; got ${describe(ts)}.`)
  ;(ts as unknown[]).forEach((t, i) => checkTensor(op, t, `element ${i}`))
}

/**
 * The same values in another shape; one size may be −1 and is then inferred. Shares the buffer.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.reshape(T.arange(6), [2, -1])
 * assert.deepStrictEqual(x.shape, [2, 3])
 * assert.deepStrictEqual(T.toNested(x), [[0, 1, 2], [3, 4, 5]])
 * assert.throws(() => T.reshape(T.arange(6), [4, -1]), { code: 'SHAPE_MISMATCH' })
 * @category layout
 */
export const reshape = (t: Tensor, shape: ReadonlyArray<number>): Tensor => {
  const op = 'reshape'
  checkTensor(op, t)
  if (!Array.isArray(shape)) fail('INVALID_SHAPE', op, `the new shape must be an array of sizes such as [2, -1]; got ${describe(shape)}.`)
  const holes = shape.filter((d) => d === -1).length
  if (holes > 1) fail('INVALID_SHAPE', op, `only one size may be −1 (inferred); got ${showShape(shape)}.`)
  const known = shape.map((d) => (d === -1 ? 1 : d))
  shapeOrThrow(op, known)
  const knownSize = sizeOf(known)
  let target = known
  if (holes === 1) {
    if (knownSize === 0 || t.size % knownSize !== 0) {
      fail('SHAPE_MISMATCH', op, `cannot infer the −1 in ${showShape(shape)} for a tensor of shape ${showShape(t.shape)} (${t.size} elements).`)
    }
    target = shape.map((d) => (d === -1 ? t.size / knownSize : d))
  }
  if (sizeOf(target) !== t.size) {
    fail('SHAPE_MISMATCH', op, `cannot reshape ${showShape(t.shape)} (${t.size} elements) to ${showShape(target)} (${sizeOf(target)} elements); the sizes must multiply to the same number.`)
  }
  return sameShape(target, t.shape) ? t : bind('reshape', [t], { shape: target })
}

/**
 * A 1-D view of all elements, in row-major order.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.flatten(T.tensor([[1, 2], [3, 4]]))), [1, 2, 3, 4])
 * assert.deepStrictEqual(T.flatten(T.scalar(5)).shape, [1])
 * @category layout
 */
export const flatten = (t: Tensor): Tensor => reshape(t, [checkTensor('flatten', t).size])

/**
 * Inserts an axis of size 1 at `axis` (−1 appends).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([1, 2])
 * assert.deepStrictEqual(T.expandDims(x).shape, [1, 2])
 * assert.deepStrictEqual(T.toNested(T.expandDims(x, -1)), [[1], [2]])
 * @category layout
 */
export const expandDims = (t: Tensor, axis = 0): Tensor => {
  checkTensor('expandDims', t)
  if (!Number.isInteger(axis) || axis < -(t.rank + 1) || axis > t.rank) {
    fail('AXIS_OUT_OF_RANGE', 'expandDims', `a new axis ${axis} cannot be inserted into a tensor of rank ${t.rank}; use an axis in [${-(t.rank + 1)}, ${t.rank}].`)
  }
  const ax = axis < 0 ? axis + t.rank + 1 : axis
  return reshape(t, [...t.shape.slice(0, ax), 1, ...t.shape.slice(ax)])
}

/**
 * Removes axes of size 1 (all of them, or the ones listed, which must have size 1).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.zeros([1, 3, 1])
 * assert.deepStrictEqual(T.squeeze(x).shape, [3])
 * assert.deepStrictEqual(T.squeeze(x, 0).shape, [3, 1])
 * assert.throws(() => T.squeeze(x, 1), { code: 'SHAPE_MISMATCH' })
 * @category layout
 */
export const squeeze = (t: Tensor, axes?: number | ReadonlyArray<number>): Tensor => {
  const op = 'squeeze'
  checkTensor(op, t)
  const drop = axes === undefined ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(op, axes, t.rank)
  for (const a of drop) if (t.shape[a] !== 1) fail('SHAPE_MISMATCH', op, `axis ${a} of ${showShape(t.shape)} has size ${t.shape[a]}, not 1; only axes of size 1 can be squeezed.`)
  return reshape(t, t.shape.filter((_, i) => !drop.includes(i)))
}

/**
 * Permutes the axes (default: reverses them).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toNested(T.transpose(T.tensor([[1, 2, 3]]))), [[1], [2], [3]])
 * assert.deepStrictEqual(T.transpose(T.zeros([2, 3, 4]), [0, 2, 1]).shape, [2, 4, 3])
 * @category layout
 */
export const transpose = (t: Tensor, perm?: ReadonlyArray<number>): Tensor => {
  const op = 'transpose'
  checkTensor(op, t)
  if (perm !== undefined && !Array.isArray(perm)) fail('INVALID_ARGUMENT', op, `perm must be a list of axes such as [1, 0], or omitted to reverse the axes; got ${describe(perm)}.`)
  const p = perm ?? t.shape.map((_, i) => t.rank - 1 - i)
  const norm = p.map((a) => normalizeAxis(op, a, t.rank))
  if (norm.length !== t.rank || new Set(norm).size !== t.rank) {
    fail('INVALID_ARGUMENT', op, `[${p.join(', ')}] is not a permutation of the ${t.rank} axes of ${showShape(t.shape)}.`)
  }
  if (norm.every((a, i) => a === i)) return t
  return bind('transpose', [t], { perm: norm })
}

/**
 * Repeats a tensor along broadcast axes to reach `shape` (NumPy rules).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toNested(T.broadcastTo(T.tensor([[1], [2]]), [2, 3])), [[1, 1, 1], [2, 2, 2]])
 * assert.deepStrictEqual(T.broadcastTo(T.tensor([1, 2]), [3, 2]).shape, [3, 2])
 * assert.throws(() => T.broadcastTo(T.tensor([1, 2, 3]), [2]), { code: 'SHAPE_MISMATCH' })
 * @category layout
 */
export const broadcastTo = (t: Tensor, shape: ReadonlyArray<number>): Tensor => {
  const op = 'broadcastTo'
  checkTensor(op, t)
  const target = shapeOrThrow(op, shape)
  const b = broadcastOrThrow(op, t.shape, target)
  if (!sameShape(b, target)) fail('SHAPE_MISMATCH', op, `${showShape(t.shape)} cannot be broadcast to ${showShape(target)}: the result would be ${showShape(b)}.`)
  if (sameShape(t.shape, target)) return t
  return bind('broadcastTo', [t], { shape: target })
}

/**
 * A contiguous block: `size[i]` elements from `begin[i]` on each axis (a size of −1 runs to
 * the end; a negative begin counts from the end). Shorter lists leave later axes whole.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toNested(T.slice(T.tensor([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, 2])), [[2, 3], [5, 6]])
 * assert.deepStrictEqual(T.toArray(T.slice(T.tensor([1, 2, 3, 4]), [-2])), [3, 4])
 * @category layout
 */
export const slice = (t: Tensor, begin: ReadonlyArray<number>, size?: ReadonlyArray<number>): Tensor => {
  const op = 'slice'
  checkTensor(op, t)
  if (!Array.isArray(begin) || (size !== undefined && !Array.isArray(size))) {
    fail('INVALID_ARGUMENT', op, `begin and size must be lists of whole numbers, one per axis (size may be omitted); got ${describe(Array.isArray(begin) ? size : begin)}.`)
  }
  if (begin.length > t.rank || (size !== undefined && size.length > t.rank)) {
    fail('SHAPE_MISMATCH', op, `begin [${begin.join(', ')}]${size ? ` and size [${size.join(', ')}]` : ''} have more entries than the rank of ${showShape(t.shape)}.`)
  }
  const starts = t.shape.map((n, i) => {
    const b = begin[i] ?? 0
    const s = b < 0 ? b + n : b
    if (!Number.isInteger(b) || s < 0 || s > n) fail('INDEX_OUT_OF_RANGE', op, `begin ${b} on axis ${i} is outside [${-n}, ${n}] for shape ${showShape(t.shape)}.`)
    return s
  })
  const shape = t.shape.map((n, i) => {
    const z = size?.[i] ?? -1
    const len = z === -1 ? n - starts[i]! : z
    if (!Number.isInteger(len) || len < 0 || starts[i]! + len > n) {
      fail('INDEX_OUT_OF_RANGE', op, `size ${z} from ${starts[i]} on axis ${i} runs past the end of shape ${showShape(t.shape)}.`)
    }
    return len
  })
  if (sameShape(shape, t.shape)) return t
  return bind('slice', [t], { begin: starts, size: shape })
}

/**
 * Joins tensors along an existing axis; all other sizes and the dtype must agree.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const a = T.tensor([[1, 2]])
 * const b = T.tensor([[3, 4]])
 * assert.deepStrictEqual(T.concat([a, b], 0).shape, [2, 2])
 * assert.deepStrictEqual(T.toNested(T.concat([a, b], 1)), [[1, 2, 3, 4]])
 * @category layout
 */
export const concat = (ts: ReadonlyArray<Tensor>, axis = 0): Tensor => {
  const op = 'concat'
  checkTensorList(op, ts)
  const first = ts[0]
  if (first === undefined) return fail('INVALID_ARGUMENT', op, 'needs at least one tensor.')
  if (first.rank === 0) fail('SHAPE_MISMATCH', op, 'scalars have no axis to join along; use stack.')
  const ax = normalizeAxis(op, axis, first.rank)
  ts.forEach((t, i) => {
    if (t.dtype !== first.dtype) fail('DTYPE_MISMATCH', op, `tensor ${i} is ${t.dtype} but tensor 0 is ${first.dtype}; cast them to one dtype.`)
    if (t.rank !== first.rank || t.shape.some((d, j) => j !== ax && d !== first.shape[j])) {
      fail('SHAPE_MISMATCH', op, `tensor ${i} has shape ${showShape(t.shape)} but tensor 0 has ${showShape(first.shape)}; all sizes except axis ${ax} must agree.`)
    }
  })
  if (ts.length === 1) return first
  return bind('concat', ts, { axis: ax })
}

/**
 * Joins same-shaped tensors along a new axis (default 0, in front).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const a = T.tensor([1, 2])
 * const b = T.tensor([3, 4])
 * assert.deepStrictEqual(T.toNested(T.stack([a, b])), [[1, 2], [3, 4]])
 * assert.deepStrictEqual(T.toNested(T.stack([a, b], 1)), [[1, 3], [2, 4]])
 * @category layout
 */
export const stack = (ts: ReadonlyArray<Tensor>, axis = 0): Tensor => {
  const op = 'stack'
  checkTensorList(op, ts)
  const first = ts[0]
  if (first === undefined) return fail('INVALID_ARGUMENT', op, 'needs at least one tensor.')
  ts.forEach((t, i) => {
    if (!sameShape(t.shape, first.shape)) fail('SHAPE_MISMATCH', op, `tensor ${i} has shape ${showShape(t.shape)} but tensor 0 has ${showShape(first.shape)}; stacked tensors must have equal shapes.`)
  })
  const ax = normalizeAxis(op, axis, first.rank + 1)
  return concat(ts.map((t) => expandDims(t, ax)), ax)
}

/**
 * Pads with a constant: `paddings[i] = [before, after]` for axis i (missing axes get none).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.pad(T.tensor([1, 2]), [[1, 2]])), [0, 1, 2, 0, 0])
 * assert.deepStrictEqual(T.toNested(T.pad(T.tensor([[1]]), [[0, 0], [1, 1]], -1)), [[-1, 1, -1]])
 * @category layout
 */
export const pad = (t: Tensor, paddings: ReadonlyArray<readonly [number, number]>, value = 0): Tensor => {
  const op = 'pad'
  checkTensor(op, t)
  if (!Array.isArray(paddings) || !paddings.every((q) => Array.isArray(q) && q.length === 2)) {
    fail('INVALID_ARGUMENT', op, 'paddings must be a list of [before, after] pairs, one per leading axis, e.g. [[0, 0], [1, 1]].')
  }
  if (paddings.length > t.rank) fail('SHAPE_MISMATCH', op, `${paddings.length} paddings for a tensor of shape ${showShape(t.shape)}.`)
  const pads = t.shape.map((_, i) => paddings[i] ?? ([0, 0] as const))
  pads.forEach(([b, a], i) => {
    if (!Number.isInteger(b) || !Number.isInteger(a) || b < 0 || a < 0) fail('INVALID_ARGUMENT', op, `padding [${b}, ${a}] on axis ${i} must be whole numbers ≥ 0.`)
  })
  const v = checkValue(op, t.dtype, value, () => 'the pad value')
  return bind('pad', [t], { paddings: pads, value: v })
}

