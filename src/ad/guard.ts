/**
 * A numeric guard: finds the first NaN or ±Infinity and says where it came from.
 *
 * - `boundary`: checks the function's result once (a loss, updated parameters): cheap.
 * - `ops`: checks the output of every primitive the function applies, forward and (when the
 *   function computes gradients inside the guard) backward, and stops at the first bad one,
 *   reporting the primitive, the layer it ran in, the phase, dtype, shape, the counts of NaN,
 *   +Inf and −Inf, the first bad index, and whether the primitive created the bad value from
 *   finite inputs or received it.
 *
 * The checking API returns `Either`; `guarded` throws the same report as a `PuregradError`
 * with code `NON_FINITE`.
 */
import * as E from 'fp-ts/lib/Either.js'
import { currentLayer, currentRule, inBackward } from '../core/context.js'
import { PuregradError, checkFields, checkFunction, describe, fail, orThrow } from '../core/errors.js'
import { closest } from '../core/options.js'
import { type Tensor, dataOf, isTensor } from '../core/Tensor.js'
import { observeEvaluations } from '../prims/bind.js'
import type { PrimParams } from '../prims/Prim.js'

/** @category numeric guard */
export type GuardMode = 'off' | 'boundary' | 'ops'

/** Where the first non-finite value appeared, and what it looked like. @category numeric guard */
export interface NumericIssue {
  /** the primitive that produced it (ops mode), or 'result' (boundary mode) */
  readonly primitive: string
  readonly phase: 'forward' | 'backward' | 'result'
  /** in the backward phase, the primitive whose derivative rule was running (e.g. `sqrt` for a `div`) */
  readonly rule?: string | undefined
  /** the layer running at the time, e.g. `layer 3 (Dense(10))`, when inside a network */
  readonly layer: string | undefined
  /** the leaf of the result it was found in (boundary mode), e.g. `params.0.W` */
  readonly path: string | undefined
  readonly dtype: string
  readonly shape: ReadonlyArray<number>
  readonly nan: number
  readonly posInf: number
  readonly negInf: number
  /** multi-index of the first bad element */
  readonly firstIndex: ReadonlyArray<number>
  /** 'created': every input was finite, this primitive made the bad value; 'propagated': it came in */
  readonly origin: 'created' | 'propagated' | 'unknown'
}

/**
 * Counts of non-finite values and the first one's index (in the flat data), or undefined when
 * all are finite.
 * @internal
 */
export const scan = (t: Tensor): { readonly nan: number; readonly posInf: number; readonly negInf: number; readonly first: number } | undefined => {
  if (t.dtype === 'int32') return undefined
  const d = dataOf(t)
  let nan = 0
  let posInf = 0
  let negInf = 0
  let first = -1
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!
    if (v - v === 0) continue // finite
    if (first < 0) first = i
    if (v !== v) nan++
    else if (v > 0) posInf++
    else negInf++
  }
  return first < 0 ? undefined : { nan, posInf, negInf, first }
}

const multiIndex = (shape: ReadonlyArray<number>, flat: number): number[] => {
  const out = new Array<number>(shape.length)
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = flat % shape[i]!
    flat = Math.floor(flat / shape[i]!)
  }
  return out
}

/**
 * A report as one readable paragraph.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * import * as E from 'fp-ts/lib/Either.js'
 * const r = Ad.checkFinite((x: T.Tensor) => T.log(x))(T.tensor([1, 0, -1]))
 * assert.ok(E.isLeft(r))
 * assert.strictEqual(Ad.showIssue(Ad.issueOf(r.left)!), 'log (forward) holds 1 NaN, 1 −Inf (float32 [3], first at [1]); log created it from finite inputs.')
 * @category numeric guard
 */
export const showIssue = (i: NumericIssue): string => {
  const fields = { primitive: 'string', phase: 'string', rule: 'string?', layer: 'string?', path: 'string?', dtype: 'string', shape: 'array', nan: 'number', posInf: 'number', negInf: 'number', firstIndex: 'array', origin: 'string' } as const
  checkFields('showIssue', 'the issue', i, fields, 'the report of a NON_FINITE error, Ad.issueOf(error)')
  const counts = [i.nan > 0 ? `${i.nan} NaN` : '', i.posInf > 0 ? `${i.posInf} +Inf` : '', i.negInf > 0 ? `${i.negInf} −Inf` : ''].filter((c) => c !== '').join(', ')
  const phase = i.phase === 'backward' && i.rule !== undefined && i.rule !== i.primitive ? `backward, in the derivative of ${i.rule}` : i.phase
  const what = i.phase === 'result' ? `the result${i.path === undefined || i.path === '' ? '' : ` at '${i.path}'`}` : `${i.primitive} (${phase})`
  const where = i.layer === undefined ? '' : ` in ${i.layer}`
  const origin =
    i.origin === 'created' ? `; ${i.primitive} created it from finite inputs` : i.origin === 'propagated' ? `; its inputs already held non-finite values` : ''
  return `${what}${where} holds ${counts} (${i.dtype} [${i.shape.join(', ')}], first at [${i.firstIndex.join(', ')}])${origin}.`
}

const issueError = (issue: NumericIssue): PuregradError => {
  const hint =
    issue.origin === 'created' && issue.phase === 'backward' && issue.rule !== undefined && issue.rule !== issue.primitive
      ? ` The derivative of ${issue.rule} is not finite at this input (as sqrt's and log's are not at 0): keep the input inside the domain where it is, e.g. add a small eps.`
      : issue.origin === 'created'
      ? issue.primitive === 'log' || issue.primitive === 'div' || issue.primitive === 'reciprocal' || issue.primitive === 'rsqrt' || issue.primitive === 'sqrt'
        ? ' Keep its input in the function’s domain (e.g. use logSoftmax or a loss from logits instead of log(softmax), or add a small eps).'
        : ' Lower the learning rate, clip gradients (Optim.clipByGlobalNorm), or normalise the inputs.'
      : ''
  const err = new PuregradError('NON_FINITE', 'guard', `${showIssue(issue)}${hint}`)
  return Object.assign(err, { issue })
}

/**
 * The report carried by a NON_FINITE error (undefined for any other value).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * let issue: Ad.NumericIssue | undefined
 * try {
 *   Ad.guarded((x: T.Tensor) => T.sqrt(x))(T.tensor([4, -1]))
 * } catch (e) {
 *   issue = Ad.issueOf(e)
 * }
 * assert.strictEqual(issue?.primitive, 'sqrt')
 * assert.deepStrictEqual(issue?.firstIndex, [1])
 * assert.strictEqual(Ad.issueOf(new Error('other')), undefined)
 * @category numeric guard
 */
export const issueOf = (e: unknown): NumericIssue | undefined =>
  e instanceof PuregradError && e.code === 'NON_FINITE' ? (e as PuregradError & { issue?: NumericIssue }).issue : undefined

const inspect = (t: Tensor, base: Omit<NumericIssue, 'dtype' | 'shape' | 'nan' | 'posInf' | 'negInf' | 'firstIndex'>): NumericIssue | undefined => {
  const s = scan(t)
  return s === undefined ? undefined : { ...base, dtype: t.dtype, shape: [...t.shape], nan: s.nan, posInf: s.posInf, negInf: s.negInf, firstIndex: multiIndex(t.shape, s.first) }
}

/** Checks every tensor of a result (a tensor, a tree, or arrays/records holding them). */
const checkResult = (value: unknown, path = ''): NumericIssue | undefined => {
  if (isTensor(value)) return inspect(value, { primitive: 'result', phase: 'result', layer: undefined, path, origin: 'unknown' })
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = checkResult(value[i], path === '' ? String(i) : `${path}.${i}`)
      if (r !== undefined) return r
    }
    return undefined
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const k of Object.keys(value).sort()) {
      const r = checkResult((value as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`)
      if (r !== undefined) return r
    }
  }
  return undefined
}

/**
 * Runs f with every primitive's output checked, as it is evaluated: forward and backward, on
 * any value (a cotangent computed from constants too). Throws the first issue.
 */
const watchOps = <A extends ReadonlyArray<unknown>, R>(f: (...args: A) => R, args: A): R =>
  observeEvaluations(
    (prim, inputs, params, out) => {
      const issue = inspect(out, {
        primitive: prim === 'custom' ? (params as PrimParams['custom']).rule.name : prim,
        phase: inBackward() ? 'backward' : 'forward',
        ...(inBackward() ? { rule: currentRule() } : {}),
        layer: currentLayer(),
        path: undefined,
        origin: inputs.every((p) => scan(p) === undefined) ? 'created' : 'propagated',
      })
      if (issue !== undefined) throw issueError(issue)
    },
    () => f(...args),
  )

/**
 * Runs `f` under the guard and returns its result, or the first non-finite value found as a
 * Left. In `ops` mode every primitive is checked (put the gradient computation inside `f` to
 * check the backward pass too); in `boundary` mode only the result.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * import * as E from 'fp-ts/lib/Either.js'
 * const f = (x: T.Tensor) => T.sum(T.log(x))
 * const r = Ad.checkFinite(f, 'ops')(T.tensor([1, 0, -1]))
 * assert.ok(E.isLeft(r) && Ad.issueOf(r.left)?.primitive === 'log' && Ad.issueOf(r.left)?.origin === 'created')
 * // boundary mode only sees the result
 * const b = Ad.checkFinite(f, 'boundary')(T.tensor([1, 0, -1]))
 * assert.ok(E.isLeft(b) && Ad.issueOf(b.left)?.primitive === 'result')
 * assert.ok(E.isRight(Ad.checkFinite(f)(T.tensor([1, 2]))))
 * @category numeric guard
 */
export const checkFinite = <A extends ReadonlyArray<unknown>, R>(f: (...args: A) => R, mode: GuardMode = 'ops'): ((...args: A) => E.Either<PuregradError, R>) => {
  checkGuard('checkFinite', f, mode)
  return (...args: A): E.Either<PuregradError, R> => {
    try {
      const r = mode === 'ops' ? watchOps(f, args) : f(...args)
      const issue = mode === 'off' ? undefined : checkResult(r)
      return issue === undefined ? E.right(r) : E.left(issueError(issue))
    } catch (e) {
      if (issueOf(e) !== undefined) return E.left(e as PuregradError)
      throw e
    }
  }
}

const MODES: ReadonlyArray<GuardMode> = ['ops', 'boundary', 'off']

/** A function and one of the guard's modes, or INVALID_ARGUMENT (an options object or a misspelt mode is refused, not ignored). */
const checkGuard = (op: string, f: unknown, mode: unknown): void => {
  checkFunction(op, 'the guarded function', f)
  if (!MODES.includes(mode as GuardMode)) {
    const near = typeof mode === 'string' ? closest(mode, MODES) : undefined
    fail('INVALID_ARGUMENT', op, `mode must be one of ${MODES.map((m) => `'${m}'`).join(', ')} (a string, not an options object); got ${describe(mode)}${near === undefined ? '' : ` (did you mean '${near}'?)`}.`)
  }
}

/**
 * `checkFinite` that throws its report (a `PuregradError` with code `NON_FINITE`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * const safeLog = Ad.guarded((x: T.Tensor) => T.log(x))
 * assert.deepStrictEqual(T.toArray(safeLog(T.tensor([1]))), [0])
 * assert.throws(() => safeLog(T.tensor([1, 0])), { code: 'NON_FINITE' })
 * @category numeric guard
 */
export const guarded = <A extends ReadonlyArray<unknown>, R>(f: (...args: A) => R, mode: GuardMode = 'ops'): ((...args: A) => R) => {
  checkGuard('guarded', f, mode)
  const checked = checkFinite(f, mode)
  return (...args: A): R => orThrow(checked(...args))
}
