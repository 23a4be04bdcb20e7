/** Learned positional embeddings: a trained vector per position, added to a sequence. */
import { dataOf, type Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { checkInit, initialize } from '../initializers.js'
import { type BuiltinKind, one, problem, single } from '../Kind.js'
import { type Initializer, showShapes } from '../Layer.js'
import { layerOptions, make, positiveInt } from './common.js'

export interface PositionalEmbedding {
  readonly _tag: 'PositionalEmbedding'
  /** the longest sequence the table covers */
  readonly maxLength: number
  readonly init: Initializer
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly PositionalEmbedding: PositionalEmbedding
  }
}

/** A sequence [time, features] no longer than the table. */
const sequence = (l: PositionalEmbedding, s: ReadonlyArray<number>): readonly [number, number] => {
  if (s.length !== 2) problem(`needs sequences of shape [time, features] per example; got ${showShapes(s)}`)
  const [t, d] = s as [number, number]
  return t <= l.maxLength ? [t, d] : problem(`has positions for sequences of at most ${l.maxLength} steps; got ${t} (build it with a maxLength of at least ${t})`)
}

export const positionalEmbeddingKind: BuiltinKind<PositionalEmbedding> = {
  tag: 'PositionalEmbedding',
  fields: ['maxLength', 'init'],
  check: (l) => [...positiveInt('maxLength', l.maxLength), ...checkInit('init', l.init)],
  children: () => [],
  shape: (l, s) => {
    sequence(l, one(s))
    return s
  },
  init: (l, key, s, dtype, r) => {
    const [, d] = sequence(l, one(s))
    return { params: { P: r.variable([l.maxLength, d], (shape) => initialize(l.init, key, shape, l.maxLength, d, dtype)) }, state: {} }
  },
  apply: (l, { params }, x) => {
    const t = single(x)
    if (t.rank !== 3) problem(`needs sequences [batch, time, features]; got ${showShapes(t.shape)}`)
    const [steps, d] = sequence(l, t.shape.slice(1))
    return { y: T.add(t, T.slice((params as { P: Tensor }).P, [0, 0], [steps, d])), state: {} }
  },
  examples: () => [{ layer: positionalEmbedding(5), inShape: [4, 3] }],
  label: (l) => `PositionalEmbedding(${l.maxLength})`,
  // x + the table's first rows, as a constant [time, features] broadcast over the batch
  lower: (_, vars, x, cx) => {
    const s = cx.float(x, 'natural')
    const [steps, d] = s.shape as [number, number]
    const rows = cx.g.floats(`${cx.base}.P`, [steps, d], dataOf((vars.params as { readonly P: Tensor }).P).subarray(0, steps * d))
    return cx.out(cx.g.op(cx.base, 'Add', [s.name, rows], { doc: cx.where }), 'natural')
  },
}

/**
 * Learned positional embeddings (as in BERT and GPT-2): a table P of `maxLength` trained
 * vectors, one per position, of which the first T are added to a sequence [T, features] per
 * example (batches [batch, time, features]); T may be anything up to `maxLength`. The table's
 * width follows the input's feature size. Put it after an `embedding` of tokens. The
 * parameter `P` is [maxLength, features], row t for position t: the `weight` of a PyTorch
 * `nn.Embedding(maxLength, features)` looked up with positions 0…T−1 (or a `[1, maxLength,
 * features]` parameter with its first axis dropped).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const pos = Net.positionalEmbedding(16)
 * const vars = Net.init(pos, { key: Rng.key(0), inShape: [4, 8] })
 * assert.deepStrictEqual((vars.params as { P: T.Tensor }).P.shape, [16, 8])
 * // on zeros it gives the table's first rows, the same in every example
 * const y = T.toArray(Net.predict(pos, vars, T.zeros([2, 4, 8])))
 * assert.deepStrictEqual(y.slice(0, 32), y.slice(32))
 * assert.ok(E.isLeft(Net.shape(pos, [17, 8]))) // longer than the table
 * @category layers
 */
export const positionalEmbedding = (maxLength: number, options?: { readonly init?: Initializer }): PositionalEmbedding => {
  const opts = layerOptions('positionalEmbedding', options, ['init'])
  return make(positionalEmbeddingKind, { _tag: 'PositionalEmbedding', maxLength, init: opts.init ?? 'glorotUniform' })
}
