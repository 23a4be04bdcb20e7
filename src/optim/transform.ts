/**
 * The basic transformations: scaling (by a constant, a learning rate or a schedule), momentum
 * (`trace`) and weight decay (`addDecayedWeights`). The adaptive ones (Adam, RMSProp, …) are in
 * `adaptive.ts`, clipping in `clipping.ts`.
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { type EmptyState, type GradientTransformation, emptyState, stateless, transformation, exercises } from './base.js'
import { axpby, checkBoolean, checkDecay, checkLearningRate, checkNonNegative, checkNumber, checkOptions, checkSameTree, needParams, zerosLike } from './internal.js'
import { type Mask, allLeaves, leafFlags, weightsOnly } from './mask.js'
import { countOf, countValue, isKnown, nextCount, perDType, stepNumber, zeroCount } from './count.js'
import { type Schedule, exponentialDecay } from './schedule.js'
import { tensorForm } from './scheduleForm.js'
import { flag, stateful } from './stateful.js'

type Tensor = T.Tensor

// -------------------------------------------------------------------------------------
// scaling
// -------------------------------------------------------------------------------------

/**
 * Multiplies every update by a fixed number.
 *
 * u = s · g
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const [u] = Optim.scale(-2).update({ w: T.tensor([1, 2]) }, Optim.emptyState)
 * assert.deepStrictEqual(T.toArray(u.w), [-2, -4])
 * @category transforms
 * @since 0.1.0
 */
export const scale = (stepSize: number): GradientTransformation<EmptyState> => {
  const s = checkNumber('scale', 'stepSize', stepSize, 'Use a finite factor such as -0.1.')
  return stateless((g) => Tree.map(g, (x) => T.mul(x, s)))
}

/**
 * The state of `scaleByLearningRate` and `scaleBySchedule`: how many updates were made (the
 * step the schedule is read at). Kept for constant rates too, so a checkpoint stays valid when a
 * constant rate is swapped for a schedule.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const s: Optim.ScaleByScheduleState = Optim.scaleByLearningRate(0.1).init({})
 * assert.deepStrictEqual([s._tag, T.item(s.count), s.count.dtype], ['ScaleByScheduleState', 0, 'int32'])
 * @category model
 * @since 0.1.0
 */
export interface ScaleByScheduleState {
  readonly _tag: 'ScaleByScheduleState'
  /** Updates made so far (an int32 scalar); the schedule is read at this step. */
  readonly count: Tensor
}

/**
 * The factor at a count: a number (constant rates), or a float64 scalar from the schedule's
 * tensor form (the schedules of `Optim`, which trace under jit), or else the schedule called
 * with the count read as a number (any function; not inside `Ad.jit`, where the count has no
 * value yet).
 */
const factorAt = (op: string, schedule: Schedule, count: Tensor, check: (v: number, t: number) => number): Tensor | number => {
  const form = tensorForm(schedule)
  const step = countValue(count)
  if (form !== undefined) {
    const v = form(step)
    if (isKnown(v)) check(T.item(v), T.item(step))
    return v
  }
  const t = stepNumber(step)
  if (t === undefined) {
    return fail(
      'TRACED_READ',
      op,
      'a schedule written as a plain function of a number cannot be read inside Ad.jit (the step count is a traced value there), nor for vmapped states at different steps. Build it from the schedules in Optim (constant, exponentialDecay, cosineDecay, …), which trace, or run the step without jit.',
    )
  }
  return check(schedule(t), t)
}

const scheduled = (op: string, factor: (count: Tensor) => Tensor | number): GradientTransformation<ScaleByScheduleState> =>
  stateful(undefined, {
    op,
    tag: 'ScaleByScheduleState',
    init: () => ({ count: zeroCount() }),
    update: (grads, s) => {
      const at = perDType(factor(countOf(s.count)))
      return [Tree.map(grads, (x) => T.mul(x, at(x.dtype))), { count: nextCount(s.count) }]
    },
  })

/**
 * Multiplies the updates by a schedule read at the step count (optax `scale_by_schedule`).
 *
 * u = s(t) · g,  t = 0, 1, 2, …
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.scaleBySchedule((t) => t + 1)
 * const [, s1] = tx.update({ w: T.tensor([1]) }, tx.init({}))
 * const [u2] = tx.update({ w: T.tensor([1]) }, s1)
 * assert.deepStrictEqual(T.toArray(u2.w), [2])
 * @category transforms
 * @since 0.1.0
 */
export const scaleBySchedule = (schedule: Schedule): GradientTransformation<ScaleByScheduleState> => {
  const op = 'scaleBySchedule'
  if (typeof schedule !== 'function') fail('INVALID_ARGUMENT', op, `the schedule is ${String(schedule)}; pass a function (step) => number.`)
  return scheduled(op, (count) => factorAt(op, schedule, count, (v, t) => checkNumber(op, `the schedule's value at step ${t}`, v, 'Make the schedule return finite numbers.')))
}

/** Options of `scaleByLearningRate`. @category transforms */
export interface ScaleByLearningRateOptions {
  /** Multiply by −η (descend) rather than η (default true). */
  readonly flipSign?: boolean
}

/**
 * Multiplies the updates by −η (a number or a schedule read at the step count): the last link
 * of every alias, which turns a direction into a descent step (optax `scale_by_learning_rate`).
 * A learning rate must be finite and ≥ 0, also each value a schedule returns.
 *
 * u = −η(t) · g
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.scaleByLearningRate(0.1)
 * const [u, s] = tx.update({ w: T.tensor([1, -2]) }, tx.init({}))
 * assert.ok(T.allclose(u.w, T.tensor([-0.1, 0.2])))
 * assert.strictEqual(T.item(s.count), 1)
 * @category transforms
 * @since 0.1.0
 */
export const scaleByLearningRate = (
  learningRate: number | Schedule,
  opts: ScaleByLearningRateOptions = {},
): GradientTransformation<ScaleByScheduleState> => {
  const op = 'scaleByLearningRate'
  checkOptions(op, opts, ['flipSign'])
  const sign = checkBoolean(op, 'flipSign', opts.flipSign ?? true) ? -1 : 1
  if (typeof learningRate === 'function') {
    return scheduled(op, (count) => {
      const lr = factorAt(op, learningRate, count, (v, t) => checkLearningRate(op, v, `the learning rate the schedule returned at step ${t}`))
      return typeof lr === 'number' ? sign * lr : T.mul(lr, sign)
    })
  }
  const lr = checkLearningRate(op, learningRate)
  return scheduled(op, () => sign * lr)
}

// -------------------------------------------------------------------------------------
// momentum
// -------------------------------------------------------------------------------------

/**
 * The state of `trace`: the momentum buffer (velocity), one tensor per parameter.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const s: Optim.TraceState = Optim.trace(0.9).init({ w: T.ones([2]) })
 * assert.deepStrictEqual(T.toArray(s.trace.w), [0, 0])
 * @category model
 * @since 0.1.0
 */
export interface TraceState {
  readonly _tag: 'TraceState'
  readonly trace: Tree.Tree
}

/** Options of `trace`. @category transforms */
export interface TraceOptions {
  /** Nesterov momentum (default false). */
  readonly nesterov?: boolean
}

/**
 * Momentum (heavy ball, or Nesterov): accumulates a velocity and returns it. Follows PyTorch's
 * `torch.optim.SGD` with dampening 0, where the buffer sums raw gradients and the learning rate
 * is applied afterwards; the first buffer is the gradient itself, which is what b₀ = 0 gives.
 * optax `trace` is the same; Sutskever et al. scale the gradient by η inside the buffer, which
 * differs when η changes over time. Dampening is not offered.
 *
 * b ← μ·b + g;  u = b, or u = g + μ·b with Nesterov
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.trace(0.9)
 * const g = { w: T.tensor([1], 'float64') }
 * const [, s1] = tx.update(g, tx.init(g))
 * const [u2] = tx.update(g, s1)
 * assert.ok(Math.abs(T.item(u2.w) - 1.9) < 1e-12)
 * @category transforms
 * @since 0.1.0
 */
export const trace = (decay: number, opts: TraceOptions = {}): GradientTransformation<TraceState> => {
  const mu = checkDecay('trace', 'the momentum (decay)', decay, '0.9')
  return stateful(opts, {
    op: 'trace',
    tag: 'TraceState',
    options: { nesterov: flag(false) },
    init: (params) => ({ trace: zerosLike(params) }),
    matches: (s) => [s.trace, 'momentum buffer (state.trace)'],
    update: (grads, s, { nesterov }) => {
      const b = Tree.zipWith(s.trace, grads, (t, g) => axpby(t, mu, g, 1))
      const u = nesterov ? Tree.zipWith(grads, b, (g, v) => axpby(g, 1, v, mu)) : b
      return [u, { trace: b }]
    },
  })
}

// -------------------------------------------------------------------------------------
// weight decay
// -------------------------------------------------------------------------------------

/** Options of `addDecayedWeights`. @category transforms */
export interface AddDecayedWeightsOptions {
  /**
   * Which parameters decay: a predicate on (leaf, path) or a tree of booleans. Default
   * `weightsOnly` (rank ≥ 2: weights, not biases); `allLeaves` decays every parameter as
   * PyTorch does.
   */
  readonly mask?: Mask
}

/**
 * Adds λ·θ to the updates of the selected parameters: L2 regularization when it comes before
 * an adaptive scaling (PyTorch's `weight_decay` of SGD, Adam, …), decoupled weight decay when it
 * comes after (AdamW), as optax's `add_decayed_weights` (whose mask defaults to every leaf;
 * here it defaults to `weightsOnly`). Needs the parameters: `update(grads, state, params)`.
 *
 * u = g + λ·θ (selected leaves), u = g (others)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const params = { W: T.ones([1, 2]), b: T.ones([2]) }
 * const tx = Optim.addDecayedWeights(0.5)
 * const [u] = tx.update({ W: T.zeros([1, 2]), b: T.zeros([2]) }, tx.init(params), params)
 * assert.deepStrictEqual([T.toArray(u.W), T.toArray(u.b)], [[0.5, 0.5], [0, 0]])
 * @category transforms
 * @since 0.1.0
 */
export const addDecayedWeights = (weightDecay: number, opts: AddDecayedWeightsOptions = {}): GradientTransformation<EmptyState> => {
  const op = 'addDecayedWeights'
  checkOptions(op, opts, ['mask'])
  const wd = checkNonNegative(op, 'the weight decay', weightDecay, '1e-4')
  const mask = opts.mask ?? weightsOnly
  return transformation({
    init: () => emptyState,
    update: (grads: Tree.Tree, state: EmptyState, params?: Tree.Tree) => {
      const p = needParams(op, params)
      checkSameTree(op, grads, p, 'gradients', 'parameters')
      const flags = leafFlags(op, p, mask)
      let k = 0
      return [Tree.zipWith(grads, p, (g, x) => (flags[k++] === true ? axpby(g, 1, x, wd) : g)), state] as const
    },
  })
}

/** The configurations the optimizer laws check this module's transformations under (see `exercises` in base.ts). */
export default exercises<typeof import('./transform.js')>(() => ({
  scale: [{ tx: scale(-3e-3), descent: { steps: 1000, target: 0.1 } }],
  scaleByLearningRate: [{ tx: scaleByLearningRate(3e-3), descent: { steps: 1000, target: 0.1 } }],
  scaleBySchedule: [{ tx: scaleBySchedule(exponentialDecay(-3e-3, { decayRate: 0.5, transitionSteps: 5000 })), descent: { steps: 1000, target: 0.2 } }],
  trace: [
    { tx: trace(0.9), descent: { learningRate: 1e-3, steps: 1000, target: 1e-3 } },
    { label: 'nesterov', tx: trace(0.9, { nesterov: true }), descent: { learningRate: 1e-3, steps: 1000, target: 1e-3 } },
  ],
  addDecayedWeights: [
    { tx: addDecayedWeights(1e-3, { mask: allLeaves }), needsParams: true, descent: { optimizer: addDecayedWeights(1e-6, { mask: allLeaves }), learningRate: 3e-3, steps: 1000, target: 0.1 } },
    { label: 'weightsOnly', tx: addDecayedWeights(1e-3), needsParams: true },
  ],
}))
