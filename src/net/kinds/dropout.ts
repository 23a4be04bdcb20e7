/** Inverted dropout: random in training, the identity otherwise (and in ONNX). */
import { fail } from '../../core/errors.js'
import { bernoulli } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { type BuiltinKind, one, single } from '../Kind.js'
import { make } from './common.js'

export interface Dropout {
  readonly _tag: 'Dropout'
  /** probability of keeping a unit, in (0, 1]; 1 turns dropout off */
  readonly keep: number
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Dropout: Dropout
  }
}

export const dropoutKind: BuiltinKind<Dropout> = {
  tag: 'Dropout',
  fields: ['keep'],
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
  examples: () => [{ layer: dropout(0.6), inShape: [6] }],
  // the identity outside training, so no node
  lower: (_, __, x) => x,
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
