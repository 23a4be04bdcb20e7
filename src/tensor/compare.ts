/** Whole-tensor comparisons that answer with a boolean. */
import { fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { sameShape } from '../core/shape.js'
import { type Tensor, checkReadable, checkTensor, readOf } from '../core/Tensor.js'

/**
 * True when both tensors have the same dtype, the same shape and the same bits
 * (NaN equals NaN, 0 and −0 differ, as `Object.is`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.strictEqual(T.equals(T.tensor([1, NaN]), T.tensor([1, NaN])), true)
 * assert.strictEqual(T.equals(T.tensor([0]), T.tensor([-0])), false)
 * assert.strictEqual(T.equals(T.tensor([1]), T.tensor([1], 'float64')), false)
 * @category comparisons
 */
export const equals = (a: Tensor, b: Tensor): boolean => {
  checkReadable('equals', checkTensor('equals', a, 'a'))
  checkReadable('equals', checkTensor('equals', b, 'b'))
  if (a.dtype !== b.dtype || !sameShape(a.shape, b.shape)) return false
  const x = readOf('equals', a)
  const y = readOf('equals', b)
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false
  return true
}

/** Options of `allclose`. */
export interface AllcloseOptions {
  /** relative tolerance, default 1e-5 */
  readonly rtol?: number
  /** absolute tolerance, default 1e-8 */
  readonly atol?: number
  /** whether NaN equals NaN, default false */
  readonly equalNaN?: boolean
}

/**
 * True when the shapes are equal and every |a − b| ≤ atol + rtol·|b| (NumPy's rule, so it is
 * not symmetric). Infinities must match exactly. Dtypes may differ (compare a float32 result
 * against a float64 reference). Shapes must match exactly: no broadcasting, so a shape slip is
 * never hidden.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.ok(T.allclose(T.tensor([1, 2]), T.tensor([1, 2 + 1e-7], 'float64')))
 * assert.ok(!T.allclose(T.tensor([1, 2]), T.tensor([1, 2.001])))
 * assert.ok(!T.allclose(T.tensor([1, 2]), T.tensor([[1, 2]])))
 * assert.ok(T.allclose(T.tensor([NaN]), T.tensor([NaN]), { equalNaN: true }))
 * @category comparisons
 */
export const allclose = (a: Tensor, b: Tensor, opts: AllcloseOptions = {}): boolean => {
  checkReadable('allclose', checkTensor('allclose', a, 'a'))
  checkReadable('allclose', checkTensor('allclose', b, 'b'))
  checkOptions('allclose', opts, ['rtol', 'atol', 'equalNaN'])
  const { rtol = 1e-5, atol = 1e-8, equalNaN = false } = opts
  if (!(rtol >= 0 && atol >= 0)) fail('INVALID_ARGUMENT', 'allclose', `rtol and atol must be ≥ 0; got rtol ${rtol}, atol ${atol}.`)
  if (!sameShape(a.shape, b.shape)) return false
  const x = readOf('allclose', a)
  const y = readOf('allclose', b)
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!
    const v = y[i]!
    if (u === v) continue
    if (Number.isNaN(u) || Number.isNaN(v)) {
      if (equalNaN && Number.isNaN(u) && Number.isNaN(v)) continue
      return false
    }
    if (!Number.isFinite(u) || !Number.isFinite(v)) return false
    if (!(Math.abs(u - v) <= atol + rtol * Math.abs(v))) return false
  }
  return true
}
