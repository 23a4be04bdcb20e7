/** Reshaping each example. */
import * as T from '../../tensor/index.js'
import { type BuiltinKind, none, one, problem, single } from '../Kind.js'
import { make } from './common.js'

export interface Reshape {
  readonly _tag: 'Reshape'
  /** per-example target shape; one size may be −1 */
  readonly shape: ReadonlyArray<number>
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Reshape: Reshape
  }
}

const reshaped = (from: ReadonlyArray<number>, to: ReadonlyArray<number>): number[] => {
  const size = from.reduce((p, d) => p * d, 1)
  const known = to.reduce((p, d) => (d === -1 ? p : p * d), 1)
  const out = to.map((d) => (d === -1 ? size / known : d))
  return out.reduce((p, d) => p * d, 1) === size && out.every(Number.isInteger)
    ? out
    : problem(`cannot reshape ${size} values per example to [${to.join(', ')}]`)
}

export const reshapeKind: BuiltinKind<Reshape> = {
  tag: 'Reshape',
  fields: ['shape'],
  check: (l) =>
    Array.isArray(l.shape) && l.shape.every((d) => d === -1 || (Number.isInteger(d) && d >= 1)) && l.shape.filter((d) => d === -1).length <= 1
      ? []
      : [`shape must be whole numbers ≥ 1 with at most one −1; got ${JSON.stringify(l.shape)}`],
  children: () => [],
  shape: (l, s) => reshaped(one(s), l.shape),
  init: () => none,
  apply: (l, _, x) => {
    const t = single(x)
    return { y: T.reshape(t, [t.shape[0]!, ...reshaped(t.shape.slice(1), l.shape)]), state: {} }
  },
  label: (l) => `Reshape([${l.shape.join(', ')}])`,
  examples: () => [{ layer: reshape([2, -1]), inShape: [6] }],
  // to [batch, ...per-example shape] (the batch size copied from the input by the 0)
  lower: (_, __, x, cx) => {
    const s = cx.any(x, 'natural')
    const to = cx.outShape as ReadonlyArray<number>
    return cx.like(cx.g.op(cx.base, 'Reshape', [s.name, cx.g.int64s(`${cx.base}.shape`, [0, ...to])], { doc: cx.where }), 'natural', s)
  },
}

/**
 * Reshapes each example (one size may be −1, inferred from the others); the batch axis stays.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.reshape([28, 28, 1]), [784]), E.right([28, 28, 1]))
 * const net = Net.reshape([2, -1])
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [6] })
 * assert.deepStrictEqual(Net.predict(net, vars, T.ones([5, 6])).shape, [5, 2, 3])
 * @category layers
 */
export const reshape = (shape: ReadonlyArray<number>): Reshape =>
  make(reshapeKind, { _tag: 'Reshape', shape: Array.isArray(shape) ? Object.freeze([...(shape as ReadonlyArray<number>)]) : shape })
