/**
 * `fit`: training as a fold of `trainStep` over epochs and mini-batches, with evaluation after
 * each epoch, early stopping, and a closing bias/variance diagnosis. The whole run is a value
 * (`FitState`); progress comes out as events, through a callback, a generator or an async
 * iterator. Stopping, saving the state and fitting again from it gives bit-for-bit the same
 * result as fitting without a break.
 */
import { checkFields, fail } from '../core/errors.js'
import { type Dataset, size } from '../data/Dataset.js'
import { batches } from '../data/split.js'
import { type Key, foldIn, isKey } from '../rng/index.js'
import { checkOptions as checkKeys } from '../core/options.js'
import { checkBoolean } from '../optim/internal.js'
import { checkStateLike } from '../optim/serialize.js'
import { varsMismatch } from '../net/vars.js'
import type * as Net from '../net/index.js'
import { type Diagnosis, diagnose } from './diagnose.js'
import { type EarlyStopping } from './earlyStopping.js'
import { answerLater, answerNow } from './answer.js'
import { checkTrainer, frozenFit } from './checks.js'
import { checkMonitoring, fitLoop, isEvent } from './fitLoop.js'
import type { FitEvent, FitState, TrialLike } from './fitState.js'
import { type Trainer, initTrainState } from './step.js'

export type { Divergence, EpochRecord, FitEvent, FitState, TrialLike } from './fitState.js'

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
  readonly trial?: TrialLike
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
  checkMonitoring('fit', o)
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
  const run = fitRunOf(trainer, start, train, opts, false)
  const order = epochBatches(start, train, opts.batchSize)
  let sent: unknown
  for (;;) {
    const r = run.next(sent)
    if (r.done === true) return r.value
    const q = r.value
    if (isEvent(q)) {
      sent = undefined
      yield q
    } else sent = q.type === 'need' ? order(q.epoch)[q.batch] : answerNow(trainer, q)
  }
}

/** The loop over a data set in memory (its options and start state checked). */
const fitRunOf = <O>(trainer: Trainer<O>, start: FitState<O>, train: Dataset, opts: FitOptions, pipelined: boolean) => {
  checkOptions(opts, train)
  const perEpoch = Math.ceil(size(train) / opts.batchSize)
  checkResumable(trainer, start, train, perEpoch)
  return fitLoop(trainer, start, opts, perEpoch, opts.evaluateTrain === false ? undefined : train, 'fit', pipelined)
}

/** Each epoch's batches, drawn once from the shuffle key and the epoch (the last epoch's kept). */
const epochBatches = (start: FitState<unknown>, train: Dataset, batchSize: number): ((epoch: number) => ReadonlyArray<Dataset>) => {
  let epochOf = -1
  let order: ReadonlyArray<Dataset> = []
  return (epoch) => {
    if (epoch !== epochOf) {
      epochOf = epoch
      order = batches(foldIn(start.shuffleKey, epoch), train, batchSize)
    }
    return order
  }
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
 * It also trains on the GPU (its float32 parameters and optimizer state moved with `Tensor.toGpu`):
 * each step's loss is read with `await Tensor.data` while the next step of the epoch is already
 * queued, and the checks and evaluations of an epoch read the parameters and outputs
 * asynchronously. On the CPU the numbers are those of `fit`, bit for bit; on the GPU they agree
 * within float32 rounding (the guard of `trainer.guard` needs host tensors).
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
  const run = fitRunOf(trainer, start, train, opts, true)
  const order = epochBatches(start, train, opts.batchSize)
  let sent: unknown
  for (let events = 1; ; ) {
    const r = run.next(sent)
    if (r.done === true) return r.value
    const q = r.value
    sent = undefined
    if (isEvent(q)) {
      yield q
      if (events++ % yieldEvery === 0) await new Promise((resolve) => setTimeout(resolve, 0))
    } else sent = q.type === 'need' ? order(q.epoch)[q.batch] : await answerLater(trainer, q)
  }
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
