/**
 * Rescalings by moment estimates: Adam (and AMSGrad), Adamax, NAdam, and Lion. Each returns a
 * direction, not a step: chain it with `scaleByLearningRate`, as the aliases do.
 *
 * Where PyTorch has the optimizer, the update follows its documented algorithm (torch.optim);
 * each doc comment says where optax differs.
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { type GradientTransformation, exercises } from './base.js'
import { countValue, nextCount, perDType, scalarOf, zeroCount } from './count.js'
import { axpby, emaSquare, zerosLike } from './internal.js'
import { decayRate, flag, nonNegative, positive, stateful } from './stateful.js'

type Tensor = T.Tensor

// -------------------------------------------------------------------------------------
// Adam
// -------------------------------------------------------------------------------------

/**
 * The state of `scaleByAdam`: the step count and the moving averages of the gradients (`mu`)
 * and of their squares (`nu`); with AMSGrad also the running maximum of `nu` (`nuMax`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const s: Optim.ScaleByAdamState = Optim.scaleByAdam().init({ w: T.ones([2]) })
 * // the step count is an int32 scalar tensor, so a jitted update does not trace again each step
 * assert.deepStrictEqual([T.item(s.count), s.count.dtype, T.toArray(s.mu.w), T.toArray(s.nu.w)], [0, 'int32', [0, 0], [0, 0]])
 * @category model
 * @since 0.1.0
 */
export interface ScaleByAdamState {
  readonly _tag: 'ScaleByAdamState'
  readonly count: Tensor
  readonly mu: Tree.Tree
  readonly nu: Tree.Tree
  /** Only with `amsgrad`: the largest `nu` seen so far, per coordinate. */
  readonly nuMax?: Tree.Tree
}

/** Options of `scaleByAdam`. @category transforms */
export interface ScaleByAdamOptions {
  /** Decay of the moving average of gradients, in [0, 1) (default 0.9). */
  readonly b1?: number
  /** Decay of the moving average of squared gradients, in [0, 1) (default 0.999). */
  readonly b2?: number
  /** Added to the denominator outside the square root, > 0 (default 1e-8). */
  readonly eps?: number
  /** Added inside the square root, ≥ 0 (default 0; optax's `eps_root`). */
  readonly epsRoot?: number
  /** Use AMSGrad: normalize by the running maximum of `nu` (default false). */
  readonly amsgrad?: boolean
}

/**
 * Rescales by Adam's bias-corrected moment estimates (Kingma & Ba 2015), as in PyTorch's
 * `torch.optim.Adam`: the step count t starts at 1 on the first update, eps sits outside the
 * square root. With `amsgrad`, PyTorch's form: the running maximum is taken of the raw `v` and
 * bias-corrected afterwards; optax's `scale_by_amsgrad` takes the maximum of the corrected v̂
 * instead, which differs while t is small. `epsRoot` (optax) adds a term inside the root.
 *
 * m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ)
 * u = m̂ / (√(v̂ + ε_root) + ε)   (AMSGrad: v_max ← max(v_max, v), v̂ = v_max/(1−β₂ᵗ))
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.scaleByAdam()
 * const [u] = tx.update({ w: T.tensor([0.5, -0.5]) }, tx.init({ w: T.zeros([2]) }))
 * assert.ok(T.allclose(u.w, T.tensor([1, -1])))
 * @see Kingma & Ba, Adam: A Method for Stochastic Optimization, 2015. https://arxiv.org/abs/1412.6980
 * @category transforms
 * @since 0.1.0
 */
export const scaleByAdam = (opts: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> =>
  stateful(opts, {
    op: 'scaleByAdam',
    tag: 'ScaleByAdamState',
    options: { b1: decayRate(0.9), b2: decayRate(0.999), eps: positive(1e-8), epsRoot: nonNegative(0), amsgrad: flag(false) },
    init: (params, o) => {
      const z = zerosLike(params)
      return o.amsgrad ? { count: zeroCount(), mu: z, nu: z, nuMax: z } : { count: zeroCount(), mu: z, nu: z }
    },
    matches: (s) => [s.mu, 'first moment (state.mu)'],
    update: (grads, s, { b1, b2, eps, epsRoot, amsgrad }) => {
      const t = nextCount(s.count)
      const c1 = perDType(T.sub(1, T.pow(b1, countValue(t))))
      const c2 = perDType(T.sub(1, T.pow(b2, countValue(t))))
      const mu = Tree.zipWith(s.mu, grads, (m, g) => axpby(m, b1, g, 1 - b1))
      const nu = Tree.zipWith(s.nu, grads, (v, g) => emaSquare(v, b2, g))
      const nuMax = amsgrad ? Tree.zipWith(needMax(s), nu, (a, b) => T.maximum(a, b)) : undefined
      const u = Tree.zipWith(mu, nuMax ?? nu, (m, v) => T.div(T.div(m, c1(m.dtype)), T.add(T.sqrt(T.add(T.div(v, c2(v.dtype)), epsRoot)), eps)))
      return [u, nuMax === undefined ? { count: t, mu, nu } : { count: t, mu, nu, nuMax }]
    },
  })

const needMax = (s: ScaleByAdamState): Tree.Tree =>
  s.nuMax ?? fail('INVALID_ARGUMENT', 'scaleByAdam', 'the state has no nuMax although amsgrad is on; build the state with init(params) of this same transformation.')

// -------------------------------------------------------------------------------------
// Adamax
// -------------------------------------------------------------------------------------

/**
 * The state of `scaleByAdamax`: the step count, the moving average of gradients (`mu`) and the
 * exponentially weighted infinity norm (`nu`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const s: Optim.ScaleByAdamaxState = Optim.scaleByAdamax().init({ w: T.ones([1]) })
 * assert.strictEqual(T.item(s.count), 0)
 * @category model
 * @since 0.1.0
 */
export interface ScaleByAdamaxState {
  readonly _tag: 'ScaleByAdamaxState'
  readonly count: Tensor
  readonly mu: Tree.Tree
  readonly nu: Tree.Tree
}

/** Options of `scaleByAdamax`. @category transforms */
export interface ScaleByAdamaxOptions {
  /** Decay of the moving average of gradients, in [0, 1) (default 0.9). */
  readonly b1?: number
  /** Decay of the infinity norm, in [0, 1) (default 0.999). */
  readonly b2?: number
  /** Added to |g| inside the maximum, > 0 (default 1e-8). */
  readonly eps?: number
}

/**
 * Adamax (Kingma & Ba 2015, §7), Adam with the infinity norm, as in PyTorch's
 * `torch.optim.Adamax`: eps is added to |g| inside the maximum, and only the first moment is
 * bias-corrected. optax's `scale_by_adamax` is the same rule.
 *
 * m ← β₁m + (1−β₁)g;  n ← max(β₂n, |g| + ε);  u = m / ((1−β₁ᵗ) · n)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.scaleByAdamax()
 * const [u] = tx.update({ w: T.tensor([-4]) }, tx.init({ w: T.zeros([1]) }))
 * assert.ok(T.allclose(u.w, T.tensor([-1])))
 * @category transforms
 * @since 0.1.0
 */
export const scaleByAdamax = (opts: ScaleByAdamaxOptions = {}): GradientTransformation<ScaleByAdamaxState> =>
  stateful(opts, {
    op: 'scaleByAdamax',
    tag: 'ScaleByAdamaxState',
    options: { b1: decayRate(0.9), b2: decayRate(0.999), eps: positive(1e-8) },
    init: (params) => {
      const z = zerosLike(params)
      return { count: zeroCount(), mu: z, nu: z }
    },
    matches: (s) => [s.mu, 'first moment (state.mu)'],
    update: (grads, s, { b1, b2, eps }) => {
      const t = nextCount(s.count)
      const c1 = perDType(T.sub(1, T.pow(b1, countValue(t))))
      const mu = Tree.zipWith(s.mu, grads, (m, g) => axpby(m, b1, g, 1 - b1))
      const nu = Tree.zipWith(s.nu, grads, (n, g) => T.maximum(T.mul(n, b2), T.add(T.abs(g), eps)))
      const u = Tree.zipWith(mu, nu, (m, n) => T.div(m, T.mul(n, c1(n.dtype))))
      return [u, { count: t, mu, nu }]
    },
  })

// -------------------------------------------------------------------------------------
// NAdam
// -------------------------------------------------------------------------------------

/**
 * The state of `scaleByNadam`: the step count, the product of the momentum schedule so far
 * (`muProduct`, Π μᵢ), and the two moving averages.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const s: Optim.ScaleByNadamState = Optim.scaleByNadam().init({ w: T.ones([1]) })
 * assert.deepStrictEqual([T.item(s.count), T.item(s.muProduct)], [0, 1])
 * @category model
 * @since 0.1.0
 */
export interface ScaleByNadamState {
  readonly _tag: 'ScaleByNadamState'
  readonly count: Tensor
  readonly muProduct: Tensor
  readonly mu: Tree.Tree
  readonly nu: Tree.Tree
}

/** Options of `scaleByNadam`. @category transforms */
export interface ScaleByNadamOptions {
  /** β₁, in [0, 1) (default 0.9). */
  readonly b1?: number
  /** β₂, in [0, 1) (default 0.999). */
  readonly b2?: number
  /** Added to the denominator after the square root, > 0 (default 1e-8). */
  readonly eps?: number
  /** ψ of the momentum schedule, ≥ 0 (default 4e-3); `Infinity` gives a constant μ = β₁ (optax). */
  readonly momentumDecay?: number
}

/**
 * NAdam, Adam with Nesterov momentum (Dozat 2016), as in PyTorch's `torch.optim.NAdam`: the
 * momentum follows the schedule μₜ = β₁(1 − ½·0.96^(tψ)) and the bias correction uses the
 * running product of μ. optax's `nadam` (Adam with `nesterov=True`) keeps μ = β₁ constant;
 * `momentumDecay: Infinity` gives exactly that.
 *
 * μₜ = β₁(1 − ½·0.96^(tψ));  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  v̂ = v/(1−β₂ᵗ)
 * u = [ (1−μₜ)/(1−Π₁ᵗμᵢ) · g + μₜ₊₁/(1−Π₁ᵗ⁺¹μᵢ) · m ] / (√v̂ + ε)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.scaleByNadam()
 * const [u, s] = tx.update({ w: T.tensor([2]) }, tx.init({ w: T.zeros([1]) }))
 * assert.ok(T.item(u.w) > 1 && T.item(u.w) < 1.1) // the gradient's step plus a look-ahead momentum term
 * assert.strictEqual(T.item(s.count), 1)
 * @see Dozat, Incorporating Nesterov Momentum into Adam, ICLR workshop 2016.
 * @category transforms
 * @since 0.1.0
 */
export const scaleByNadam = (opts: ScaleByNadamOptions = {}): GradientTransformation<ScaleByNadamState> =>
  stateful(opts, {
    op: 'scaleByNadam',
    tag: 'ScaleByNadamState',
    options: { b1: decayRate(0.9), b2: decayRate(0.999), eps: positive(1e-8), momentumDecay: momentumDecay },
    init: (params) => {
      const z = zerosLike(params)
      return { count: zeroCount(), muProduct: T.scalar(1, 'float64'), mu: z, nu: z }
    },
    matches: (s) => [s.mu, 'first moment (state.mu)'],
    update: (grads, s, { b1, b2, eps, momentumDecay: psi }) => {
      const muAt = (t: Tensor): Tensor => T.mul(b1, T.sub(1, T.mul(0.5, T.pow(0.96, T.mul(t, psi)))))
      const t = nextCount(s.count)
      const tv = countValue(t)
      const muT = muAt(tv)
      const muNext = muAt(T.add(tv, 1))
      const muProduct = T.mul(scalarOf(s.muProduct), muT)
      const cg = perDType(T.div(T.sub(1, muT), T.sub(1, muProduct)))
      const cm = perDType(T.div(muNext, T.sub(1, T.mul(muProduct, muNext))))
      const c2 = perDType(T.sub(1, T.pow(b2, tv)))
      const mu = Tree.zipWith(s.mu, grads, (m, g) => axpby(m, b1, g, 1 - b1))
      const nu = Tree.zipWith(s.nu, grads, (v, g) => emaSquare(v, b2, g))
      const u = Tree.zipWith(grads, mu, nu, (g, m, v) => T.div(axpby(g, cg(g.dtype), m, cm(m.dtype)), T.add(T.sqrt(T.div(v, c2(v.dtype))), eps)))
      return [u, { count: t, muProduct, mu, nu }]
    },
  })

/** ψ of NAdam's momentum schedule: a number ≥ 0, Infinity allowed. */
const momentumDecay = (op: string, key: string, v: unknown): number => {
  const psi = v ?? 4e-3
  return typeof psi === 'number' && psi >= 0
    ? psi
    : fail('INVALID_ARGUMENT', op, `${key} is ${String(psi)}; it must be a number ≥ 0 (PyTorch's default 4e-3, or Infinity for a constant momentum β₁).`)
}

// -------------------------------------------------------------------------------------
// Lion
// -------------------------------------------------------------------------------------

/**
 * The state of `scaleByLion`: the momentum (moving average of gradients).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const s: Optim.ScaleByLionState = Optim.scaleByLion().init({ w: T.ones([1]) })
 * assert.deepStrictEqual(T.toArray(s.mu.w), [0])
 * @category model
 * @since 0.1.0
 */
export interface ScaleByLionState {
  readonly _tag: 'ScaleByLionState'
  readonly mu: Tree.Tree
}

/** Options of `scaleByLion`. @category transforms */
export interface ScaleByLionOptions {
  /** Weight of the momentum in the sign, in [0, 1) (default 0.9). */
  readonly b1?: number
  /** Decay of the momentum, in [0, 1) (default 0.99). */
  readonly b2?: number
}

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an
 * interpolation between momentum and gradient. PyTorch has no Lion; this follows the paper's
 * algorithm and optax's `scale_by_lion` (its default 'hard' sign mode).
 *
 * c = β₁m + (1−β₁)g;  u = sign(c);  m ← β₂m + (1−β₂)g
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.scaleByLion()
 * const [u] = tx.update({ w: T.tensor([0.3, -2, 0]) }, tx.init({ w: T.zeros([3]) }))
 * assert.deepStrictEqual(T.toArray(u.w), [1, -1, 0])
 * @see Chen et al., Symbolic Discovery of Optimization Algorithms, 2023. https://arxiv.org/abs/2302.06675
 * @category transforms
 * @since 0.1.0
 */
export const scaleByLion = (opts: ScaleByLionOptions = {}): GradientTransformation<ScaleByLionState> =>
  stateful(opts, {
    op: 'scaleByLion',
    tag: 'ScaleByLionState',
    options: { b1: decayRate(0.9), b2: decayRate(0.99) },
    init: (params) => ({ mu: zerosLike(params) }),
    matches: (s) => [s.mu, 'momentum (state.mu)'],
    update: (grads, s, { b1, b2 }) => {
      const u = Tree.zipWith(s.mu, grads, (m, g) => T.sign(axpby(m, b1, g, 1 - b1)))
      const mu = Tree.zipWith(s.mu, grads, (m, g) => axpby(m, b2, g, 1 - b2))
      return [u, { mu }]
    },
  })

/** The configurations the optimizer laws check this module's transformations under (see `exercises` in base.ts). */
export default exercises<typeof import('./adam.js')>(() => ({
  scaleByAdam: [
    { tx: scaleByAdam(), descent: { learningRate: 0.1, steps: 1000, target: 1e-3 } },
    { label: 'amsgrad epsRoot', tx: scaleByAdam({ amsgrad: true, epsRoot: 1e-12 }), descent: { learningRate: 0.1, steps: 1000, target: 1e-2 } },
  ],
  scaleByAdamax: [{ tx: scaleByAdamax(), descent: { learningRate: 1, steps: 1000, target: 1e-2 } }],
  scaleByNadam: [{ tx: scaleByNadam(), descent: { learningRate: 0.03, steps: 1000, target: 0.1 } }],
  scaleByLion: [{ tx: scaleByLion(), descent: { learningRate: 3e-3, steps: 1000, target: 1e-2 } }],
}))
