/**
 * Rescalings by accumulated squares: RMSProp (plain and centered), AdaGrad, AdaDelta. Each
 * returns a direction, not a step: chain it with `scaleByLearningRate`, as the aliases do.
 *
 * The updates follow PyTorch's documented algorithms (torch.optim); each doc comment says where
 * optax differs.
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { type GradientTransformation, exercises } from './base.js'
import { axpby, emaSquare, fullLike, zerosLike } from './internal.js'
import { decayRate, flag, nonNegative, positive, stateful } from './stateful.js'

// -------------------------------------------------------------------------------------
// RMSProp
// -------------------------------------------------------------------------------------

/**
 * The state of `scaleByRms`: the moving average of squared gradients (`nu`); when centered,
 * also the moving average of the gradients (`mu`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const s: Optim.ScaleByRmsState = Optim.scaleByRms({ centered: true }).init({ w: T.ones([1]) })
 * assert.deepStrictEqual(Object.keys(s), ['_tag', 'nu', 'mu'])
 * @category model
 * @since 0.1.0
 */
export interface ScaleByRmsState {
  readonly _tag: 'ScaleByRmsState'
  readonly nu: Tree.Tree
  /** Only when centered: the moving average of the gradients. */
  readonly mu?: Tree.Tree
}

/** Options of `scaleByRms`. @category transforms */
export interface ScaleByRmsOptions {
  /** Decay of the moving average of squared gradients, in [0, 1) (default 0.99, PyTorch's `alpha`). */
  readonly decay?: number
  /** Added to the denominator, > 0 (default 1e-8). */
  readonly eps?: number
  /** Divide by the estimated standard deviation instead of the RMS (default false). */
  readonly centered?: boolean
  /** Put eps inside the square root, as optax and TensorFlow do (default false: outside, as PyTorch). */
  readonly epsInSqrt?: boolean
  /** Initial value of the average of squares, ≥ 0 (default 0). */
  readonly initialScale?: number
}

/**
 * Rescales by the root of a moving average of squared gradients (RMSProp, Hinton's lecture 6e;
 * centered: Graves 2013), as in PyTorch's `torch.optim.RMSprop`: α = 0.99 by default and eps
 * added after the square root. optax's `scale_by_rms` defaults to decay 0.9 and puts eps inside
 * the root (`epsInSqrt: true` gives that). The average is updated as v ← αv + (1−α)g², an
 * assignment: accumulating (`+=`) instead, as in the notes' code, is a typo.
 *
 * v ← αv + (1−α)g²;  centered: ḡ ← αḡ + (1−α)g, ṽ = v − ḡ²;  u = g / (√ṽ + ε)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.scaleByRms({ decay: 0.75, eps: 1e-12 })
 * const [u] = tx.update({ w: T.tensor([2], 'float64') }, tx.init({ w: T.zeros([1], 'float64') }))
 * assert.ok(Math.abs(T.item(u.w) - 2) < 1e-9)
 * @category transforms
 * @since 0.1.0
 */
export const scaleByRms = (opts: ScaleByRmsOptions = {}): GradientTransformation<ScaleByRmsState> =>
  stateful(opts, {
    op: 'scaleByRms',
    tag: 'ScaleByRmsState',
    options: { decay: decayRate(0.99, 'decay (alpha)'), eps: positive(1e-8), centered: flag(false), epsInSqrt: flag(false), initialScale: nonNegative(0) },
    init: (params, o) => {
      const nu = fullLike(params, o.initialScale)
      return o.centered ? { nu, mu: zerosLike(params) } : { nu }
    },
    matches: (s) => [s.nu, 'average of squares (state.nu)'],
    update: (grads, s, { decay: alpha, eps, centered, epsInSqrt }) => {
      const denom = (v: T.Tensor): T.Tensor => (epsInSqrt ? T.sqrt(T.add(v, eps)) : T.add(T.sqrt(v), eps))
      const nu = Tree.zipWith(s.nu, grads, (v, g) => emaSquare(v, alpha, g))
      if (!centered) return [Tree.zipWith(grads, nu, (g, v) => T.div(g, denom(v))), { nu }]
      const mu0 = s.mu ?? fail('INVALID_ARGUMENT', 'scaleByRms', 'the state has no mu although centered is on; build the state with init(params) of this same transformation.')
      const mu = Tree.zipWith(mu0, grads, (m, g) => axpby(m, alpha, g, 1 - alpha))
      const u = Tree.zipWith(grads, nu, mu, (g, v, m) => T.div(g, denom(T.sub(v, T.square(m)))))
      return [u, { nu, mu }]
    },
  })

// -------------------------------------------------------------------------------------
// AdaGrad
// -------------------------------------------------------------------------------------

/**
 * The state of `scaleByAdagrad`: the sum of squared gradients so far.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const s: Optim.ScaleByAdagradState = Optim.scaleByAdagrad().init({ w: T.ones([1]) })
 * assert.deepStrictEqual(T.toArray(s.sumOfSquares.w), [0])
 * @category model
 * @since 0.1.0
 */
export interface ScaleByAdagradState {
  readonly _tag: 'ScaleByAdagradState'
  readonly sumOfSquares: Tree.Tree
}

/** Options of `scaleByAdagrad`. @category transforms */
export interface ScaleByAdagradOptions {
  /** Initial value of the sum of squares, ≥ 0 (default 0, PyTorch; optax uses 0.1). */
  readonly initialAccumulatorValue?: number
  /** Added to the denominator after the square root, > 0 (default 1e-10, PyTorch). */
  readonly eps?: number
}

/**
 * Rescales by the root of the sum of all squared gradients (AdaGrad, Duchi et al. 2011), as in
 * PyTorch's `torch.optim.Adagrad`: the accumulator starts at 0 and eps = 1e-10 is added after
 * the square root. optax's `scale_by_rss` starts the accumulator at 0.1, adds eps = 1e-7 inside
 * the root, and returns 0 where the accumulator is 0.
 *
 * s ← s + g²;  u = g / (√s + ε)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.scaleByAdagrad()
 * const [u] = tx.update({ w: T.tensor([-3]) }, tx.init({ w: T.zeros([1]) }))
 * assert.ok(T.allclose(u.w, T.tensor([-1])))
 * @see Duchi, Hazan & Singer, Adaptive Subgradient Methods, JMLR 2011.
 * @category transforms
 * @since 0.1.0
 */
export const scaleByAdagrad = (opts: ScaleByAdagradOptions = {}): GradientTransformation<ScaleByAdagradState> =>
  stateful(opts, {
    op: 'scaleByAdagrad',
    tag: 'ScaleByAdagradState',
    options: { initialAccumulatorValue: nonNegative(0), eps: positive(1e-10) },
    init: (params, o) => ({ sumOfSquares: fullLike(params, o.initialAccumulatorValue) }),
    matches: (s) => [s.sumOfSquares, 'sum of squares (state.sumOfSquares)'],
    update: (grads, s, { eps }) => {
      const sumOfSquares = Tree.zipWith(s.sumOfSquares, grads, (a, g) => T.add(a, T.square(g)))
      const u = Tree.zipWith(grads, sumOfSquares, (g, a) => T.div(g, T.add(T.sqrt(a), eps)))
      return [u, { sumOfSquares }]
    },
  })

// -------------------------------------------------------------------------------------
// AdaDelta
// -------------------------------------------------------------------------------------

/**
 * The state of `scaleByAdadelta`: moving averages of squared gradients and of squared updates
 * (PyTorch's `square_avg` and `acc_delta`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const s: Optim.ScaleByAdadeltaState = Optim.scaleByAdadelta().init({ w: T.ones([1]) })
 * assert.deepStrictEqual(Object.keys(s), ['_tag', 'squareAvg', 'accDelta'])
 * @category model
 * @since 0.1.0
 */
export interface ScaleByAdadeltaState {
  readonly _tag: 'ScaleByAdadeltaState'
  readonly squareAvg: Tree.Tree
  readonly accDelta: Tree.Tree
}

/** Options of `scaleByAdadelta`. @category transforms */
export interface ScaleByAdadeltaOptions {
  /** Decay of both moving averages, in [0, 1) (default 0.9). */
  readonly rho?: number
  /** Added inside both square roots, > 0 (default 1e-6). */
  readonly eps?: number
}

/**
 * Rescales by the ratio of the RMS of past updates to the RMS of gradients (AdaDelta, Zeiler
 * 2012), as in PyTorch's `torch.optim.Adadelta` (ρ = 0.9, eps = 1e-6 inside both roots). optax's
 * `scale_by_adadelta` is the same rule.
 *
 * v ← ρv + (1−ρ)g²;  Δ = √(a + ε)/√(v + ε) · g;  a ← ρa + (1−ρ)Δ²;  u = Δ
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.scaleByAdadelta({ rho: 0, eps: 1e-6 })
 * const [u] = tx.update({ w: T.tensor([1], 'float64') }, tx.init({ w: T.zeros([1], 'float64') }))
 * assert.ok(Math.abs(T.item(u.w) - Math.sqrt(1e-6 / (1 + 1e-6))) < 1e-15)
 * @see Zeiler, ADADELTA: An Adaptive Learning Rate Method, 2012. https://arxiv.org/abs/1212.5701
 * @category transforms
 * @since 0.1.0
 */
export const scaleByAdadelta = (opts: ScaleByAdadeltaOptions = {}): GradientTransformation<ScaleByAdadeltaState> =>
  stateful(opts, {
    op: 'scaleByAdadelta',
    tag: 'ScaleByAdadeltaState',
    options: { rho: decayRate(0.9), eps: positive(1e-6) },
    init: (params) => {
      const z = zerosLike(params)
      return { squareAvg: z, accDelta: z }
    },
    matches: (s) => [s.squareAvg, 'average of squared gradients (state.squareAvg)'],
    update: (grads, s, { rho, eps }) => {
      const squareAvg = Tree.zipWith(s.squareAvg, grads, (v, g) => emaSquare(v, rho, g))
      const u = Tree.zipWith(grads, squareAvg, s.accDelta, (g, v, a) => T.mul(T.div(T.sqrt(T.add(a, eps)), T.sqrt(T.add(v, eps))), g))
      const accDelta = Tree.zipWith(s.accDelta, u, (a, d) => emaSquare(a, rho, d))
      return [u, { squareAvg, accDelta }]
    },
  })

/** The configurations the optimizer laws check this module's transformations under (see `exercises` in base.ts). */
export default exercises<typeof import('./rms.js')>(() => ({
  scaleByRms: [
    { tx: scaleByRms(), descent: { learningRate: 1e-2, steps: 1000, target: 0.1 } },
    { label: 'centered epsInSqrt', tx: scaleByRms({ centered: true, epsInSqrt: true, decay: 0.9 }), descent: { learningRate: 3e-3, steps: 1000, target: 0.2 } },
  ],
  scaleByAdagrad: [{ tx: scaleByAdagrad(), descent: { learningRate: 1, steps: 1000, target: 0.1, quadraticSteps: 60 } }],
  scaleByAdadelta: [{ tx: scaleByAdadelta(), descent: { learningRate: 0.3, steps: 2000, target: 0.5, quadraticSteps: 60 } }],
}))
