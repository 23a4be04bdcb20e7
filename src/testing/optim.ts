/**
 * Laws every optimizer obeys, to apply to a gradient transformation of your own (or a
 * configuration of the built-in ones): it keeps the parameters' dtype, `chain` with the
 * identity changes nothing, and it lowers a convex quadratic. Each `…At` function states one
 * case as an `Equiv`; the law draws the cases (parameter trees with awkward keys, gradients,
 * quadratics from `optimizer.ts`).
 */
import fc from 'fast-check'
import * as Optim from '../optim/index.js'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { type Equiv, deepEqual, equiv, holdsOrThrow, treeExact } from './Equiv.js'
import { type Law, law } from './Law.js'
import { type Quadratic, paramsAndGrads, quadratic, quadraticGrad, quadraticValue } from './optimizer.js'

/** Any gradient transformation. @category laws */
export type Tx = Optim.GradientTransformation<unknown>

/**
 * Runs `init` then one `update` per gradient tree; returns the updates and the states (init first).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * import { run } from 'puregrad/testing'
 * const r = run(Optim.sgd(0.5), { w: T.tensor([1]) }, [{ w: T.tensor([2]) }])
 * assert.deepEqual(T.toArray((r.updates[0] as { w: T.Tensor }).w), [-1])
 * assert.equal(r.states.length, 2)
 * ```
 * @category laws
 */
export const run = (tx: Tx, params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): { updates: Tree.Tree[]; states: unknown[] } => {
  const states: unknown[] = [tx.init(params)]
  const updates: Tree.Tree[] = []
  for (const g of grads) {
    const [u, s] = tx.update(g, states[states.length - 1], params)
    updates.push(u)
    states.push(s)
  }
  return { updates, states }
}

/**
 * Every tensor inside a value (an optimizer state, say).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { tensorsIn } from 'puregrad/testing'
 * assert.equal(tensorsIn({ count: T.scalar(1, 'int32'), mu: [T.zeros([2])], name: 'x' }).length, 2)
 * ```
 * @category laws
 */
export const tensorsIn = (x: unknown): T.Tensor[] => {
  if (T.isTensor(x)) return [x]
  if (typeof x === 'object' && x !== null) return Object.values(x).flatMap(tensorsIn)
  return []
}

/** θ + u, leaf by leaf, without applyUpdates. */
const plus = (p: Tree.Tree, u: Tree.Tree): Tree.Tree => Tree.zipWith(p, u, (a, b) => T.add(a, b))

/** A scalar of a state that is bookkeeping, not a statistic of the parameters: a step count (int32) or a product of factors (float64). */
const bookkeeping = (t: T.Tensor): boolean => t.shape.length === 0 && (t.dtype === 'int32' || t.dtype === 'float64')

/**
 * One case of `keepsDtype`: the dtypes seen in the updates and the state's tensors (bar step
 * counts and float64 scalars), against the parameters' one dtype.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * import { keepsDtypeAt } from 'puregrad/testing'
 * assert.deepEqual(keepsDtypeAt(Optim.adam(0.1), { w: T.zeros([2]) }, [{ w: T.ones([2]) }]), { lhs: ['float32'], rhs: ['float32'] })
 * ```
 * @category laws
 */
export const keepsDtypeAt = (tx: Tx, params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<string[]> => {
  const dtype = Tree.leaves(params)[0]!.value.dtype
  const r = run(tx, params, grads)
  const seen = [...r.updates.flatMap(tensorsIn), ...r.states.flatMap(tensorsIn).filter((t) => !bookkeeping(t))].map((t) => t.dtype)
  return equiv([...new Set(seen)], seen.length === 0 ? [] : [dtype])
}

/**
 * Float32 parameters get float32 updates and float32 state tensors (step counts and float64
 * scalars aside): the optimizer never widens (or narrows) what it is given.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * import { check, keepsDtype } from 'puregrad/testing'
 * assert.doesNotThrow(() => check(keepsDtype(Optim.adamw(1e-3)), { numRuns: 10 }))
 * ```
 * @category laws
 */
export const keepsDtype = (tx: Tx): Law =>
  law('keepsDtype', fc.property(paramsAndGrads(2, { dtypes: ['float32'] }), ([p, gs]) => holdsOrThrow(keepsDtypeAt(tx, p, gs), deepEqual, 'the dtypes of updates and state (lhs) against the parameters\' (rhs)')))

/**
 * One case of `chainIdentity`: the updates of chain(identity, tx), chain(tx, identity) and
 * chain(tx), against those of tx three times.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * import { chainIdentityAt, treeExact } from 'puregrad/testing'
 * const e = chainIdentityAt(Optim.sgd(0.1), { w: T.zeros([2]) }, [{ w: T.ones([2]) }])
 * assert.ok(e.lhs.every((us, i) => us.every((u, j) => treeExact(u, e.rhs[i]![j]!))))
 * ```
 * @category laws
 */
export const chainIdentityAt = (tx: Tx, params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<Tree.Tree[][]> => {
  const u = run(tx, params, grads).updates
  return equiv(
    [run(Optim.chain(Optim.identity(), tx), params, grads).updates, run(Optim.chain(tx, Optim.identity()), params, grads).updates, run(Optim.chain(tx), params, grads).updates],
    [u, u, u],
  )
}

const allExact = (a: ReadonlyArray<ReadonlyArray<Tree.Tree>>, b: ReadonlyArray<ReadonlyArray<Tree.Tree>>): boolean =>
  a.length === b.length && a.every((x, i) => x.length === b[i]!.length && x.every((t, j) => treeExact(t, b[i]![j]!)))

/**
 * chain(identity, tx) ≡ tx ≡ chain(tx, identity) ≡ chain(tx), in updates bit for bit, over
 * three steps: the transformation composes like the built-in ones (no state shared between
 * calls, no dependence on where it sits in a chain).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * import { check, chainIdentity } from 'puregrad/testing'
 * assert.doesNotThrow(() => check(chainIdentity(Optim.sgd(0.1, { momentum: 0.9 })), { numRuns: 10 }))
 * ```
 * @category laws
 */
export const chainIdentity = (tx: Tx): Law =>
  law('chainIdentity', fc.property(paramsAndGrads(3), ([p, gs]) => holdsOrThrow(chainIdentityAt(tx, p, gs), allExact, 'chain(identity, tx), chain(tx, identity), chain(tx) (lhs) against tx (rhs)')))

/**
 * One case of `descendsOnQuadratic`: after `steps` steps from its start, whether the optimizer
 * has lowered the quadratic, with the values before and after.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * import { descendsOnQuadraticAt } from 'puregrad/testing'
 * const q = { curvature: T.tensor([1], 'float64'), center: T.tensor([0], 'float64'), start: T.tensor([2], 'float64') }
 * assert.equal(descendsOnQuadraticAt(Optim.sgd(0.1), 10, q).lhs[0], true)
 * ```
 * @category laws
 */
export const descendsOnQuadraticAt = (tx: Tx, steps: number, q: Quadratic): Equiv<readonly [boolean, number, number]> => {
  let p = q.start
  let s = tx.init(p)
  for (let i = 0; i < steps; i++) {
    const [u, next] = tx.update(quadraticGrad(q, p), s, p)
    p = plus(p, u)
    s = next
  }
  const f0 = quadraticValue(q, q.start)
  const f1 = quadraticValue(q, p)
  return equiv([f1 < f0, f0, f1], [true, f0, f1])
}

/**
 * Within `steps` steps (default 30) the optimizer lowers a random convex quadratic
 * ½ Σ a ⊙ (θ − c)² (a ∈ [0.5, 2], float64 leaves) from its start: a sign error or a rule
 * that ignores the gradient breaks it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * import { check, descendsOnQuadratic } from 'puregrad/testing'
 * assert.doesNotThrow(() => check(descendsOnQuadratic(Optim.adam(0.05)), { numRuns: 5 }))
 * // a transformation that adds the gradient climbs
 * assert.throws(() => check(descendsOnQuadratic(Optim.scale(1)), { numRuns: 5 }), /descendsOnQuadratic: fails on the case/)
 * ```
 * @category laws
 */
export const descendsOnQuadratic = (tx: Tx, opts: { readonly steps?: number } = {}): Law =>
  law(
    'descendsOnQuadratic',
    fc.property(quadratic, (q) => holdsOrThrow(descendsOnQuadraticAt(tx, opts.steps ?? 30, q), deepEqual, '[f(θ) fell, f(θ₀), f(θ)] (lhs) against [true, …] (rhs)')),
  )
