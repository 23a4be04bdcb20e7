/**
 * SGD (with momentum and Nesterov), AdaGrad, RMSProp and AdaDelta; the Adam family and Lion are
 * in `aliasAdam.ts`. Each is a `chain` of transformations and nothing else: the maths lives in
 * the transformations (optax's layout). If this file ever needs arithmetic, a transformation is
 * missing.
 *
 * Every alias takes the learning rate first (a number or a schedule) and the rest in an options
 * object; the defaults are PyTorch's. Weight decay (where offered) applies to the leaves its
 * `mask` selects, by default `weightsOnly` (rank ≥ 2, so biases are left out, as the notes
 * teach); pass `mask: allLeaves` for PyTorch's behaviour, which decays every parameter.
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import { build, decay } from './aliasHelpers.js'
import { type EmptyState, type GradientTransformation, identity, exercises } from './base.js'
import { chain } from './combine.js'
import { type Mask, allLeaves } from './mask.js'
import { type ScaleByAdadeltaState, type ScaleByAdagradState, type ScaleByRmsState, scaleByAdadelta, scaleByAdagrad, scaleByRms } from './rms.js'
import { type Schedule, inverseTimeDecay } from './schedule.js'
import { type ScaleByScheduleState, type TraceState, scaleByLearningRate, trace } from './transform.js'

// -------------------------------------------------------------------------------------
// helpers (no arithmetic: only choices between transformations)
// -------------------------------------------------------------------------------------

/** Momentum, or nothing when it is 0. */
const momentumOf = (momentum: number, nesterov: boolean): GradientTransformation<TraceState> | GradientTransformation<EmptyState> =>
  momentum !== 0
    ? trace(momentum, { nesterov })
    : nesterov
      ? fail('INVALID_ARGUMENT', 'sgd', 'nesterov is true but momentum is 0; Nesterov momentum needs a momentum in (0, 1), such as 0.9.')
      : identity()

/** A learning rate: a number ≥ 0 or a schedule. @category aliases */
export type LearningRate = number | Schedule

/** Options shared by the aliases that offer weight decay. @category aliases */
export interface WeightDecayOptions {
  /** λ ≥ 0 (default 0 unless said otherwise). */
  readonly weightDecay?: number
  /** Which leaves decay (default `weightsOnly`). */
  readonly mask?: Mask
}

// -------------------------------------------------------------------------------------
// aliases
// -------------------------------------------------------------------------------------

/** Options of `sgd`. @category aliases */
export interface SgdOptions extends WeightDecayOptions {
  /** Momentum μ in [0, 1) (default 0: plain gradient descent). */
  readonly momentum?: number
  /** Nesterov momentum (default false; needs momentum > 0). */
  readonly nesterov?: boolean
}

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, as
 * in PyTorch's `torch.optim.SGD` (dampening 0): the buffer accumulates raw gradients and the
 * learning rate multiplies it afterwards (Sutskever et al. put η inside the buffer; the two agree
 * for a constant η). optax's `sgd` is the same chain.
 *
 * g ← g + λθ;  b ← μb + g;  θ ← θ − η·b  (Nesterov: θ ← θ − η·(g + μb))
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.sgd(0.1, { momentum: 0.9 })
 * const params = { w: T.tensor([1], 'float64') }
 * const g = { w: T.tensor([1], 'float64') }
 * const [u1, s1] = tx.update(g, tx.init(params), params)
 * const [u2] = tx.update(g, s1, params)
 * assert.ok(Math.abs(T.item(u1.w) + 0.1) < 1e-12 && Math.abs(T.item(u2.w) + 0.19) < 1e-12)
 * @category aliases
 * @since 0.1.0
 */
export const sgd = (learningRate: LearningRate, opts: SgdOptions = {}): GradientTransformation<SgdState> =>
  build('sgd', opts, ['momentum', 'nesterov', 'weightDecay', 'mask'], () =>
    chain(decay(opts.weightDecay ?? 0, opts.mask), momentumOf(opts.momentum ?? 0, opts.nesterov ?? false), scaleByLearningRate(learningRate)),
  )

/** Options of `adagrad`. @category aliases */
export interface AdagradOptions extends WeightDecayOptions {
  /** PyTorch's `lr_decay`: the rate follows η/(1 + t·lrDecay) (default 0). */
  readonly lrDecay?: number
  /** Initial value of the sum of squares (default 0). */
  readonly initialAccumulatorValue?: number
  /** Added after the square root (default 1e-10). */
  readonly eps?: number
}

/**
 * AdaGrad as in PyTorch's `torch.optim.Adagrad` (accumulator from 0, eps 1e-10 outside the
 * root, `lrDecay` as an inverse-time schedule). optax's `adagrad` starts the accumulator at 0.1
 * and puts eps = 1e-7 inside the root (see `scaleByAdagrad`).
 *
 * g ← g + λθ;  s ← s + g²;  θ ← θ − η/(1 + t·lrDecay) · g/(√s + ε)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.adagrad(0.5)
 * const [u] = tx.update({ w: T.tensor([4]) }, tx.init({ w: T.zeros([1]) }))
 * assert.ok(T.allclose(u.w, T.tensor([-0.5])))
 * @category aliases
 * @since 0.1.0
 */
export const adagrad = (learningRate: LearningRate, opts: AdagradOptions = {}): GradientTransformation<AdagradState> =>
  build('adagrad', opts, ['lrDecay', 'initialAccumulatorValue', 'eps', 'weightDecay', 'mask'], () =>
    chain(
      decay(opts.weightDecay ?? 0, opts.mask),
      scaleByAdagrad({ initialAccumulatorValue: opts.initialAccumulatorValue ?? 0, eps: opts.eps ?? 1e-10 }),
      scaleByLearningRate(
        opts.lrDecay === undefined || opts.lrDecay === 0
          ? learningRate
          : typeof learningRate === 'function'
            ? fail('INVALID_ARGUMENT', 'adagrad', 'lrDecay needs a constant learning rate; with a schedule, fold the decay into the schedule instead.')
            : inverseTimeDecay(learningRate, { decayRate: opts.lrDecay }),
      ),
    ),
  )

/** Options of `rmsprop`. @category aliases */
export interface RmspropOptions extends WeightDecayOptions {
  /** Decay α of the average of squares (default 0.99). */
  readonly alpha?: number
  /** Added after the square root (default 1e-8). */
  readonly eps?: number
  /** Momentum μ in [0, 1) (default 0). */
  readonly momentum?: number
  /** Normalize by the estimated standard deviation (default false). */
  readonly centered?: boolean
}

/**
 * RMSProp as in PyTorch's `torch.optim.RMSprop` (α 0.99, eps outside the root, optional
 * momentum buffer b ← μb + g/(√ṽ + ε) and centering). optax's `rmsprop` defaults to decay 0.9
 * with eps inside the root, and applies the learning rate before the momentum trace (the same
 * for a constant rate). The notes' code writes `cache += …` for the average: that is a typo for
 * the assignment below.
 *
 * g ← g + λθ;  v ← αv + (1−α)g²;  (centered: ḡ ← αḡ + (1−α)g, ṽ = v − ḡ²);  b ← μb + g/(√ṽ + ε);  θ ← θ − η·b
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.rmsprop(0.01, { alpha: 0.9 })
 * const [u] = tx.update({ w: T.tensor([1], 'float64') }, tx.init({ w: T.zeros([1], 'float64') }))
 * assert.ok(Math.abs(T.item(u.w) + 0.01 / Math.sqrt(0.1)) < 1e-9)
 * @category aliases
 * @since 0.1.0
 */
export const rmsprop = (learningRate: LearningRate, opts: RmspropOptions = {}): GradientTransformation<RmspropState> =>
  build('rmsprop', opts, ['alpha', 'eps', 'momentum', 'centered', 'weightDecay', 'mask'], () =>
    chain(
      decay(opts.weightDecay ?? 0, opts.mask),
      scaleByRms({ decay: opts.alpha ?? 0.99, eps: opts.eps ?? 1e-8, centered: opts.centered ?? false }),
      momentumOf(opts.momentum ?? 0, false),
      scaleByLearningRate(learningRate),
    ),
  )

/** Options of `adadelta`. @category aliases */
export interface AdadeltaOptions extends WeightDecayOptions {
  /** ρ (default 0.9). */
  readonly rho?: number
  /** Inside both roots (default 1e-6). */
  readonly eps?: number
}

/**
 * AdaDelta as in PyTorch's `torch.optim.Adadelta` (whose default learning rate is 1.0), with
 * L2 weight decay; optax's `adadelta` is the same rule.
 *
 * g ← g + λθ;  v ← ρv + (1−ρ)g²;  Δ = √(a + ε)/√(v + ε)·g;  a ← ρa + (1−ρ)Δ²;  θ ← θ − η·Δ
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.adadelta(1)
 * const [u] = tx.update({ w: T.tensor([1]) }, tx.init({ w: T.zeros([1]) }))
 * assert.ok(T.item(u.w) < 0 && T.item(u.w) > -0.01)
 * @category aliases
 * @since 0.1.0
 */
export const adadelta = (learningRate: LearningRate, opts: AdadeltaOptions = {}): GradientTransformation<AdadeltaState> =>
  build('adadelta', opts, ['rho', 'eps', 'weightDecay', 'mask'], () =>
    chain(decay(opts.weightDecay ?? 0, opts.mask), scaleByAdadelta({ rho: opts.rho ?? 0.9, eps: opts.eps ?? 1e-6 }), scaleByLearningRate(learningRate)),
  )

// -------------------------------------------------------------------------------------
// state types of the aliases
// -------------------------------------------------------------------------------------

/** The state of `sgd`. @category model */
export type SgdState = readonly [EmptyState, TraceState | EmptyState, ScaleByScheduleState]
/** The state of `adagrad`. @category model */
export type AdagradState = readonly [EmptyState, ScaleByAdagradState, ScaleByScheduleState]
/** The state of `rmsprop`. @category model */
export type RmspropState = readonly [EmptyState, ScaleByRmsState, TraceState | EmptyState, ScaleByScheduleState]
/** The state of `adadelta`. @category model */
export type AdadeltaState = readonly [EmptyState, ScaleByAdadeltaState, ScaleByScheduleState]

/** The configurations the optimizer laws check this module's transformations under (see `exercises` in base.ts). */
export default exercises<typeof import('./alias.js')>(() => ({
  sgd: [
    { tx: sgd(3e-3), descent: { steps: 1000, target: 0.1 } },
    { label: 'momentum', tx: sgd(1e-3, { momentum: 0.9 }), descent: { steps: 1000, target: 1e-3 } },
    { label: 'nesterov + weight decay', tx: sgd(1e-3, { momentum: 0.9, nesterov: true, weightDecay: 1e-6, mask: allLeaves }), needsParams: true, descent: { steps: 1000, target: 1e-3 } },
  ],
  adagrad: [
    { tx: adagrad(1), descent: { steps: 1000, target: 0.1, quadraticSteps: 60 } },
    { label: 'lrDecay', tx: adagrad(1, { lrDecay: 1e-3, initialAccumulatorValue: 0.1 }), descent: { steps: 1000, target: 0.2, quadraticSteps: 60 } },
  ],
  rmsprop: [
    { tx: rmsprop(1e-2), descent: { steps: 1000, target: 0.1 } },
    { label: 'centered momentum', tx: rmsprop(1e-3, { centered: true, momentum: 0.9 }), descent: { steps: 1000, target: 1e-2 } },
  ],
  adadelta: [{ tx: adadelta(0.3), descent: { steps: 2000, target: 0.5, quadraticSteps: 60 } }],
}))
