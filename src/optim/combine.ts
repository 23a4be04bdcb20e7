/**
 * Combinators: transformations built from transformations. `chain` runs several in sequence
 * (its state is the tuple of theirs), `masked` runs one on some leaves only, and
 * `applyIfFinite` skips steps whose gradients hold NaN or ±Infinity.
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import type * as Tree from '../tree/index.js'
import { type GradientTransformation, type StateOf, transformation, exercises } from './base.js'
import { allFinite, checkInteger, checkSameTree, checkTransformation, zerosLike } from './internal.js'
import { type Mask, allLeaves, leafFlags, merge, select, weightsOnly } from './mask.js'
import { stateful } from './stateful.js'
import { scaleByAdam } from './adam.js'
import { clipByGlobalNorm } from './clipping.js'

// -------------------------------------------------------------------------------------
// chain
// -------------------------------------------------------------------------------------

/**
 * The state of a chain: the tuple of the states of its parts, in order.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s: Optim.ChainState<[Optim.GradientTransformation<Optim.EmptyState>]> = [Optim.emptyState]
 * assert.strictEqual(s.length, 1)
 * @category model
 * @since 0.1.0
 */
export type ChainState<Ts extends ReadonlyArray<GradientTransformation<any>>> = { readonly [K in keyof Ts]: StateOf<Ts[K]> }

/**
 * Runs transformations one after another: each receives the updates of the previous one. The
 * state is the tuple of the parts' states (typed exactly: `StateOf<typeof tx>`). `chain()` is
 * the identity; `chain(chain(a, b), c)` and `chain(a, chain(b, c))` give the same updates.
 *
 * u = fₙ(… f₂(f₁(g)))
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.chain(Optim.clipByGlobalNorm(1), Optim.scale(-0.5))
 * const [u] = tx.update({ w: T.tensor([3, 4]) }, tx.init({ w: T.zeros([2]) }))
 * assert.ok(T.allclose(u.w, T.tensor([-0.3, -0.4])))
 * @category combinators
 * @since 0.1.0
 */
export const chain = <Ts extends ReadonlyArray<GradientTransformation<any>>>(...txs: Ts): GradientTransformation<ChainState<Ts>> => {
  txs.forEach((tx, i) => {
    if (typeof tx !== 'object' || tx === null || typeof tx.init !== 'function' || typeof tx.update !== 'function') {
      fail('INVALID_ARGUMENT', 'chain', `argument ${i} is not a gradient transformation ({ init, update }); pass transformations such as Optim.scale(-0.1).`)
    }
  })
  const parts = Object.freeze([...txs])
  type S = ChainState<Ts>
  return transformation({
    init: (params: Tree.Tree): S => Object.freeze(parts.map((tx) => tx.init(params))) as unknown as S,
    update: (grads: Tree.Tree, state: S, params?: Tree.Tree): readonly [Tree.Tree, S] => {
      const states = state as unknown as ReadonlyArray<unknown>
      if (!Array.isArray(states) || states.length !== parts.length) {
        fail(
          'INVALID_ARGUMENT',
          'chain',
          `the state ${Array.isArray(states) ? `has ${states.length} parts` : 'is not an array'} but the chain has ${parts.length} transformations; pass the state that init(params) of this same chain returned (or the one its last update returned).`,
        )
      }
      let u = grads
      const next = parts.map((tx, i) => {
        const [v, s] = tx.update(u, states[i], params)
        u = v
        return s as unknown
      })
      return [u, Object.freeze(next) as unknown as S]
    },
  })
}

// -------------------------------------------------------------------------------------
// masked
// -------------------------------------------------------------------------------------

/**
 * The state of `masked`: the inner state, built for the selected leaves only (the other
 * leaves are empty records `{}` in it).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.masked(Optim.trace(0.9), { W: true, b: false })
 * const s: Optim.MaskedState<Optim.TraceState> = tx.init({ W: T.zeros([2, 2]), b: T.zeros([2]) })
 * assert.deepStrictEqual(Object.keys(s.inner.trace), ['W', 'b'])
 * @category model
 * @since 0.1.0
 */
export interface MaskedState<S> {
  readonly _tag: 'MaskedState'
  readonly inner: S
}

/**
 * Runs `inner` on the leaves the mask selects and passes the other updates through unchanged
 * (optax `masked`). The mask is a predicate on `(leaf, path)`, evaluated on the parameters (on
 * the gradients when no parameters are given), or a tree of booleans.
 *
 * u = inner(g) where selected, g elsewhere
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.masked(Optim.scale(0), Optim.weightsOnly)
 * const g = { W: T.ones([1, 2]), b: T.ones([2]) }
 * const [u] = tx.update(g, tx.init(g), g)
 * assert.deepStrictEqual([T.toArray(u.W), T.toArray(u.b)], [[0, 0], [1, 1]])
 * @category combinators
 * @since 0.1.0
 */
export const masked = <S>(inner: GradientTransformation<S>, mask: Mask): GradientTransformation<MaskedState<S>> => {
  const op = 'masked'
  checkTransformation(op, 'the inner transformation (argument 1)', inner)
  if (typeof mask !== 'function' && typeof mask !== 'boolean' && (typeof mask !== 'object' || mask === null)) {
    fail('INVALID_ARGUMENT', op, `the mask is ${String(mask)}; pass a predicate (leaf, path) => boolean or a tree of booleans shaped like the parameters.`)
  }
  return stateful(undefined, {
    op,
    tag: 'MaskedState',
    init: (params) => ({ inner: inner.init(select(params, leafFlags(op, params, mask))) }),
    update: (grads, s: MaskedState<S>, _, params) => {
      if (params !== undefined) checkSameTree(op, grads, params, 'gradients', 'parameters')
      const flags = leafFlags(op, params ?? grads, mask)
      const [u, next] = inner.update(select(grads, flags), s.inner, params === undefined ? undefined : select(params, flags))
      return [merge(grads, u, flags), { inner: next }]
    },
  })
}

// -------------------------------------------------------------------------------------
// applyIfFinite
// -------------------------------------------------------------------------------------

/**
 * The state of `applyIfFinite`: consecutive and total skipped steps, whether the last
 * gradients were finite, and the inner state (unchanged by a skipped step).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s: Optim.ApplyIfFiniteState<Optim.EmptyState> = Optim.applyIfFinite(Optim.identity(), 3).init({})
 * assert.deepStrictEqual([s.notFiniteCount, s.totalNotFinite, s.lastFinite], [0, 0, true])
 * @category model
 * @since 0.1.0
 */
export interface ApplyIfFiniteState<S> {
  readonly _tag: 'ApplyIfFiniteState'
  /** Steps skipped in a row; back to 0 after a finite step. */
  readonly notFiniteCount: number
  /** Whether the last gradients were all finite. */
  readonly lastFinite: boolean
  /** Steps skipped since init; never reset. */
  readonly totalNotFinite: number
  readonly inner: S
}

/**
 * Skips any step whose gradients hold NaN or ±Infinity: the updates are zeros and the inner
 * state is kept as it was; the skipped steps are counted. After more than
 * `maxConsecutiveErrors` skipped steps in a row it gives up and applies the inner update
 * anyway (optax `apply_if_finite`, same semantics).
 *
 * u = inner(g) if g is finite or n > maxConsecutiveErrors, else 0  (n: non-finite steps in a row)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.applyIfFinite(Optim.sgd(0.1), 2)
 * const s0 = tx.init({ w: T.zeros([1]) })
 * const [u, s1] = tx.update({ w: T.tensor([Number.NaN]) }, s0)
 * assert.deepStrictEqual([T.toArray(u.w), s1.notFiniteCount, s1.totalNotFinite], [[0], 1, 1])
 * assert.strictEqual(s1.inner, s0.inner)
 * @category combinators
 * @since 0.1.0
 */
export const applyIfFinite = <S>(inner: GradientTransformation<S>, maxConsecutiveErrors: number): GradientTransformation<ApplyIfFiniteState<S>> => {
  checkTransformation('applyIfFinite', 'the inner transformation (argument 1)', inner)
  const max = checkInteger('applyIfFinite', 'maxConsecutiveErrors', maxConsecutiveErrors, 0, '5')
  return stateful(undefined, {
    op: 'applyIfFinite',
    tag: 'ApplyIfFiniteState',
    init: (params) => ({ notFiniteCount: 0, lastFinite: true, totalNotFinite: 0, inner: inner.init(params) }),
    update: (grads, s: ApplyIfFiniteState<S>, _, params) => {
      const finite = allFinite(grads)
      const notFiniteCount = finite ? 0 : s.notFiniteCount + 1
      const [u, next] = finite || notFiniteCount > max ? inner.update(grads, s.inner, params) : [zerosLike(grads), s.inner]
      return [u, { notFiniteCount, lastFinite: finite, totalNotFinite: finite ? s.totalNotFinite : s.totalNotFinite + 1, inner: next }]
    },
  })
}

/** The configurations the optimizer laws check this module's transformations under (see `exercises` in base.ts). */
export default exercises<typeof import('./combine.js')>(() => ({
  chain: [{ label: '(clipByGlobalNorm, scaleByAdam)', tx: chain(clipByGlobalNorm(10), scaleByAdam()), descent: { learningRate: 0.1, steps: 1000, target: 1e-3 } }],
  masked: [{ label: '(scaleByAdam, weightsOnly)', tx: masked(scaleByAdam(), weightsOnly), descent: { optimizer: masked(scaleByAdam(), allLeaves), learningRate: 0.1, steps: 1000, target: 1e-3 } }],
  applyIfFinite: [{ label: '(scaleByAdam)', tx: applyIfFinite(scaleByAdam(), 3), descent: { learningRate: 0.1, steps: 1000, target: 1e-3 } }],
}))
