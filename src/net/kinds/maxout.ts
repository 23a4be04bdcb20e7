/** Maxout: the maximum over groups of consecutive features. */
import * as T from '../../tensor/index.js'
import { type BuiltinKind, none, one, problem, single } from '../Kind.js'
import { attr } from '../../onnx/graph.js'
import { make, positiveInt } from './common.js'

export interface Maxout {
  readonly _tag: 'Maxout'
  /** number of linear pieces each output unit takes the maximum of */
  readonly pieces: number
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Maxout: Maxout
  }
}

export const maxoutKind: BuiltinKind<Maxout> = {
  tag: 'Maxout',
  fields: ['pieces'],
  check: (l) => positiveInt('pieces', l.pieces),
  children: () => [],
  shape: (l, s) => {
    const x = one(s)
    const d = x.at(-1)
    return d === undefined || d % l.pieces !== 0
      ? problem(`needs a last axis divisible by pieces ${l.pieces}; precede it with dense(units · ${l.pieces})`)
      : [...x.slice(0, -1), d / l.pieces]
  },
  init: () => none,
  apply: (l, _, x) => {
    const t = single(x)
    const d = t.shape.at(-1)!
    return { y: T.max(T.reshape(t, [...t.shape.slice(0, -1), d / l.pieces, l.pieces]), -1), state: {} }
  },
  label: (l) => `Maxout(${l.pieces})`,
  examples: () => [{ layer: maxout(3), inShape: [6] }],
  // Reshape, then ReduceMax over the last axis
  lower: (l, _, x, cx) => {
    const s = cx.float(x, 'natural')
    const d = s.shape.at(-1)!
    const grouped = cx.g.op(cx.base, 'Reshape', [s.name, cx.g.int64s(`${cx.base}.groups`, [0, ...s.shape.slice(0, -1), d / l.pieces, l.pieces])], { doc: cx.where })
    // ReduceMax takes its axes as an attribute up to opset 17, as an input from 18
    const y =
      cx.settings.opset >= 18
        ? cx.g.op(cx.base, 'ReduceMax', [grouped, cx.g.int64s(`${cx.base}.axes`, [-1])], { attrs: [attr.int('keepdims', 0)], doc: cx.where })
        : cx.g.op(cx.base, 'ReduceMax', [grouped], { attrs: [attr.ints('axes', [-1]), attr.int('keepdims', 0)], doc: cx.where })
    return cx.out(y, 'natural')
  },
}

/**
 * Maxout: the maximum over groups of `pieces` consecutive features, so
 * `serial(dense(units · k), maxout(k))` gives each unit max(w₁ᵀx + b₁, …, w_kᵀx + b_k).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.serial(Net.dense(2 * 3), Net.maxout(3)), [10]), E.right([2]))
 * const vars = Net.init(Net.maxout(3), { key: Rng.key(0), inShape: [6] })
 * // groups [1, 5, 2] and [0, -1, 4]
 * assert.deepStrictEqual(T.toArray(Net.predict(Net.maxout(3), vars, T.tensor([[1, 5, 2, 0, -1, 4]]))), [5, 4])
 * @category activations
 */
export const maxout = (pieces: number): Maxout => make(maxoutKind, { _tag: 'Maxout', pieces })
