/**
 * Learning-rate schedules: pure functions from the step (0 at the first update) to a number.
 * They are plain functions, so they compose with ordinary code (`(t) => 2 * cosineDecay(…)(t)`)
 * and plug into `scaleByLearningRate` or any alias in place of a constant rate.
 *
 * Every schedule refuses bad hyperparameters when it is made, and a step that is negative or
 * not finite when it is called.
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import type { Scalar } from './scalar.js'
import { named } from './scheduleForm.js'
import { checkBoolean, checkInteger, checkNonNegative, checkNumber, checkOptions, checkPositive } from './internal.js'
import { exercises } from './base.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A value (usually a learning rate) as a function of the step count, 0 at the first update.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const halve: Optim.Schedule = (step) => 0.1 / 2 ** step
 * assert.strictEqual(halve(1), 0.05)
 * @category model
 * @since 0.1.0
 */
export type Schedule = (step: number) => number


// -------------------------------------------------------------------------------------
// schedules
// -------------------------------------------------------------------------------------

/**
 * The same value at every step.
 *
 * η(t) = η₀
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * assert.strictEqual(Optim.constant(0.1)(1000), 0.1)
 * @category schedules
 * @since 0.1.0
 */
export const constant = (value: number): Schedule => {
  const v = checkNumber('constant', 'value', value, 'Use a finite number such as 1e-3.')
  return named('constant', () => v)
}

/** Options of `exponentialDecay`. @category schedules */
export interface ExponentialDecayOptions {
  /** Factor applied every `transitionSteps` steps (≥ 0; < 1 decays, > 1 grows). */
  readonly decayRate: number
  /** Steps over which the value is multiplied by `decayRate` once (default 1). */
  readonly transitionSteps?: number
  /** Decay in whole jumps every `transitionSteps` steps instead of smoothly (default false). */
  readonly staircase?: boolean
  /** Steps to hold the initial value before decaying (default 0). */
  readonly transitionBegin?: number
  /** A floor (when decaying) or ceiling (when growing) of the value (default none). */
  readonly endValue?: number
}

/**
 * Exponential decay (optax `exponential_decay`): multiplies the value by `decayRate` every
 * `transitionSteps` steps, smoothly or in whole jumps (`staircase`), after `transitionBegin`.
 *
 * η(t) = η₀ · r^(p),  p = (t − t₀)/T (floored when staircase), p = 0 before t₀
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s = Optim.exponentialDecay(1, { decayRate: 0.5, transitionSteps: 10, staircase: true })
 * assert.deepStrictEqual([s(0), s(9), s(10), s(25)], [1, 1, 0.5, 0.25])
 * @category schedules
 * @since 0.1.0
 */
export const exponentialDecay = (initValue: number, opts: ExponentialDecayOptions): Schedule => {
  const op = 'exponentialDecay'
  checkOptions(op, opts, ['decayRate', 'transitionSteps', 'staircase', 'transitionBegin', 'endValue'])
  const init = checkNumber(op, 'initValue', initValue, 'Use the learning rate at step 0, such as 1e-2.')
  const rate = checkNonNegative(op, 'decayRate', opts?.decayRate, '0.96')
  const steps = checkPositive(op, 'transitionSteps', opts.transitionSteps ?? 1, '1000')
  const staircase = checkBoolean(op, 'staircase', opts.staircase ?? false)
  const begin = checkNonNegative(op, 'transitionBegin', opts.transitionBegin ?? 0, '0')
  const end = opts.endValue === undefined ? undefined : checkNumber(op, 'endValue', opts.endValue, 'Use the floor of the decayed value, such as 1e-5.')
  return named(op, (A, t) => {
    const p = A.div(A.max(0, A.sub(t, begin)), steps)
    const v = A.mul(init, A.pow(rate, staircase ? A.floor(p) : p))
    return end === undefined ? v : rate < 1 ? A.max(v, end) : A.min(v, end)
  })
}

/** Options of `stepDecay`. @category schedules */
export interface StepDecayOptions {
  /** Steps between two reductions (a whole number ≥ 1). */
  readonly stepSize: number
  /** Factor of each reduction (default 0.1). */
  readonly gamma?: number
}

/**
 * Step decay (PyTorch `StepLR`): multiplies the value by `gamma` every `stepSize` steps.
 *
 * η(t) = η₀ · γ^⌊t / stepSize⌋
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s = Optim.stepDecay(0.1, { stepSize: 30, gamma: 0.1 })
 * assert.deepStrictEqual([s(0), s(29)], [0.1, 0.1])
 * assert.ok(Math.abs(s(30) - 0.01) < 1e-15)
 * @category schedules
 * @since 0.1.0
 */
export const stepDecay = (initValue: number, opts: StepDecayOptions): Schedule => {
  const op = 'stepDecay'
  checkOptions(op, opts, ['stepSize', 'gamma'])
  const init = checkNumber(op, 'initValue', initValue, 'Use the learning rate at step 0, such as 0.1.')
  const size = checkInteger(op, 'stepSize', opts?.stepSize, 1, '30')
  const gamma = checkNonNegative(op, 'gamma', opts.gamma ?? 0.1, '0.1')
  return named(op, (A, t) => A.mul(init, A.pow(gamma, A.floor(A.div(t, size)))))
}

/** Options of `inverseTimeDecay`. @category schedules */
export interface InverseTimeDecayOptions {
  /** How fast the value falls (≥ 0). */
  readonly decayRate: number
  /** Steps per unit of decay (default 1). */
  readonly decaySteps?: number
  /** Count whole units of `decaySteps` only (default false). */
  readonly staircase?: boolean
}

/**
 * Inverse time decay (JAX `example_libraries.optimizers.inverse_time_decay`, Keras
 * `InverseTimeDecay`; PyTorch Adagrad's `lr_decay` is this with `decaySteps` 1).
 *
 * η(t) = η₀ / (1 + r · t / T)  (t / T floored when staircase)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s = Optim.inverseTimeDecay(1, { decayRate: 0.5 })
 * assert.deepStrictEqual([s(0), s(2), s(6)], [1, 0.5, 0.25])
 * @category schedules
 * @since 0.1.0
 */
export const inverseTimeDecay = (initValue: number, opts: InverseTimeDecayOptions): Schedule => {
  const op = 'inverseTimeDecay'
  checkOptions(op, opts, ['decayRate', 'decaySteps', 'staircase'])
  const init = checkNumber(op, 'initValue', initValue, 'Use the learning rate at step 0, such as 1e-2.')
  const rate = checkNonNegative(op, 'decayRate', opts?.decayRate, '0.5')
  const steps = checkPositive(op, 'decaySteps', opts.decaySteps ?? 1, '1')
  const staircase = checkBoolean(op, 'staircase', opts.staircase ?? false)
  return named(op, (A, t) => A.div(init, A.add(1, A.mul(rate, staircase ? A.floor(A.div(t, steps)) : A.div(t, steps)))))
}

/** Options of `polynomialDecay`. @category schedules */
export interface PolynomialDecayOptions {
  /** The value reached at the end of the transition and kept after it. */
  readonly endValue: number
  /** Steps of the transition (a whole number ≥ 1). */
  readonly transitionSteps: number
  /** Exponent of the polynomial (default 1: linear). */
  readonly power?: number
  /** Steps to hold the initial value before the transition (default 0). */
  readonly transitionBegin?: number
}

/**
 * Polynomial decay (optax `polynomial_schedule`) from `initValue` to `endValue` over
 * `transitionSteps` steps, held constant afterwards; `power` 1 is a linear ramp.
 *
 * η(t) = (η₀ − η_end) · (1 − s/T)^power + η_end,  s = clip(t − t₀, 0, T)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s = Optim.polynomialDecay(1, { endValue: 0, transitionSteps: 4 })
 * assert.deepStrictEqual([s(0), s(1), s(4), s(100)], [1, 0.75, 0, 0])
 * @category schedules
 * @since 0.1.0
 */
export const polynomialDecay = (initValue: number, opts: PolynomialDecayOptions): Schedule => {
  const op = 'polynomialDecay'
  checkOptions(op, opts, ['endValue', 'transitionSteps', 'power', 'transitionBegin'])
  const init = checkNumber(op, 'initValue', initValue, 'Use the learning rate at step 0, such as 1e-2.')
  const end = checkNumber(op, 'endValue', opts?.endValue, 'Use the value at the end of the transition, such as 0.')
  const steps = checkInteger(op, 'transitionSteps', opts.transitionSteps, 1, '1000')
  const power = checkPositive(op, 'power', opts.power ?? 1, '1')
  const begin = checkNonNegative(op, 'transitionBegin', opts.transitionBegin ?? 0, '0')
  return named(op, (A, t) => {
    const s = A.min(A.max(A.sub(t, begin), 0), steps)
    const w = A.pow(A.sub(1, A.div(s, steps)), power)
    return A.add(A.mul(init, w), A.mul(end, A.sub(1, w)))
  })
}

/** Options of `cosineDecay`. @category schedules */
export interface CosineDecayOptions {
  /** Steps of the decay (a whole number ≥ 1); the value stays at its floor afterwards. */
  readonly decaySteps: number
  /** The floor, as a fraction of the initial value (default 0). */
  readonly alpha?: number
  /** Exponent applied to the cosine factor (default 1). */
  readonly exponent?: number
}

/**
 * Cosine decay (optax `cosine_decay_schedule`; SGDR without restarts, Loshchilov & Hutter 2017)
 * from `initValue` to `alpha · initValue` over `decaySteps` steps.
 *
 * η(t) = η₀ · ((1 − α) · c^e + α),  c = ½(1 + cos(π · min(t, T) / T))
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s = Optim.cosineDecay(1, { decaySteps: 100 })
 * assert.deepStrictEqual([s(0), s(100), s(200)], [1, 0, 0])
 * assert.ok(Math.abs(s(50) - 0.5) < 1e-12)
 * @category schedules
 * @since 0.1.0
 */
export const cosineDecay = (initValue: number, opts: CosineDecayOptions): Schedule => {
  const op = 'cosineDecay'
  checkOptions(op, opts, ['decaySteps', 'alpha', 'exponent'])
  const init = checkNumber(op, 'initValue', initValue, 'Use the learning rate at step 0, such as 1e-2.')
  const steps = checkInteger(op, 'decaySteps', opts?.decaySteps, 1, '1000')
  const alpha = checkNonNegative(op, 'alpha', opts.alpha ?? 0, '0')
  const exponent = checkPositive(op, 'exponent', opts.exponent ?? 1, '1')
  return named(op, (A, t) => {
    const c = A.mul(0.5, A.add(1, A.cos(A.div(A.mul(Math.PI, A.min(t, steps)), steps))))
    return A.mul(init, A.add(A.mul(1 - alpha, A.pow(c, exponent)), alpha))
  })
}

/** Options of `warmupCosineDecay`. @category schedules */
export interface WarmupCosineDecayOptions {
  /** Steps of the linear warmup from `initValue` to the peak (a whole number ≥ 0). */
  readonly warmupSteps: number
  /** Total steps, warmup included, after which the value stays at `endValue` (> warmupSteps). */
  readonly decaySteps: number
  /** The value at step 0 (default 0). */
  readonly initValue?: number
  /** The value at the end of the decay (default 0). */
  readonly endValue?: number
  /** Exponent applied to the cosine factor (default 1). */
  readonly exponent?: number
}

/**
 * Linear warmup then cosine decay (optax `warmup_cosine_decay_schedule`): a linear ramp from
 * `initValue` to `peakValue` over `warmupSteps`, then a cosine from the peak down to `endValue`
 * at `decaySteps` (which counts the warmup too).
 *
 * η(t) = η₀ + (η_peak − η₀)·t/W for t < W;  η_end + (η_peak − η_end)·c(t − W)^e after, with
 * c(s) = ½(1 + cos(π · min(s, D − W) / (D − W)))
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s = Optim.warmupCosineDecay(1, { warmupSteps: 10, decaySteps: 110 })
 * assert.deepStrictEqual([s(0), s(5), s(10), s(110)], [0, 0.5, 1, 0])
 * assert.ok(Math.abs(s(60) - 0.5) < 1e-12)
 * @category schedules
 * @since 0.1.0
 */
export const warmupCosineDecay = (peakValue: number, opts: WarmupCosineDecayOptions): Schedule => {
  const op = 'warmupCosineDecay'
  checkOptions(op, opts, ['warmupSteps', 'decaySteps', 'initValue', 'endValue', 'exponent'])
  const peak = checkNumber(op, 'peakValue', peakValue, 'Use the learning rate at the end of the warmup, such as 1e-3.')
  const warmup = checkInteger(op, 'warmupSteps', opts?.warmupSteps, 0, '1000')
  const total = checkInteger(op, 'decaySteps', opts.decaySteps, warmup + 1, String(warmup + 10000))
  const init = checkNumber(op, 'initValue', opts.initValue ?? 0, 'Use the value at step 0, such as 0.')
  const end = checkNumber(op, 'endValue', opts.endValue ?? 0, 'Use the value at the end, such as 0.')
  const exponent = checkPositive(op, 'exponent', opts.exponent ?? 1, '1')
  const span = total - warmup
  return named(op, (A, t) => {
    // a·(1 − w) + b·w never overflows for finite a and b, where a + (b − a)·w can
    const warm = warmup === 0 ? 0 : A.add(A.mul(init, A.sub(1, A.div(t, warmup))), A.mul(peak, A.div(t, warmup)))
    const w = A.pow(A.mul(0.5, A.add(1, A.cos(A.div(A.mul(Math.PI, A.min(A.sub(t, warmup), span)), span)))), exponent)
    return A.ifLess(t, warmup, warm, A.add(A.mul(end, A.sub(1, w)), A.mul(peak, w)))
  })
}

/** Options of `piecewiseConstant`. @category schedules */
export interface PiecewiseConstantOptions {
  /** At each boundary step (a key), the value is multiplied by the scale (the key's value). */
  readonly boundariesAndScales: { readonly [boundary: number]: number }
}

/**
 * Piecewise constant (optax `piecewise_constant_schedule`, PyTorch `MultiStepLR` with one
 * factor per milestone): from each boundary step on, the value is multiplied by its scale.
 *
 * η(t) = η₀ · Π_{b ≤ t} s_b
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s = Optim.piecewiseConstant(1, { boundariesAndScales: { 100: 0.5, 200: 0.5 } })
 * assert.deepStrictEqual([s(0), s(99), s(100), s(250)], [1, 1, 0.5, 0.25])
 * @category schedules
 * @since 0.1.0
 */
export const piecewiseConstant = (initValue: number, opts: PiecewiseConstantOptions): Schedule => {
  const op = 'piecewiseConstant'
  checkOptions(op, opts, ['boundariesAndScales'])
  const init = checkNumber(op, 'initValue', initValue, 'Use the learning rate at step 0, such as 0.1.')
  const table = opts?.boundariesAndScales
  if (typeof table !== 'object' || table === null) {
    fail('INVALID_ARGUMENT', op, `boundariesAndScales is ${String(table)}; pass a record from boundary steps to scales, such as { 1000: 0.1 }.`)
  }
  const entries = Object.entries(table)
    .map(([b, s]) => [checkInteger(op, `the boundary ${JSON.stringify(b)}`, Number(b), 0, '1000'), checkNonNegative(op, `the scale at ${b}`, s, '0.1')] as const)
    .sort((x, y) => x[0] - y[0])
  return named(op, <X>(A: Scalar<X>, t: X) => entries.reduce<X | number>((v, [b, s]) => A.ifLess(t, b, v, A.mul(v, s)), init))
}

/** This module builds no transformation: nothing for the optimizer laws to exercise (the compiler checks; see `exercises` in base.ts). */
export default exercises<typeof import('./schedule.js')>(() => ({}))
