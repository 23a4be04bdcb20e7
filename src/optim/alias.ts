/**
 * The usual optimizers, each a `chain` of transformations and nothing else: the maths lives in
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
import { PuregradError, fail } from '../core/errors.js'
import {
  type ScaleByAdadeltaState,
  type ScaleByAdagradState,
  type ScaleByAdamState,
  type ScaleByAdamaxState,
  type ScaleByLionState,
  type ScaleByNadamState,
  type ScaleByRmsState,
  scaleByAdadelta,
  scaleByAdagrad,
  scaleByAdam,
  scaleByAdamax,
  scaleByLion,
  scaleByNadam,
  scaleByRms,
} from './adaptive.js'
import { type EmptyState, type GradientTransformation, identity } from './base.js'
import { chain } from './combine.js'
import { checkOptions } from './internal.js'
import type { Mask } from './mask.js'
import { type Schedule, inverseTimeDecay } from './schedule.js'
import { type ScaleByScheduleState, type TraceState, addDecayedWeights, scaleByLearningRate, trace } from './transform.js'

// -------------------------------------------------------------------------------------
// helpers (no arithmetic: only choices between transformations)
// -------------------------------------------------------------------------------------

/** Builds an alias, reporting construction errors under the alias's name. */
const build = <A>(op: string, opts: object | undefined, known: ReadonlyArray<string>, f: () => A): A => {
  try {
    checkOptions(op, opts, known)
    return f()
  } catch (e) {
    if (e instanceof PuregradError) throw new PuregradError(e.code, op, e.detail)
    throw e
  }
}

/** λ·θ added to the selected leaves, or nothing when λ is 0. */
const decay = (weightDecay: number, mask: Mask | undefined): GradientTransformation<EmptyState> =>
  weightDecay === 0 ? identity() : addDecayedWeights(weightDecay, mask === undefined ? {} : { mask })

/** Momentum, or nothing when it is 0. */
const momentumOf = (momentum: number, nesterov: boolean): GradientTransformation<TraceState> | GradientTransformation<EmptyState> =>
  momentum !== 0
    ? trace(momentum, { nesterov })
    : nesterov
      ? fail('INVALID_ARGUMENT', 'sgd', 'nesterov is true but momentum is 0; Nesterov momentum needs a momentum in (0, 1), such as 0.9.')
      : identity()

/** A learning rate: a number ≥ 0 or a schedule. @category aliases */
export type LearningRate = number | Schedule

/** Options shared by the aliases that offer weight decay. */
interface WeightDecayOptions {
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

/** Options of `adam`, `adamw` and `adamax` (β's and eps). @category aliases */
export interface AdamOptions extends WeightDecayOptions {
  /** β₁ (default 0.9). */
  readonly b1?: number
  /** β₂ (default 0.999). */
  readonly b2?: number
  /** Added after the square root (default 1e-8). */
  readonly eps?: number
  /** AMSGrad variant (default false; not for adamax). */
  readonly amsgrad?: boolean
}

const adamParts = (opts: AdamOptions) =>
  scaleByAdam({ b1: opts.b1 ?? 0.9, b2: opts.b2 ?? 0.999, eps: opts.eps ?? 1e-8, amsgrad: opts.amsgrad ?? false })

/**
 * Adam as in PyTorch's `torch.optim.Adam`: bias-corrected moments with t = 1 at the first
 * step, eps outside the root, optional AMSGrad and L2 weight decay added to the gradient. The
 * notes' loop starts t at 0, which divides by 1 − β⁰ = 0: a typo. optax's `adam` is the same
 * chain (its AMSGrad differs; see `scaleByAdam`).
 *
 * g ← g + λθ;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − η·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
 *
 * @example
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.adam(1e-3)
 * const [u] = tx.update({ w: T.tensor([0.2, -30]) }, tx.init({ w: T.zeros([2]) }))
 * assert.ok(T.allclose(u.w, T.tensor([-1e-3, 1e-3])))
 * @see Kingma & Ba, Adam: A Method for Stochastic Optimization, 2015. https://arxiv.org/abs/1412.6980
 * @category aliases
 * @since 0.1.0
 */
export const adam = (learningRate: LearningRate, opts: AdamOptions = {}): GradientTransformation<AdamState> =>
  build('adam', opts, ['b1', 'b2', 'eps', 'amsgrad', 'weightDecay', 'mask'], () =>
    chain(decay(opts.weightDecay ?? 0, opts.mask), adamParts(opts), scaleByLearningRate(learningRate)),
  )

/**
 * AdamW (Loshchilov & Hutter 2019) as in PyTorch's `torch.optim.AdamW`: Adam with decoupled
 * weight decay, θ ← θ − ηλθ, default λ = 1e-2 (optax's `adamw` defaults to 1e-4; same chain).
 *
 * θ ← θ − η·( m̂/(√v̂ + ε) + λθ )
 *
 * @example
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.adamw(0.1, { weightDecay: 0.5 })
 * const params = { W: T.ones([1, 1]) }
 * const [u] = tx.update({ W: T.zeros([1, 1]) }, tx.init(params), params)
 * assert.ok(T.allclose(u.W, T.tensor([[-0.05]])))
 * @see Loshchilov & Hutter, Decoupled Weight Decay Regularization, 2019. https://arxiv.org/abs/1711.05101
 * @category aliases
 * @since 0.1.0
 */
export const adamw = (learningRate: LearningRate, opts: AdamOptions = {}): GradientTransformation<AdamWState> =>
  build('adamw', opts, ['b1', 'b2', 'eps', 'amsgrad', 'weightDecay', 'mask'], () =>
    chain(adamParts(opts), decay(opts.weightDecay ?? 1e-2, opts.mask), scaleByLearningRate(learningRate)),
  )

/**
 * Adamax as in PyTorch's `torch.optim.Adamax` (default η 2e-3 there), with L2 weight decay.
 *
 * g ← g + λθ;  m ← β₁m + (1−β₁)g;  n ← max(β₂n, |g| + ε);  θ ← θ − η·m/((1−β₁ᵗ)·n)
 *
 * @example
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.adamax(2e-3)
 * const [u] = tx.update({ w: T.tensor([5]) }, tx.init({ w: T.zeros([1]) }))
 * assert.ok(T.allclose(u.w, T.tensor([-2e-3])))
 * @category aliases
 * @since 0.1.0
 */
export const adamax = (learningRate: LearningRate, opts: Omit<AdamOptions, 'amsgrad'> = {}): GradientTransformation<AdamaxState> =>
  build('adamax', opts, ['b1', 'b2', 'eps', 'weightDecay', 'mask'], () =>
    chain(
      decay(opts.weightDecay ?? 0, opts.mask),
      scaleByAdamax({ b1: opts.b1 ?? 0.9, b2: opts.b2 ?? 0.999, eps: opts.eps ?? 1e-8 }),
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

/** Options of `nadam`. @category aliases */
export interface NadamOptions extends WeightDecayOptions {
  /** β₁ (default 0.9). */
  readonly b1?: number
  /** β₂ (default 0.999). */
  readonly b2?: number
  /** Added after the square root (default 1e-8). */
  readonly eps?: number
  /** ψ of the momentum schedule (default 4e-3; Infinity: constant μ = β₁ as optax). */
  readonly momentumDecay?: number
  /** Decay weights as AdamW does instead of adding λθ to the gradient (default false). */
  readonly decoupledWeightDecay?: boolean
}

/**
 * NAdam as in PyTorch's `torch.optim.NAdam` (default η 2e-3 there), with the momentum
 * schedule μₜ = β₁(1 − ½·0.96^(tψ)); see `scaleByNadam` for optax's constant-μ form.
 *
 * θ ← θ − η·[ (1−μₜ)/(1−Πμ)·g + μₜ₊₁/(1−Πμ·μₜ₊₁)·m ] / (√v̂ + ε)
 *
 * @example
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.nadam(2e-3)
 * const [u] = tx.update({ w: T.tensor([1]) }, tx.init({ w: T.zeros([1]) }))
 * assert.ok(T.item(u.w) < -2e-3 && T.item(u.w) > -2.5e-3)
 * @see Dozat, Incorporating Nesterov Momentum into Adam, 2016.
 * @category aliases
 * @since 0.1.0
 */
export const nadam = (learningRate: LearningRate, opts: NadamOptions = {}): GradientTransformation<NadamState> =>
  build('nadam', opts, ['b1', 'b2', 'eps', 'momentumDecay', 'decoupledWeightDecay', 'weightDecay', 'mask'], () => {
    const core = scaleByNadam({ b1: opts.b1 ?? 0.9, b2: opts.b2 ?? 0.999, eps: opts.eps ?? 1e-8, momentumDecay: opts.momentumDecay ?? 4e-3 })
    const wd = decay(opts.weightDecay ?? 0, opts.mask)
    return opts.decoupledWeightDecay === true
      ? chain(identity(), core, wd, scaleByLearningRate(learningRate))
      : chain(wd, core, identity(), scaleByLearningRate(learningRate))
  })

/** Options of `lion`. @category aliases */
export interface LionOptions extends WeightDecayOptions {
  /** β₁ (default 0.9). */
  readonly b1?: number
  /** β₂ (default 0.99). */
  readonly b2?: number
}

/**
 * Lion (Chen et al. 2023) with decoupled weight decay, as in optax's `lion` (default λ 1e-3);
 * PyTorch has no Lion. Use a learning rate 3–10× smaller than Adam's.
 *
 * c = β₁m + (1−β₁)g;  θ ← θ − η·(sign(c) + λθ);  m ← β₂m + (1−β₂)g
 *
 * @example
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.lion(1e-4)
 * const params = { w: T.zeros([2]) }
 * const [u] = tx.update({ w: T.tensor([3, -0.1]) }, tx.init(params), params)
 * assert.ok(T.allclose(u.w, T.tensor([-1e-4, 1e-4])))
 * @see Chen et al., Symbolic Discovery of Optimization Algorithms, 2023. https://arxiv.org/abs/2302.06675
 * @category aliases
 * @since 0.1.0
 */
export const lion = (learningRate: LearningRate, opts: LionOptions = {}): GradientTransformation<LionState> =>
  build('lion', opts, ['b1', 'b2', 'weightDecay', 'mask'], () =>
    chain(scaleByLion({ b1: opts.b1 ?? 0.9, b2: opts.b2 ?? 0.99 }), decay(opts.weightDecay ?? 1e-3, opts.mask), scaleByLearningRate(learningRate)),
  )

// -------------------------------------------------------------------------------------
// state types of the aliases
// -------------------------------------------------------------------------------------

/**
 * The state types of the aliases, spelled out (each is `StateOf<ReturnType<typeof alias>>`).
 *
 * @example
 * import { Optim } from 'puregrad'
 * const s: Optim.AdamState = Optim.adam(1e-3).init({})
 * assert.strictEqual(s[1]._tag, 'ScaleByAdamState')
 * @category model
 * @since 0.1.0
 */
export type AdamState = readonly [EmptyState, ScaleByAdamState, ScaleByScheduleState]
/** The state of `adamw`. @category model */
export type AdamWState = readonly [ScaleByAdamState, EmptyState, ScaleByScheduleState]
/** The state of `sgd`. @category model */
export type SgdState = readonly [EmptyState, TraceState | EmptyState, ScaleByScheduleState]
/** The state of `adagrad`. @category model */
export type AdagradState = readonly [EmptyState, ScaleByAdagradState, ScaleByScheduleState]
/** The state of `rmsprop`. @category model */
export type RmspropState = readonly [EmptyState, ScaleByRmsState, TraceState | EmptyState, ScaleByScheduleState]
/** The state of `adamax`. @category model */
export type AdamaxState = readonly [EmptyState, ScaleByAdamaxState, ScaleByScheduleState]
/** The state of `adadelta`. @category model */
export type AdadeltaState = readonly [EmptyState, ScaleByAdadeltaState, ScaleByScheduleState]
/** The state of `nadam`. @category model */
export type NadamState = readonly [EmptyState, ScaleByNadamState, EmptyState, ScaleByScheduleState]
/** The state of `lion`. @category model */
export type LionState = readonly [ScaleByLionState, EmptyState, ScaleByScheduleState]
