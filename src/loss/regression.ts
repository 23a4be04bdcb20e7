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
 * assert.strictEqual(Tensor.item(halfSumSquaredError(Tensor.tensor([0.75, 0.77]), Tensor.tensor([0.01, 0.99]))), 0.5 * (0.74 ** 2 + 0.22 ** 2))
 * @category regression
 */
export const halfSumSquaredError = (pred: Tensor, target: Tensor): Tensor => {
  sameShapes('halfSumSquaredError', pred, target)
  return T.mul(T.sum(T.square(T.sub(target, pred))), 0.5)
}

/** Mean over every element of (target − out)² (Keras's MSE). @category regression */
export const meanSquaredError = (pred: Tensor, target: Tensor): Tensor => {
  sameShapes('meanSquaredError', pred, target)
  return T.mean(T.square(T.sub(target, pred)))
}

/**
 * Huber loss, the mean of ½d² where |d| ≤ δ and δ(|d| − ½δ) beyond: squared near the target,
 * linear far from it (robust to outliers).
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
