/**
 * Pruners: stop unpromising trials early, from the intermediate values trials report (a dev
 * loss after each epoch, say). A pruner is a pure function of the trial's own intermediate
 * values and the other trials' records.
 */
import { checkArray, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import type { TrialRecord } from './Trial.js'

/** Decides whether a running trial should stop now. @category model */
export interface Pruner {
  readonly prune: (intermediate: ReadonlyArray<readonly [number, number]>, others: ReadonlyArray<TrialRecord>, direction: 'min' | 'max') => boolean
}

const count = (op: string, name: string, v: unknown, min: number): number =>
  Number.isInteger(v) && (v as number) >= min ? (v as number) : fail('INVALID_ARGUMENT', op, `${name} must be a whole number ≥ ${min}; got ${String(v)}.`)

/** Refuses what a study never passes a pruner: steps that are not [step, value] pairs, trials that are not records. */
const checkPrune = (own: unknown, others: unknown, direction: unknown): void => {
  checkArray('prune', 'the intermediate values', own, '[step, value] pairs, as trial.report records them')
  if (!(own as ReadonlyArray<unknown>).every((p) => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number')) fail('INVALID_ARGUMENT', 'prune', 'the intermediate values must be [step, value] pairs of numbers.')
  checkArray('prune', 'the other trials', others, "the study's trials (study.trials())")
  if (!(others as ReadonlyArray<unknown>).every((t) => typeof t === 'object' && t !== null && Array.isArray((t as TrialRecord).intermediate))) fail('INVALID_ARGUMENT', 'prune', 'the other trials must be trial records, as study.trials() returns them.')
  if (direction !== 'min' && direction !== 'max') fail('INVALID_ARGUMENT', 'prune', `direction must be 'min' or 'max'; got ${describe(direction)}.`)
}

/** `a` is worse than `b` (NaN is worse than anything). */
const worse = (a: number, b: number, direction: 'min' | 'max'): boolean => Number.isNaN(a) || (direction === 'min' ? a > b : a < b)

/**
 * Never prunes. @category pruners
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Study } from 'puregrad'
 * assert.strictEqual(Study.noPruner().prune([[1, Infinity]], [], 'min'), false)
 */
export const noPruner = (): Pruner => Object.freeze({ prune: () => false })

/**
 * The median rule: at its latest step, a trial is pruned when its value is worse than the
 * median of the values the complete trials reported at that same step. It waits for
 * `startupTrials` complete trials (default 5) and for `warmupSteps` steps of the trial itself
 * (default 0: steps before it are never pruned); a step no complete trial reported prunes nothing.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Study } from 'puregrad'
 * const done = (v: number): Study.TrialRecord => ({ number: 0, state: 'complete', params: {}, value: v, intermediate: [[1, v]] })
 * const pruner = Study.medianPruner({ startupTrials: 3 })
 * const others = [done(1), done(2), done(3)] // median 2 at step 1
 * assert.deepStrictEqual([pruner.prune([[1, 2.5]], others, 'min'), pruner.prune([[1, 1.5]], others, 'min')], [true, false])
 * @category pruners
 */
export const medianPruner = (opts: { readonly startupTrials?: number; readonly warmupSteps?: number } = {}): Pruner => {
  checkOptions('medianPruner', opts, ['startupTrials', 'warmupSteps'])
  const startup = count('medianPruner', 'startupTrials', opts.startupTrials ?? 5, 0)
  const warmup = count('medianPruner', 'warmupSteps', opts.warmupSteps ?? 0, 0)
  return Object.freeze({
    prune: (own: ReadonlyArray<readonly [number, number]>, others: ReadonlyArray<TrialRecord>, direction: 'min' | 'max') => {
      checkPrune(own, others, direction)
      const last = own.at(-1)
      if (last === undefined || last[0] < warmup) return false
      const complete = others.filter((t) => t.state === 'complete')
      if (complete.length < startup || complete.length === 0) return false
      const at = complete.flatMap((t) => t.intermediate.filter(([s, v]) => s === last[0] && !Number.isNaN(v)).map(([, v]) => v)).sort((a, b) => a - b)
      if (at.length === 0) return false
      const m = at.length % 2 === 1 ? at[(at.length - 1) / 2]! : (at[at.length / 2 - 1]! + at[at.length / 2]!) / 2
      return worse(last[1], m, direction)
    },
  })
}

/**
 * Asynchronous successive halving (ASHA). Rungs sit at `minResource · η^(s + k)` steps, k = 0,
 * 1, 2, … (η the `reductionFactor`, default 3; s the `minEarlyStoppingRate`, default 0;
 * `minResource` default 1): with the defaults, after steps 1, 3, 9, 27, … When a trial's latest
 * report is its first at or past a rung, its value there (that report's) is ranked among the
 * values every trial (running, complete or pruned) recorded at that rung, its own included:
 * it goes on only when it is among the best ⌊n/η⌋ of those n values (the best one, when
 * n < η); otherwise it is pruned. So about 1/η of the trials reach each next rung, and no trial
 * waits for the others (the asynchronous part). Between rungs nothing is pruned.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Study } from 'puregrad'
 * const at = (v: number): Study.TrialRecord => ({ number: 0, state: 'complete', params: {}, value: v, intermediate: [[1, v]] })
 * const asha = Study.successiveHalving({ reductionFactor: 2 })
 * const others = [at(1), at(2), at(3)] // with the trial, 4 values at rung 1: the best 2 go on
 * assert.deepStrictEqual([asha.prune([[1, 1.5]], others, 'min'), asha.prune([[1, 2.5]], others, 'min')], [false, true])
 * assert.strictEqual(asha.prune([[1, 1.5], [2, 9]], others, 'min'), false) // step 2 is not a rung
 * @category pruners
 */
export const successiveHalving = (opts: { readonly minResource?: number; readonly reductionFactor?: number; readonly minEarlyStoppingRate?: number } = {}): Pruner => {
  const op = 'successiveHalving'
  checkOptions(op, opts, ['minResource', 'reductionFactor', 'minEarlyStoppingRate'])
  const r0 = count(op, 'minResource', opts.minResource ?? 1, 1)
  const eta = count(op, 'reductionFactor', opts.reductionFactor ?? 3, 2)
  const s = count(op, 'minEarlyStoppingRate', opts.minEarlyStoppingRate ?? 0, 0)
  /** The highest rung a step reaches (-1: none). */
  const rungOf = (step: number): number => {
    let k = -1
    while (r0 * eta ** (s + k + 1) <= step) k++
    return k
  }
  const valueAt = (rung: number, intermediate: ReadonlyArray<readonly [number, number]>): number | undefined => intermediate.find(([st]) => st >= r0 * eta ** (s + rung))?.[1]
  return Object.freeze({
    prune: (own: ReadonlyArray<readonly [number, number]>, others: ReadonlyArray<TrialRecord>, direction: 'min' | 'max') => {
      checkPrune(own, others, direction)
      const last = own.at(-1)
      if (last === undefined) return false
      const k = rungOf(last[0])
      const before = own.at(-2)
      if (k < 0 || (before !== undefined && rungOf(before[0]) >= k)) return false // not the first report at this rung
      const competing = [last[1], ...others.flatMap((t) => {
        const v = valueAt(k, t.intermediate)
        return v === undefined ? [] : [v]
      })]
        .map((v) => (Number.isNaN(v) ? (direction === 'min' ? Infinity : -Infinity) : v))
        .sort((a, b) => (direction === 'min' ? a - b : b - a))
      const kept = Math.max(1, Math.floor(competing.length / eta))
      return worse(last[1], competing[kept - 1]!, direction)
    },
  })
}
