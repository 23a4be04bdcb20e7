/** Dropout and batch normalisation: layers that behave differently in training. */
import { fail } from '../../core/errors.js'
import { bernoulli } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { type Kind, one, single } from '../Kind.js'
import type { BatchNorm, Dropout } from '../Layer.js'
import { layerOptions, make } from './common.js'

export const dropoutKind: Kind<Dropout> = {
  check: (l) => (typeof l.keep === 'number' && l.keep > 0 && l.keep <= 1 ? [] : [`keep (the probability of keeping a unit) must lie in (0, 1], 1 meaning no dropout; got ${JSON.stringify(l.keep)}`]),
  children: () => [],
  shape: (_, s) => one(s),
  init: () => ({ params: {}, state: {} }),
  apply: (l, _, x, mode) => {
    const t = single(x)
    if (!mode.train || l.keep === 1) return { y: t, state: {} }
    const key = mode.key ?? fail('INVALID_ARGUMENT', 'Dropout', 'dropout needs a key in training mode: apply(net, vars, x, { train: true, key }).')
    const mask = bernoulli(key, l.keep, t.shape, { dtype: t.dtype })
    return { y: T.mul(t, T.mul(mask, 1 / l.keep)), state: {} }
  },
  label: (l) => `Dropout(keep ${l.keep})`,
}

/**
 * Inverted dropout (source notes 000, 004): while training, keeps each unit with probability
 * `keep` and scales the kept ones by 1/keep, so nothing changes at test time; outside training
 * it is the identity. The mask is a pure function of the key given to `apply`, so a fixed key
 * makes a training loss deterministic (and gradient-checkable). The notes suggest 0.5 on the
 * largest layer and 0.7–0.8 elsewhere.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.ok(E.isRight(Net.shape(Net.serial(Net.dense(64), Net.relu, Net.dropout(0.8), Net.dense(10)), [784])))
 * const drop = Net.dropout(0.5)
 * const vars = Net.init(drop, { key: Rng.key(0), inShape: [100] })
 * const x = T.ones([1, 100])
 * const { y } = Net.forward(drop, vars, x, { train: true, key: Rng.key(1) })
 * assert.ok(T.toArray(y).every((v) => v === 0 || v === 2)) // kept units scaled by 1/keep
 * assert.strictEqual(Net.predict(drop, vars, x), x) // outside training: the identity
 * @category layers
 */
export const dropout = (keep: number): Dropout => make(dropoutKind, { _tag: 'Dropout', keep })

type BnParams = { readonly gamma: T.Tensor; readonly beta: T.Tensor }
type BnState = { readonly mean: T.Tensor; readonly variance: T.Tensor }

export const batchNormKind: Kind<BatchNorm> = {
  check: (l) => [
    ...(typeof l.momentum === 'number' && l.momentum >= 0 && l.momentum < 1 ? [] : [`momentum must lie in [0, 1); got ${JSON.stringify(l.momentum)}`]),
    ...(typeof l.eps === 'number' && l.eps > 0 && Number.isFinite(l.eps) ? [] : [`eps must be a finite number > 0; got ${String(l.eps)}`]),
  ],
  children: () => [],
  shape: (_, s) => one(s),
  init: (_, __, s, dtype, r) => {
    const f = one(s).at(-1) ?? 1
    const filled = (make: typeof T.ones) => r.variable([f], (shape) => make(shape, dtype))
    return { params: { gamma: filled(T.ones), beta: filled(T.zeros) }, state: { mean: filled(T.zeros), variance: filled(T.ones) } }
  },
  apply: (l, vars, x, mode) => {
    const t = single(x)
    const { gamma, beta } = vars.params as BnParams
    const running = vars.state as BnState
    const axes = t.shape.slice(0, -1).map((_, i) => i)
    const [mean, variance] = mode.train ? [T.mean(t, axes), T.variance(t, axes)] : [running.mean, running.variance]
    const y = T.add(T.mul(T.div(T.sub(t, mean), T.sqrt(T.add(variance, l.eps))), gamma), beta)
    if (!mode.train) return { y, state: running }
    // running statistics: an exponential moving average of the batch statistics, outside differentiation
    const ema = (old: T.Tensor, batch: T.Tensor): T.Tensor => T.add(T.mul(old, l.momentum), T.mul(T.stopGradient(batch), 1 - l.momentum))
    return { y, state: { mean: ema(running.mean, mean), variance: ema(running.variance, variance) } }
  },
  label: () => 'BatchNorm',
}

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** weight of the old running statistics, default 0.99 */
  readonly momentum?: number
  /** added to the variance, default 1e-3 */
  readonly eps?: number
}

/**
 * Batch normalisation over the last (feature or channel) axis: while training, normalises with
 * the batch's mean and variance and updates running statistics kept in the model state; in
 * evaluation, normalises with the running statistics. Learns a scale γ and an offset β.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const bn = Net.batchNorm({ momentum: 0.5 })
 * const vars = Net.init(bn, { key: Rng.key(0), inShape: [1] })
 * const { y, state } = Net.forward(bn, vars, T.tensor([[0], [4]]), { train: true })
 * // the batch has mean 2 and variance 4
 * assert.ok(T.allclose(y, T.tensor([[-1], [1]]), { atol: 1e-3 }))
 * // the running mean and variance (from 0 and 1) move halfway towards the batch's
 * assert.deepStrictEqual(Tree.leaves(state).map((l) => [l.path, T.toArray(l.value)]), [['mean', [1]], ['variance', [2.5]]])
 * @category layers
 */
export const batchNorm = (options?: BatchNormOptions): BatchNorm => {
  const opts = layerOptions('batchNorm', options, ['momentum', 'eps'])
  return make(batchNormKind, { _tag: 'BatchNorm', momentum: opts.momentum ?? 0.99, eps: opts.eps ?? 1e-3 })
}
