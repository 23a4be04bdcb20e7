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
 * when it does not.
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
export const check = (law: Law, opts: CheckOptions = {}): void => {
  const details = fc.check(law.property, {
    ...(opts.numRuns === undefined ? {} : { numRuns: opts.numRuns }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.path === undefined ? {} : { path: opts.path }),
  })
  if (!details.failed) return
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)
  const where = details.counterexample === null ? `after ${details.numRuns} cases` : `on the case ${fc.stringify(details.counterexample)} (found after ${details.numRuns} cases, shrunk ${details.numShrinks} times)`
  throw new PuregradError(
    'LAW_FAILED',
    law.name,
    `fails ${where}:\n${cause}\nFix the code under test; replay this case with check(law, { seed: ${details.seed}, path: ${JSON.stringify(details.counterexamplePath ?? '')} }).`,
  )
}

/** A law from a name and a property. @internal */
export const law = (name: string, property: fc.IPropertyWithHooks<any>): Law => ({ name, property })
