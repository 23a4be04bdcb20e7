/** Numerically stable softmax and log-softmax. */
import { isFloat } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import { normalizeAxis } from '../core/shape.js'
import { type Tensor, checkTensor } from '../core/Tensor.js'
import { div, exp, sub } from './elementwise.js'
import { logsumexp, max, sum } from './reduce.js'

const check = (op: string, x: Tensor, axis: number): void => {
  checkTensor(op, x)
  if (!isFloat(x.dtype)) fail('DTYPE_MISMATCH', op, `${op} needs a float tensor; got int32 ${showShape(x.shape)}.`)
  if (x.rank === 0) fail('SHAPE_MISMATCH', op, `${op} needs at least one axis; got a scalar.`)
  normalizeAxis(op, axis, x.rank)
}

/**
 * exp(x) / Σ exp(x) along an axis (default the last), computed as exp(x − max) / Σ exp(x − max)
 * so logits of ±1000 give exact probabilities instead of NaN.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const p = T.softmax(T.tensor([[1000, 1000], [-1000, 0]]))
 * assert.deepStrictEqual(T.toNested(p), [[0.5, 0.5], [0, 1]])
 * assert.deepStrictEqual(T.toNested(T.softmax(T.tensor([[1, 3], [1, 3]]), 0)), [[0.5, 0.5], [0.5, 0.5]])
 * @category activations
 */
export const softmax = (x: Tensor, axis = -1): Tensor => {
  check('softmax', x, axis)
  const e = exp(sub(x, max(x, axis, true)))
  return div(e, sum(e, axis, true))
}

/**
 * log softmax: x − logsumexp(x) along an axis (default the last); finite for any finite
 * logits, where log(softmax(x)) would give −∞.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([1000, 0])
 * assert.deepStrictEqual(T.toArray(T.logSoftmax(x)), [0, -1000])
 * assert.deepStrictEqual(T.toArray(T.log(T.softmax(x))), [0, -Infinity])
 * @category activations
 */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => {
  check('logSoftmax', x, axis)
  return sub(x, logsumexp(x, axis, true))
}
