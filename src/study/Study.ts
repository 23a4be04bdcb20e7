/**
 * Studies: hyperparameter search as ask and tell. `ask` numbers a new trial (atomically, in
 * storage) and suggests its hyperparameters; the objective trains with them, reporting
 * intermediate values (`trial.report`) and stopping when `trial.shouldPrune()`; `tell` records
 * the result. `optimize` runs that loop for an objective, several trials at once if asked.
 * Everything lives in storage, so a study reopened later, or by another process, continues.
 */
import { PuregradError, checkFunction, describe, error, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import type { Config, Space } from '../train/search.js'
import { checkSpace } from '../train/searchSpace.js'
import { type Pruner, noPruner } from './pruners.js'
import { type Sampler, samplerOf } from './samplers.js'
import { type Outcome, type StudyStorage, memoryStorage } from './storage.js'
import type { Pruned, StudySpec, TrialRecord, TrialResult } from './Trial.js'

/** A running trial, as `ask` hands it out. @category model */
export interface Trial {
  readonly number: number
  /** the suggested hyperparameters */
  readonly params: Config
  /**
   * Records an intermediate value (a dev loss after epoch `step`, say); steps must increase.
   * It returns at once: the value goes to storage in the background (`tell` waits for it).
   */
  readonly report: (step: number, value: number) => void
  /** The pruner's verdict on the values reported so far, against the other trials as last read from storage. */
  readonly shouldPrune: () => boolean
  /** The result to give `tell` (or return from an objective) for a trial stopped by the pruner. */
  readonly prune: () => Pruned
}

/** Options of `optimize`. */
export interface OptimizeOptions {
  /** how many trials this call runs (fewer when a grid is used up) */
  readonly trials: number
  /** how many of them run at once in this process (default 1): useful when the objective awaits; for threads see `optimizeInThreads` of `puregrad/node` */
  readonly workers?: number
}

/** A study, open on its storage. @category model */
export interface Study {
  readonly spec: StudySpec
  readonly ask: () => Promise<Trial>
  /** Records how a trial ended and returns its record; a trial already marked failed (its heartbeat lapsed) stays failed. */
  readonly tell: (trial: Trial, result: TrialResult) => Promise<TrialRecord>
  /**
   * Runs `trials` trials of `objective` (which may be async), and returns their records by
   * number. An objective that throws fails its trial, and `optimize` throws that error once
   * the trials under way have ended; to go on past failures, catch inside the objective.
   */
  readonly optimize: (objective: (trial: Trial) => number | Pruned | Promise<number | Pruned>, opts: OptimizeOptions) => Promise<ReadonlyArray<TrialRecord>>
  readonly trials: () => Promise<ReadonlyArray<TrialRecord>>
  /** The complete trial with the best value, or undefined before one completes. */
  readonly best: () => Promise<TrialRecord | undefined>
  /** Stops the heartbeats and closes the storage. */
  readonly close: () => Promise<void>
}

/** Options of `open`. */
export interface OpenOptions {
  readonly name: string
  /** needed to create the study; when given to reopen one, it must be the stored one */
  readonly space?: Space
  /** default 'min' */
  readonly direction?: 'min' | 'max'
  /** needed to create the study; when omitted on reopening, the stored sampler's settings are used */
  readonly sampler?: Sampler
  /** default: never prune */
  readonly pruner?: Pruner
  /** default: a new `memoryStorage()` */
  readonly storage?: StudyStorage
  /** how often a running trial's worker sends a heartbeat (default 10 000 ms); each report counts as one too */
  readonly heartbeatMs?: number
  /**
   * a running trial without a heartbeat for this long is marked failed by the next `ask` (default
   * 60 000 ms). Timed heartbeats need the event loop: a synchronous objective (`Train.fit`) sends
   * none while it runs, only its reports (written at once by the journal; by PostgreSQL when the
   * loop next turns). Keep `staleMs` above the longest stretch without a report, or train with
   * `Train.fitAsync`, which gives the loop a turn.
   */
  readonly staleMs?: number
}

const OPEN_OPTIONS = ['name', 'space', 'direction', 'sampler', 'pruner', 'storage', 'heartbeatMs', 'staleMs']

/** The error `ask` raises when a grid is used up; `optimize` ends there. */
const exhausted = (study: string, size: number): PuregradError =>
  error('INVALID_ARGUMENT', 'ask', `study '${study}': the grid has ${size} points and all have been asked for; the study is over (use a random or Bayesian sampler for more trials).`)
const isExhausted = (e: unknown): boolean => e instanceof PuregradError && e.op === 'ask' && /the grid has \d+ points and all/.test(e.detail)

const isPruned = (u: unknown): u is Pruned => typeof u === 'object' && u !== null && (u as { _tag?: unknown })._tag === 'Pruned'

const positive = (name: string, v: unknown, dflt: number): number =>
  v === undefined ? dflt : typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : fail('INVALID_ARGUMENT', 'open', `${name} must be a number of milliseconds > 0; got ${describe(v)}.`)

/** The stored spec, checked against what the caller says the study is. */
const reconcile = (stored: StudySpec, opts: OpenOptions): StudySpec => {
  const differs = (what: string, mine: unknown, theirs: unknown): void => {
    if (mine !== undefined && JSON.stringify(mine) !== JSON.stringify(theirs)) {
      fail('INVALID_ARGUMENT', 'open', `study '${stored.name}' exists with ${what} ${JSON.stringify(theirs)}, not ${JSON.stringify(mine)}; reopen it with the same ${what} (or leave it out), or give the new study another name.`)
    }
  }
  differs('space', opts.space, stored.space)
  differs('direction', opts.direction, stored.direction)
  differs('sampler', opts.sampler?.spec, stored.sampler)
  return stored
}

/**
 * Creates a study in its storage, or opens the one of that name already there: then the
 * space, direction and sampler settings are the stored ones, and since a sampler's suggestion
 * for trial n depends only on n, its seed and the complete trials, the reopened study suggests
 * what the unbroken one would have.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Study, Train } from 'puregrad'
 * const study = await Study.open({ name: 'lr', space: { lr: Train.logUniform(1e-4, 1) }, sampler: Study.randomSampler({ seed: 0 }) })
 * const trial = await study.ask()
 * const lr = trial.params.lr as number
 * for (let epoch = 1; epoch <= 3; epoch++) trial.report(epoch, lr / epoch) // intermediate values
 * const record = await study.tell(trial, lr / 3)
 * assert.deepStrictEqual([record.number, record.state, record.value, record.intermediate.length], [0, 'complete', lr / 3, 3])
 * @category studies
 */
export const open = async (opts: OpenOptions): Promise<Study> => {
  checkOptions('open', opts, OPEN_OPTIONS)
  if (opts === undefined || typeof opts.name !== 'string' || opts.name === '') fail('INVALID_ARGUMENT', 'open', "a study needs a name: Study.open({ name: 'my-study', space, sampler }).")
  if (opts.direction !== undefined && opts.direction !== 'min' && opts.direction !== 'max') fail('INVALID_ARGUMENT', 'open', `direction must be 'min' or 'max'; got ${describe(opts.direction)}.`)
  if (opts.space !== undefined) checkSpace(opts.space, 'open')
  const heartbeatMs = positive('heartbeatMs', opts.heartbeatMs, 10_000)
  const staleMs = positive('staleMs', opts.staleMs, 60_000)
  const storage = opts.storage ?? memoryStorage()
  const wanted: StudySpec | undefined =
    opts.space !== undefined && opts.sampler !== undefined ? { name: opts.name, direction: opts.direction ?? 'min', space: opts.space, sampler: opts.sampler.spec } : undefined
  const stored = await storage.openStudy(opts.name, wanted)
  const spec =
    stored !== undefined
      ? reconcile(stored, opts)
      : fail('INVALID_ARGUMENT', 'open', `there is no study '${opts.name}' in this storage yet; to create it, give its space and sampler: Study.open({ name, space, sampler: Study.randomSampler({ seed: 0 }) }).`)
  return studyOn(spec, samplerOf(spec.sampler), opts.pruner ?? noPruner(), storage, heartbeatMs, staleMs)
}

const studyOn = (spec: StudySpec, sampler: Sampler, pruner: Pruner, storage: StudyStorage, heartbeatMs: number, staleMs: number): Study => {
  const name = spec.name
  const told = new WeakSet<Trial>()
  const live = new Map<Trial, { readonly stop: () => Promise<void>; readonly last: () => number | undefined }>()

  const handle = (number: number, params: Config, snapshot: ReadonlyArray<TrialRecord>): Trial => {
    const own: Array<readonly [number, number]> = []
    let others = snapshot.filter((t) => t.number !== number)
    let writes: Promise<void> = Promise.resolve()
    let writeError: unknown
    let inFlight = 0
    /** Storage writes in order; one issued when none is pending starts at once, so a storage that writes synchronously (the journal) records it even while a synchronous objective holds the event loop. */
    const enqueue = (f: () => Promise<void>): void => {
      const run = (): Promise<void> =>
        f()
          .catch((e: unknown) => {
            writeError ??= e
          })
          .finally(() => {
            inFlight--
          })
      writes = inFlight++ === 0 ? run() : writes.then(run)
    }
    let refreshing = false
    const refresh = (): void => {
      if (refreshing) return
      refreshing = true
      storage.trials(name).then(
        (ts) => {
          others = ts.filter((t) => t.number !== number)
          refreshing = false
        },
        () => {
          refreshing = false
        },
      )
    }
    const beat = setInterval(() => enqueue(() => storage.heartbeat(name, number)), heartbeatMs)
    ;(beat as { unref?: () => void }).unref?.()
    const trial: Trial = Object.freeze({
      number,
      params,
      report: (step: number, value: number) => {
        if (!Number.isInteger(step) || step < 0) fail('INVALID_ARGUMENT', 'report', `the step must be a whole number ≥ 0 (an epoch, say); got ${describe(step)}.`)
        if (typeof value !== 'number') fail('INVALID_ARGUMENT', 'report', `the value must be a number; got ${describe(value)}.`)
        const last = own.at(-1)
        if (last !== undefined && step <= last[0]) fail('INVALID_ARGUMENT', 'report', `trial ${number} already reported step ${last[0]}; report each step once, in increasing order.`)
        if (told.has(trial)) fail('INVALID_ARGUMENT', 'report', `trial ${number} has been told its result; report before tell.`)
        own.push([step, value])
        enqueue(() => storage.report(name, number, step, value))
        refresh()
      },
      shouldPrune: () => pruner.prune(own, others, spec.direction),
      prune: (): Pruned => Object.freeze({ _tag: 'Pruned' }),
    })
    live.set(trial, {
      last: () => own.at(-1)?.[1],
      stop: async () => {
        clearInterval(beat)
        await writes
        if (writeError !== undefined) throw writeError
      },
    })
    return trial
  }

  const trials = () => storage.trials(name)

  const ask = async (): Promise<Trial> => {
    await storage.failStale(name, staleMs)
    const size = sampler.size(spec.space)
    if (Number.isFinite(size) && (await trials()).length >= size) throw exhausted(name, size)
    const number = await storage.createTrial(name)
    const all = await trials()
    let params: Config
    try {
      if (number >= size) throw exhausted(name, size)
      params = sampler.suggest(spec.space, number, all, spec.direction)
    } catch (e) {
      await storage.finish(name, number, { state: 'failed', reason: e instanceof Error ? e.message : String(e) })
      throw e
    }
    await storage.setParams(name, number, params)
    return handle(number, params, all)
  }

  const tell = async (trial: Trial, result: TrialResult): Promise<TrialRecord> => {
    if (told.has(trial)) fail('INVALID_ARGUMENT', 'tell', `trial ${trial.number} has already been told its result; tell each trial once.`)
    const entry = live.get(trial) ?? fail('INVALID_ARGUMENT', 'tell', `this is not a trial of study '${name}' asked for by this Study value; tell each trial to the study that asked for it.`)
    told.add(trial)
    await entry.stop()
    live.delete(trial)
    const outcome: Outcome =
      typeof result === 'number'
        ? Number.isFinite(result)
          ? { state: 'complete', value: result }
          : { state: 'failed', reason: `the objective returned ${result}` }
        : isPruned(result)
          ? { state: 'pruned', ...(entry.last() === undefined ? {} : { value: entry.last()! }) }
          : result instanceof Error
            ? { state: 'failed', reason: result.message }
            : fail('INVALID_ARGUMENT', 'tell', `the result is ${describe(result)}; pass the objective's value (a number), trial.prune(), or an Error for a failed trial.`)
    await storage.finish(name, trial.number, outcome)
    return (await trials()).find((t) => t.number === trial.number)!
  }

  const optimize: Study['optimize'] = async (objective, opts) => {
    checkFunction('optimize', 'the objective (argument 1)', objective)
    checkOptions('optimize', opts, ['trials', 'workers'])
    const total = opts?.trials
    if (!Number.isInteger(total) || total < 0) fail('INVALID_ARGUMENT', 'optimize', `trials must be a whole number ≥ 0; got ${describe(total)}.`)
    const workers = opts.workers ?? 1
    if (!Number.isInteger(workers) || workers < 1) fail('INVALID_ARGUMENT', 'optimize', `workers must be a whole number ≥ 1; got ${describe(workers)}.`)
    let started = 0
    let stop = false
    let failure: { readonly error: unknown } | undefined
    const done: TrialRecord[] = []
    const loop = async (): Promise<void> => {
      while (!stop && started < total) {
        started++
        let trial: Trial
        try {
          trial = await ask()
        } catch (e) {
          stop = true
          if (!isExhausted(e)) failure ??= { error: e }
          return
        }
        let result: TrialResult
        try {
          const r: unknown = await objective(trial)
          result =
            typeof r === 'number' || isPruned(r)
              ? r
              : error('INVALID_ARGUMENT', 'optimize', `the objective returned ${describe(r)} for trial ${trial.number}; it must return the trial's value as a number (or trial.prune()).`)
        } catch (e) {
          result = e instanceof Error ? e : new Error(String(e))
          failure ??= { error: e }
        }
        if (result instanceof PuregradError && result.op === 'optimize') failure ??= { error: result }
        done.push(await tell(trial, result))
        if (failure !== undefined) stop = true
      }
    }
    await Promise.all(Array.from({ length: workers }, loop))
    if (failure !== undefined) throw failure.error
    return done.sort((a, b) => a.number - b.number)
  }

  const best = async (): Promise<TrialRecord | undefined> => {
    const sign = spec.direction === 'min' ? 1 : -1
    return (await trials())
      .filter((t) => t.state === 'complete')
      .reduce<TrialRecord | undefined>((b, t) => (b === undefined || sign * t.value! < sign * b.value! ? t : b), undefined)
  }

  const close = async (): Promise<void> => {
    await Promise.allSettled([...live.values()].map((e) => e.stop()))
    await storage.close()
  }

  return Object.freeze({ spec, ask, tell, optimize, trials, best, close })
}
