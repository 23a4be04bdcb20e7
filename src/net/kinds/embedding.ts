/** Embeddings: a lookup table from int32 token indices to vectors (ONNX Gather). */
import { fail, showShape } from '../../core/errors.js'
import { dataOf, isAbstract, type Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { checkInit, initialize } from '../initializers.js'
import { type BuiltinKind, one, single } from '../Kind.js'
import type { Initializer } from '../Layer.js'
import { attr } from '../../onnx/graph.js'
import { layerOptions, make, positiveInt } from './common.js'

export interface Embedding {
  readonly _tag: 'Embedding'
  readonly vocab: number
  readonly dim: number
  readonly init: Initializer
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Embedding: Embedding
  }
}

export const embeddingKind: BuiltinKind<Embedding> = {
  tag: 'Embedding',
  fields: ['vocab', 'dim', 'init'],
  check: (l) => [...positiveInt('vocab', l.vocab), ...positiveInt('dim', l.dim), ...checkInit('init', l.init)],
  children: () => [],
  shape: (l, s) => [...one(s), l.dim],
  init: (l, key, _, dtype, r) => ({ params: { W: r.variable([l.vocab, l.dim], (shape) => initialize(l.init, key, shape, l.vocab, l.dim, dtype)) }, state: {} }),
  apply: (l, { params }, x) => {
    const ix = single(x)
    if (ix.dtype !== 'int32') fail('DTYPE_MISMATCH', 'Embedding', `expects int32 token indices; got ${ix.dtype} ${showShape(ix.shape)}. Use Tensor.cast(x, 'int32').`)
    // gather would wrap a negative index to the end of the table: a token −1 (a common padding
    // value) would silently read the last row
    const W = (params as { W: T.Tensor }).W
    // traced by jit, the indices are known only when the program runs: a negative one is sent
    // past the end, where the gather kernel refuses it
    if (isAbstract(ix)) return { y: T.gather(W, T.where(T.less(ix, T.scalar(0, 'int32')), T.scalar(l.vocab, 'int32'), ix)), state: {} }
    const [lo, hi] = ix.size === 0 ? [0, 0] : [T.item(T.min(ix)), T.item(T.max(ix))]
    if (lo < 0 || hi >= l.vocab) {
      fail('INDEX_OUT_OF_RANGE', 'Embedding', `token indices must lie in [0, ${l.vocab - 1}] for a vocabulary of ${l.vocab}; got ${lo < 0 ? lo : hi}. Map padding or unknown tokens to an index of their own.`)
    }
    return { y: T.gather(W, ix), state: {} }
  },
  label: (l) => `Embedding(${l.vocab}, ${l.dim})`,
  examples: () => [{ layer: embedding(6, 3), inShape: [4], ints: 6 }],
  // a table lookup: Gather along the rows of the table, with the int32 indices as they are
  lower: (l, vars, x, cx) => {
    const s = cx.ints(x)
    const table = cx.g.floats(`${cx.base}.W`, [l.vocab, l.dim], dataOf((vars.params as { readonly W: Tensor }).W))
    return cx.out(cx.g.op(cx.base, 'Gather', [table, s.name], { attrs: [attr.int('axis', 0)], doc: cx.where }), 'natural')
  },
}

/**
 * A lookup table from `vocab` token indices (int32) to vectors of `dim`: each example's
 * shape [...] becomes [..., dim].
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const emb = Net.embedding(10, 4)
 * const vars = Net.init(emb, { key: Rng.key(0), inShape: [3] })
 * const y = Net.predict(emb, vars, T.tensor([[1, 7, 1]], 'int32'))
 * assert.deepStrictEqual(y.shape, [1, 3, 4])
 * const v = T.toArray(y)
 * assert.deepStrictEqual(v.slice(8, 12), v.slice(0, 4)) // token 1 twice: the same row of the table
 * @category layers
 */
export const embedding = (vocab: number, dim: number, options?: { readonly init?: Initializer }): Embedding => {
  const opts = layerOptions('embedding', options, ['init'])
  return make(embeddingKind, { _tag: 'Embedding', vocab, dim, init: opts.init ?? 'glorotUniform' })
}
