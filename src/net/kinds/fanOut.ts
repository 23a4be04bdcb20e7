/** Copies of the input as a tuple (in ONNX, the same value handed to every branch). */
import type { BuiltinKind } from '../Kind.js'
import { make, positiveInt } from './common.js'

export interface FanOut {
  readonly _tag: 'FanOut'
  readonly n: number
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly FanOut: FanOut
  }
}

export const fanOutKind: BuiltinKind<FanOut> = {
  tag: 'FanOut',
  fields: ['n'],
  check: (l) => positiveInt('n', l.n),
  children: () => [],
  shape: (l, s) => ({ tuple: Array.from({ length: l.n }, () => s) }),
  init: () => ({ params: {}, state: {} }),
  apply: (l, _, x) => ({ y: Array.from({ length: l.n }, () => x), state: {} }),
  label: (l) => `FanOut(${l.n})`,
  examples: () => [{ layer: fanOut(3), inShape: [2] }],
  lower: (l, _, x) => Array.from({ length: l.n }, () => x),
}

/**
 * Copies its input into a tuple of n (the same tensor n times: tensors are immutable).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const net = Net.fanOut(2)
 * assert.deepStrictEqual(Net.shape(net, [3]), E.right({ tuple: [[3], [3]] }))
 * const x = T.tensor([[1, 2, 3]])
 * const { y } = Net.apply(net, Net.init(net, { key: Rng.key(0), inShape: [3] }), x)
 * assert.ok(Array.isArray(y) && y.length === 2 && y.every((t) => t === x))
 * @category combinators
 */
export const fanOut = (n: number): FanOut => make(fanOutKind, { _tag: 'FanOut', n })
