/** Flattening each example to one axis. */
import * as T from '../../tensor/index.js'
import { type BuiltinKind, none, one, single } from '../Kind.js'
import { attr } from '../../onnx/graph.js'

export interface Flatten {
  readonly _tag: 'Flatten'
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Flatten: Flatten
  }
}

export const flattenKind: BuiltinKind<Flatten> = {
  tag: 'Flatten',
  fields: [],
  check: () => [],
  children: () => [],
  shape: (_, s) => [one(s).reduce((p, d) => p * d, 1)],
  init: () => none,
  apply: (_, __, x) => {
    const t = single(x)
    return { y: T.reshape(t, [t.shape[0]!, -1]), state: {} }
  },
  label: () => 'Flatten',
  examples: () => [{ layer: flatten, inShape: [3, 3, 1] }],
  // in puregrad's order (NHWC for images)
  lower: (_, __, x, cx) => {
    const s = cx.any(x, 'natural')
    return cx.like(cx.g.op(cx.base, 'Flatten', [s.name], { attrs: [attr.int('axis', 1)], doc: cx.where }), 'natural', s)
  },
}

/**
 * Flattens each example to one axis (e.g. after convolutions, before dense layers); the batch
 * axis stays.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.flatten, [28, 28, 1]), E.right([784]))
 * const vars = Net.init(Net.flatten, { key: Rng.key(0), inShape: [3, 4] })
 * assert.deepStrictEqual(Net.predict(Net.flatten, vars, T.ones([2, 3, 4])).shape, [2, 12])
 * @category layers
 */
export const flatten: Flatten = Object.freeze({ _tag: 'Flatten' })
