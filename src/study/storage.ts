/**
 * Where a study's trials live. Storage numbers trials atomically (no two workers get the same
 * number), keeps their hyperparameters, intermediate values, heartbeats and results, and marks
 * as failed the running trials whose heartbeat stopped. `memoryStorage` keeps one process's
 * studies; `puregrad/node` adds a journal file (several processes on one machine) and
 * PostgreSQL (several machines).
 */
import { fail } from '../core/errors.js'
import type { Config } from '../train/search.js'
import type { StudySpec, TrialRecord, TrialState } from './Trial.js'

/** How a trial ended, as storage records it. @category model */
export interface Outcome {
  readonly state: Exclude<TrialState, 'running'>
  readonly value?: number
  readonly reason?: string
}

/**
 * A study's storage. Every method may be called concurrently, from several workers.
 * @category model
 */
export interface StudyStorage {
  /** The stored spec of study `name`; when there is none, `spec` is stored (the first writer wins) and returned, or undefined without one. */
  readonly openStudy: (name: string, spec: StudySpec | undefined) => Promise<StudySpec | undefined>
  /** A new running trial, with the next number: atomic across every worker of the storage. */
  readonly createTrial: (study: string) => Promise<number>
  readonly setParams: (study: string, trial: number, params: Config) => Promise<void>
  readonly report: (study: string, trial: number, step: number, value: number) => Promise<void>
  /** The trial's worker is alive (the time is the storage's: the journal's writer, PostgreSQL's clock). */
  readonly heartbeat: (study: string, trial: number) => Promise<void>
  /** Ends a running trial; false (and nothing recorded) when it had already ended. */
  readonly finish: (study: string, trial: number, outcome: Outcome) => Promise<boolean>
  /** Every trial of the study, by number. */
  readonly trials: (study: string) => Promise<ReadonlyArray<TrialRecord>>
  /** Marks failed the running trials without a heartbeat for `timeoutMs`; returns their numbers. */
  readonly failStale: (study: string, timeoutMs: number) => Promise<ReadonlyArray<number>>
  readonly close: () => Promise<void>
}

interface MemoryTrial {
  record: TrialRecord
  beat: number
}

/**
 * Storage in this process's memory: studies last as long as the storage value, and workers of
 * one process share it. For studies that outlive the process, use `journalStorage` or
 * `postgresStorage` from `puregrad/node`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Study, Train } from 'puregrad'
 * const storage = Study.memoryStorage()
 * const opts = { name: 's', space: { x: Train.uniformParam(0, 1) }, sampler: Study.randomSampler({ seed: 0 }), storage }
 * const a = await Study.open(opts)
 * await a.optimize((t) => t.params.x as number, { trials: 3 })
 * const b = await Study.open(opts) // the same study, reopened from the storage
 * assert.strictEqual((await b.trials()).length, 3)
 * @category storage
 */
export const memoryStorage = (): StudyStorage => {
  const studies = new Map<string, { spec: StudySpec; trials: MemoryTrial[] }>()
  const get = (study: string) => studies.get(study) ?? fail('INVALID_ARGUMENT', 'memoryStorage', `there is no study '${study}' in this storage; open it with Study.open first.`)
  const trial = (study: string, n: number): MemoryTrial =>
    get(study).trials[n] ?? fail('INVALID_ARGUMENT', 'memoryStorage', `study '${study}' has no trial ${n}; use the trials study.ask returned.`)
  const update = (study: string, n: number, f: (r: TrialRecord) => TrialRecord): void => {
    const t = trial(study, n)
    t.record = Object.freeze(f(t.record))
    t.beat = Date.now()
  }
  return Object.freeze({
    openStudy: async (name: string, spec: StudySpec | undefined) => {
      const found = studies.get(name)
      if (found) return found.spec
      if (spec !== undefined) studies.set(name, { spec, trials: [] })
      return spec
    },
    createTrial: async (study: string) => {
      const ts = get(study).trials
      ts.push({ record: Object.freeze({ number: ts.length, state: 'running', params: undefined, value: undefined, intermediate: [] }), beat: Date.now() })
      return ts.length - 1
    },
    setParams: async (study: string, n: number, params: Config) => update(study, n, (r) => ({ ...r, params })),
    report: async (study: string, n: number, step: number, value: number) =>
      update(study, n, (r) => ({ ...r, intermediate: [...r.intermediate.filter(([s]) => s !== step), [step, value] as const].sort((a, b) => a[0] - b[0]) })),
    heartbeat: async (study: string, n: number) => {
      trial(study, n).beat = Date.now()
    },
    finish: async (study: string, n: number, o: Outcome) => {
      if (trial(study, n).record.state !== 'running') return false
      update(study, n, (r) => ({ ...r, state: o.state, value: o.value, ...(o.reason === undefined ? {} : { reason: o.reason }) }))
      return true
    },
    trials: async (study: string) => get(study).trials.map((t) => t.record),
    failStale: async (study: string, timeoutMs: number) => {
      const now = Date.now()
      const stale = get(study).trials.filter((t) => t.record.state === 'running' && now - t.beat > timeoutMs)
      for (const t of stale) t.record = Object.freeze({ ...t.record, state: 'failed', reason: `no heartbeat for ${timeoutMs} ms: the worker running it stopped` })
      return stale.map((t) => t.record.number)
    },
    close: async () => undefined,
  })
}
