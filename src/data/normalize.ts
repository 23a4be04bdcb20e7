/**
 * Input normalisation (source notes 003, 004): zero mean and unit variance per feature, with
 * μ and σ fitted on the training set only and then applied unchanged to dev and test data.
 */
import { fail, showShape } from '../core/errors.js'
import { type Tensor, checkTensor } from '../core/Tensor.js'
import * as T from '../tensor/index.js'
import { checkFitted } from './check.js'

/** Fitted statistics: per-feature mean and standard deviation. @category model */
export interface Standardizer {
  readonly mean: Tensor
  readonly std: Tensor
}

/**
 * Fits μ and σ of each feature over the examples (axis 0). A feature that never varies (σ = 0,
 * such as MNIST's border pixels, or a spread below the rounding error of its mean) keeps σ = 1,
 * so it is centred and never divided by zero or by rounding noise.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * const s = Data.fitStandardizer(T.tensor([[1, 5], [3, 5]]))
 * assert.deepStrictEqual([T.toArray(s.mean), T.toArray(s.std)], [[2, 5], [1, 1]]) // the constant feature keeps σ = 1
 * assert.deepStrictEqual(T.toNested(Data.standardize(s, T.tensor([[2, 5]]))), [[0, 0]])
 * @category normalization
 */
export const fitStandardizer = (x: Tensor): Standardizer => {
  checkTensor('fitStandardizer', x, 'x')
  if (x.rank < 1 || x.shape[0] === 0) fail('SHAPE_MISMATCH', 'fitStandardizer', `needs at least one example; got ${showShape(x.shape)}.`)
  const mean = T.mean(x, 0)
  const variance = T.variance(x, 0)
  // a spread within the rounding error of the mean is no spread (scikit-learn's bound):
  // dividing by it would blow rounding noise up to unit size
  const c = x.shape[0]! * (x.dtype === 'float64' ? 2 ** -52 : 2 ** -23)
  const constant = T.lessEqual(variance, T.add(T.mul(variance, c), T.square(T.mul(mean, c))))
  return { mean, std: T.where(constant, 1, T.sqrt(variance)) }
}

/**
 * (x − μ) / σ with statistics fitted on the training set, applied unchanged to any data.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * const s = Data.fitStandardizer(T.tensor([[1], [3]])) // fitted on train: μ = 2, σ = 1
 * const dev = Data.standardize(s, T.tensor([[2], [5], [-1]]))
 * assert.deepStrictEqual(T.toNested(dev), [[0], [3], [-3]])
 * @category normalization
 */
export const standardize = (s: Standardizer, x: Tensor): Tensor => {
  checkFitted('standardize', s, 'the standardizer (argument 1)', ['mean', 'std'], 'Data.fitStandardizer(x)')
  checkTensor('standardize', x, 'x (argument 2)')
  if (x.rank < 1 || x.shape.slice(1).join() !== s.mean.shape.join()) {
    fail('SHAPE_MISMATCH', 'standardize', `examples of shape ${showShape(x.shape.slice(1))} do not match the fitted statistics ${showShape(s.mean.shape)}.`)
  }
  return T.div(T.sub(x, s.mean), s.std)
}

/**
 * The inverse of `standardize`: x · σ + μ, back in the units of the data (for predictions of a
 * network trained on standardized targets, say).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * const s = Data.fitStandardizer(T.tensor([[1, 10], [3, 30]]))
 * const x = T.tensor([[2, 25], [-1, 0]])
 * assert.ok(T.allclose(Data.unstandardize(s, Data.standardize(s, x)), x))
 * assert.deepStrictEqual(T.toNested(Data.unstandardize(s, T.tensor([[0, 1]]))), [[2, 30]]) // μ, and μ + σ
 * @category normalization
 */
export const unstandardize = (s: Standardizer, z: Tensor): Tensor => {
  checkFitted('unstandardize', s, 'the standardizer (argument 1)', ['mean', 'std'], 'Data.fitStandardizer(x)')
  checkTensor('unstandardize', z, 'z (argument 2)')
  if (z.rank < 1 || z.shape.slice(1).join() !== s.mean.shape.join()) {
    fail('SHAPE_MISMATCH', 'unstandardize', `examples of shape ${showShape(z.shape.slice(1))} do not match the fitted statistics ${showShape(s.mean.shape)}.`)
  }
  return T.add(T.mul(z, s.std), s.mean)
}
