/**
 * Gradient checking, as the source notes teach it: compare the gradient the library computes
 * with two-sided finite differences, in float64, over every parameter flattened into one
 * vector θ, by the relative error ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂).
 *
 * Beyond the notes: points sitting on a kink (ReLU at 0, |x| at 0, ties in max) are moved
 * off it by a small keyed offset, and finite differences that straddle a kink are skipped
 * and counted, since they measure nothing; dropout can stay on, because its mask is a pure
 * function of its key; a fast mode checks random directions for large models and then
 * localises a failure to parameter leaves; and forward mode is compared with reverse mode as
 * a second, difference-free oracle.
 */
import { PuregradError, checkFields, checkFunction, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { type Tensor, checkTensor, dataOf } from '../core/Tensor.js'
import { type Key, key as makeKey, normal, split, uniform } from '../rng/index.js'
import * as T from '../tensor/index.js'
import * as Tr from '../tree/index.js'
import { type KinkRecord, sameSide, watchKinks } from './monitor.js'
import { grad, jvp } from './transforms.js'

/**
 * What a relative error means (the notes' thresholds): ≤ 1e-7 `ok`; ≤ 1e-5 `suspicious`
 * (look closer); ≤ 1e-3 `likelyWrong` (probably a bug); above, `wrong`.
 * @category gradient checking
 */
export type Verdict = 'ok' | 'suspicious' | 'likelyWrong' | 'wrong'

/**
 * The verdict of a gradient check: a `Verdict`, or `inconclusive` when nothing could be
 * judged (the function gave two values at one point, or no coordinate or direction was
 * compared); the report's `reason` says why.
 * @category gradient checking
 */
export type CheckVerdict = Verdict | 'inconclusive'

/**
 * The verdict for a relative error, by the thresholds given with `Verdict`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad } from 'puregrad'
 * assert.strictEqual(Ad.verdictOf(1e-9), 'ok')
 * assert.strictEqual(Ad.verdictOf(1e-6), 'suspicious')
 * assert.strictEqual(Ad.verdictOf(1e-4), 'likelyWrong')
 * assert.strictEqual(Ad.verdictOf(0.1), 'wrong')
 * @category gradient checking
 */
export const verdictOf = (relativeError: number): Verdict =>
  relativeError <= 1e-7 ? 'ok' : relativeError <= 1e-5 ? 'suspicious' : relativeError <= 1e-3 ? 'likelyWrong' : 'wrong'

/** Options of `gradCheck`. */
export interface GradCheckOptions {
  /** step of the differences, relative: hᵢ = eps·max(1, |θᵢ|); default 1e-6 */
  readonly eps?: number
  /** every coordinate (`full`) or random directions (`fast`); default full up to 4096 parameters */
  readonly mode?: 'full' | 'fast'
  /** number of random directions in fast mode; default 16 */
  readonly directions?: number
  /** key for directions and for moving off kinks; default key(0) */
  readonly key?: Key
  /** how many of the worst coordinates (or leaves) to report; default 5 */
  readonly worst?: number
  /** move a point that sits on a kink (default) or only skip the differences that straddle one */
  readonly kinks?: 'move' | 'skip'
}

/** One compared coordinate (full mode) or parameter leaf (fast mode). */
export interface GradCheckEntry {
  /** leaf path, e.g. `layers.0.W` */
  readonly path: string
  /** position inside the leaf (full mode); empty in fast mode, where the leaf is probed as a whole */
  readonly index: ReadonlyArray<number>
  readonly analytic: number
  readonly numeric: number
  /** |analytic − numeric| / (|analytic| + |numeric|), 0 when both are 0 */
  readonly error: number
}

/** The result of a gradient check: plain data, printable with `showGradCheck`. */
export interface GradCheckReport {
  /** `inconclusive` when nothing could be judged, otherwise `verdictOf(relativeError)` */
  readonly verdict: CheckVerdict
  /** why the check is inconclusive; undefined otherwise */
  readonly reason: string | undefined
  /**
   * max(0, ‖numeric − analytic‖₂ − noiseFloor) / (‖numeric‖₂ + ‖analytic‖₂ + noiseFloor) over
   * what was compared: the notes' ratio, except that a difference within the finite
   * differences' resolution counts as none (it only matters for gradients that small)
   */
  readonly relativeError: number
  /**
   * the resolution of the differences: rounding in f, 2⁻⁵²·max(1, |f(θ)|), divided by the step
   * and scaled by √(number compared); gradients far below it cannot be judged and count as agreeing
   */
  readonly noiseFloor: number
  readonly mode: 'full' | 'fast'
  readonly eps: number
  /** number of parameters in θ */
  readonly parameters: number
  /** coordinates (full) or directions (fast) compared (0 when the function is not deterministic: nothing is compared) */
  readonly compared: number
  /** coordinates or directions left out because their differences straddle a kink */
  readonly skipped: number
  /** whether θ was moved off a kink before checking */
  readonly moved: boolean
  /** relative difference between forward mode (jvp) and reverse mode (grad) along a random direction */
  readonly forwardVsReverse: number
  /** the worst coordinates (full) or leaves (fast), worst first */
  readonly worst: ReadonlyArray<GradCheckEntry>
}

const norm = (xs: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]! * xs[i]!
  return Math.sqrt(s)
}

/** max(0, |a − n| − floor) / (|a| + |n| + floor): a difference within the floor is finite-difference noise. */
const relative = (a: number, n: number, floor = 0): number => (a === n ? 0 : Math.max(0, Math.abs(a - n) - floor) / (Math.abs(a) + Math.abs(n) + floor))

/**
 * The notes' ratio ‖a − n‖ / (‖a‖ + ‖n‖), with the part of the difference that lies within the
 * noise floor discounted and the floor added to the denominator (both vanish for ordinary
 * gradients; they matter only where the gradient is below what differences can resolve).
 */
const ratio = (analytic: ArrayLike<number>, numeric: ArrayLike<number>, floor: number): number => {
  const diff = Array.from(analytic, (a, i) => a - numeric[i]!)
  const den = norm(analytic) + norm(numeric) + floor
  return den === 0 ? 0 : Math.max(0, norm(diff) - floor) / den
}

/**
 * Checks the gradient of `f` (a function of a parameter tree returning one number) at
 * `params` against two-sided finite differences in float64. Run it with regularization
 * terms included and with dropout on or off (a fixed key makes dropout deterministic); check
 * at initialisation and again after some training. The verdict is `inconclusive`, with a
 * `reason`, when nothing could be judged: `f` gave two values at one point (it is evaluated
 * twice there), or every difference straddled a kink. Parameters are cast to float64, so build
 * constants inside `f` from its inputs (`fullLike`, `zerosLike`) or give them as float64.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * const f = (p: { w: T.Tensor }) => T.sum(T.tanh(T.mul(p.w, p.w)))
 * const report = Ad.gradCheck(f, { w: T.tensor([0.5, -1.5]) })
 * assert.strictEqual(report.verdict, 'ok')
 * assert.ok(report.relativeError <= 1e-7)
 * assert.strictEqual(report.compared, 2)
 * // a loss that changes between calls (dropout with a fresh key each call) cannot be judged
 * let calls = 0
 * const noisy = (p: { w: T.Tensor }) => T.add(f(p), calls++)
 * const unsure = Ad.gradCheck(noisy, { w: T.tensor([0.5, -1.5]) })
 * assert.strictEqual(unsure.verdict, 'inconclusive')
 * assert.match(unsure.reason ?? '', /not deterministic/)
 * @category gradient checking
 */
export const gradCheck = <P extends Tr.Tree>(f: (params: P) => Tensor, params: P, opts: GradCheckOptions = {}): GradCheckReport => {
  try {
    return check(f, params, opts)
  } catch (e) {
    if (e instanceof PuregradError && e.code === 'DTYPE_MISMATCH' && /float32/.test(e.detail) && /float64/.test(e.detail)) {
      fail(
        'DTYPE_MISMATCH',
        'gradCheck',
        `${e.message}\ngradCheck evaluates the function in float64 (the parameters are cast), so the data it closes over must be float64 too. ` +
          "Build the loss from its data, e.g. const lossOn = (x) => (p) => …, and check lossOn(Tensor.cast(x, 'float64')).",
      )
    }
    throw e
  }
}

const check = <P extends Tr.Tree>(f: (params: P) => Tensor, params: P, opts: GradCheckOptions): GradCheckReport => {
  const op = 'gradCheck'
  checkFunction(op, 'the function', f)
  checkOptions(op, opts, ['eps', 'mode', 'directions', 'key', 'worst', 'kinks'])
  if (opts.mode !== undefined && opts.mode !== 'full' && opts.mode !== 'fast') fail('INVALID_ARGUMENT', op, `mode must be 'full' or 'fast'; got ${describe(opts.mode)}.`)
  if (opts.kinks !== undefined && opts.kinks !== 'move' && opts.kinks !== 'skip') fail('INVALID_ARGUMENT', op, `kinks must be 'move' or 'skip'; got ${describe(opts.kinks)}.`)
  for (const [name, v] of [['directions', opts.directions], ['worst', opts.worst]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 1e6)) fail('INVALID_ARGUMENT', op, `${name} must be a whole number ≥ 0; got ${describe(v)}.`)
  }
  const eps = opts.eps ?? 1e-6
  if (!(eps > 0 && eps < 1)) fail('INVALID_ARGUMENT', op, `eps must lie in (0, 1); got ${eps}. The notes use 1e-7; the default is 1e-6.`)
  const worstCount = opts.worst ?? 5
  const p64 = Tr.map(params, (x) => T.cast(x, 'float64')) as P
  const { theta, unflatten, segments } = Tr.flatten(p64)
  const n = theta.size
  const mode = opts.mode ?? (n <= 4096 ? 'full' : 'fast')
  let [k, kMove] = split(opts.key ?? makeKey(0))

  const evaluate = (th: Float64Array): readonly [number, KinkRecord] =>
    watchKinks((p: P) => scalar(op, f(p)), unflatten(T.fromArray(th, [n], 'float64')), (p, lift) => Tr.map(p, lift) as P)

  // move off a kink: shift θ by a small keyed offset until no kink is within reach
  let th = Float64Array.from(dataOf(theta))
  let moved = false
  for (let attempt = 0; opts.kinks !== 'skip' && attempt < 5 && evaluate(th)[1].nearest < 100 * eps; attempt++) {
    const [next, sub] = split(kMove)
    kMove = next
    const shift = dataOf(uniform(sub, [n], { dtype: 'float64', min: -1, max: 1 }))
    th = th.map((v, i) => v + shift[i]! * 1e3 * eps * Math.max(1, Math.abs(v)))
    moved = true
  }
  const point = unflatten(T.fromArray(th, [n], 'float64'))
  const g = dataOf(Tr.flatten(grad(f)(point) as P).theta)
  const f0 = evaluate(th)[0]
  // differences of a function that changes between calls (dropout drawing a fresh key each
  // call) measure the change, not the slope: refuse to judge rather than call them right
  const again = evaluate(th)[0]
  if (!Object.is(f0, again)) {
    return {
      verdict: 'inconclusive',
      reason: `the function is not deterministic: it gave ${f0} and then ${again} at the same point, so finite differences measure its noise, not its slope. Make it a pure function of the parameters: fix the key of dropout or any sampling inside it (or turn dropout off).`,
      relativeError: Number.NaN,
      noiseFloor: Number.NaN,
      mode,
      eps,
      parameters: n,
      compared: 0,
      skipped: 0,
      moved,
      forwardVsReverse: Number.NaN,
      worst: [],
    }
  }
  const coordinateFloor = (2 ** -52 * Math.max(1, Math.abs(f0))) / eps

  // a difference-free oracle: forward mode against reverse mode along one random direction
  const [kDir, kRest] = split(k)
  k = kRest
  const u = dataOf(normal(kDir, [n], { dtype: 'float64' }))
  const jvpAlong = T.item(jvp((p: P) => f(p), [point], [unflatten(T.fromArray(u, [n], 'float64'))])[1])
  const forwardVsReverse = relative(jvpAlong, Array.from(g).reduce((s, gi, i) => s + gi * u[i]!, 0))

  /** Central difference of f along direction d with step h; null when it straddles a kink. */
  const difference = (d: ArrayLike<number>, h: number): number | null => {
    const [fp, kp] = evaluate(th.map((v, i) => v + h * d[i]!))
    const [fm, km] = evaluate(th.map((v, i) => v - h * d[i]!))
    return sameSide(kp, km) ? (fp - fm) / (2 * h) : null
  }

  const leafOf = (i: number): { path: string; index: number[] } => {
    const s = segments.find((seg) => i >= seg.offset && i < seg.offset + seg.size)!
    let r = i - s.offset
    const index = s.shape.map((_, a) => s.shape.slice(a + 1).reduce((q, d) => q * d, 1)).map((stride) => {
      const v = Math.floor(r / stride)
      r -= v * stride
      return v
    })
    return { path: s.path, index }
  }

  const analytic: number[] = []
  const numeric: number[] = []
  let skipped = 0
  let worst: GradCheckEntry[] = []
  if (mode === 'full') {
    const e = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      e[i] = 1
      const num = difference(e, eps * Math.max(1, Math.abs(th[i]!)))
      e[i] = 0
      if (num === null) {
        skipped++
        continue
      }
      analytic.push(g[i]!)
      numeric.push(num)
      worst.push({ ...leafOf(i), analytic: g[i]!, numeric: num, error: relative(g[i]!, num, coordinateFloor) })
    }
  } else {
    const count = opts.directions ?? 16
    const h = eps * Math.max(1, ...Array.from(th, Math.abs))
    for (let j = 0; j < count; j++) {
      const [kd, kr] = split(k)
      k = kr
      const d = dataOf(normal(kd, [n], { dtype: 'float64' }))
      const num = difference(d, h)
      if (num === null) {
        skipped++
        continue
      }
      analytic.push(Array.from(g).reduce((s, gi, i) => s + gi * d[i]!, 0))
      numeric.push(num)
    }
    // localise: one random direction inside each leaf
    worst = segments.flatMap((seg) => {
      const [kd, kr] = split(k)
      k = kr
      const d = new Float64Array(n)
      d.set(dataOf(normal(kd, [seg.size], { dtype: 'float64' })), seg.offset)
      const num = difference(d, h)
      if (num === null || seg.size === 0) return []
      const a = Array.from(g).reduce((s, gi, i) => s + gi * d[i]!, 0)
      return [{ path: seg.path, index: [], analytic: a, numeric: num, error: relative(a, num, coordinateFloor) }]
    })
  }
  const noiseFloor = coordinateFloor * Math.sqrt(analytic.length)
  const relativeError = ratio(analytic, numeric, noiseFloor)
  worst.sort((a, b) => Math.abs(b.analytic - b.numeric) - Math.abs(a.analytic - a.numeric))
  const reason =
    analytic.length > 0
      ? undefined
      : n === 0
        ? 'the parameters hold no numbers, so there is nothing to compare; pass the parameters the function depends on.'
        : `nothing was compared: all ${skipped} ${mode === 'full' ? 'coordinates' : 'directions'} had differences that straddle a kink. Check at another point, or leave kinks at 'move' (the default) so the point is moved off them.`
  return {
    verdict: reason === undefined ? verdictOf(relativeError) : 'inconclusive',
    reason,
    relativeError,
    noiseFloor,
    mode,
    eps,
    parameters: n,
    compared: analytic.length,
    skipped,
    moved,
    forwardVsReverse,
    worst: worst.slice(0, worstCount),
  }
}

const scalar = (op: string, y: Tensor): Tensor =>
  checkTensor(op, y, 'the value of the function').size === 1 ? y : fail('NOT_SCALAR', op, `the function returned shape [${y.shape.join(', ')}]; gradCheck needs a single number (a loss).`)

const VERDICTS: ReadonlyArray<CheckVerdict> = ['ok', 'suspicious', 'likelyWrong', 'wrong', 'inconclusive']

/** Refuses what is not a report of `gradCheck` (its fields and worst entries, one look each). */
const checkReport = (r: unknown): void => {
  const op = 'showGradCheck'
  const expected = 'the report Ad.gradCheck returned'
  const { verdict } = checkFields(op, 'the report', r, { verdict: 'string', reason: 'string?' }, expected)
  if (!VERDICTS.includes(verdict as CheckVerdict)) fail('INVALID_ARGUMENT', op, `the report's verdict is ${describe(verdict)}, not one of ${VERDICTS.map((v) => `'${v}'`).join(', ')}; pass ${expected}.`)
  if (verdict === 'inconclusive') return
  const fields = { relativeError: 'number', mode: 'string', parameters: 'number', compared: 'number', skipped: 'number', moved: 'boolean', forwardVsReverse: 'number', worst: 'array' } as const
  const { worst } = checkFields(op, 'the report', r, fields, expected)
  ;(worst as ReadonlyArray<unknown>).forEach((w, i) => checkFields(op, `the report's worst[${i}]`, w, { path: 'string', index: 'array', analytic: 'number', numeric: 'number', error: 'number' }, expected))
}

/**
 * A readable summary of a report: the verdict with its meaning, then the worst entries.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * // a rule that forgets the factor 2 of d(x²)/dx = 2x
 * const square = Ad.customVjp('square', (x) => T.square(x), (g, [x]) => [T.mul(g, x!)])
 * const report = Ad.gradCheck((w: T.Tensor) => T.sum(square(w)), T.tensor([0.5, -1.5]))
 * const text = Ad.showGradCheck(report)
 * assert.ok(text.startsWith('gradCheck: wrong (the gradient is wrong): relative error 3.33e-1 over 2 coordinates'))
 * assert.ok(text.includes('analytic -1.500000e+0, numeric -3.000000e+0'))
 * @category gradient checking
 */
export const showGradCheck = (r: GradCheckReport): string => {
  checkReport(r)
  if (r.verdict === 'inconclusive') return `gradCheck: inconclusive (nothing was judged): ${r.reason ?? ''}`
  const meaning: Record<Verdict, string> = {
    ok: 'the gradient is right',
    suspicious: 'look closer',
    likelyWrong: 'probably a bug',
    wrong: 'the gradient is wrong',
  }
  const fmt = (v: number): string => v.toExponential(6)
  const lines = [
    `gradCheck: ${r.verdict} (${meaning[r.verdict]}): relative error ${r.relativeError.toExponential(2)} over ${r.compared} ${r.mode === 'full' ? 'coordinates' : 'directions'} of ${r.parameters} parameters` +
      (r.skipped > 0 ? `, ${r.skipped} skipped at kinks` : '') +
      (r.moved ? ', point moved off a kink' : ''),
    `forward vs reverse mode: ${r.forwardVsReverse.toExponential(2)}`,
    ...r.worst.map((w) => `  ${w.path === '' ? '(root)' : w.path}${w.index.length > 0 ? `[${w.index.join(', ')}]` : ''}: analytic ${fmt(w.analytic)}, numeric ${fmt(w.numeric)}, error ${w.error.toExponential(2)}`),
  ]
  return lines.join('\n')
}
