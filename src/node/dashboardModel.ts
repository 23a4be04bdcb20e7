/**
 * The dashboard's event model: the small JSON events a training run sends (one per batch, per
 * epoch, and at the end), the view of a run they build up, and the view of a study read from its
 * storage. `fit`'s events carry the whole run state; these carry only the numbers a page draws.
 */
import { describe, fail } from '../core/errors.js'
import type { StudyStorage } from '../study/storage.js'
import type { TrialState } from '../study/Trial.js'
import type { Config } from '../train/search.js'
import type { FitEvent } from '../train/fit.js'

/**
 * What the dashboard is fed: a run's progress, by run name. Losses that are not finite are `null`
 * (JSON has no NaN). @category model
 */
export type DashboardEvent =
  | { readonly type: 'batch'; readonly run: string; readonly epoch: number; readonly batch: number; readonly batches: number; readonly step: number; readonly loss: number | null }
  | {
      readonly type: 'epoch'
      readonly run: string
      readonly epoch: number
      /** the step the epoch ended at (its batches counted from the start of the run) */
      readonly step: number
      readonly trainLoss: number | null
      readonly trainAccuracy: number | null
      readonly devLoss: number | null
      readonly devAccuracy: number | null
    }
  | { readonly type: 'end'; readonly run: string; readonly reason: string }

/** A run as the dashboard shows it. @category model */
export interface RunView {
  readonly name: string
  /** 'running', or how `fit` ended: 'epochs', 'earlyStopping', 'diverged', 'pruned' */
  readonly status: string
  /** `[step, loss]` of every batch */
  readonly batches: Array<readonly [number, number | null]>
  readonly epochs: Array<Omit<Extract<DashboardEvent, { type: 'epoch' }>, 'type' | 'run'>>
}

/** A study as the dashboard shows it, read from its storage. @category model */
export interface StudyView {
  readonly name: string
  readonly direction: 'min' | 'max'
  /** each hyperparameter's name and kind ('uniform', 'logUniform', 'int', 'choice') */
  readonly params: ReadonlyArray<{ readonly name: string; readonly kind: string }>
  readonly trials: ReadonlyArray<{ readonly number: number; readonly state: TrialState; readonly value: number | null; readonly params: Config | null; readonly steps: number }>
  /** why the storage could not be read, when it could not */
  readonly error?: string
}

const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null)

/** `fit`'s event as a dashboard event of run `run` (the run state it carries is dropped). @internal */
export const fromFitEvent = (run: string, e: FitEvent): DashboardEvent => {
  if (e.type === 'batch') return { type: 'batch', run, epoch: e.epoch, batch: e.batch, batches: e.batches, step: e.step, loss: finite(e.loss) }
  if (e.type === 'epoch') {
    const r = e.record
    return { type: 'epoch', run, epoch: r.epoch, step: e.state.train.step, trainLoss: finite(r.train.loss), trainAccuracy: finite(r.train.accuracy), devLoss: finite(r.dev?.loss), devAccuracy: finite(r.dev?.accuracy) }
  }
  return { type: 'end', run, reason: e.reason }
}

/** Refuses what is not a dashboard event, saying what one looks like. @internal */
export const checkEvent = (op: string, e: unknown): DashboardEvent => {
  const o = e as { type?: unknown; run?: unknown }
  if (typeof e !== 'object' || e === null || !['batch', 'epoch', 'end'].includes(o.type as string) || typeof o.run !== 'string' || o.run === '') {
    fail('INVALID_ARGUMENT', op, `expected an event { type: 'batch' | 'epoch' | 'end', run: '<a run name>', … }; got ${describe(e)}${typeof e === 'object' && e !== null ? ` of type ${JSON.stringify(o.type)} and run ${JSON.stringify(o.run)}` : ''}. Pass fit's events through dashboard.fitListener(run), which makes them.`)
  }
  return e as DashboardEvent
}

/** A run before its first event. @internal */
export const emptyRun = (name: string): RunView => ({ name, status: 'running', batches: [], epochs: [] })

/** Adds the event to its run's view (in place: a long run's views grow by one point per batch). @internal */
export const applyEvent = (run: RunView, e: DashboardEvent): RunView => {
  if (e.type === 'batch') {
    run.batches.push([e.step, e.loss])
    return run.status === 'running' ? run : { ...run, status: 'running' }
  }
  if (e.type === 'epoch') {
    const { type: _t, run: _r, ...record } = e
    run.epochs.push(record)
    return run
  }
  return { ...run, status: e.reason }
}

/** The study `name` of `storage` as the dashboard shows it; a study that cannot be read says why. @internal */
export const readStudy = async (name: string, storage: StudyStorage): Promise<StudyView> => {
  try {
    const spec = await storage.openStudy(name, undefined)
    if (spec === undefined) return { name, direction: 'min', params: [], trials: [], error: `there is no study '${name}' in this storage (yet); check the name, or start the study.` }
    const trials = await storage.trials(name)
    return {
      name,
      direction: spec.direction,
      params: Object.entries(spec.space).map(([p, s]) => ({ name: p, kind: s.kind })),
      trials: trials.map((t) => ({ number: t.number, state: t.state, value: finite(t.value), params: t.params ?? null, steps: t.intermediate.length })),
    }
  } catch (e) {
    return { name, direction: 'min', params: [], trials: [], error: e instanceof Error ? e.message : String(e) }
  }
}
