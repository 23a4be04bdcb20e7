/**
 * Training as values: a `Session` is everything a run carries (the library's TrainState, the
 * epoch, where it is in the epoch's batches, the loss history), and `advance` is a pure function
 * from a session to the next, one `Train.trainStep` at a time. The page calls `runFor` in small
 * time slices between frames, so it stays responsive; nothing here touches the page.
 */
import { Data, Loss, Net, Rng, Tensor as T, Train } from 'puregrad'
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
