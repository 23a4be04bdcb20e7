/** The sum of a tuple's tensors (ONNX Add). */
import * as T from '../../tensor/index.js'
import { type BuiltinKind, one, problem } from '../Kind.js'
import { type Shapes, isTuple, showShapes } from '../Layer.js'
import { joined, valuesOf } from './common.js'

export interface FanInSum {
  readonly _tag: 'FanInSum'
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly FanInSum: FanInSum
  }
}

const sameShapes = (ss: ReadonlyArray<Shapes>): ReadonlyArray<number> => {
  const first = one(ss[0] ?? problem('needs at least one input'))
  for (const s of ss) if (showShapes(s) !== showShapes(first)) problem(`needs equal shapes; got ${ss.map(showShapes).join(' and ')}`)
  return first
}

export const fanInSumKind: BuiltinKind<FanInSum> = {
  tag: 'FanInSum',
  fields: [],
  check: () => [],
  children: () => [],
  shape: (_, s) => (isTuple(s) ? sameShapes(s.tuple) : problem(`expects a tuple; got ${showShapes(s)}`)),
  init: () => ({ params: {}, state: {} }),
  apply: (_, __, x) => ({ y: (valuesOf(x) as T.Tensor[]).reduce((a, b) => T.add(a, b)), state: {} }),
  label: () => 'FanInSum',
  examples: () => [{ layer: fanInSum, inShape: { tuple: [[2], [2], [2]] } }],
  // left to right, as `Net.apply` adds them: ((a + b) + c) + …
  lower: (_, __, x, cx) => {
    const { parts, layout } = joined(x, cx)
    const sum = parts.slice(1).reduce((acc, p) => cx.g.op(cx.base, 'Add', [acc, p.name], { doc: cx.where }), parts[0]!.name)
    return parts.length === 1 ? parts[0]! : cx.out(sum, layout)
  },
}

/**
 * Adds the tensors of a tuple (of equal shapes).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * // x + relu(x)
 * const net = Net.serial(Net.fanOut(2), Net.parallel(Net.identity, Net.relu), Net.fanInSum)
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
 * assert.deepStrictEqual(T.toArray(Net.predict(net, vars, T.tensor([[-1, 2]]))), [-1, 4])
 * @category combinators
 */
export const fanInSum: FanInSum = Object.freeze({ _tag: 'FanInSum' })
