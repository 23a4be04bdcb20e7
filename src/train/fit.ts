/**
 * `fit`: training as a fold of `trainStep` over epochs and mini-batches, with evaluation after
 * each epoch, early stopping, and a closing bias/variance diagnosis. The whole run is a value
 * (`FitState`); progress comes out as events, through a callback, a generator or an async
 * iterator. Stopping, saving the state and fitting again from it gives bit-for-bit the same
 * result as fitting without a break.
 */
import * as E from 'fp-ts/lib/Either.js'
import { type NumericIssue, checkFinite, issueOf, showIssue } from '../ad/guard.js'
import { checkFields, fail } from '../core/errors.js'
import { type Dataset, size } from '../data/Dataset.js'
import { batches } from '../data/split.js'
import { type Key, foldIn, isKey } from '../rng/index.js'
import { checkOptions as checkKeys } from '../core/options.js'
import { checkBoolean } from '../optim/internal.js'
import { observeMetric } from '../optim/plateau.js'
import { checkStateLike } from '../optim/serialize.js'
import { varsMismatch } from '../net/vars.js'
import type * as Net from '../net/index.js'
import * as T from '../tensor/index.js'
import { type Tree, leaves, map as mapTree } from '../tree/index.js'
import { type Diagnosis, diagnose } from './diagnose.js'
import { type EarlyStopping, type EarlyStoppingState } from './earlyStopping.js'
import { type Evaluation, evaluate, evaluateAsync } from './evaluate.js'
import { checkTrainer, frozenFit } from './checks.js'
import { type TrainState, type Trainer, initTrainState, trainStepDeferred } from './step.js'

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

/** Options of `fit`. */
export interface FitOptions {
  readonly epochs: number
  readonly batchSize: number
  /** evaluated after every epoch; early stopping and the diagnosis use it */
  readonly dev?: Dataset
  readonly earlyStopping?: EarlyStopping
  /**
   * evaluate the whole training set after every epoch (default true; the diagnosis needs it);
   * when false, the epoch's training loss is the mean of its batch losses (as Keras reports)
   */
  readonly evaluateTrain?: boolean
  /**
   * stop when a step's loss is not finite, or the parameters at the end of an epoch are not,
   * and return the last state whose parameters are finite (default true); when false, the run
   * goes on whatever the numbers, and may return non-finite parameters
   */
  readonly stopOnDivergence?: boolean
  /**
   * the dev metric that the trial and the optimizer's reduce-on-plateau states are fed after
   * each epoch: 'devLoss' or 'devAccuracy' (default: the early-stopping rule's monitor, else 'devLoss')
   */
  readonly monitor?: 'devLoss' | 'devAccuracy'
  /**
   * a study's trial (`Study.Trial`, or anything with `report` and `shouldPrune`): after each epoch
   * the monitored dev metric is reported at step `epoch + 1`, and when the trial should be pruned
   * the run stops (`done`, end reason 'pruned'). Needs `dev`.
   */
  readonly trial?: { readonly report: (step: number, value: number) => void; readonly shouldPrune: () => boolean }
}

const FIT_OPTIONS: ReadonlyArray<string> = ['epochs', 'batchSize', 'dev', 'earlyStopping', 'evaluateTrain', 'stopOnDivergence', 'monitor', 'trial']

/**
 * The state before training: fresh variables from `key`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Loss, Net, Optim, Rng, Train } from 'puregrad'
 * const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.1), loss: Loss.meanSquaredError }
 * const s = Train.initFit(trainer, Rng.key(0), [4]) // examples of 4 features
 * assert.deepStrictEqual([s._tag, s.train.step, s.history, s.done], ['FitState', 0, [], false])
 * @category training
 */
export const initFit = <O>(trainer: Trainer<O>, key: Key, inShape: Net.Shapes, dtype: 'float32' | 'float64' = 'float32'): FitState<O> => {
  checkTrainer('initFit', trainer)
  if (!isKey(key)) fail('INVALID_KEY', 'initFit', 'the run needs a key; make one with Rng.key(seed).')
  return frozenFit({ _tag: 'FitState', train: initTrainState(trainer, foldIn(key, 0), inShape, dtype), shuffleKey: foldIn(key, 1), history: [], batch: 0, stopping: undefined, done: false, epochLoss: 0 })
}

const checkOptions = (o: FitOptions, train: Dataset): void => {
  checkKeys('fit', o, FIT_OPTIONS)
  if (o === undefined) fail('INVALID_ARGUMENT', 'fit', 'the options are missing; pass at least { epochs, batchSize }.')
  if (o.evaluateTrain !== undefined) checkBoolean('fit', 'evaluateTrain', o.evaluateTrain)
  if (o.stopOnDivergence !== undefined) checkBoolean('fit', 'stopOnDivergence', o.stopOnDivergence)
  if (o.earlyStopping !== undefined && (typeof o.earlyStopping !== 'object' || o.earlyStopping === null || typeof o.earlyStopping.update !== 'function')) {
    fail('INVALID_ARGUMENT', 'fit', 'earlyStopping must be a rule made by Train.earlyStopping({ patience, ... }).')
  }
  if (!Number.isInteger(o.epochs) || o.epochs < 0) fail('INVALID_ARGUMENT', 'fit', `epochs must be a whole number ≥ 0; got ${o.epochs}.`)
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) fail('INVALID_ARGUMENT', 'fit', `batchSize must be a whole number ≥ 1; got ${o.batchSize}.`)
  if (size(train) === 0) fail('SHAPE_MISMATCH', 'fit', 'the training set is empty.')
  if (o.monitor !== undefined && o.monitor !== 'devLoss' && o.monitor !== 'devAccuracy') fail('INVALID_ARGUMENT', 'fit', `monitor must be 'devLoss' or 'devAccuracy'; got ${JSON.stringify(o.monitor)}.`)
  if (o.trial !== undefined) {
    if (typeof o.trial !== 'object' || o.trial === null || typeof o.trial.report !== 'function' || typeof o.trial.shouldPrune !== 'function') {
      fail('INVALID_ARGUMENT', 'fit', 'trial must be a trial from study.ask() (it needs report and shouldPrune).')
    }
    if (o.dev === undefined) fail('INVALID_ARGUMENT', 'fit', 'a trial is fed the dev metric after each epoch, so it needs a dev set: fit(…, { dev, trial }).')
  }
}

/**
 * The run as a generator of events, returning the final state: each `next()` takes one step
 * (or evaluates an epoch). Every event carries the run's state at that point, so a run can be
 * stopped, saved (`encodeFit`) and resumed anywhere.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from 'puregrad'
 * const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.1), loss: Loss.meanSquaredError }
 * const train = Data.dataset(T.tensor([[1], [2], [3]]), T.tensor([[2], [4], [6]]))
 * const opts = { epochs: 1, batchSize: 2 }
 * const events = [...Train.fitEvents(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, opts)]
 * assert.deepStrictEqual(events.map((e) => e.type), ['batch', 'batch', 'epoch', 'end'])
 * const rest = [...Train.fitEvents(trainer, events[0]!.state, train, opts)] // resumed after the first batch
 * assert.deepStrictEqual(rest.map((e) => e.type), ['batch', 'epoch', 'end'])
 * @category training
 */
export function* fitEvents<O>(trainer: Trainer<O>, start: FitState<O>, train: Dataset, opts: FitOptions): Generator<FitEvent<O>, FitState<O>, void> {
  const run = fitRun(trainer, start, train, opts, false)
  let sent: unknown
  for (;;) {
    const r = run.next(sent)
    if (r.done === true) return r.value
    const q = r.value
    sent = undefined
    if (q.type === 'event') yield q.event
    else if (q.type === 'read') sent = T.item(q.loss)
    else if (q.type === 'wait') sent = q.reading
    else if (q.type === 'host') sent = q.tree
    else sent = evaluate(trainer.network, q.vars, q.data, trainer.loss)
  }
}

/**
 * What the run asks of its driver: to pass an event on, to start reading a step's loss (answered
 * with a reading), to wait for a reading (answered with the number), to bring a tree of tensors
 * to the host (answered with it), or to evaluate the network. The synchronous driver answers at
 * once; the asynchronous one awaits the device, so one run serves both.
 */
type Request<O> =
  | { readonly type: 'event'; readonly event: FitEvent<O> }
  | { readonly type: 'read'; readonly loss: T.Tensor }
  | { readonly type: 'wait'; readonly reading: unknown }
  | { readonly type: 'host'; readonly tree: Tree }
  | { readonly type: 'evaluate'; readonly vars: { readonly params: Tree; readonly state: Tree }; readonly data: Dataset }

/** A step taken ahead: its result, or the error it threw (raised when the run reaches it). */
type Ahead<O> = { readonly ok: true; readonly value: { readonly state: TrainState<O>; readonly loss: T.Tensor } } | { readonly ok: false; readonly error: unknown }

/**
 * The run, asking its driver for every read. With `pipelined`, the next step of the epoch is
 * queued after the read of a step's loss starts and before it is awaited, so the device computes
 * while the host waits; the step taken ahead is dropped when the run stops there (states are
 * values: nothing else changes).
 */
function* fitRun<O>(trainer: Trainer<O>, start: FitState<O>, train: Dataset, opts: FitOptions, pipelined: boolean): Generator<Request<O>, FitState<O>, unknown> {
  checkOptions(opts, train)
  const step = trainStepDeferred(trainer, 'fit')
  const perEpoch = Math.ceil(size(train) / opts.batchSize)
  checkResumable(trainer, start, train, perEpoch)
  const watch = opts.stopOnDivergence !== false
  /** The first non-finite parameter, read on the host. */
  function* issueIn(params: Tree): Generator<Request<O>, NumericIssue | undefined, unknown> {
    return paramsIssue((yield { type: 'host', tree: params }) as Tree)
  }
  if (watch) {
    const bad = yield* issueIn(start.train.params)
    if (bad !== undefined) {
      fail('INVALID_VALUE', 'fit', `the start state's parameters are not finite: ${showIssue(bad)} A run cannot continue from them; resume from an earlier saved state, or start again with Train.initFit.`)
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
  while (!s.done && s.history.length < opts.epochs) {
    const epoch = s.history.length
    const order = batches(foldIn(s.shuffleKey, epoch), train, opts.batchSize)
    let ahead: Ahead<O> | undefined
    for (let b = s.batch; b < perEpoch; b++) {
      let taken: { readonly state: TrainState<O>; readonly loss: T.Tensor }
      try {
        if (ahead === undefined) taken = step(s.train, order[b]!)
        else if (ahead.ok) taken = ahead.value
        else throw ahead.error
      } catch (e) {
        // the numeric guard stops the run and says where the first NaN or Inf came from; the
        // state before the step passed the guard's check of the step before
        const found = issueOf(e)
        if (found === undefined) throw e
        s = yield* diverge({ epoch, batch: b, step: s.train.step + 1, loss: undefined, issue: found }, [s])
        break
      }
      ahead = undefined
      const reading = yield { type: 'read', loss: taken.loss }
      if (pipelined && b + 1 < perEpoch) {
        const from = taken.state
        try {
          ahead = { ok: true, value: step(from, order[b + 1]!) }
        } catch (error) {
          ahead = { ok: false, error }
        }
      }
      const loss = (yield { type: 'wait', reading }) as number
      const next: TrainState<O> = Object.freeze({ ...taken.state, loss })
      if (watch && !Number.isFinite(loss)) {
        // the loss was computed at the parameters of s: go back to s, or to the state before it
        // when the step that made s already left non-finite parameters (which a finite loss can hide)
        s = yield* diverge({ epoch, batch: b, step: next.step, loss, issue: lossIssue(loss, next.params) }, [s, prev])
        break
      }
      prev = s
      s = frozenFit({ ...s, train: next, batch: b + 1, epochLoss: s.epochLoss + loss })
      yield { type: 'event', event: { type: 'batch', epoch, batch: b, batches: perEpoch, step: next.step, loss, state: s } }
    }
    if (s.done) break
    if (watch && s !== checked) {
      // once per epoch: parameters that went non-finite while the loss stayed finite (a NaN
      // weight behind a relu that outputs 0) are caught here, before they are evaluated or kept
      const bad = yield* issueIn(s.train.params)
      if (bad !== undefined) {
        s = yield* diverge({ epoch, batch: perEpoch - 1, step: s.train.step, loss: s.train.loss ?? undefined, issue: bad }, [prev])
        break
      }
    }
    const vars = { params: s.train.params, state: s.train.modelState }
    const trainEval = opts.evaluateTrain === false ? { loss: s.epochLoss / perEpoch, accuracy: undefined } : ((yield { type: 'evaluate', vars, data: train }) as Evaluation)
    const record: EpochRecord = {
      epoch,
      train: trainEval,
      dev: opts.dev === undefined ? undefined : ((yield { type: 'evaluate', vars, data: opts.dev }) as Evaluation),
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
    yield { type: 'event', event: { type: 'epoch', record, batches: perEpoch, state: s } }
  }
  const d = divergence as Divergence | undefined
  yield { type: 'event', event: d === undefined ? { type: 'end', reason, state: s } : { type: 'end', reason, state: s, issue: d.issue, divergence: d } }
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

/**
 * Trains for `opts.epochs` (or until early stopping), calling `onEvent` with each event, and
 * returns the final state. `epochs` counts the whole run: fitting a returned (or decoded) state
 * again with more epochs continues it, exactly as an unbroken run; a run that stopped early
 * (`done`) stays stopped.
 *
 * A run never returns non-finite parameters (unless `stopOnDivergence` is false). Even with the
 * numeric guard off, each step's loss (a number computed anyway) is checked, and the parameters
 * once per epoch; on a NaN or ±Infinity the run stops (`done`) and returns the last state whose
 * parameters are finite, and the 'end' event (reason 'diverged') carries a `divergence` report:
 * the step, epoch and batch, the loss, what was found and which state was kept. A state whose
 * parameters are not finite is refused as a start (INVALID_VALUE).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from 'puregrad'
 * const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.05), loss: Loss.meanSquaredError }
 * const train = Data.dataset(T.tensor([[1], [2], [3], [4]]), T.tensor([[2], [4], [6], [8]])) // y = 2x
 * const losses: number[] = []
 * const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, { epochs: 3, batchSize: 2 }, (e) => {
 *   if (e.type === 'epoch') losses.push(e.record.train.loss)
 * })
 * assert.deepStrictEqual([s.history.length, s.train.step], [3, 6])
 * assert.ok(losses[0]! > losses[1]! && losses[1]! > losses[2]!)
 * const more = Train.fit(trainer, s, train, { epochs: 5, batchSize: 2 }) // two more epochs
 * assert.deepStrictEqual([more.history.length, more.train.step], [5, 10])
 * let end: Train.FitEvent | undefined
 * const wild = { ...trainer, optimizer: Optim.sgd(1e6) } // a learning rate far too high
 * const d = Train.fit(wild, Train.initFit(wild, Rng.key(0), [1]), train, { epochs: 20, batchSize: 2 }, (e) => { end = e })
 * assert.ok(end?.type === 'end' && end.reason === 'diverged' && d.done)
 * assert.strictEqual(d.train.step, end.divergence!.kept) // the last state whose parameters are finite
 * assert.match(end.divergence!.message, /^training diverged at epoch \d+, batch \d+ \(the loss of step \d+ is (NaN|Infinity)\)/)
 * @category training
 */
export const fit = <O>(trainer: Trainer<O>, start: FitState<O>, train: Dataset, opts: FitOptions, onEvent?: (e: FitEvent<O>) => void): FitState<O> => {
  const run = fitEvents(trainer, start, train, opts)
  for (;;) {
    const r = run.next()
    if (r.done === true) return r.value
    onEvent?.(r.value)
  }
}

/**
 * The run as an async iterator of events, the same events and final state as `fit`, that gives
 * the event loop a turn every `yieldEvery` events, so a page stays responsive while it trains.
 * It also trains on the GPU (its float32 parameters and optimizer state moved with `Tensor.toGpu`): each
 * step's loss is read with `await Tensor.data` while the next step of the epoch is already queued,
 * and the checks and evaluations of an epoch read the parameters and outputs asynchronously. On
 * the CPU the numbers are those of `fit`, bit for bit; on the GPU they agree within float32
 * rounding (the guard of `trainer.guard` needs host tensors).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from 'puregrad'
 * const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.1), loss: Loss.meanSquaredError }
 * const train = Data.dataset(T.tensor([[1], [2], [3]]), T.tensor([[2], [4], [6]]))
 * const start = Train.initFit(trainer, Rng.key(0), [1])
 * const types: string[] = []
 * const run = Train.fitAsync(trainer, start, train, { epochs: 2, batchSize: 2 }, 2)
 * let r = await run.next()
 * for (; r.done !== true; r = await run.next()) types.push(r.value.type)
 * assert.deepStrictEqual(types, ['batch', 'batch', 'epoch', 'batch', 'batch', 'epoch', 'end'])
 * const same = Train.fit(trainer, start, train, { epochs: 2, batchSize: 2 })
 * assert.deepStrictEqual(r.value.history, same.history) // the final state, as fit's
 * @category training
 */
export async function* fitAsync<O>(trainer: Trainer<O>, start: FitState<O>, train: Dataset, opts: FitOptions, yieldEvery = 1): AsyncGenerator<FitEvent<O>, FitState<O>, void> {
  const run = fitRun(trainer, start, train, opts, true)
  let sent: unknown
  for (let events = 1; ; ) {
    const r = run.next(sent)
    if (r.done === true) return r.value
    const q = r.value
    sent = undefined
    if (q.type === 'event') {
      yield q.event
      if (events++ % yieldEvery === 0) await new Promise((resolve) => setTimeout(resolve, 0))
    } else if (q.type === 'read') {
      // the download starts now; the run queues the next step before it waits for it
      const reading = T.data(q.loss).then((d) => d[0]!)
      reading.catch(() => undefined)
      sent = reading
    } else if (q.type === 'wait') sent = await (q.reading as Promise<number>)
    else if (q.type === 'host') sent = await hostTree(q.tree)
    else sent = await evaluateAsync(trainer.network, q.vars, q.data, trainer.loss)
  }
}

/** A tree with every tensor leaf read to the host (the same tree when all are there). */
const hostTree = async (tree: Tree): Promise<Tree> => {
  const ls = leaves(tree)
  if (ls.every((l) => !T.isOnGpu(l.value))) return tree
  const host = new Map(await Promise.all(ls.map(async (l) => [l.path, await T.toCpu(l.value)] as const)))
  return mapTree(tree, (leaf, path) => host.get(path) ?? leaf)
}

/**
 * The bias/variance diagnosis of a finished classification run, from the last epoch's train
 * and dev error rates (undefined without a dev set or accuracy).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from 'puregrad'
 * const trainer = { network: Net.dense(2, { init: 'zeros' }), optimizer: Optim.sgd(0.5), loss: Loss.softmaxCrossEntropy }
 * const train = Data.dataset(T.tensor([[1], [-1], [2], [-2]]), T.tensor([1, 0, 1, 0], 'int32')) // class = sign of x
 * const dev = Data.dataset(T.tensor([[3], [-3]]), T.tensor([1, 1], 'int32')) // the second label breaks the rule
 * const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, { epochs: 2, batchSize: 4, dev })
 * const d = Train.diagnoseFit(s)!
 * assert.deepStrictEqual([d.bias, d.variance, d.gap], ['low', 'high', 0.5]) // train error 0%, dev error 50%
 * assert.strictEqual(Train.diagnoseFit(Train.initFit(trainer, Rng.key(0), [1])), undefined) // no epoch yet
 * @category diagnosis
 */
export const diagnoseFit = (s: FitState<unknown>, opts: { readonly bayesError?: number; readonly tolerance?: number } = {}): Diagnosis | undefined => {
  const op = 'diagnoseFit'
  const expected = 'the state Train.fit or Train.initFit returned'
  const { history } = checkFields(op, 'the fit state (argument 1)', s, { history: 'array' }, expected)
  checkKeys(op, opts, ['bayesError', 'tolerance'])
  const last = (history as FitState<unknown>['history']).at(-1)
  if (last !== undefined) checkFields(op, "the fit state's last epoch record", last, { train: 'record', dev: 'record?' }, expected)
  const trainAcc = last?.train.accuracy
  const devAcc = last?.dev?.accuracy
  return trainAcc === undefined || devAcc === undefined ? undefined : diagnose(1 - trainAcc, 1 - devAcc, opts)
}

/**
 * Refuses a start state this trainer cannot continue: keys that are not keys, a batch count
 * beyond an epoch of this batch size, parameters or model state that do not fit the network,
 * an optimizer state that does not fit the optimizer. Checked once per run, so a resumed file
 * meant for another model fails here, with the path that differs, not deep inside a step.
 */
const checkResumable = <O>(trainer: Trainer<O>, s: FitState<O>, train: Dataset, perEpoch: number): void => {
  const op = 'fit'
  if (s === null || typeof s !== 'object' || s._tag !== 'FitState') fail('INVALID_VALUE', op, 'the start state is not a FitState; make one with Train.initFit or Train.decodeFit.')
  if (!isKey(s.train.key) || !isKey(s.shuffleKey)) fail('INVALID_KEY', op, 'the start state holds a key that is not a key; make the state with Train.initFit or Train.decodeFit.')
  if (!Number.isInteger(s.batch) || s.batch < 0 || s.batch > perEpoch) {
    fail('INVALID_VALUE', op, `the state is ${s.batch} batches into epoch ${s.history.length}, but an epoch of this data has ${perEpoch} batches of this size; resume with the batch size the run was saved with.`)
  }
  const e = varsMismatch(op, trainer.network, train.x.shape.slice(1), { params: s.train.params, state: s.train.modelState }, "the state's")
  if (e !== undefined) throw e
  checkStateLike(op, trainer.optimizer.init(s.train.params), s.train.optState, "the state's optimizer state")
}
