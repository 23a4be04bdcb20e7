/**
 * The shape of every optimizer: a gradient transformation is a record of two pure functions,
 * `init(params) → state` and `update(grads, state, params?) → [updates, state]`, and the state
 * is a named, plain, serializable value. Nothing is remembered between steps except what the
 * state holds, so a state can be printed, saved with `JSON.stringify`, compared and replayed.
 *
 * Updates are added to the parameters with `applyUpdates`; optimizers that descend flip the
 * sign themselves (`scaleByLearningRate`), as in optax.
 *
 * @since 0.1.0
 */
import { checkFunction } from '../core/errors.js'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { checkSameTree, frozen, zerosLike } from './internal.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A pair of pure functions: `init` builds the state for some parameters; `update` turns
 * gradients (or the updates of a previous transformation) into updates and a new state. It
 * never changes its inputs, and the same inputs always give the same outputs.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.sgd(0.1)
 * const params = { w: T.tensor([1, 2]) }
 * const [updates, state] = tx.update({ w: T.tensor([10, 10]) }, tx.init(params), params)
 * assert.deepStrictEqual(T.toArray(Optim.applyUpdates(params, updates).w), [0, 1])
 * assert.strictEqual(T.item(state[2].count), 1)
 * @category model
 * @since 0.1.0
 */
export interface GradientTransformation<S> {
  /** The state before the first step, for these parameters. */
  readonly init: (params: Tree.Tree) => S
  /**
   * One step: updates of the same structure as `grads`, and the next state. (Declared as a
   * method, so a `GradientTransformation<AdamState>` is also a `GradientTransformation<unknown>`,
   * e.g. in a list of optimizers.)
   */
  update<G extends Tree.Tree>(grads: G, state: S, params?: Tree.Tree): readonly [updates: G, state: S]
}

/**
 * The state type of a transformation: `StateOf<typeof adam>` is the tuple of its parts' states.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const tx = Optim.chain(Optim.clipByGlobalNorm(1), Optim.scale(-0.1))
 * const s: Optim.StateOf<typeof tx> = tx.init({})
 * assert.deepStrictEqual(s, [{ _tag: 'EmptyState' }, { _tag: 'EmptyState' }])
 * @category model
 * @since 0.1.0
 */
export type StateOf<G> = G extends GradientTransformation<infer S> ? S : never

/**
 * The state of a transformation that keeps nothing between steps.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * assert.deepStrictEqual(Optim.identity().init({}), { _tag: 'EmptyState' })
 * @category model
 * @since 0.1.0
 */
export interface EmptyState {
  readonly _tag: 'EmptyState'
}

/**
 * The one `EmptyState` value.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * assert.strictEqual(Optim.emptyState._tag, 'EmptyState')
 * @category constructors
 * @since 0.1.0
 */
export const emptyState: EmptyState = frozen({ _tag: 'EmptyState' })

/**
 * A transformation from its two functions, frozen. `update` is written over any tree; the
 * record promises updates of the gradients' own structure (the laws check every optimizer
 * keeps it), which is this one cast. @internal
 */
export const transformation = <S>(r: {
  readonly init: (params: Tree.Tree) => S
  readonly update: (grads: Tree.Tree, state: S, params?: Tree.Tree) => readonly [Tree.Tree, S]
}): GradientTransformation<S> => frozen(r as unknown as GradientTransformation<S>)

/**
 * A transformation without state from a function of the gradients (and parameters).
 *
 * u = f(g, θ)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T, Tree } from 'puregrad'
 * const negate = Optim.stateless((g) => Tree.map(g, T.neg))
 * const [u] = negate.update({ w: T.tensor([1]) }, negate.init({}))
 * assert.deepStrictEqual(T.toArray(u.w), [-1])
 * @category constructors
 * @since 0.1.0
 */
export const stateless = (f: (grads: Tree.Tree, params: Tree.Tree | undefined) => Tree.Tree): GradientTransformation<EmptyState> => {
  checkFunction('stateless', 'the function of the gradients (argument 1)', f)
  return transformation({
    init: () => emptyState,
    update: (grads: Tree.Tree, state: EmptyState, params?: Tree.Tree) => [f(grads, params), state] as const,
  })
}

// -------------------------------------------------------------------------------------
// transformations
// -------------------------------------------------------------------------------------

/**
 * Passes the gradients through unchanged: the identity of `chain`.
 *
 * u = g
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const g = { w: T.tensor([1, 2]) }
 * const [u] = Optim.identity().update(g, Optim.emptyState)
 * assert.strictEqual(u, g)
 * @category transforms
 * @since 0.1.0
 */
export const identity = (): GradientTransformation<EmptyState> => stateless((g) => g)

/**
 * Replaces every update by zeros: the parameters stay where they are (freeze them with `masked`).
 *
 * u = 0
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const [u] = Optim.setToZero().update({ w: T.tensor([1, 2]) }, Optim.emptyState)
 * assert.deepStrictEqual(T.toArray(u.w), [0, 0])
 * @category transforms
 * @since 0.1.0
 */
export const setToZero = (): GradientTransformation<EmptyState> => stateless((g) => zerosLike(g))

// -------------------------------------------------------------------------------------
// applying
// -------------------------------------------------------------------------------------

/**
 * The parameters moved by the updates: θ + u, leaf by leaf, in each parameter's dtype. The
 * trees must have the same structure; the error names the first path where they differ.
 *
 * θ ← θ + u
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const params = { w: T.tensor([1, 2]) }
 * const next = Optim.applyUpdates(params, { w: T.tensor([0.5, -0.5]) })
 * assert.deepStrictEqual(T.toArray(next.w), [1.5, 1.5])
 * @category applying
 * @since 0.1.0
 */
export const applyUpdates = <P extends Tree.Tree>(params: P, updates: Tree.Tree): P => {
  checkSameTree('applyUpdates', params, updates, 'parameters', 'updates')
  return Tree.zipWith(params, updates, (p, u) => T.add(p, u))
}

// -------------------------------------------------------------------------------------
// exercises: what the optimizer laws run
// -------------------------------------------------------------------------------------

/**
 * How the optimizer laws exercise the transformations a module builds. Each module of this
 * folder that `Optim` re-exports declares, as its default export (which `export *` leaves out,
 * so it is not public), the configurations its transformations are checked under:
 *
 * ```ts
 * // in adafactor.ts, the type argument being `typeof import` of the module itself
 * export default exercises<AdafactorModule>(() => ({
 *   adafactor: [{ tx: adafactor(), needsParams: true, descent: { optimizer: adafactor(3e-2), steps: 1000, target: 0.5 } }],
 *   scaleByFactoredRms: [{ label: 'factored from 1', tx: scaleByFactoredRms({ minDimSizeToFactor: 1 }), descent: { learningRate: 1e-2, steps: 1000, target: 0.2 } }],
 * }))
 * ```
 *
 * The type asks for an entry for every exported function of the module that returns a
 * `GradientTransformation`, so the compiler refuses a new transformation without one, in its
 * own file. The laws (laws/optim.ts) read every module's exercises and run each law on each;
 * they also refuse a module of `Optim` without exercises (a module building no transformation
 * declares an empty one, `(() => ({}))`, which the compiler checks too).
 * The descent settings are claims about the optimizer (it brings Rosenbrock's function from
 * 24.2 below `target` in `steps`), kept next to its code, measured with a marg
 */

/** How an exercise is checked for descent. @internal */
export interface Descent {
  /** the optimizer the descent laws run (default: the exercise's `tx`) */
  readonly optimizer?: GradientTransformation<unknown>
  /** when set, the descent laws follow the optimizer with `scaleByLearningRate(learningRate)` (for transformations that do not descend by themselves) */
  readonly learningRate?: number
  /** steps on Rosenbrock's function from (−1.2, 1), where its value is 24.2 */
  readonly steps: number
  /** the loss to reach within those steps */
  readonly target: number
  /** steps on random convex quadratics (default 30) */
  readonly quadraticSteps?: number
}

/** One configuration of a transformation, under every optimizer law. @internal */
export interface Exercise {
  /** what sets this configuration apart, appended to the function's name in the laws' titles */
  readonly label?: string
  readonly tx: GradientTransformation<unknown>
  /** whether `update` needs the parameters (weight decay) */
  readonly needsParams?: boolean
  /** how it descends; absent when it cannot (setToZero) */
  readonly descent?: Descent
}

/** The exported functions of a module `M` that build a transformation, but those in `Skip`. */
type Builders<M, Skip> = {
  // a generic function's return type is read with its type parameters at their bounds
  [K in Exclude<keyof M, 'default' | Skip>]: M[K] extends (...args: never) => infer R ? ([R] extends [GradientTransformation<any>] ? K : never) : never
}[Exclude<keyof M, 'default' | Skip>]

/** At least one exercise for each transformation a module `M` builds. @internal */
export type Exercises<M, Skip extends keyof M = never> = { readonly [K in Builders<M, Skip>]: readonly [Exercise, ...Exercise[]] }

/**
 * A module's exercises, made when the laws ask for them (never at import). `Skip` names builders
 * the laws reach through others (an internal helper every transformation is made with). @internal
 */
export const exercises = <M, Skip extends keyof M = never>(make: () => Exercises<M, Skip>): (() => Exercises<M, Skip>) => make

/** The configurations the optimizer laws check this module's transformations under (see `exercises` in base.ts). */
export default exercises<typeof import('./base.js'), 'transformation'>(() => ({
  identity: [{ tx: identity(), descent: { learningRate: 3e-3, steps: 1000, target: 0.1 } }],
  setToZero: [{ tx: setToZero() }],
  stateless: [{ label: 'of the parameters', tx: stateless((g, p) => Tree.zipWith(g, p!, (gi, pi) => T.add(gi, T.mul(pi, 1e-3)))), needsParams: true, descent: { learningRate: 3e-3, steps: 1000, target: 0.1 } }],
}))
