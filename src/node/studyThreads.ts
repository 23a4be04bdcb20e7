/**
 * A study's trials run in worker threads: each thread opens the study from shared storage (a
 * journal file or PostgreSQL: memory cannot be shared between threads) and runs its share of
 * the trials with the objective exported by a module, since functions cannot cross threads.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { PuregradError, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import * as Study from '../study/index.js'
import { journalStorage } from './studyJournal.js'
import { type PostgresOptions, postgresStorage } from './studyPostgres.js'

/** Shared storage described as data, so that every thread can open it. @category model */
export type StorageSpec = { readonly journal: string } | { readonly postgres: PostgresOptions }

/** Options of `optimizeInThreads`. */
export interface ThreadOptions {
  /** trials in all, shared out among the threads */
  readonly trials: number
  /** threads (default 2) */
  readonly workers?: number
  /** the objective's export name in the module (default 'objective'); the module may also export a `pruner` */
  readonly exportName?: string
  readonly heartbeatMs?: number
  readonly staleMs?: number
}

interface ThreadData {
  readonly name: string
  readonly storage: StorageSpec
  readonly module: string
  readonly exportName: string
  readonly trials: number
  readonly heartbeatMs: number | undefined
  readonly staleMs: number | undefined
}

const storageOf = (spec: StorageSpec): Study.StudyStorage =>
  'journal' in spec ? journalStorage(spec.journal) : 'postgres' in spec ? postgresStorage(spec.postgres) : fail('INVALID_ARGUMENT', 'optimizeInThreads', 'storage must be { journal: path } or { postgres: options }.')

/** What runs in each thread (exported for the thread's bootstrap only). @internal */
export const runThread = async (d: ThreadData): Promise<ReadonlyArray<Study.TrialRecord>> => {
  const mod = (await import(d.module)) as { readonly [k: string]: unknown }
  const objective = mod[d.exportName]
  if (typeof objective !== 'function') fail('INVALID_ARGUMENT', 'optimizeInThreads', `${d.module} exports ${describe(objective)} as '${d.exportName}'; export the objective function under that name.`)
  const pruner = mod['pruner'] as Study.Pruner | undefined
  const study = await Study.open({ name: d.name, storage: storageOf(d.storage), ...(pruner === undefined ? {} : { pruner }), ...(d.heartbeatMs === undefined ? {} : { heartbeatMs: d.heartbeatMs }), ...(d.staleMs === undefined ? {} : { staleMs: d.staleMs }) })
  try {
    return await study.optimize(objective as (t: Study.Trial) => number, { trials: d.trials })
  } finally {
    await study.close()
  }
}

/** The thread's bootstrap (with the TypeScript loader when the library runs from its sources, in tests). */
const BOOT = `
const { parentPort, workerData } = require('node:worker_threads')
;(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register()
  const { runThread } = await import(workerData.entry)
  return runThread(workerData.data)
})().then(
  (records) => parentPort.postMessage({ records }),
  (e) => parentPort.postMessage({ error: { message: String(e && e.message || e), code: e && e.code, op: e && e.op, detail: e && e.detail } }),
)`

/**
 * Runs `trials` trials of a study in `workers` threads. The study must exist in the shared
 * storage (create it with `Study.open`); `objective` is the path or URL of a module exporting
 * the objective (`export const objective = async (trial) => …`) and, optionally, a `pruner`.
 * Returns the trials the threads ran, by number; if one thread's objective throws, the others
 * finish their share and the error is thrown.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * import { Study, Train } from 'puregrad'
 * import { journalStorage, optimizeInThreads } from 'puregrad/node'
 * const dir = mkdtempSync(join(tmpdir(), 'puregrad-'))
 * const journal = join(dir, 'study.jsonl')
 * await Study.open({ name: 'x', space: { x: Train.uniformParam(0, 1) }, sampler: Study.randomSampler({ seed: 0 }), storage: journalStorage(journal) })
 * writeFileSync(join(dir, 'objective.mjs'), 'export const objective = async (trial) => (trial.params.x - 0.5) ** 2\n')
 * const records = await optimizeInThreads({ name: 'x', storage: { journal } }, join(dir, 'objective.mjs'), { trials: 6, workers: 2 })
 * assert.deepStrictEqual(records.map((r) => r.number), [0, 1, 2, 3, 4, 5])
 * rmSync(dir, { recursive: true })
 * @category studies
 */
export const optimizeInThreads = async (study: { readonly name: string; readonly storage: StorageSpec }, objective: string | URL, opts: ThreadOptions): Promise<ReadonlyArray<Study.TrialRecord>> => {
  const op = 'optimizeInThreads'
  checkOptions(op, opts, ['trials', 'workers', 'exportName', 'heartbeatMs', 'staleMs'])
  const total = opts?.trials
  if (!Number.isInteger(total) || total < 0) fail('INVALID_ARGUMENT', op, `trials must be a whole number ≥ 0; got ${describe(total)}.`)
  const workers = opts.workers ?? 2
  if (!Number.isInteger(workers) || workers < 1) fail('INVALID_ARGUMENT', op, `workers must be a whole number ≥ 1; got ${describe(workers)}.`)
  if (typeof study?.name !== 'string' || typeof study.storage !== 'object' || study.storage === null) fail('INVALID_ARGUMENT', op, "the study must be { name, storage: { journal: path } or { postgres: options } }.")
  storageOf(study.storage)
  const module = objective instanceof URL ? objective.href : /^file:/.test(objective) ? objective : pathToFileURL(objective).href
  const fromSource = import.meta.url.endsWith('.ts')
  const tsx = fromSource ? pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href : undefined
  const shares = Array.from({ length: workers }, (_, i) => Math.floor(total / workers) + (i < total % workers ? 1 : 0)).filter((n) => n > 0)
  const results = await Promise.all(
    shares.map(
      (trials) =>
        new Promise<{ records?: ReadonlyArray<Study.TrialRecord>; error?: { message: string; code?: string; op?: string; detail?: string } }>((resolve) => {
          const data: ThreadData = { name: study.name, storage: study.storage, module, exportName: opts.exportName ?? 'objective', trials, heartbeatMs: opts.heartbeatMs, staleMs: opts.staleMs }
          const w = new Worker(BOOT, { eval: true, workerData: { tsx, entry: import.meta.url, data } })
          w.once('message', resolve)
          w.once('error', (e) => resolve({ error: { message: e.message } }))
          w.once('exit', (code) => resolve({ error: { message: `a study thread exited (code ${code}) before it reported` } }))
        }),
    ),
  )
  const failed = results.find((r) => r.error !== undefined)?.error
  if (failed !== undefined) {
    if (failed.code !== undefined && failed.op !== undefined && failed.detail !== undefined) throw new PuregradError(failed.code as never, failed.op, failed.detail)
    throw new Error(failed.message)
  }
  return results.flatMap((r) => r.records ?? []).sort((a, b) => a.number - b.number)
}
