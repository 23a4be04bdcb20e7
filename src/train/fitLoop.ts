/**
 * The training loop shared by `fit` (batches in memory), `fitStream` (batches from a pipeline) and
 * `fitAsync` (the same run with the device read asynchronously): a generator that asks its driver
 * for everything outside pure computation — the next batch, a step's loss as a number, a tree of
 * tensors on the host, an evaluation — and yields the run's events. The synchronous drivers
 * answer at once; the asynchronous one awaits the device. So every driver trains, evaluates,
 * stops early and reports divergence the same way, and with the same numbers.
 */
import * as E from 'fp-ts/lib/Either.js'
import { type NumericIssue, checkFinite, issueOf, showIssue } from '../ad/guard.js'
import { fail } from '../core/errors.js'
import { observeMetric } from '../optim/plateau.js'
import type { Dataset } from '../data/Dataset.js'
import type { Pipeline } from '../data/pipeline.js'
import { type Key, foldIn } from '../rng/index.js'
import type { EarlyStopping } from './earlyStopping.js'
import * as T from '../tensor/index.js'
import { type Tree, leaves } from '../tree/index.js'
import type { Evaluation } from './evaluate.js'
import { frozenFit } from './checks.js'
import type { Divergence, EpochRecord, FitEvent, FitState, TrialLike } from './fitState.js'
import { type TrainState, type Trainer, trainStepDeferred } from './step.js'

/** The loop asks for batch `batch` of epoch `epoch`; the answer undefined ends the epoch. */
export interface Need {
  readonly type: 'need'
  readonly epoch: number
  readonly batch: number
}

/**
 * What the loop asks of its driver besides a batch: to pass an event on; to start reading a
 * step's loss (answered with a reading, anything the driver likes); to wait for a reading
 * (answered with the number); to bring a tree of tensors to the host (answered with it); to
 * evaluate the network on a data set (answered with the Evaluation).
 */
export type Request<O> =
  | FitEvent<O>
  | Need
  | { readonly type: 'read'; readonly loss: T.Tensor }
  | { readonly type: 'wait'; readonly reading: unknown }
  | { readonly type: 'host'; readonly tree: Tree }
  | { readonly type: 'evaluate'; readonly vars: { readonly params: Tree; readonly state: Tree }; readonly data: Dataset | Pipeline; readonly key: Key; readonly epoch: number }

/** Whether a request is an event to pass on. */
export const isEvent = <O>(q: Request<O>): q is FitEvent<O> => q.type === 'batch' || q.type === 'epoch' || q.type === 'end'

/** What the loop needs of the options. */
export interface LoopOptions {
  readonly epochs: number
  readonly dev?: Dataset | Pipeline | undefined
  readonly earlyStopping?: EarlyStopping | undefined
  readonly stopOnDivergence?: boolean | undefined
  /** the dev metric fed to the trial and to reduce-on-plateau states (default: early stopping's monitor, else 'devLoss') */
  readonly monitor?: 'devLoss' | 'devAccuracy' | undefined
  readonly trial?: TrialLike | undefined
}

/** Refuses a `monitor` or `trial` option that cannot work, naming `op`. */
export const checkMonitoring = (op: string, o: LoopOptions): void => {
  if (o.monitor !== undefined && o.monitor !== 'devLoss' && o.monitor !== 'devAccuracy') fail('INVALID_ARGUMENT', op, `monitor must be 'devLoss' or 'devAccuracy'; got ${JSON.stringify(o.monitor)}.`)
  if (o.trial !== undefined) {
    if (typeof o.trial !== 'object' || o.trial === null || typeof o.trial.report !== 'function' || typeof o.trial.shouldPrune !== 'function') {
      fail('INVALID_ARGUMENT', op, 'trial must be a trial from study.ask() (it needs report and shouldPrune).')
    }
    if (o.dev === undefined) fail('INVALID_ARGUMENT', op, `a trial is fed the dev metric after each epoch, so it needs a dev set: ${op}(…, { dev, trial }).`)
  }
}

/** The stream of the run's shuffle key that a dev pipeline draws from (the training batches draw from the key itself). */
const DEV_STREAM = 0x646576

/** A step taken ahead: its result, the error it threw (raised when the run reaches it), or the end of the epoch. */
type Ahead<O> =
  | { readonly kind: 'step'; readonly value: { readonly state: TrainState<O>; readonly loss: T.Tensor } }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'end' }

/**
 * The run from `start`: `perEpoch` batches an epoch when known (else until a need is answered
 * with undefined); the epoch's training record is an evaluation of `trainData`, or without it
 * the mean batch loss. With `pipelined`, the next step of the epoch is queued after the read of a
 * step's loss starts and before it is awaited, so a device computes while the host waits; a step
 * taken ahead is dropped when the run stops there (states are values: nothing else changes).
 */
export function* fitLoop<O>(
  trainer: Trainer<O>,
  start: FitState<O>,
  opts: LoopOptions,
  perEpoch: number | undefined,
  trainData: Dataset | undefined,
  op: 'fit' | 'fitStream' = 'fit',
  pipelined = false,
): Generator<Request<O>, FitState<O>, unknown> {
  const step = trainStepDeferred(trainer, op)
  const watch = opts.stopOnDivergence !== false
  /** The first non-finite parameter, read on the host. */
  function* issueIn(params: Tree): Generator<Request<O>, NumericIssue | undefined, unknown> {
    return paramsIssue((yield { type: 'host', tree: params }) as Tree)
  }
  if (watch) {
    const bad = yield* issueIn(start.train.params)
    if (bad !== undefined) {
      fail('INVALID_VALUE', op, `the start state's parameters are not finite: ${showIssue(bad)} A run cannot continue from them; resume from an earlier saved state, or start again with Train.initFit.`)
    }
  }
  let s = start
  // the state before the last step, and the latest state whose parameters were checked finite:
  // states are immutable, so keeping them costs nothing, and a diverging run goes back to one
  let prev: FitState<O> | undefined
  let checked = start
  let reason: 'epochs' | 'earlyStopping' | 'diverged' | 'pruned' = 'epochs'
  const monitor = opts.monitor ?? (opts.earlyStopping?.options.monitor === 'devAccuracy' ? 'devAccuracy' : 'devLoss')
  let divergence: Divergence | undefined
  // the key a dev pipeline runs with (its epoch: the run's), apart from the training batches'
  const devKey = foldIn(start.shuffleKey, DEV_STREAM)
  /** Stops the run at the newest of `candidates` whose parameters are finite, else at `checked`. */
  function* diverge(found: Omit<Divergence, 'kept' | 'message'>, candidates: ReadonlyArray<FitState<O> | undefined>): Generator<Request<O>, FitState<O>, unknown> {
    let keep = checked
    for (const c of candidates) {
      if (c !== undefined && (c === checked || (yield* issueIn(c.train.params)) === undefined)) {
        keep = c
        break
      }
    }
    reason = 'diverged'
    divergence = Object.freeze({ ...found, kept: keep.train.step, message: divergenceMessage(found, keep.train.step) })
    return frozenFit({ ...keep, done: true })
  }
  /** Asks for batch `b` of the epoch; undefined ends it (refused when the epoch's length is known and not reached, or no batch came). */
  function* need(epoch: number, b: number): Generator<Request<O>, Dataset | undefined, unknown> {
    const batch = (yield { type: 'need', epoch, batch: b }) as Dataset | undefined
    if (batch === undefined) {
      if (perEpoch !== undefined) fail('INVALID_VALUE', op, `epoch ${epoch} ended after ${b} of its ${perEpoch} batches; the data must give every epoch in full.`)
      if (b === 0) fail('INVALID_VALUE', op, `epoch ${epoch} gave no batches; the data must give at least one batch an epoch (check filters and dropRemainder).`)
    }
    return batch
  }
  const take = (from: TrainState<O>, batch: Dataset): Ahead<O> => {
    try {
      return { kind: 'step', value: step(from, batch) }
    } catch (error) {
      return { kind: 'error', error }
    }
  }
  while (!s.done && s.history.length < opts.epochs) {
    const epoch = s.history.length
    let b = s.batch
    let ahead: Ahead<O> | undefined
    for (; perEpoch === undefined || b < perEpoch; b++) {
      if (ahead === undefined) {
        const batch = yield* need(epoch, b)
        ahead = batch === undefined ? { kind: 'end' } : take(s.train, batch)
      }
      const taken: Ahead<O> = ahead
      ahead = undefined
      if (taken.kind === 'end') break
      if (taken.kind === 'error') {
        // the numeric guard stops the run and says where the first NaN or Inf came from; the
        // state before the step passed the guard's check of the step before
        const found = issueOf(taken.error)
        if (found === undefined) throw taken.error
        s = yield* diverge({ epoch, batch: b, step: s.train.step + 1, loss: undefined, issue: found }, [s])
        break
      }
      const reading = yield { type: 'read', loss: taken.value.loss }
      if (pipelined && (perEpoch === undefined || b + 1 < perEpoch)) {
        const batch = yield* need(epoch, b + 1)
        ahead = batch === undefined ? { kind: 'end' } : take(taken.value.state, batch)
      }
      const loss = (yield { type: 'wait', reading }) as number
      const next: TrainState<O> = Object.freeze({ ...taken.value.state, loss })
      if (watch && !Number.isFinite(loss)) {
        // the loss was computed at the parameters of s: go back to s, or to the state before it
        // when the step that made s already left non-finite parameters (which a finite loss can hide)
        s = yield* diverge({ epoch, batch: b, step: next.step, loss, issue: lossIssue(loss, next.params) }, [s, prev])
        break
      }
      prev = s
      s = frozenFit({ ...s, train: next, batch: b + 1, epochLoss: s.epochLoss + loss })
      yield { type: 'batch', epoch, batch: b, batches: perEpoch ?? Number.NaN, step: next.step, loss, state: s }
    }
    if (s.done) break
    if (watch && s !== checked) {
      // once per epoch: parameters that went non-finite while the loss stayed finite (a NaN
      // weight behind a relu that outputs 0) are caught here, before they are evaluated or kept
      const bad = yield* issueIn(s.train.params)
      if (bad !== undefined) {
        s = yield* diverge({ epoch, batch: b - 1, step: s.train.step, loss: s.train.loss ?? undefined, issue: bad }, [prev])
        break
      }
    }
    const vars = { params: s.train.params, state: s.train.modelState }
    const record: EpochRecord = {
      epoch,
      train: trainData === undefined ? { loss: s.epochLoss / b, accuracy: undefined } : ((yield { type: 'evaluate', vars, data: trainData, key: devKey, epoch }) as Evaluation),
      dev: opts.dev === undefined ? undefined : ((yield { type: 'evaluate', vars, data: opts.dev, key: devKey, epoch }) as Evaluation),
    }
    s = { ...s, history: [...s.history, record], batch: 0, epochLoss: 0 }
    if (record.dev !== undefined) {
      // reduce-on-plateau states inside the optimizer state observe the monitored dev metric
      // (observeMetric returns the same state when there is none)
      const metric = monitor === 'devAccuracy' ? (record.dev.accuracy ?? Number.NaN) : record.dev.loss
      const optState = observeMetric(s.train.optState, metric)
      if (optState !== s.train.optState) s = { ...s, train: { ...s.train, optState } }
      if (opts.trial !== undefined) {
        opts.trial.report(epoch + 1, metric)
        if (opts.trial.shouldPrune()) {
          reason = 'pruned'
          s = { ...s, done: true }
        }
      }
    }
    if (opts.earlyStopping !== undefined && record.dev !== undefined && !s.done) {
      const es = opts.earlyStopping
      const value = es.options.monitor === 'devAccuracy' ? (record.dev.accuracy ?? Number.NaN) : record.dev.loss
      const stopping = es.update(s.stopping ?? es.init(), epoch, value, s.train.params, s.train.modelState)
      s = { ...s, stopping }
      if (stopping.stop) {
        reason = 'earlyStopping'
        // restore the best parameters seen, with the model state (batch-norm statistics) of the same epoch
        s = { ...s, done: true, train: { ...s.train, params: stopping.bestParams ?? s.train.params, modelState: stopping.bestState ?? s.train.modelState } }
      }
    }
    s = frozenFit(s)
    checked = s
    yield { type: 'epoch', record, batches: b, state: s }
  }
  const d = divergence as Divergence | undefined
  yield d === undefined ? { type: 'end', reason, state: s } : { type: 'end', reason, state: s, issue: d.issue, divergence: d }
  return s
}


/** The first non-finite value of a parameter tree (its path under 'params'), or undefined. */
const paramsIssue = (params: Tree): NumericIssue | undefined => {
  const r = checkFinite(() => ({ params }), 'boundary')()
  return E.isLeft(r) ? issueOf(r.left) : undefined
}

/** A non-finite loss, reported as the boundary guard reports it. */
const lossIssue = (loss: number, params: Tree): NumericIssue => {
  const r = checkFinite(() => ({ loss: T.scalar(loss, firstDtype(params)) }), 'boundary')()
  return (E.isLeft(r) ? issueOf(r.left) : undefined) ?? fail('NON_FINITE', 'fit', `the loss is ${loss}.`)
}

const firstDtype = (params: Tree): 'float32' | 'float64' => {
  const d = leaves(params)[0]?.value.dtype
  return d === 'float64' ? 'float64' : 'float32'
}

const divergenceMessage = (d: Omit<Divergence, 'kept' | 'message'>, kept: number): string => {
  const issue = showIssue(d.issue).replace(/\.$/, '')
  const what = d.issue.path === 'loss' ? `the loss of step ${d.step} is ${d.loss}` : d.issue.phase === 'result' ? `after step ${d.step}, ${issue}` : `step ${d.step}: ${issue}`
  const back = kept === 0 ? 'the state before the first step' : `the state after step ${kept}`
  return (
    `training diverged at epoch ${d.epoch + 1}, batch ${d.batch + 1} (${what}); the run stopped and kept ${back}, the last whose parameters are finite. ` +
    `Lower the learning rate, clip gradients (Optim.clipByGlobalNorm) or normalise the inputs; guard: 'ops' on the trainer names the operation that first made a NaN or Infinity.`
  )
}

