/**
 * Adam, AdamW, Adamax, NAdam and Lion, each a `chain` of transformations and nothing else (the
 * maths lives in `adam.ts`). The learning rate comes first (a number or a schedule), the rest
 * in an options object with PyTorch's defaults; weight decay applies to the leaves its `mask`
 * selects, by default `weightsOnly` (see `alias.ts`).
 *
 * @since 0.1.0
 */
import { type ScaleByAdamState, type ScaleByAdamaxState, type ScaleByLionState, type ScaleByNadamState, scaleByAdam, scaleByAdamax, scaleByLion, scaleByNadam } from './adam.js'
import type { LearningRate, WeightDecayOptions } from './alias.js'
import { build, decay } from './aliasHelpers.js'
import { type EmptyState, type GradientTransformation, identity, exercises } from './base.js'
import { chain } from './combine.js'
import { type ScaleByScheduleState, scaleByLearningRate } from './transform.js'
import { allLeaves } from './mask.js'
import { warmupCosineDecay } from './schedule.js'

// -------------------------------------------------------------------------------------
// aliases
// -------------------------------------------------------------------------------------

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
 * import assert from 'node:assert/strict'
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
 * import assert from 'node:assert/strict'
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
 * Adamax as in PyTorch's `torch.optim.Adamax` (default η 2e-3 there), with L2 weight decay;
 * optax's `adamax` is the same chain.
 *
 * g ← g + λθ;  m ← β₁m + (1−β₁)g;  n ← max(β₂n, |g| + ε);  θ ← θ − η·m/((1−β₁ᵗ)·n)
 *
 * @example
 * import assert from 'node:assert/strict'
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
 * import assert from 'node:assert/strict'
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
 * import assert from 'node:assert/strict'
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
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s: Optim.AdamState = Optim.adam(1e-3).init({})
 * assert.strictEqual(s[1]._tag, 'ScaleByAdamState')
 * @category model
 * @since 0.1.0
 */
export type AdamState = readonly [EmptyState, ScaleByAdamState, ScaleByScheduleState]
/** The state of `adamw`. @category model */
export type AdamWState = readonly [ScaleByAdamState, EmptyState, ScaleByScheduleState]
/** The state of `adamax`. @category model */
export type AdamaxState = readonly [EmptyState, ScaleByAdamaxState, ScaleByScheduleState]
/** The state of `nadam`. @category model */
export type NadamState = readonly [EmptyState, ScaleByNadamState, EmptyState, ScaleByScheduleState]
/** The state of `lion`. @category model */
export type LionState = readonly [ScaleByLionState, EmptyState, ScaleByScheduleState]

/** The configurations the optimizer laws check this module's transformations under (see `exercises` in base.ts). */
export default exercises<typeof import('./aliasAdam.js')>(() => ({
  adam: [
    { tx: adam(0.1), descent: { steps: 1000, target: 1e-3 } },
    { label: 'amsgrad', tx: adam(0.1, { amsgrad: true }), descent: { steps: 1000, target: 1e-2 } },
    { label: 'schedule', tx: adam(warmupCosineDecay(0.1, { warmupSteps: 50, decaySteps: 2000, endValue: 1e-3 })), descent: { steps: 1000, target: 1e-2 } },
  ],
  adamw: [{ tx: adamw(0.1, { weightDecay: 1e-4, mask: allLeaves }), needsParams: true, descent: { steps: 1000, target: 1e-3 } }],
  adamax: [{ tx: adamax(1), descent: { steps: 1000, target: 1e-2 } }],
  nadam: [
    { tx: nadam(0.03), descent: { steps: 1000, target: 0.1 } },
    { label: 'constant momentum, decoupled decay', tx: nadam(0.03, { momentumDecay: Infinity, decoupledWeightDecay: true, weightDecay: 1e-4, mask: allLeaves }), needsParams: true, descent: { steps: 1000, target: 0.1 } },
  ],
  lion: [
    { tx: lion(3e-3, { weightDecay: 0 }), descent: { steps: 1000, target: 1e-2 } },
    { label: '+ weight decay', tx: lion(3e-3, { weightDecay: 1e-3, mask: allLeaves }), needsParams: true, descent: { steps: 1000, target: 1e-2 } },
  ],
}))
