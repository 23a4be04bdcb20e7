/**
 * `fitStream`: `fit` over a data pipeline, for data that do not fit in memory. The same loop,
 * events and state as `fit`; each epoch's batches come from the pipeline run with the state's
 * shuffle key and the epoch, so a run resumed from the state of any event (mid-epoch too) asks
 * the pipeline to start at that batch and goes on bit for bit as an unbroken run.
 */
import { PuregradError, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import type { Dataset } from '../data/Dataset.js'
import { checkDataset, checkPipeline, isPipeline } from '../data/check.js'
import { type Pipeline, batchesPerEpoch, stream } from '../data/pipeline.js'
import { varsMismatch } from '../net/vars.js'
import { checkStateLike } from '../optim/serialize.js'
import { isKey } from '../rng/index.js'
import { checkBoolean } from '../optim/internal.js'
import { checkTrainer } from './checks.js'
import type { EarlyStopping } from './earlyStopping.js'
import { checkMonitoring, fitLoop, isEvent } from './fitLoop.js'
import { answerLater } from './answer.js'
import type { FitEvent, FitState, TrialLike } from './fitState.js'
import type { Trainer } from './step.js'

/** Options of `fitStream`. */
export interface FitStreamOptions {
  readonly epochs: number
  /**
   * evaluated after every epoch; early stopping and the diagnosis use it. A data set in memory,
   * or a pipeline (`Train.evaluateStream`: run with a key of the run and the epoch, so a resumed
   * run evaluates alike; batched by 512 it gives an in-memory set's numbers bit for bit)
   */
  readonly dev?: Dataset | Pipeline
  readonly earlyStopping?: EarlyStopping
  /** as in `fit` (default true) */
  readonly stopOnDivergence?: boolean
  /** as in `fit`: the dev metric fed to the trial and to reduce-on-plateau states */
  readonly monitor?: 'devLoss' | 'devAccuracy'
  /** as in `fit`: a study's trial, fed the monitored dev metric after each epoch and pruned when it says so */
  readonly trial?: TrialLike
}

/**
 * Trains on the batches of a pipeline for `opts.epochs` (or until early stopping), calling
 * `onEvent` with each event, and resolves to the final state. Events and states are those of
 * `fit`; the epoch's training record is the mean of its batch losses (a pipeline is not read
 * twice an epoch), and `batches` in a 'batch' event is NaN when the pipeline cannot tell its
 * length ahead (a filter, an iterable of unknown size). When a stage's function (or the source)
 * throws, the run rejects with a PuregradError that names the stage, the epoch and the batch, and
 * carries the run's last good state as `state` (the state of its last event), to resume from once
 * the pipeline is fixed. Like `fitAsync`, it reads the device
 * asynchronously (each step's loss while the next step is queued), so it trains on the GPU too.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from 'puregrad'
 * const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.02), loss: Loss.meanSquaredError }
 * const src = Data.generate(64, (i) => ({ x: T.tensor([i / 64]), y: T.tensor([2 * (i / 64)]) })) // y = 2x
 * const p = Data.pipeline(src, [Data.shuffleBuffer({ buffer: 16 }), Data.batch(8)])
 * const events: Train.FitEvent[] = []
 * const start = Train.initFit(trainer, Rng.key(0), [1])
 * const s = await Train.fitStream(trainer, start, p, { epochs: 3 }, (e) => { events.push(e) })
 * assert.deepStrictEqual([s.history.length, s.train.step], [3, 24])
 * const resumed = await Train.fitStream(trainer, events[4]!.state, p, { epochs: 3 }) // from the fifth batch
 * const values = (f: Train.FitState) => Tree.leaves(f.train.params).map((l) => T.toArray(l.value))
 * assert.deepStrictEqual(values(resumed), values(s)) // bit for bit
 * @category training
 */
export const fitStream = async <O>(trainer: Trainer<O>, start: FitState<O>, data: Pipeline, opts: FitStreamOptions, onEvent?: (e: FitEvent<O>) => void): Promise<FitState<O>> => {
  const op = 'fitStream'
  checkTrainer(op, trainer)
  checkPipeline(op, data)
  checkOptions(op, opts, ['epochs', 'dev', 'earlyStopping', 'stopOnDivergence', 'monitor', 'trial'])
  if (opts === undefined) fail('INVALID_ARGUMENT', op, 'the options are missing; pass at least { epochs }.')
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) fail('INVALID_ARGUMENT', op, `epochs must be a whole number ≥ 0; got ${describe(opts.epochs)}.`)
  if (opts.stopOnDivergence !== undefined) checkBoolean(op, 'stopOnDivergence', opts.stopOnDivergence)
  checkMonitoring(op, opts)
  if (opts.dev !== undefined && !isPipeline(opts.dev)) checkDataset(op, opts.dev, 'dev')
  if (opts.earlyStopping !== undefined && (typeof opts.earlyStopping !== 'object' || opts.earlyStopping === null || typeof opts.earlyStopping.update !== 'function')) {
    fail('INVALID_ARGUMENT', op, 'earlyStopping must be a rule made by Train.earlyStopping({ patience, ... }).')
  }
  if (start === null || typeof start !== 'object' || start._tag !== 'FitState') fail('INVALID_VALUE', op, 'the start state is not a FitState; make one with Train.initFit or Train.decodeFit.')
  if (!isKey(start.train.key) || !isKey(start.shuffleKey)) fail('INVALID_KEY', op, 'the start state holds a key that is not a key; make the state with Train.initFit or Train.decodeFit.')
  const perEpoch = batchesPerEpoch(data)
  if (!Number.isInteger(start.batch) || start.batch < 0 || (perEpoch !== undefined && start.batch > perEpoch)) {
    fail('INVALID_VALUE', op, `the state is ${describe(start.batch)} batches into epoch ${start.history.length}, but an epoch of this pipeline has ${perEpoch} batches; resume with the pipeline the run was saved with.`)
  }
  checkStateLike(op, trainer.optimizer.init(start.train.params), start.train.optState, "the state's optimizer state")
  const run = fitLoop(trainer, start, opts, perEpoch, undefined, op, true)
  // the open stream: its epoch and the number of the batch it gives next
  let open: { epoch: number; next: number; it: AsyncIterator<Dataset> } | undefined
  let checked = false
  // the state of the last event: where a run whose pipeline fails can resume
  let last: FitState<O> = start
  let input: unknown
  try {
    for (;;) {
      const r = run.next(input)
      if (r.done === true) return r.value
      const e = r.value
      if (isEvent(e)) {
        input = undefined
        last = e.state
        onEvent?.(e)
        continue
      }
      if (e.type !== 'need') {
        input = await answerLater(trainer, e)
        continue
      }
      if (open === undefined || open.epoch !== e.epoch || open.next !== e.batch) {
        await open?.it.return?.()
        open = { epoch: e.epoch, next: e.batch, it: stream(data, start.shuffleKey, e.epoch, { from: e.batch })[Symbol.asyncIterator]() }
      }
      let b: IteratorResult<Dataset>
      try {
        b = await open.it.next()
      } catch (error) {
        // a stage (or the source) threw: the run stops, and the error carries its last good state
        if (!(error instanceof PuregradError) || error.op !== 'stream') throw error
        throw Object.assign(
          new PuregradError(error.code, op, `${error.detail} The run stopped; its last good state (after step ${last.train.step}) is this error's \`state\`: fix the pipeline and resume with Train.fitStream(trainer, error.state, …).`),
          { state: last },
        )
      }
      open.next++
      const batch = b.done === true ? undefined : b.value
      input = batch
      if (batch !== undefined && !checked) {
        // the first batch tells the input shape: the start state must fit the network on it
        const bad = varsMismatch(op, trainer.network, batch.x.shape.slice(1), { params: start.train.params, state: start.train.modelState }, "the state's")
        if (bad !== undefined) throw bad
        checked = true
      }
    }
  } finally {
    await open?.it.return?.()
  }
}
