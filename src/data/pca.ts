/**
 * PCA and PCA whitening for vector data (source note 004), fitted on the training set and
 * applied unchanged to dev and test data.
 */
import { describe, fail, showShape } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { type Tensor, checkTensor, dataOf } from '../core/Tensor.js'
import { key, normal } from '../rng/index.js'
import * as T from '../tensor/index.js'
import { checkFitted } from './check.js'
import { jacobiEigen, topEigen } from './eigen.js'

/** A fitted PCA. @category model */
export interface Pca {
  /** per-feature mean, subtracted first */
  readonly mean: Tensor
  /** principal directions as columns, [features, components], by decreasing variance */
  readonly components: Tensor
  /** variance of the data along each component */
  readonly variances: Tensor
  /** divide each coordinate by √(variance + eps), giving unit variance */
  readonly whiten: boolean
  readonly eps: number
}

/** Options of `fitPca`. */
export interface PcaOptions {
  /** number of components to keep; default all features */
  readonly components?: number
  /** whiten (unit variance per component); default false */
  readonly whiten?: boolean
  /** added to variances when whitening; default 1e-5 */
  readonly eps?: number
}

/**
 * Fits PCA to examples `x` ([n, features]): the eigenvectors of the covariance matrix, the
 * leading ones first. Computed in float64 (exactly, by Jacobi rotations, for up to 64
 * features or when all components are kept; by subspace iteration for the leading components
 * of wider data).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * const x = T.tensor([[2, 0], [-2, 0], [0, 1], [0, -1]], 'float64')
 * const p = Data.fitPca(x, { components: 1 })
 * assert.deepStrictEqual(T.toNested(p.components), [[1], [0]]) // the first axis spreads most
 * assert.deepStrictEqual(T.toArray(p.variances), [2])
 * @category pca
 */
export const fitPca = (x: Tensor, opts: PcaOptions = {}): Pca => {
  const op = 'fitPca'
  checkTensor(op, x, 'x')
  checkOptions(op, opts, ['components', 'whiten', 'eps'])
  if (opts.whiten !== undefined && typeof opts.whiten !== 'boolean') fail('INVALID_ARGUMENT', op, `whiten is ${describe(opts.whiten)}; pass true or false.`)
  if (x.rank !== 2 || x.shape[0]! < 2) fail('SHAPE_MISMATCH', op, `needs a matrix of at least 2 examples × features; got ${showShape(x.shape)}.`)
  const [n, d] = x.shape as [number, number]
  const k = opts.components ?? d
  if (!Number.isInteger(k) || k < 1 || k > d) fail('INVALID_ARGUMENT', op, `components must be a whole number in [1, ${d}]; got ${k}.`)
  const eps = opts.eps ?? 1e-5
  if (!(eps >= 0)) fail('INVALID_ARGUMENT', op, `eps must be ≥ 0; got ${eps}.`)
  const x64 = T.cast(x, 'float64')
  const mean = T.mean(x64, 0)
  const centred = T.sub(x64, mean)
  const cov = dataOf(T.div(T.matmul(centred, centred, { transposeA: true }), n)) as Float64Array
  const eig = d <= 64 || k === d ? jacobiEigen(cov, d) : topEigen(cov, d, k, dataOf(normal(key(0), [d, k], { dtype: 'float64' })) as Float64Array)
  const cols = eig.vectors.length / d
  // the k leading columns, each with its sign fixed (largest entry positive) so fits are reproducible
  const comps = new Float64Array(d * k)
  for (let j = 0; j < k; j++) {
    let big = 0
    for (let r = 0; r < d; r++) if (Math.abs(eig.vectors[r * cols + j]!) > Math.abs(big)) big = eig.vectors[r * cols + j]!
    for (let r = 0; r < d; r++) comps[r * k + j] = big < 0 ? -eig.vectors[r * cols + j]! : eig.vectors[r * cols + j]!
  }
  return {
    mean: T.cast(mean, x.dtype),
    components: T.cast(T.fromArray(comps, [d, k], 'float64'), x.dtype),
    variances: T.cast(T.fromArray(Array.from(eig.values.slice(0, k), (v) => Math.max(v, 0)), [k], 'float64'), x.dtype),
    whiten: opts.whiten === true,
    eps,
  }
}

/**
 * Projects examples onto the fitted components (and whitens them if the PCA says so).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * const x = T.tensor([[2, 0], [-2, 0], [0, 1], [0, -1]], 'float64')
 * const p = Data.fitPca(x, { components: 1 })
 * assert.deepStrictEqual(T.toNested(Data.pcaTransform(p, T.tensor([[3, 5]], 'float64'))), [[3]]) // the coordinate along [1, 0]
 * const white = Data.pcaTransform(Data.fitPca(x, { whiten: true }), x)
 * assert.ok(T.allclose(T.variance(white, 0), T.tensor([1, 1], 'float64'), { atol: 1e-4 })) // unit variance per component
 * @category pca
 */
export const pcaTransform = (p: Pca, x: Tensor): Tensor => {
  checkFitted('pcaTransform', p, 'the PCA (argument 1)', ['mean', 'components', 'variances'], 'Data.fitPca(x)')
  checkTensor('pcaTransform', x, 'x (argument 2)')
  if (x.rank !== 2 || x.shape[1] !== p.mean.shape[0]) fail('SHAPE_MISMATCH', 'pcaTransform', `examples ${showShape(x.shape)} do not match the ${p.mean.shape[0]} features the PCA was fitted on.`)
  const projected = T.matmul(T.sub(x, p.mean), p.components)
  return p.whiten ? T.div(projected, T.sqrt(T.add(p.variances, p.eps))) : projected
}

/**
 * The inverse of `pcaTransform`: from coordinates along the components (whitened or not) back
 * to the features. With every component kept it undoes `pcaTransform` (up to rounding); with
 * fewer, it gives the nearest point of the components' subspace (a reconstruction that drops
 * the least variance), and `pcaTransform` of it gives the coordinates back.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * const x = T.tensor([[2, 0.5], [-2, 0], [0, 1], [0, -1.5]], 'float64')
 * const white = Data.fitPca(x, { whiten: true })
 * assert.ok(T.allclose(Data.pcaInverse(white, Data.pcaTransform(white, x)), x, { atol: 1e-12 }))
 * const one = Data.fitPca(x, { components: 1 })
 * const z = Data.pcaTransform(one, x)
 * assert.ok(T.allclose(Data.pcaTransform(one, Data.pcaInverse(one, z)), z, { atol: 1e-12 }))
 * @category pca
 */
export const pcaInverse = (p: Pca, z: Tensor): Tensor => {
  checkFitted('pcaInverse', p, 'the PCA (argument 1)', ['mean', 'components', 'variances'], 'Data.fitPca(x)')
  checkTensor('pcaInverse', z, 'z (argument 2)')
  if (z.rank !== 2 || z.shape[1] !== p.components.shape[1]) {
    fail('SHAPE_MISMATCH', 'pcaInverse', `coordinates ${showShape(z.shape)} do not match the ${p.components.shape[1]} components of the PCA; pass [n, ${p.components.shape[1]}].`)
  }
  const coords = p.whiten ? T.mul(z, T.sqrt(T.add(p.variances, p.eps))) : z
  return T.add(T.matmul(coords, p.components, { transposeB: true }), p.mean)
}
