/**
 * One training step as a pure function `(state, batch) → state`: the gradient of the loss (and
 * any penalty) by reverse mode, one optimizer update. Everything the next step depends on
 * lives in the state, including the step count from which the step's dropout key is derived,
 * so steps compose in any fold or pipeline and a saved state resumes exactly.
 */
import { PuregradError, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { type Tensor, isTensor } from '../core/Tensor.js'
import { type GuardMode, guarded } from '../ad/guard.js'
import { valueAndGrad } from '../ad/transforms.js'
import { jit } from '../ad/jit/index.js'
import { checkDataset } from '../data/check.js'
import type { Dataset } from '../data/Dataset.js'
import * as Net from '../net/index.js'
import { type GradientTransformation, applyUpdates } from '../optim/base.js'
import { checkTrainer } from './checks.js'
import { type Key, foldIn, isKey } from '../rng/index.js'
import { checkKey } from '../rng/Key.js'
import * as T from '../tensor/index.js'
import type { Tree } from '../tree/index.js'

/** Everything a training run carries from one step to the next. @category model */
export interface TrainState<O = unknown> {
  readonly _tag: 'TrainState'
  readonly params: Tree
  readonly optState: O
  /** non-trainable state (batch-norm statistics) */
  readonly modelState: Tree
  /** the run's key; step t uses foldIn(key, t) */
  readonly key: Key
  /** steps taken so far */
  readonly step: number
  /** loss of the last step's batch, null before the first step */
  readonly loss: number | null
}

/** What a training step does: the network, how its output is scored, and how parameters move. */
export interface Trainer<O = unknown> {
  readonly network: Net.Layer
  readonly optimizer: GradientTransformation<O>
  /** the data loss of a batch, e.g. Loss.softmaxCrossEntropy */
  readonly loss: (output: Tensor, target: Tensor) => Tensor
  /** an optional penalty on the parameters, e.g. (p) => Loss.l2(p, 1e-4) */
  readonly penalty?: (params: Tree) => Tensor
  /**
   * the numeric guard: 'boundary' checks the loss and the new parameters after each step,
   * 'ops' every primitive of the step, forward and backward; a non-finite value stops the step
   * with a NON_FINITE error naming where it came from (default 'off')
   */
  readonly guard?: GuardMode
  /**
   * whether the step runs compiled by `Ad.jit` (default true): traced once per signature, fused
   * and with planned buffers; false runs it primitive by primitive (same results on the
   * JavaScript kernels, bit for bit)
   */
  readonly jit?: boolean
}

/**
 * The state before the first step: fresh variables from `key`, the optimizer's initial state.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Loss, Net, Optim, Rng, Train, Tree } from 'puregrad'
 * const trainer = { network: Net.dense(2), optimizer: Optim.sgd(0.1), loss: Loss.meanSquaredError }
 * const s = Train.initTrainState(trainer, Rng.key(0), [3]) // examples of 3 features
 * assert.deepStrictEqual([s.step, s.loss], [0, null])
 * assert.deepStrictEqual(Tree.leaves(s.params).map((l) => [l.path, l.value.shape]), [['W', [3, 2]], ['b', [2]]])
 * @category training
 */
export const initTrainState = <O>(trainer: Trainer<O>, key: Key, inShape: Net.Shapes, dtype: 'float32' | 'float64' = 'float32'): TrainState<O> => {
  checkTrainer('initTrainState', trainer)
  if (!isKey(key)) fail('INVALID_KEY', 'initTrainState', 'the run needs a key; make one with Rng.key(seed).')
  const [kInit, kRun] = [foldIn(key, 0), foldIn(key, 1)]
  const vars = Net.init(trainer.network, { key: kInit, inShape, dtype })
  return Object.freeze({ _tag: 'TrainState', params: vars.params, optState: trainer.optimizer.init(vars.params), modelState: vars.state, key: kRun, step: 0, loss: null })
}

/** Refuses what is not a train state: the step and the key are read before anything else. */
const checkTrainState = (op: string, state: unknown): void => {
  if (typeof state !== 'object' || state === null || (state as { readonly _tag?: unknown })._tag !== 'TrainState') {
    fail('INVALID_ARGUMENT', op, `the state (argument 1) is ${describe(state)}, not a TrainState; pass the state Train.initTrainState returned (or the last step's).`)
  }
  const s = state as { readonly step?: unknown; readonly key?: unknown }
  if (!Number.isInteger(s.step) || (s.step as number) < 0) fail('INVALID_VALUE', op, `the state's step is ${describe(s.step)}; it counts the steps taken, a whole number ≥ 0.`)
  checkKey(op, s.key)
}

const output = (y: Net.Value): Tensor => (isTensor(y) ? y : fail('INVALID_ARGUMENT', 'trainStep', 'the network returns a tuple; training needs one output tensor.'))

/** `compiled`, until it refuses to trace because it reads a value (TRACED_READ); `eager` from then on. */
const eagerIfUntraceable = <A extends ReadonlyArray<unknown>, R>(compiled: (...args: A) => R, eager: (...args: A) => R): ((...args: A) => R) => {
  let run = compiled
  return (...args) => {
    if (run === eager) return eager(...args)
    try {
      return run(...args)
    } catch (e) {
      if (!(e instanceof PuregradError && e.code === 'TRACED_READ')) throw e
      run = eager
      return eager(...args)
    }
  }
}

/** Options of `trainStep`. */
export interface TrainStepOptions {
  /**
   * whether the step uses up the state it is given (default false): the compiled step then
   * writes the new parameters, optimizer state and model state into the buffers of the old ones
   * (as JAX's `donate_argnums`), so a loop of steps allocates none. The state passed in can no
   * longer be used: a later use of its tensors is refused (INVALID_ARGUMENT). Results equal the
   * step without donation, bit for bit. For a loop that keeps only the latest state.
   */
  readonly donate?: boolean
}

/**
 * The training step of a trainer: `(state, batch) → state`. It runs compiled by `Ad.jit` (unless
 * the trainer says `jit: false`), the gradient and the optimizer's update as one program.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from 'puregrad'
 * const trainer = { network: Net.dense(1, { init: 'zeros' }), optimizer: Optim.sgd(0.25), loss: Loss.meanSquaredError }
 * const s0 = Train.initTrainState(trainer, Rng.key(0), [1])
 * const batch = Data.dataset(T.tensor([[1], [2]]), T.tensor([[2], [4]]))
 * const s1 = Train.trainStep(trainer)(s0, batch)
 * assert.deepStrictEqual([s1.step, s1.loss], [1, 10]) // the batch's loss before the update
 * assert.deepStrictEqual(Tree.leaves(s1.params).map((l) => T.toArray(l.value)), [[2.5], [1.5]]) // W and b after one SGD step
 * // with donate, each step uses up the state it is given (a loop that keeps the latest only)
 * const step = Train.trainStep(trainer, { donate: true })
 * let s = Train.initTrainState(trainer, Rng.key(0), [1])
 * for (let i = 0; i < 3; i++) s = step(s, batch)
 * const plain = Train.trainStep(trainer)
 * const same = plain(plain(plain(Train.initTrainState(trainer, Rng.key(0), [1]), batch), batch), batch)
 * assert.deepStrictEqual(Tree.leaves(s.params).map((l) => T.toArray(l.value)), Tree.leaves(same.params).map((l) => T.toArray(l.value)))
 * const next = step(s, batch)
 * assert.strictEqual(next.step, 4)
 * assert.throws(() => step(s, batch), { code: 'INVALID_ARGUMENT' }) // s went into next
 * @category training
 */
export const trainStep = <O>(trainer: Trainer<O>, options: TrainStepOptions = {}): ((state: TrainState<O>, batch: Dataset) => TrainState<O>) => {
  checkOptions('trainStep', options, ['donate'])
  if (options.donate !== undefined && typeof options.donate !== 'boolean') fail('INVALID_ARGUMENT', 'trainStep', `donate is ${describe(options.donate)}; pass true or false.`)
  const step = trainStepDeferred(trainer, 'trainStep', options.donate === true)
  return (state, batch) => {
    const r = step(state, batch)
    return Object.freeze({ ...r.state, loss: T.item(r.loss) })
  }
}

/**
 * The training step with its loss left a tensor (on the device the step ran on), so a caller can
 * read it later (`await Tensor.data`) while the next step is queued; the state's `loss` is the
 * previous one until then.
 * @internal
 */
export const trainStepDeferred =
  <O>(trainer: Trainer<O>, op = 'trainStep', donate = false) => {
  checkTrainer(op, trainer)
  /** the step's arithmetic in two parts: the loss and its gradient; the key reaches only a network that uses it */
  const gradient = (params: Tree, modelState: Tree, x: Tensor, y: Tensor, key: Key | undefined) => {
    const objective = (p: Tree) => {
      const { y: out, state: ms } = Net.apply(trainer.network, { params: p, state: modelState }, x, key === undefined ? { train: true } : { train: true, key })
      const data = trainer.loss(output(out), y)
      const total = trainer.penalty === undefined ? data : T.add(data, trainer.penalty(p))
      return [total, ms] as const
    }
    const [[loss, ms], grads] = valueAndGrad(objective, { hasAux: true })(params)
    return { loss: loss as Tensor, modelState: ms as Tree, grads: grads as Tree }
  }
  /** and the optimizer's update */
  const update = (grads: Tree, optState: O, params: Tree) => {
    const [updates, next] = trainer.optimizer.update(grads, optState, params)
    return { params: applyUpdates(params, updates), optState: next }
  }
  /** the whole step, the gradient of `gradientOf` followed by the update of `updateOf` */
  const stepWith =
    (gradientOf: typeof gradient, updateOf: typeof update) =>
    (params: Tree, optState: O, modelState: Tree, x: Tensor, y: Tensor, key: Key | undefined) => {
      const g = gradientOf(params, modelState, x, y, key)
      return { ...updateOf(g.grads, optState, params), modelState: g.modelState, loss: g.loss }
    }
  // compiled as one program, traced once per signature (the optimizers' step counts are tensors
  // and the step's dropout key is data, so a new count or key is a new value, not a new program):
  // the gradients are its intermediates, their buffers recycled from step to step. An update
  // that reads a value (a schedule written as a plain function of a number) cannot trace: the
  // gradient then runs compiled and the update eagerly. With `donate`, the step consumes the
  // state's parameters, optimizer state and model state, and writes the new ones over them.
  const stepOf =
    trainer.jit === false
      ? stepWith(gradient, update)
      : eagerIfUntraceable(jit(stepWith(gradient, update), { name: 'trainStep', ...(donate ? { donate: [0, 1, 2] } : {}) }), stepWith(jit(gradient, { name: 'trainStep.gradient' }), update))
  const random = Net.usesRandomness(trainer.network)
  const mode = trainer.guard ?? 'off'
  return (state: TrainState<O>, batch: Dataset): { readonly state: TrainState<O>; readonly loss: Tensor } => {
    checkTrainState(op, state)
    checkDataset(op, batch, 'the batch (argument 2)')
    const key = random ? foldIn(state.key, state.step) : undefined
    const run = () => stepOf(state.params, state.optState, state.modelState, batch.x, batch.y, key)
    // the 'ops' guard sees every primitive: a compiled step then runs primitive by primitive
    const r = mode === 'ops' ? guarded(run, 'ops')() : run()
    if (mode !== 'off') guarded(() => ({ loss: r.loss, params: r.params }), 'boundary')()
    return { state: { ...state, params: r.params, optState: r.optState, modelState: r.modelState, step: state.step + 1 }, loss: r.loss }
  }
}
