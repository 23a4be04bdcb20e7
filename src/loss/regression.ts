/** Losses for regression: squared error in the notes' ½Σ form and in the mean form, and Huber. */
import { fail } from '../core/errors.js'
import type { Tensor } from '../core/Tensor.js'
import * as T from '../tensor/index.js'
import { sameShapes } from './internal.js'

/**
 * The notes' squared error E = ½ Σ (target − out)², summed over every element (for one example,
 * the notes' E_total; for a batch it grows with the batch size).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Loss, Tensor as T } from 'puregrad'
 * const out = T.tensor([0.75, 0.77], 'float64')
 * const target = T.tensor([0.01, 0.99], 'float64')
 * assert.strictEqual(T.item(Loss.halfSumSquaredError(out, target)), 0.5 * (0.74 ** 2 + 0.22 ** 2))
 * @category regression
 */
export const halfSumSquaredError = (pred: Tensor, target: Tensor): Tensor => {
  sameShapes('halfSumSquaredError', pred, target)
  return T.mul(T.sum(T.square(T.sub(target, pred))), 0.5)
}

/**
 * Mean over every element of (target − out)² (Keras's MSE).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Loss, Tensor as T } from 'puregrad'
 * // errors 0 and 3: (0² + 3²) / 2
 * assert.strictEqual(T.item(Loss.meanSquaredError(T.tensor([1, 2]), T.tensor([1, 5]))), 4.5)
 * @category regression
 */
export const meanSquaredError = (pred: Tensor, target: Tensor): Tensor => {
  sameShapes('meanSquaredError', pred, target)
  return T.mean(T.square(T.sub(target, pred)))
}

/**
 * Huber loss, the mean of ½d² where |d| ≤ δ and δ(|d| − ½δ) beyond: squared near the target,
 * linear far from it (robust to outliers).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Loss, Tensor as T } from 'puregrad'
 * // errors 0.5 (≤ δ = 1: ½·0.5² = 0.125) and 3 (beyond: 1·(3 − ½) = 2.5), averaged
 * assert.strictEqual(T.item(Loss.huber(T.tensor([1, 2]), T.tensor([0.5, 5]))), 1.3125)
 * // a larger δ keeps the error 3 in the squared part: (0.125 + 4.5) / 2
 * assert.strictEqual(T.item(Loss.huber(T.tensor([1, 2]), T.tensor([0.5, 5]), 5)), 2.3125)
 * @category regression
 */
export const huber = (pred: Tensor, target: Tensor, delta = 1): Tensor => {
  sameShapes('huber', pred, target)
  if (!(delta > 0)) fail('INVALID_ARGUMENT', 'huber', `delta must be > 0; got ${delta}.`)
  const d = T.abs(T.sub(pred, target))
  const quadratic = T.minimum(d, delta)
  // ½q² + δ(d − q) with q = min(d, δ) equals both pieces and is smooth at |d| = δ
  return T.mean(T.add(T.mul(T.square(quadratic), 0.5), T.mul(T.sub(d, quadratic), delta)))
}
