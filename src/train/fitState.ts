/** The state and events of a training run (`fit`, `fitStream`): a run as a value. */
import type { NumericIssue } from '../ad/guard.js'
import type { Key } from '../rng/index.js'
import type { EarlyStoppingState } from './earlyStopping.js'
import type { Evaluation } from './evaluate.js'
import type { TrainState } from './step.js'

/** A study's trial as `fit` and `fitStream` see it (`Study.Trial` is one): fed a dev metric after each epoch, asked whether to stop. @category model */
export interface TrialLike {
  readonly report: (step: number, value: number) => void
  readonly shouldPrune: () => boolean
}

/** What one epoch achieved. @category model */
export interface EpochRecord {
  readonly epoch: number
  readonly train: Evaluation
  readonly dev: Evaluation | undefined
}

/** A whole training run as a value: resume it by fitting it again. @category model */
export interface FitState<O = unknown> {
  readonly _tag: 'FitState'
  readonly train: TrainState<O>
  /** the key from which each epoch's batch order is drawn */
  readonly shuffleKey: Key
  readonly history: ReadonlyArray<EpochRecord>
  /** batches of the current epoch (number `history.length`) already taken */
  readonly batch: number
  readonly stopping: EarlyStoppingState | undefined
  /** the run stopped for good (early stopping or divergence); fitting it again changes nothing */
  readonly done: boolean
  /** sum of this epoch's batch losses so far (the running training loss) */
  readonly epochLoss: number
}

/**
 * Where and how a run diverged: the step whose loss was not finite (or after which the
 * parameters were not), and the state the run went back to. @category model
 */
export interface Divergence {
  /** the epoch (from 0) and the batch within it (from 0) of the step that diverged */
  readonly epoch: number
  readonly batch: number
  /** the step that diverged, counted as `TrainState.step` counts (the first step is 1) */
  readonly step: number
  /** that step's loss (NaN or ±Infinity), or undefined when the guard stopped the step before it was known */
  readonly loss: number | undefined
  /** the first non-finite value: `path` 'loss', a parameter such as 'params.0.W', or (with the guard) the primitive */
  readonly issue: NumericIssue
  /** the step of the state the run returned: the last one whose parameters are finite */
  readonly kept: number
  /** one paragraph: what happened, what was kept, and what to try */
  readonly message: string
}

/** Progress reports. @category model */
export type FitEvent<O = unknown> =
  | { readonly type: 'batch'; readonly epoch: number; readonly batch: number; readonly batches: number; readonly step: number; readonly loss: number; readonly state: FitState<O> }
  | { readonly type: 'epoch'; readonly record: EpochRecord; readonly batches: number; readonly state: FitState<O> }
  | {
      readonly type: 'end'
      readonly reason: 'epochs' | 'earlyStopping' | 'diverged' | 'pruned'
      readonly state: FitState<O>
      /** the first non-finite value (reason 'diverged') */
      readonly issue?: NumericIssue
      /** the step, epoch and loss of the divergence, and the state kept (reason 'diverged') */
      readonly divergence?: Divergence
    }

