/**
 * Reductions over any axes: sum, mean, max, min, logsumexp, variance; argmax/argmin along one
 * axis.
 *
 * `axes` is one axis, a list, or omitted for all axes; `keepdims` keeps reduced axes as size 1
 * so the result broadcasts against the input.
 */
import { isFloat } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import { normalizeAxes, normalizeAxis } from '../core/shape.js'
import { type Tensor, fromBuffer } from '../core/Tensor.js'
import { bind } from '../prims/bind.js'
import { add, div, exp, isFinite, log, mul, square, stopGradient, sub, where } from './elementwise.js'
import { reshape } from './layout.js'

/** Axes to reduce: one, several, or all when omitted. @category model */
export type Axes = number | ReadonlyArray<number> | undefined

const reduceOp =
  (op: 'sum' | 'max' | 'min') =>
  (x: Tensor, axes?: Axes, keepdims = false): Tensor => {
    const ax = normalizeAxes(op, axes, x.rank)
    if (op !== 'sum' && ax.some((a) => x.shape[a] === 0)) {
      fail('SHAPE_MISMATCH', op, `cannot take the ${op} over an empty axis of ${showShape(x.shape)}: it has no identity value.`)
    }
    return bind(op, [x], { axes: ax, keepdims })
  }

/**
 * Sum over axes.
 *
 * @example
 * const x = tensor([[1, 2, 3], [4, 5, 6]])
 * assert.deepStrictEqual(toArray(sum(x, 0)), [5, 7, 9])
 * assert.deepStrictEqual(sum(x, 1, true).shape, [2, 1])
 * assert.strictEqual(item(sum(x)), 21)
 * @category reductions
 */
export const sum = reduceOp('sum')
/** Maximum over axes (NaN wins); refuses empty axes. @category reductions */
export const max = reduceOp('max')
/** Minimum over axes (NaN wins); refuses empty axes. @category reductions */
export const min = reduceOp('min')

const needFloat = (op: string, x: Tensor): void => {
  if (!isFloat(x.dtype)) fail('DTYPE_MISMATCH', op, `${op} needs a float tensor; got int32 ${showShape(x.shape)}. Use cast(x, 'float32') first.`)
}

/**
 * Arithmetic mean over axes (NaN over an empty axis). The sum is kept in float64 and divided
 * before rounding, so a float32 mean is finite whenever its value is.
 *
 * @example
 * assert.strictEqual(item(mean(tensor([3e38, 3e38]))), item(tensor([3e38])))
 * @category reductions
 */
export const mean = (x: Tensor, axes?: Axes, keepdims = false): Tensor => {
  needFloat('mean', x)
  return bind('mean', [x], { axes: normalizeAxes('mean', axes, x.rank), keepdims })
}

/** Population variance (divides by n) over axes. @category reductions */
export const variance = (x: Tensor, axes?: Axes, keepdims = false): Tensor => {
  needFloat('variance', x)
  return mean(square(sub(x, mean(x, axes, true))), axes, keepdims)
}

/**
 * log Σ exp(x) over axes, computed as m + log Σ exp(x − m) with m the maximum, so it neither
 * overflows nor underflows (all −∞ gives −∞; a +∞ gives +∞).
 *
 * @example
 * assert.ok(Math.abs(item(logsumexp(tensor([1000, 1000], 'float64'))) - (1000 + Math.LN2)) < 1e-12)
 * @category reductions
 */
export const logsumexp = (x: Tensor, axes?: Axes, keepdims = false): Tensor => {
  needFloat('logsumexp', x)
  // the shift cancels out of the value and of the derivative (which is softmax), so it is held constant
  const m = stopGradient(max(x, axes, true))
  const shift = where(isFinite(m), m, 0)
  const r = add(log(sum(exp(sub(x, shift)), axes, true)), shift)
  return keepdims ? r : reshape(r, x.shape.filter((_, i) => !normalizeAxes('logsumexp', axes, x.rank).includes(i)))
}

const argOp =
  (op: 'argmax' | 'argmin') =>
  (x: Tensor, axis = -1, keepdims = false): Tensor => {
    const ax = normalizeAxis(op, axis, x.rank)
    if (x.rank === 0) return fromBuffer(new Int32Array(1), [])
    if (x.shape[ax] === 0) fail('SHAPE_MISMATCH', op, `axis ${ax} of ${showShape(x.shape)} is empty; there is no ${op.slice(3)}imum to point at.`)
    return bind(op, [x], { axis: ax, keepdims })
  }

/**
 * Index (int32) of the first maximum along an axis (default the last); NaN counts as maximal.
 * @category reductions
 */
export const argmax = argOp('argmax')
/** Index (int32) of the first minimum along an axis (default the last). @category reductions */
export const argmin = argOp('argmin')

/** Σ x² over axes; with no axes, the squared Frobenius norm. @category reductions */
export const sumOfSquares = (x: Tensor, axes?: Axes, keepdims = false): Tensor => sum(mul(x, x), axes, keepdims)
