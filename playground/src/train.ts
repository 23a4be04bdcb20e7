/**
 * Training as values: a `Session` is everything a run carries (the library's TrainState, the
 * epoch, where it is in the epoch's batches, the loss history), and `advance` is a pure function
 * from a session to the next, one `Train.trainStep` at a time. The page calls `runFor` in small
 * time slices between frames, so it stays responsive; nothing here touches the page. On WebGPU,
 * `advanceOnGpu` takes the steps instead: the run goes to the GPU, `Train.fitAsync` steps it
 * (the same batches, drawn as `fit` draws them), and the state comes back for drawing.
 */
import { Data, Loss, Net, Rng, Tensor as T, Train } from 'puregrad'
import { toDevice, toHost } from './device.js'
import type { Inputs } from './inputs.js'
import type { Model } from './model.js'

export interface Measure {
  readonly loss: number
  readonly accuracy: number
}

export interface EpochLosses {
  readonly epoch: number
  readonly train: Measure
  readonly test: Measure
}

export interface Session {
  readonly state: Train.TrainState<unknown>
  /** epochs completed */
  readonly epoch: number
  /** the next batch of this epoch's order */
  readonly batch: number
  readonly order: ReadonlyArray<Data.Dataset>
  /** losses after each epoch; entry 0 is before any training */
  readonly history: ReadonlyArray<EpochLosses>
  /** a step's loss was not finite: the run stops */
  readonly diverged: boolean
  /** the key each epoch's batch order is drawn from */
  readonly shuffleKey: Rng.Key
}

/** Loss (binary cross-entropy, without the penalty) and accuracy in evaluation mode. */
export const measure = (model: Model, vars: Net.Vars, ds: Data.Dataset): Measure => {
  const logits = Net.predict(model.network, vars, ds.x)
  const loss = T.item(Loss.sigmoidBinaryCrossEntropy(logits, ds.y))
  const z = T.toArray(logits)
  const y = T.toArray(ds.y)
  const right = z.reduce((acc, v, i) => acc + ((v > 0 ? 1 : 0) === y[i] ? 1 : 0), 0)
  return { loss, accuracy: right / Math.max(1, z.length) }
}

const varsOf = (s: Train.TrainState<unknown>): Net.Vars => ({ params: s.params, state: s.modelState })

const record = (model: Model, inputs: Inputs, s: Train.TrainState<unknown>, epoch: number): EpochLosses => ({
  epoch,
  train: measure(model, varsOf(s), inputs.train),
  test: measure(model, varsOf(s), inputs.test),
})

const orderOf = (shuffleKey: Rng.Key, epoch: number, inputs: Inputs, batchSize: number): ReadonlyArray<Data.Dataset> =>
  Data.batches(Rng.foldIn(shuffleKey, epoch), inputs.train, batchSize)

/** A new run: fresh weights from the key, the losses before training. */
export const start = (trainer: Train.Trainer<unknown>, model: Model, inputs: Inputs, key: Rng.Key, batchSize: number): Session => {
  const state = Train.initTrainState(trainer, Rng.foldIn(key, 0), [inputs.features.length])
  const shuffleKey = Rng.foldIn(key, 1)
  return { state, epoch: 0, batch: 0, order: orderOf(shuffleKey, 0, inputs, batchSize), history: [record(model, inputs, state, 0)], diverged: false, shuffleKey }
}

/** The same run with another optimizer: its state starts afresh from the current weights. */
export const restartOptimizer = (s: Session, trainer: Train.Trainer<unknown>): Session => ({
  ...s,
  state: { ...s.state, optState: trainer.optimizer.init(s.state.params) },
})

/**
 * The same run going on from other weights (loaded from storage): the optimizer starts afresh
 * from them, and the latest losses are measured anew with them.
 */
export const withWeights = (s: Session, trainer: Train.Trainer<unknown>, model: Model, inputs: Inputs, vars: Net.Vars): Session => {
  const state = { ...s.state, params: vars.params, modelState: vars.state, optState: trainer.optimizer.init(vars.params) }
  return { ...s, state, diverged: false, history: [...s.history.slice(0, -1), record(model, inputs, state, s.epoch)] }
}

/**
 * One step on the next batch; after an epoch's last batch, the epoch's losses are recorded
 * and the next epoch's batch order is drawn (with the batch size in effect then).
 */
export const advance = (s: Session, trainer: Train.Trainer<unknown>, model: Model, inputs: Inputs, batchSize: number): Session => {
  if (s.diverged) return s
  const state = Train.trainStep(trainer)(s.state, s.order[s.batch]!)
  if (!Number.isFinite(state.loss ?? 0)) return { ...s, state, diverged: true }
  if (s.batch + 1 < s.order.length) return { ...s, state, batch: s.batch + 1 }
  const epoch = s.epoch + 1
  return { ...s, state, epoch, batch: 0, order: orderOf(s.shuffleKey, epoch, inputs, batchSize), history: [...s.history, record(model, inputs, state, epoch)] }
}

/** Steps until the time budget (ms) is spent, or, with `untilEpoch`, that epoch is complete. */
export const runFor = (
  s: Session,
  budgetMs: number,
  next: (s: Session) => Session,
  untilEpoch = Number.POSITIVE_INFINITY,
  now: () => number = () => performance.now(),
): Session => {
  const t0 = now()
  let cur = s
  while (!cur.diverged && cur.epoch < untilEpoch && now() - t0 < budgetMs) cur = next(cur)
  return cur
}

export const latest = (s: Session): EpochLosses => s.history.at(-1)!

/** The session as the library's run: the playground draws its batch orders and keys as `fit` does. */
const asFit = (s: Session): Train.FitState<unknown> => ({
  _tag: 'FitState',
  train: { ...s.state, params: toDevice(s.state.params) as Net.Vars['params'], optState: toDevice(s.state.optState), modelState: toDevice(s.state.modelState) as Net.Vars['state'] },
  shuffleKey: s.shuffleKey,
  history: Array.from({ length: s.epoch }, (_, epoch) => ({ epoch, train: { loss: Number.NaN, accuracy: undefined }, dev: undefined })),
  batch: s.batch,
  stopping: undefined,
  done: false,
  epochLoss: 0,
})

/**
 * Steps on the GPU until the time budget (ms) is spent or the epoch ends (at most one epoch: the
 * next one draws its order with the batch size in effect then), then brings the state back to
 * the host and records the epoch's losses as `advance` does.
 */
export const advanceOnGpu = async (
  s: Session,
  trainer: Train.Trainer<unknown>,
  model: Model,
  inputs: Inputs,
  batchSize: number,
  budgetMs: number,
  now: () => number = () => performance.now(),
): Promise<Session> => {
  if (s.diverged) return s
  const t0 = now()
  // this epoch's order was drawn with the batch size of its start
  const epochBatch = s.order[0] === undefined ? batchSize : Data.size(s.order[0])
  const run = Train.fitAsync(trainer, asFit(s), inputs.train, { epochs: s.epoch + 1, batchSize: epochBatch, evaluateTrain: false }, Number.POSITIVE_INFINITY)
  let last: Train.FitState<unknown> | undefined
  let diverged = false
  for (;;) {
    const r = await run.next()
    if (r.done === true) break
    last = r.value.state
    if (r.value.type === 'end') {
      diverged = r.value.reason === 'diverged'
      break
    }
    if (r.value.type === 'batch' && now() - t0 >= budgetMs) break
  }
  await run.return(last!)
  if (last === undefined) return s
  const t = last.train
  const state: Train.TrainState<unknown> = { ...t, params: (await toHost(t.params)) as Net.Vars['params'], optState: await toHost(t.optState), modelState: (await toHost(t.modelState)) as Net.Vars['state'] }
  if (diverged) return { ...s, state, diverged: true }
  if (last.history.length === s.epoch) return { ...s, state, batch: last.batch }
  const epoch = s.epoch + 1
  return { ...s, state, epoch, batch: 0, order: orderOf(s.shuffleKey, epoch, inputs, batchSize), history: [...s.history, record(model, inputs, state, epoch)] }
}
