/**
 * Trials as data: what storage keeps of each trial (its number, state, hyperparameters, value
 * and intermediate values), and the description of a study it belongs to.
 */
import type { Config, Space } from '../train/search.js'

/**
 * A trial's state: 'running' from `ask` until `tell`; then 'complete' (a value), 'pruned'
 * (stopped early by the pruner) or 'failed' (the objective threw or returned no number, or the
 * worker running it stopped sending heartbeats). @category model
 */
export type TrialState = 'running' | 'complete' | 'pruned' | 'failed'

/** One trial as stored. @category model */
export interface TrialRecord {
  /** 0, 1, 2, … in the order the trials were asked for; unique in the study */
  readonly number: number
  readonly state: TrialState
  /** the suggested hyperparameters (undefined only in the instant between numbering and sampling) */
  readonly params: Config | undefined
  /** the objective's value (complete), or the last intermediate value (pruned) */
  readonly value: number | undefined
  /** `[step, value]` pairs reported with `trial.report`, by increasing step */
  readonly intermediate: ReadonlyArray<readonly [number, number]>
  /** why a trial failed */
  readonly reason?: string
}

/** A sampler's settings as data, kept with the study so that a reopened study samples alike. @category model */
export type SamplerSpec =
  | { readonly kind: 'grid'; readonly points: number }
  | { readonly kind: 'random'; readonly seed: number }
  | { readonly kind: 'bayesian'; readonly seed: number; readonly startup: number; readonly candidates: number }

/** What a study is: kept in storage when it is created, and checked when it is opened again. @category model */
export interface StudySpec {
  readonly name: string
  /** 'min' when lower values are better (a loss), 'max' when higher are (an accuracy) */
  readonly direction: 'min' | 'max'
  readonly space: Space
  readonly sampler: SamplerSpec
}

/** The result `tell` records for a trial pruned by the pruner; make it with `trial.prune()`. @category model */
export interface Pruned {
  readonly _tag: 'Pruned'
}

/** How a trial ended, as `tell` takes it: a value, `trial.prune()`, or an Error (the trial failed). @category model */
export type TrialResult = number | Pruned | Error

