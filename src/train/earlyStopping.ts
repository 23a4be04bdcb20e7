/**
 * Early stopping as a pure state machine (source notes 000, 003, 004): watch a dev metric each
 * epoch, remember the best value and the parameters that gave it, and stop once it has not
 * improved by `minDelta` for `patience` epochs; the best parameters (and the model state, e.g.
 * batch-norm statistics, of the same epoch) are then restored.
 */
import { checkFields, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import type { Tree } from '../tree/index.js'

/** The dev metrics early stopping can watch in `fit`. */
export type Monitor = 'devLoss' | 'devAccuracy'

/** Options of early stopping (the TensorFlow.js / Keras set). */
export interface EarlyStoppingOptions {
  /** the dev metric `fit` watches: 'devLoss' (default) or 'devAccuracy' (then use mode 'max') */
  readonly monitor?: Monitor
  /** 'min' for losses, 'max' for accuracies; default 'min' */
  readonly mode?: 'min' | 'max'
  /** the smallest change that counts as an improvement; default 0 */
  readonly minDelta?: number
  /** epochs without improvement before stopping; default 3 */
  readonly patience?: number
}

/** @category early stopping */
export interface EarlyStoppingState<P extends Tree = Tree> {
  readonly _tag: 'EarlyStoppingState'
  readonly best: number
  readonly bestEpoch: number
  readonly bestParams: P | undefined
  /** the model state (batch-norm statistics) of the best epoch, restored with its parameters */
  readonly bestState?: Tree | undefined
  /** epochs since the best one */
  readonly wait: number
  readonly stop: boolean
}

/** @category early stopping */
export interface EarlyStopping {
  readonly options: Required<EarlyStoppingOptions>
  readonly init: <P extends Tree>() => EarlyStoppingState<P>
  /** the state after an epoch whose monitored value is `value`, with its parameters and model state */
  readonly update: <P extends Tree>(state: EarlyStoppingState<P>, epoch: number, value: number, params: P, modelState?: Tree) => EarlyStoppingState<P>
}

/** Refuses a state that is not an early-stopping state, and an epoch or value that is not a number. */
const checkStopping = (s: unknown, epoch: unknown, value: unknown): void => {
  const op = 'earlyStopping'
  const tag = (s as { readonly _tag?: unknown } | null | undefined)?._tag
  if (typeof s !== 'object' || s === null || tag !== 'EarlyStoppingState') {
    fail('INVALID_ARGUMENT', op, `update's state (argument 1) is ${describe(s)}, not an EarlyStoppingState; pass the state init() returned, or the last update's.`)
  }
  checkFields(op, "update's state (argument 1)", s, { best: 'number', bestEpoch: 'number', wait: 'number', stop: 'boolean' }, "the state init() returned, or the last update's")
  if (!Number.isInteger(epoch)) fail('INVALID_ARGUMENT', op, `update's epoch (argument 2) is ${describe(epoch)}; pass the number of the epoch, a whole number.`)
  if (typeof value !== 'number') fail('INVALID_ARGUMENT', op, `update's value (argument 3) is ${describe(value)}; pass the monitored metric of the epoch, a number (NaN never counts as an improvement).`)
}

/**
 * An early-stopping rule.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Train } from 'puregrad'
 * const es = Train.earlyStopping({ patience: 2 })
 * const losses = [1.0, 0.8, 0.85, 0.9, 0.7] // dev loss per epoch
 * let s = es.init<T.Tensor>()
 * losses.forEach((l, epoch) => { if (!s.stop) s = es.update(s, epoch, l, T.scalar(epoch)) })
 * assert.deepStrictEqual([s.stop, s.bestEpoch, s.best], [true, 1, 0.8]) // stopped after 2 epochs without improvement
 * assert.strictEqual(T.item(s.bestParams!), 1) // the parameters of the best epoch
 * @category early stopping
 */
export const earlyStopping = (opts: EarlyStoppingOptions = {}): EarlyStopping => {
  checkOptions('earlyStopping', opts, ['monitor', 'mode', 'minDelta', 'patience'])
  const options = { monitor: opts.monitor ?? 'devLoss', mode: opts.mode ?? 'min', minDelta: opts.minDelta ?? 0, patience: opts.patience ?? 3 }
  if (options.monitor !== 'devLoss' && options.monitor !== 'devAccuracy') {
    fail('INVALID_ARGUMENT', 'earlyStopping', `monitor must be 'devLoss' or 'devAccuracy'; got ${JSON.stringify(options.monitor)}.`)
  }
  if (options.mode !== 'min' && options.mode !== 'max') fail('INVALID_ARGUMENT', 'earlyStopping', `mode must be 'min' or 'max'; got ${JSON.stringify(options.mode)}.`)
  if (!(options.minDelta >= 0)) fail('INVALID_ARGUMENT', 'earlyStopping', `minDelta must be ≥ 0; got ${options.minDelta}.`)
  if (!Number.isInteger(options.patience) || options.patience < 0) fail('INVALID_ARGUMENT', 'earlyStopping', `patience must be a whole number ≥ 0; got ${options.patience}.`)
  const sign = options.mode === 'min' ? 1 : -1
  const rule: EarlyStopping = {
    options: Object.freeze(options),
    init: () => Object.freeze({ _tag: 'EarlyStoppingState', best: sign * Infinity, bestEpoch: -1, bestParams: undefined, bestState: undefined, wait: 0, stop: false }),
    update: (s, epoch, value, params, modelState) => {
      checkStopping(s, epoch, value)
      if (s.stop) return s
      // NaN never improves: it waits like any value that fails to improve
      const improved = !Number.isNaN(value) && sign * (s.best - value) > options.minDelta
      if (improved) return Object.freeze({ ...s, best: value, bestEpoch: epoch, bestParams: params, bestState: modelState, wait: 0 })
      const wait = s.wait + 1
      return Object.freeze({ ...s, wait, stop: wait >= Math.max(1, options.patience) })
    },
  }
  return Object.freeze(rule)
}
