/**
 * Clipping: limit each update coordinate (`clip`) or the norm of all updates together
 * (`clipByGlobalNorm`). Both are stateless.
 *
 * @since 0.1.0
 */
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { type EmptyState, type GradientTransformation, stateless, exercises } from './base.js'
import { checkPositive, sumOfSquares } from './internal.js'

/**
 * Clips every coordinate of the updates to [−maxDelta, maxDelta] (optax `clip`; PyTorch
 * `clip_grad_value_`).
 *
 * u = min(max(g, −δ), δ)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const [u] = Optim.clip(1).update({ w: T.tensor([-3, 0.5, 2]) }, Optim.emptyState)
 * assert.deepStrictEqual(T.toArray(u.w), [-1, 0.5, 1])
 * @category transforms
 * @since 0.1.0
 */
export const clip = (maxDelta: number): GradientTransformation<EmptyState> => {
  const d = checkPositive('clip', 'maxDelta', maxDelta, '1')
  return stateless((g) => Tree.map(g, (x) => T.clip(x, -d, d)))
}

/**
 * Rescales all updates together so that their global L2 norm (over every leaf) is at most
 * `maxNorm`; updates already within the bound pass unchanged (optax `clip_by_global_norm`; PyTorch
 * `clip_grad_norm_` divides by ‖g‖ + 1e-6 instead). The norm is accumulated in float64.
 *
 * u = g · min(1, c / ‖g‖₂),  ‖g‖₂ = √(Σ over all leaves of g²)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const [u] = Optim.clipByGlobalNorm(1).update({ a: T.tensor([3]), b: T.tensor([4]) }, Optim.emptyState)
 * assert.ok(T.allclose(u.a, T.tensor([0.6])) && T.allclose(u.b, T.tensor([0.8])))
 * @category transforms
 * @since 0.1.0
 */
export const clipByGlobalNorm = (maxNorm: number): GradientTransformation<EmptyState> => {
  const c = checkPositive('clipByGlobalNorm', 'maxNorm', maxNorm, '1')
  return stateless((g) => {
    // Σg² can overflow (or underflow) where ‖g‖ itself does not: then ‖g‖ = m·√Σ(gᵢ/m)² with m = max|gᵢ|
    let norm = Math.sqrt(sumOfSquares(g))
    if (!Number.isFinite(norm) || norm === 0) {
      const m = Tree.reduce(g, 0, (acc, x) => (x.size === 0 ? acc : Math.max(acc, T.item(T.max(T.abs(x))))))
      if (m > 0 && Number.isFinite(m)) norm = m * Math.sqrt(sumOfSquares(Tree.map(g, (x) => T.div(x, m))))
    }
    if (!(norm > c)) return g
    const s = c / norm
    return Tree.map(g, (x) => T.mul(x, s))
  })
}

/** The configurations the optimizer laws check this module's transformations under (see `exercises` in base.ts). */
export default exercises<typeof import('./clipping.js')>(() => ({
  clip: [{ tx: clip(1), descent: { learningRate: 3e-3, steps: 1000, target: 0.5 } }],
  clipByGlobalNorm: [{ tx: clipByGlobalNorm(1), descent: { optimizer: clipByGlobalNorm(100), learningRate: 3e-3, steps: 1000, target: 0.1 } }],
}))
