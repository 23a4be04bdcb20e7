/**
 * Vectorised ensembles: N copies of one network, from N keys, trained in lockstep by one step
 * mapped with `Ad.vmap`. Each variable leaf carries a leading axis of N members, so every
 * primitive of a step runs once for all of them (instead of N sequential steps).
 */
import { vmap } from '../ad/vmap.js'
import { describe, fail } from '../core/errors.js'
import { type Tensor, isTensor } from '../core/Tensor.js'
import { valueAndGrad } from '../ad/transforms.js'
import { checkDataset } from '../data/check.js'
import type { Dataset } from '../data/Dataset.js'
import * as Net from '../net/index.js'
import { applyUpdates } from '../optim/base.js'
import { type Key, foldIn, isKey } from '../rng/index.js'
import * as T from '../tensor/index.js'
import type { Tree } from '../tree/index.js'
import { isPlainRecord } from '../tree/internal.js'
import { checkTrainer } from './checks.js'
import { type TrainState, type Trainer, initTrainState } from './step.js'

/**
 * The training states of N members stacked: every tensor in `params`, `optState` and
 * `modelState` has a leading axis of `members`; the rest of the optimizer state (step counts,
 * tags) is the same for all of them.
 * @category model
 */
export interface EnsembleState<O = unknown> {
  readonly _tag: 'EnsembleState'
  readonly members: number
  readonly params: Tree
  readonly optState: O
  readonly modelState: Tree
  /** the run's key; step t's dropout key is foldIn(key, t), shared by the members */
  readonly key: Key
  readonly step: number
  /** each member's loss on the last step's batch, null before the first step */
  readonly losses: ReadonlyArray<number> | null
}

/** The tensors inside any value (records, arrays), in a fixed order. */
const tensorsOf = (u: unknown, out: Tensor[] = []): Tensor[] => {
  if (isTensor(u)) out.push(u)
  else if (Array.isArray(u)) for (const x of u) tensorsOf(x, out)
  else if (isPlainRecord(u)) for (const k of Object.keys(u)) tensorsOf(u[k], out)
  return out
}

/** `shape` with its tensors replaced, in `tensorsOf`'s order, by those of `ts`. */
const withTensors = (shape: unknown, ts: ReadonlyArray<Tensor>): unknown => {
  let i = 0
  const go = (u: unknown): unknown =>
    isTensor(u) ? ts[i++]! : Array.isArray(u) ? u.map(go) : isPlainRecord(u) ? Object.fromEntries(Object.keys(u).map((k) => [k, go(u[k])])) : u
  return go(shape)
}

const isEnsemble = (u: unknown): u is EnsembleState =>
  typeof u === 'object' && u !== null && (u as { readonly _tag?: unknown })._tag === 'EnsembleState'

/**
 * The ensemble before its first step: one `initTrainState` per key (the members differ by their
 * initial variables), stacked.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Loss, Net, Optim, Rng, Tensor as T, Train } from 'puregrad'
 * const trainer = { network: Net.dense(2), optimizer: Optim.adam(0.1), loss: Loss.meanSquaredError }
 * const e = Train.initEnsemble(trainer, Rng.split(Rng.key(0), 4), [3])
 * assert.deepStrictEqual((e.params as { W: T.Tensor }).W.shape, [4, 3, 2])
 * @category training
 */
export const initEnsemble = <O>(trainer: Trainer<O>, keys: ReadonlyArray<Key>, inShape: Net.Shapes, dtype: 'float32' | 'float64' = 'float32'): EnsembleState<O> => {
  const op = 'initEnsemble'
  checkTrainer(op, trainer)
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every(isKey)) {
    fail('INVALID_KEY', op, `the keys (argument 2) are ${describe(keys)}; pass one key per member, e.g. Rng.split(Rng.key(0), 8).`)
  }
  const states = keys.map((k) => initTrainState(trainer, k, inShape, dtype))
  const first = states[0]!
  const stacked = states.map((s) => tensorsOf([s.params, s.optState, s.modelState]))
  const all = stacked[0]!.map((_, j) => T.stack(stacked.map((ts) => ts[j]!), 0))
  const [params, optState, modelState] = withTensors([first.params, first.optState, first.modelState], all) as [Tree, O, Tree]
  return Object.freeze({ _tag: 'EnsembleState', members: keys.length, params, optState, modelState, key: first.key, step: 0, losses: null })
}

/**
 * The training step of a trainer for a whole ensemble: `(ensemble, batch) → ensemble`, one
 * `trainStep` per member mapped by `Ad.vmap`, so each primitive runs once for all members. Every
 * member sees the same batch and the same dropout key; their initial variables differ. The
 * numeric guard is not run (give the trainer no guard); check a member with `Train.member`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from 'puregrad'
 * const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.1), loss: Loss.meanSquaredError }
 * const batch = Data.dataset(T.tensor([[1], [2]]), T.tensor([[2], [4]]))
 * const keys = Rng.split(Rng.key(0), 3)
 * const after = Train.ensembleStep(trainer)(Train.initEnsemble(trainer, keys, [1]), batch)
 * assert.strictEqual(after.losses!.length, 3)
 * // member 1 took exactly the step that trainStep takes from its own initial state
 * const alone = Train.trainStep(trainer)(Train.initTrainState(trainer, keys[1]!, [1]), batch)
 * const W = (s: Train.TrainState) => (s.params as { W: T.Tensor }).W
 * assert.ok(T.equals(W(Train.member(after, 1)), W(alone)))
 * @category training
 */
export const ensembleStep = <O>(trainer: Trainer<O>) => {
  const op = 'ensembleStep'
  checkTrainer(op, trainer)
  if ((trainer.guard ?? 'off') !== 'off') fail('INVALID_ARGUMENT', op, `the trainer's guard is '${trainer.guard}', which an ensemble step does not run; leave it out, and check a member with Train.member and Ad.checkFinite.`)
  return (state: EnsembleState<O>, batch: Dataset): EnsembleState<O> => {
    if (!isEnsemble(state)) fail('INVALID_ARGUMENT', op, `the state (argument 1) is ${describe(state)}, not an EnsembleState; pass the state Train.initEnsemble returned (or the last step's).`)
    checkDataset(op, batch, 'the batch (argument 2)')
    const key = foldIn(state.key, state.step)
    // the optimizer state's non-tensor parts (counts, tags) are the same for every member
    let nextOpt: unknown
    const one = (params: Tree, opt: ReadonlyArray<Tensor>, modelState: Tree) => {
      const objective = (p: Tree) => {
        const { y, state: ms } = Net.apply(trainer.network, { params: p, state: modelState }, batch.x, { train: true, key })
        const out = isTensor(y) ? y : fail('INVALID_ARGUMENT', op, 'the network returns a tuple; training needs one output tensor.')
        const data = trainer.loss(out, batch.y)
        return [trainer.penalty === undefined ? data : T.add(data, trainer.penalty(p)), ms] as const
      }
      const [[loss, ms], grads] = valueAndGrad(objective, { hasAux: true })(params)
      const [updates, optState] = trainer.optimizer.update(grads as Tree, withTensors(state.optState, opt) as O, params)
      nextOpt = optState
      return { params: applyUpdates(params, updates), opt: tensorsOf(optState), modelState: ms as Tree, loss }
    }
    const out = vmap(one)(state.params, tensorsOf(state.optState), state.modelState)
    const optState = withTensors(nextOpt, out.opt) as O
    return Object.freeze({ ...state, params: out.params, optState, modelState: out.modelState, step: state.step + 1, losses: Object.freeze(T.toArray(out.loss)) })
  }
}

/**
 * Member `i` of an ensemble as an ordinary training state (to evaluate it, keep the best, save
 * it or train it on alone).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Loss, Net, Optim, Rng, Tensor as T, Train } from 'puregrad'
 * const trainer = { network: Net.dense(2), optimizer: Optim.adam(0.1), loss: Loss.meanSquaredError }
 * const e = Train.initEnsemble(trainer, Rng.split(Rng.key(0), 4), [3])
 * const m = Train.member(e, 2)
 * assert.deepStrictEqual((m.params as { W: T.Tensor }).W.shape, [3, 2])
 * @category training
 */
export const member = <O>(state: EnsembleState<O>, i: number): TrainState<O> => {
  const op = 'member'
  if (!isEnsemble(state)) fail('INVALID_ARGUMENT', op, `the state (argument 1) is ${describe(state)}, not an EnsembleState.`)
  if (!Number.isInteger(i) || i < 0 || i >= state.members) fail('INDEX_OUT_OF_RANGE', op, `member ${describe(i)} of an ensemble of ${state.members}; use a whole number in [0, ${state.members - 1}].`)
  const at = (t: Tensor): Tensor => T.reshape(T.slice(t, [i, ...t.shape.slice(1).map(() => 0)], [1, ...t.shape.slice(1)]), t.shape.slice(1))
  const parts = [state.params, state.optState, state.modelState]
  const [params, optState, modelState] = withTensors(parts, tensorsOf(parts).map(at)) as [Tree, O, Tree]
  return Object.freeze({ _tag: 'TrainState', params, optState, modelState, key: state.key, step: state.step, loss: state.losses === null ? null : state.losses[i]! })
}
