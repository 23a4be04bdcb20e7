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
import { type Tensor, fromBuffer, checkTensor } from '../core/Tensor.js'
import { bind } from '../prims/bind.js'
import { add, exp, isFinite, log, mul, square, stopGradient, sub, where } from './elementwise.js'
import { reshape } from './layout.js'

/** Axes to reduce: one, several, or all when omitted. @category model */
export type Axes = number | ReadonlyArray<number> | undefined

const reduceOp =
  (op: 'sum' | 'max' | 'min') =>
  (x: Tensor, axes?: Axes, keepdims = false): Tensor => {
    const ax = normalizeAxes(op, axes, checkTensor(op, x).rank)
    if (op !== 'sum' && ax.some((a) => x.shape[a] === 0)) {
      fail('SHAPE_MISMATCH', op, `cannot take the ${op} over an empty axis of ${showShape(x.shape)}: it has no identity value.`)
    }
    return bind(op, [x], { axes: ax, keepdims })
  }

/**
 * Sum over axes.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[1, 2, 3], [4, 5, 6]])
 * assert.deepStrictEqual(T.toArray(T.sum(x, 0)), [5, 7, 9])
 * assert.deepStrictEqual(T.sum(x, 1, true).shape, [2, 1])
 * assert.strictEqual(T.item(T.sum(x)), 21)
 * @category reductions
 */
export const sum = reduceOp('sum')

/**
 * Maximum over axes (NaN wins); refuses empty axes.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[1, 5], [7, 2]])
 * assert.deepStrictEqual(T.toArray(T.max(x, 1)), [5, 7])
 * assert.strictEqual(T.item(T.max(x)), 7)
 * assert.ok(Number.isNaN(T.item(T.max(T.tensor([1, NaN, 3])))))
 * @category reductions
 */
export const max = reduceOp('max')

/**
 * Minimum over axes (NaN wins); refuses empty axes.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[1, 5], [7, 2]])
 * assert.deepStrictEqual(T.toArray(T.min(x, 0)), [1, 2])
 * assert.deepStrictEqual(T.min(x, 0, true).shape, [1, 2])
 * assert.throws(() => T.min(T.zeros([0])), { code: 'SHAPE_MISMATCH' })
 * @category reductions
 */
export const min = reduceOp('min')

const needFloat = (op: string, x: Tensor): void => {
  if (!isFloat(checkTensor(op, x).dtype)) fail('DTYPE_MISMATCH', op, `${op} needs a float tensor; got int32 ${showShape(x.shape)}. Use cast(x, 'float32') first.`)
}

/**
 * Arithmetic mean over axes (NaN over an empty axis). The sum is kept in float64 and divided
 * before rounding, so a float32 mean is finite whenever its value is.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.strictEqual(T.item(T.mean(T.tensor([3e38, 3e38]))), T.item(T.tensor([3e38])))
 * assert.deepStrictEqual(T.toArray(T.mean(T.tensor([[1, 2], [3, 5]]), 1)), [1.5, 4])
 * @category reductions
 */
export const mean = (x: Tensor, axes?: Axes, keepdims = false): Tensor => {
  needFloat('mean', x)
  return bind('mean', [x], { axes: normalizeAxes('mean', axes, x.rank), keepdims })
}

/**
 * Population variance (divides by n) over axes.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.strictEqual(T.item(T.variance(T.tensor([1, 2, 3, 4]))), 1.25)
 * assert.deepStrictEqual(T.toArray(T.variance(T.tensor([[1, 3], [2, 6]]), 1)), [1, 4])
 * @category reductions
 */
export const variance = (x: Tensor, axes?: Axes, keepdims = false): Tensor => {
  needFloat('variance', x)
  return mean(square(sub(x, mean(x, axes, true))), axes, keepdims)
}

/**
 * log Σ exp(x) over axes, computed as m + log Σ exp(x − m) with m the maximum, so it neither
 * overflows nor underflows (all −∞ gives −∞; a +∞ gives +∞).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.ok(Math.abs(T.item(T.logsumexp(T.tensor([1000, 1000], 'float64'))) - (1000 + Math.LN2)) < 1e-12)
 * assert.strictEqual(T.item(T.logsumexp(T.tensor([-Infinity, -Infinity]))), -Infinity)
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
    const ax = normalizeAxis(op, axis, checkTensor(op, x).rank)
    if (x.rank === 0) return fromBuffer(new Int32Array(1), [])
    if (x.shape[ax] === 0) fail('SHAPE_MISMATCH', op, `axis ${ax} of ${showShape(x.shape)} is empty; there is no ${op.slice(3)}imum to point at.`)
    return bind(op, [x], { axis: ax, keepdims })
  }

/**
 * Index (int32) of the first maximum along an axis (default the last); NaN counts as maximal.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[1, 9, 9], [8, 2, NaN]])
 * assert.deepStrictEqual(T.toArray(T.argmax(x)), [1, 2])
 * assert.deepStrictEqual(T.toArray(T.argmax(x, 0)), [1, 0, 1])
 * assert.strictEqual(T.argmax(x).dtype, 'int32')
 * @category reductions
 */
export const argmax = argOp('argmax')

/**
 * Index (int32) of the first minimum along an axis (default the last); NaN counts as minimal.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[3, 1, 1], [0, NaN, 2]])
 * assert.deepStrictEqual(T.toArray(T.argmin(x)), [1, 1])
 * assert.deepStrictEqual(T.argmin(x, -1, true).shape, [2, 1])
 * @category reductions
 */
export const argmin = argOp('argmin')

/**
 * Σ x² over axes; with no axes, the squared Frobenius norm.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[1, 2], [3, 4]])
 * assert.strictEqual(T.item(T.sumOfSquares(x)), 30)
 * assert.deepStrictEqual(T.toArray(T.sumOfSquares(x, 1)), [5, 25])
 * @category reductions
 */
export const sumOfSquares = (x: Tensor, axes?: Axes, keepdims = false): Tensor => sum(mul(checkTensor('sumOfSquares', x), x), axes, keepdims)
