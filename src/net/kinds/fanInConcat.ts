/** Joins a tuple's tensors along a per-example axis (ONNX Concat). */
import * as T from '../../tensor/index.js'
import { type BuiltinKind, one, problem } from '../Kind.js'
import { isTuple, showShapes } from '../Layer.js'
import { attr } from '../../onnx/graph.js'
import { imageAxis } from '../onnx/symbols.js'
import { joined, make, valuesOf } from './common.js'

export interface FanInConcat {
  readonly _tag: 'FanInConcat'
  /** per-example axis to join along; −1 is the last */
  readonly axis: number
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly FanInConcat: FanInConcat
  }
}

export const fanInConcatKind: BuiltinKind<FanInConcat> = {
  tag: 'FanInConcat',
  fields: ['axis'],
  check: (l) => (Number.isInteger(l.axis) ? [] : [`axis must be a whole number; got ${JSON.stringify(l.axis)}`]),
  children: () => [],
  shape: (l, s) => {
    if (!isTuple(s) || s.tuple.length === 0) return problem(`expects a non-empty tuple; got ${showShapes(s)}`)
    const shapes = s.tuple.map(one)
    const rank = shapes[0]!.length
    const ax = l.axis < 0 ? l.axis + rank : l.axis
    if (ax < 0 || ax >= rank) return problem(`axis ${l.axis} is out of range for per-example rank ${rank}`)
    for (const x of shapes) {
      if (x.length !== rank || x.some((d, i) => i !== ax && d !== shapes[0]![i])) problem(`needs shapes that agree except on axis ${l.axis}; got ${s.tuple.map(showShapes).join(' and ')}`)
    }
    return shapes[0]!.map((d, i) => (i === ax ? shapes.reduce((p, x) => p + x[ax]!, 0) : d))
  },
  init: () => ({ params: {}, state: {} }),
  apply: (l, _, x) => ({ y: T.concat(valuesOf(x) as T.Tensor[], l.axis < 0 ? l.axis : l.axis + 1), state: {} }),
  label: (l) => `FanInConcat(${l.axis})`,
  examples: () => [{ layer: fanInConcat(), inShape: { tuple: [[2], [1]] } }],
  lower: (l, _, x, cx) => {
    const { parts, layout } = joined(x, cx)
    const rank = parts[0]!.shape.length
    const axis = l.axis < 0 ? l.axis + rank : l.axis
    return cx.out(cx.g.op(cx.base, 'Concat', parts.map((p) => p.name), { attrs: [attr.int('axis', layout === 'channelsFirst' ? imageAxis(layout, axis) : axis + 1)], doc: cx.where }), layout)
  },
}

/**
 * Joins the tensors of a tuple along a per-example axis (default the last).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net } from 'puregrad'
 * const net = Net.serial(Net.fanOut(2), Net.parallel(Net.dense(3), Net.dense(5)), Net.fanInConcat())
 * assert.deepStrictEqual(Net.shape(net, [4]), E.right([8]))
 * // axis 0 is the first axis of each example, not the batch axis
 * assert.deepStrictEqual(Net.shape(Net.fanInConcat(0), { tuple: [[2, 3], [4, 3]] }), E.right([6, 3]))
 * @category combinators
 */
export const fanInConcat = (axis = -1): FanInConcat => make(fanInConcatKind, { _tag: 'FanInConcat', axis })
