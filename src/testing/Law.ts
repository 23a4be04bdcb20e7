/**
 * A law of puregrad/testing: a fast-check property with a name. `check` runs it and throws a
 * readable `LAW_FAILED` error with the smallest counterexample fast-check found, so it works in
 * any test runner; the property itself also goes to `fc.assert` or `@fast-check/vitest`.
 */
import fc from 'fast-check'
import { PuregradError } from '../core/errors.js'

/** A named property: what the law says, about what, and the property that checks it. @category laws */
export interface Law {
  /** e.g. `gradCheckLaw(Swish(β₀ 1))` */
  readonly name: string
  readonly property: fc.IPropertyWithHooks<any>
}

/**
 * A law whose cases are checked asynchronously (the ONNX law runs a model in onnxruntime):
 * `check` returns a promise for it. @category laws
 */
export interface AsyncLaw {
  readonly name: string
  readonly property: fc.IAsyncPropertyWithHooks<any>
  /** what `check` awaits before the first case (loading onnxruntime-web), so that a missing dependency is its own error, not a failing case */
  readonly prepare?: () => Promise<unknown>
}

/** How many cases `check` draws, and from which seed. @category laws */
export interface CheckOptions {
  /** cases to draw (default fast-check's, 100, or what `fc.configureGlobal` set) */
  readonly numRuns?: number
  /** the seed to replay a failure with (printed in its message) */
  readonly seed?: number
  /** with `seed`, the path to the failing case (printed in its message) */
  readonly path?: string
}

/**
 * Checks a law: returns when it holds on every case drawn, throws a `PuregradError` (code
 * `LAW_FAILED`) naming the law, the counterexample, the seed to replay it with and what failed
 * when it does not. An `AsyncLaw` (such as `onnxEqualsApply`) gives a promise that resolves
 * or rejects the same way: `await check(law)`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * import { check, forwardEqualsReverse } from 'puregrad/testing'
 * assert.doesNotThrow(() => check(forwardEqualsReverse((x) => T.sum(T.sin(x)), { shape: [3] }), { numRuns: 10 }))
 * // a square whose reverse-mode rule forgot the factor 2
 * const square = Ad.customVjp('badSquare', (x) => T.mul(x, x), (ct, [x]) => [T.mul(ct, x!)])
 * assert.throws(() => check(forwardEqualsReverse((x) => T.sum(square(x)), { shape: [3] })), (e: { code?: string }) => e.code === 'LAW_FAILED')
 * ```
 * @category laws
 */
export function check(law: Law, opts?: CheckOptions): void
export function check(law: AsyncLaw, opts?: CheckOptions): Promise<void>
export function check(law: Law | AsyncLaw, opts: CheckOptions = {}): void | Promise<void> {
  const parameters = {
    ...(opts.numRuns === undefined ? {} : { numRuns: opts.numRuns }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.path === undefined ? {} : { path: opts.path }),
  }
  if ('prepare' in law || law.property.isAsync()) {
    const async = law as AsyncLaw
    return (async.prepare?.() ?? Promise.resolve())
      .then(() => fc.check(async.property, parameters))
      .then((details) => report(law.name, details))
  }
  return report(law.name, fc.check(law.property as fc.IPropertyWithHooks<any>, parameters))
}

/** Throws the `LAW_FAILED` error of a failed run. */
const report = (name: string, details: fc.RunDetails<unknown>): void => {
  if (!details.failed) return
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)
  const where = details.counterexample === null ? `after ${details.numRuns} cases` : `on the case ${fc.stringify(details.counterexample)} (found after ${details.numRuns} cases, shrunk ${details.numShrinks} times)`
  throw new PuregradError(
    'LAW_FAILED',
    name,
    `fails ${where}:\n${cause}\nFix the code under test; replay this case with check(law, { seed: ${details.seed}, path: ${JSON.stringify(details.counterexamplePath ?? '')} }).`,
  )
}

/** A law from a name and a property. @internal */
export const law = (name: string, property: fc.IPropertyWithHooks<any>): Law => ({ name, property })

/** An async law from a name and an async property. @internal */
export const asyncLaw = (name: string, property: fc.IAsyncPropertyWithHooks<any>, prepare?: () => Promise<unknown>): AsyncLaw => (prepare === undefined ? { name, property } : { name, property, prepare })
