/**
 * A line search that returns a step satisfying the strong Wolfe conditions (Nocedal & Wright,
 * Numerical Optimization, 2nd ed., Algorithms 3.5 and 3.6, with the cubic interpolation of
 * formula 3.59 and minFunc's safeguards, as PyTorch's `_strong_wolfe`).
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import { checkInteger, checkNonNegative, checkOptions, checkPositive } from './internal.js'
import { exercises } from './base.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** Options of `strongWolfe`. @category line search */
export interface StrongWolfeOptions {
  /** Sufficient decrease constant c₁ (default 1e-4). */
  readonly c1?: number
  /** Curvature constant c₂, with c₁ < c₂ < 1 (default 0.9). */
  readonly c2?: number
  /** Most evaluations of φ (default 25). */
  readonly maxEvaluations?: number
  /** Stop when the bracket is shorter than this (in units of α·scale; default 1e-9). */
  readonly toleranceChange?: number
  /** Multiplies bracket widths before comparing with `toleranceChange` (default 1; L-BFGS passes max|d|). */
  readonly scale?: number
}

/**
 * The result of a line search: the step α, φ(α) and φ'(α), the evaluations it made, and whether
 * both strong Wolfe conditions hold (when not, α is the best point found, possibly 0).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const r: Optim.LineSearchResult = Optim.strongWolfe((a) => [(a - 2) ** 2, 2 * (a - 2)] as const, 4, -4, 1)
 * assert.ok(r.satisfied)
 * @category line search
 * @since 0.1.0
 */
export interface LineSearchResult {
  readonly alpha: number
  readonly value: number
  readonly slope: number
  readonly evaluations: number
  readonly satisfied: boolean
}

/** A point of φ with whatever the caller computed along (L-BFGS keeps the gradient). @internal */
export interface Point<P> {
  readonly alpha: number
  readonly value: number
  readonly slope: number
  readonly payload: P
}

// -------------------------------------------------------------------------------------
// internals
// -------------------------------------------------------------------------------------

/**
 * The minimizer of the cubic through two points with their slopes (N&W 3.59), kept inside
 * [lo, hi]; the midpoint when the cubic has no minimizer there.
 */
const cubicMinimizer = (a: Point<unknown>, b: Point<unknown>, lo: number, hi: number): number => {
  const d1 = a.slope + b.slope - (3 * (a.value - b.value)) / (a.alpha - b.alpha)
  const disc = d1 * d1 - a.slope * b.slope
  if (disc >= 0 && Number.isFinite(disc)) {
    const d2 = Math.sign(b.alpha - a.alpha) * Math.sqrt(disc)
    const t = b.alpha - (b.alpha - a.alpha) * ((b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2))
    if (Number.isFinite(t)) return Math.min(Math.max(t, lo), hi)
  }
  return (lo + hi) / 2
}

interface Settings {
  readonly c1: number
  readonly c2: number
  readonly maxEvaluations: number
  readonly toleranceChange: number
  readonly scale: number
}

/** Checks the options of a strong Wolfe search. @internal */
export const wolfeSettings = (op: string, opts: StrongWolfeOptions): Settings => {
  checkOptions(op, opts, ['c1', 'c2', 'maxEvaluations', 'toleranceChange', 'scale'])
  const c1 = checkPositive(op, 'c1', opts.c1 ?? 1e-4, '1e-4')
  const c2 = checkPositive(op, 'c2', opts.c2 ?? 0.9, '0.9')
  if (!(c1 < c2 && c2 < 1)) fail('INVALID_ARGUMENT', op, `c1 = ${c1} and c2 = ${c2} must satisfy 0 < c1 < c2 < 1 (e.g. 1e-4 and 0.9).`)
  return {
    c1,
    c2,
    maxEvaluations: checkInteger(op, 'maxEvaluations', opts.maxEvaluations ?? 25, 1, '25'),
    toleranceChange: checkNonNegative(op, 'toleranceChange', opts.toleranceChange ?? 1e-9, '1e-9'),
    scale: checkPositive(op, 'scale', opts.scale ?? 1, '1'),
  }
}

/**
 * The search itself, over a φ that also returns a payload. φ(α) with α > 0; `start` is φ at 0
 * (its slope must be negative). Returns the accepted point (or the best one found) and the
 * number of evaluations. @internal
 */
export const searchStrongWolfe = <P>(
  phi: (alpha: number) => Point<P>,
  start: Point<P>,
  alpha1: number,
  s: Settings,
): { readonly point: Point<P>; readonly evaluations: number; readonly satisfied: boolean } => {
  const f0 = start.value
  const g0 = start.slope
  const armijo = (p: Point<P>): boolean => Number.isFinite(p.value) && p.value <= f0 + s.c1 * p.alpha * g0
  const curvature = (p: Point<P>): boolean => Math.abs(p.slope) <= -s.c2 * g0
  let evaluations = 0
  const evaluate = (alpha: number): Point<P> => {
    evaluations++
    return phi(alpha)
  }

  // bracketing phase (N&W Algorithm 3.5)
  let prev = start
  let alpha = alpha1
  let lo: Point<P>
  let hi: Point<P>
  for (;;) {
    const cur = evaluate(alpha)
    if (!armijo(cur) || (prev !== start && cur.value >= prev.value)) {
      lo = prev
      hi = cur
      break
    }
    if (curvature(cur)) return { point: cur, evaluations, satisfied: true }
    if (cur.slope >= 0) {
      lo = cur
      hi = prev
      break
    }
    if (evaluations >= s.maxEvaluations) return { point: cur, evaluations, satisfied: false }
    const next = cubicMinimizer(prev, cur, alpha + 0.01 * (alpha - prev.alpha), alpha * 10)
    prev = cur
    alpha = next
  }

  // zoom phase (N&W Algorithm 3.6), lo always the best point satisfying Armijo
  let insufficientProgress = false
  for (;;) {
    const width = Math.abs(hi.alpha - lo.alpha)
    if (evaluations >= s.maxEvaluations || width * s.scale < s.toleranceChange) return { point: lo, evaluations, satisfied: false }
    const min = Math.min(lo.alpha, hi.alpha)
    const max = Math.max(lo.alpha, hi.alpha)
    let t = Number.isFinite(hi.value) ? cubicMinimizer(lo, hi, min, max) : (min + max) / 2
    // keep away from the ends, or the bracket may stop shrinking (minFunc's safeguard)
    const margin = 0.1 * width
    if (Math.min(max - t, t - min) < margin) {
      if (insufficientProgress || t >= max || t <= min) {
        t = Math.abs(t - max) < Math.abs(t - min) ? max - margin : min + margin
        insufficientProgress = false
      } else insufficientProgress = true
    } else insufficientProgress = false
    const cur = evaluate(t)
    if (!armijo(cur) || cur.value >= lo.value) {
      hi = cur
    } else {
      if (curvature(cur)) return { point: cur, evaluations, satisfied: true }
      if (cur.slope * (hi.alpha - lo.alpha) >= 0) hi = lo
      lo = cur
    }
  }
}

// -------------------------------------------------------------------------------------
// line search
// -------------------------------------------------------------------------------------

/**
 * Finds a step α along a descent direction satisfying the strong Wolfe conditions, given
 * φ(α) = f(θ + αd) and its slope φ'(α) = ∇f(θ + αd)·d, the values at 0 (φ'(0) < 0) and a first
 * trial step. Brackets an acceptable step, then zooms in with safeguarded cubic interpolation
 * (Nocedal & Wright, Algorithms 3.5–3.6; the same method as PyTorch's LBFGS 'strong_wolfe').
 *
 * φ(α) ≤ φ(0) + c₁αφ'(0)  and  |φ'(α)| ≤ c₂|φ'(0)|
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const phi = (a: number) => [(a - 3) ** 2, 2 * (a - 3)] as const
 * const r = Optim.strongWolfe(phi, 9, -6, 1)
 * assert.ok(r.satisfied && r.value <= 9 + 1e-4 * r.alpha * -6 && Math.abs(r.slope) <= 0.9 * 6)
 * @category line search
 * @since 0.1.0
 */
export const strongWolfe = (
  phi: (alpha: number) => readonly [value: number, slope: number],
  value0: number,
  slope0: number,
  alpha1: number,
  opts: StrongWolfeOptions = {},
): LineSearchResult => {
  const op = 'strongWolfe'
  const s = wolfeSettings(op, opts)
  if (typeof phi !== 'function') fail('INVALID_ARGUMENT', op, 'φ must be a function alpha => [value, slope].')
  if (!Number.isFinite(value0)) fail('INVALID_ARGUMENT', op, `φ(0) is ${value0}; the search needs a finite value at the start.`)
  if (!(slope0 < 0)) fail('INVALID_ARGUMENT', op, `φ'(0) is ${slope0}; the direction must be a descent direction (φ'(0) < 0).`)
  checkPositive(op, 'the first trial step alpha1', alpha1, '1')
  const r = searchStrongWolfe(
    (alpha) => {
      const [value, slope] = phi(alpha)
      return { alpha, value, slope, payload: undefined }
    },
    { alpha: 0, value: value0, slope: slope0, payload: undefined },
    alpha1,
    s,
  )
  return Object.freeze({ alpha: r.point.alpha, value: r.point.value, slope: r.point.slope, evaluations: r.evaluations, satisfied: r.satisfied })
}

/** This module builds no transformation: nothing for the optimizer laws to exercise (the compiler checks; see `exercises` in base.ts). */
export default exercises<typeof import('./linesearch.js')>(() => ({}))
