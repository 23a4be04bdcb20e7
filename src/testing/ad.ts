/**
 * Laws of differentiation to apply to a function of your own (one written with `Tensor`
 * operations, or with custom rules from `Ad.custom` / `Ad.customVjp`): reverse mode agrees with
 * forward mode, and the gradient with finite differences.
 */
import fc from 'fast-check'
import * as Ad from '../ad/index.js'
import * as T from '../tensor/index.js'
import { type Equiv, equiv, holdsOrThrow } from './Equiv.js'
import { type Law, law } from './Law.js'
import { tensorOfShape } from './tensor.js'

/** A function between tensors (to one number, for the gradient laws). @category laws */
export type Fn = (x: T.Tensor) => T.Tensor

/**
 * ⟨a, b⟩ as a number.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { inner } from 'puregrad/testing'
 * assert.equal(inner(T.tensor([1, 2]), T.tensor([3, 4])), 11)
 * ```
 * @category laws
 */
export const inner = (a: T.Tensor, b: T.Tensor): number => T.item(T.sum(T.mul(a, b)))

/**
 * One case of `forwardEqualsReverse`: ⟨∇f(x), u⟩ (reverse mode) against jvp(f)(x; u) (forward mode).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { forwardEqualsReverseAt } from 'puregrad/testing'
 * const e = forwardEqualsReverseAt((x) => T.sum(T.square(x)), T.tensor([1, 2], 'float64'), T.tensor([1, 1], 'float64'))
 * assert.deepEqual(e, { lhs: 6, rhs: 6 })
 * ```
 * @category laws
 */
export const forwardEqualsReverseAt = (f: Fn, x: T.Tensor, u: T.Tensor): Equiv<number> => equiv(inner(Ad.grad(f)(x) as T.Tensor, u), T.item(Ad.jvp(f, [x], [u])[1]))

/** The inputs a differentiation law draws, and its tolerance. @category laws */
export interface AdLawOptions {
  /** the shape of x */
  readonly shape: ReadonlyArray<number>
  /** values of x (default float64 in [−3, 3]; give your own for a function with a smaller domain) */
  readonly input?: fc.Arbitrary<T.Tensor>
  /** relative tolerance (default 1e-6, in float64) */
  readonly rtol?: number
  /** absolute tolerance (default 1e-9) */
  readonly atol?: number
}

/**
 * Reverse mode equals forward mode for `f` (a function to one number): ⟨∇f(x), u⟩ =
 * jvp(f)(x; u), at random x and directions u. A custom rule that is wrong in one mode breaks it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { check, forwardEqualsReverse } from 'puregrad/testing'
 * assert.doesNotThrow(() => check(forwardEqualsReverse((x) => T.sum(T.tanh(T.mul(x, x))), { shape: [2, 2] }), { numRuns: 10 }))
 * ```
 * @category laws
 */
export const forwardEqualsReverse = (f: Fn, o: AdLawOptions): Law => {
  const rtol = o.rtol ?? 1e-6
  const atol = o.atol ?? 1e-9
  const x = o.input ?? tensorOfShape(o.shape, { dtype: 'float64', min: -3, max: 3 })
  const u = tensorOfShape(o.shape, { dtype: 'float64', min: -1, max: 1 })
  return law(
    `forwardEqualsReverse(${f.name || 'f'})`,
    fc.property(x, u, (x0, u0) => holdsOrThrow(forwardEqualsReverseAt(f, x0, u0.dtype === x0.dtype ? u0 : T.cast(u0, x0.dtype)), (a, b) => Math.abs(a - b) <= atol + rtol * Math.abs(b), '⟨∇f(x), u⟩ (lhs) = jvp(f)(x; u) (rhs)')),
  )
}

/**
 * The gradient of `f` (a function to one number) agrees with finite differences at random x,
 * by `Ad.gradCheck` (points on a kink are moved off it first).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { check, gradMatchesFiniteDifferences } from 'puregrad/testing'
 * assert.doesNotThrow(() => check(gradMatchesFiniteDifferences((x) => T.sum(T.exp(x)), { shape: [3] }), { numRuns: 10 }))
 * ```
 * @category laws
 */
export const gradMatchesFiniteDifferences = (f: Fn, o: Pick<AdLawOptions, 'shape' | 'input'>): Law => {
  const x = o.input ?? tensorOfShape(o.shape, { dtype: 'float64', min: -3, max: 3 })
  return law(
    `gradMatchesFiniteDifferences(${f.name || 'f'})`,
    fc.property(x, (x0) => {
      const report = Ad.gradCheck(f, x0)
      holdsOrThrow(equiv(report.verdict === 'ok' || report.verdict === 'inconclusive' ? 'ok' : `${report.verdict}\n${Ad.showGradCheck(report)}`, 'ok'), (a, b) => a === b, 'the gradient check')
    }),
  )
}
