/**
 * What the recurrent layers (simpleRnn, lstm) share: sequences of per-example shape [time,
 * features], running a cell over time, and their export to ONNX's RNN and LSTM operators
 * (layout 0: time first, so the input is transposed [batch, time, features] → [time, batch,
 * features] and back). puregrad keeps input weights as [features, units·gates] and gates in
 * the order input, forget, cell, output; ONNX wants [gates·units, features] and the order
 * input, output, forget, cell, so weights are transposed and gate blocks reordered here.
 * @internal
 */
import { fail } from '../../core/errors.js'
import { dataOf, type Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { scan } from '../../ad/scan.js'
import type { Tree } from '../../tree/index.js'
import { problem } from '../Kind.js'
import type { Initializer } from '../Layer.js'
import { attr } from '../../onnx/graph.js'
import type { Cx } from '../Kind.js'
import type { AttributeMsg } from '../../onnx/schema.js'
import type { Sym } from '../onnx/symbols.js'

export const sequence = (s: ReadonlyArray<number>): readonly [number, number] =>
  s.length === 2 ? [s[0]!, s[1]!] : problem(`needs sequences of shape [time, features]; got [${s.join(', ')}] per example`)

export const recurrentShape = (units: number, returnSequences: boolean, s: ReadonlyArray<number>): number[] => {
  const [time] = sequence(s)
  return returnSequences ? [time, units] : [units]
}

/**
 * x·W + b for every step, time first ([time, batch, units·gates]) as `unroll` scans it, from
 * batch-first x. (Transposing x first instead would save a copy, but matmul would then add
 * the gradient of W over batch and time in another order.)
 */
export const inputTerms = (x: T.Tensor, W: T.Tensor, b: T.Tensor): T.Tensor => T.transpose(T.add(T.matmul(x, W), b), [1, 0, 2])

/**
 * Runs a cell over time with `scan` (one operation under differentiation, whose tape keeps the
 * state entering each step instead of every step's intermediates): step(x_t·W + b, state) →
 * next state, whose output is `output(state)`; xw holds x·W + b for all steps, time first.
 * Returns every step's output batch first ([batch, time, units]), or the last one.
 */
export const unroll = <S extends Tree>(xw: T.Tensor, s0: S, step: (xwt: T.Tensor, s: S) => S, output: (s: S) => T.Tensor, returnSequences: boolean): T.Tensor => {
  if (xw.shape[0] === 0) return fail('SHAPE_MISMATCH', 'recurrent layer', 'sequences must have at least one step.')
  if (!returnSequences) return output(scan((s: S, xwt: T.Tensor) => [step(xwt, s), undefined] as const, s0, xw)[0])
  const [, hs] = scan((s: S, xwt: T.Tensor) => {
    const next = step(xwt, s)
    return [next, output(next)] as const
  }, s0, xw)
  return T.transpose(hs, [1, 0, 2])
}

export type RnnParams = { readonly W: T.Tensor; readonly U: T.Tensor; readonly b: T.Tensor }

/** Options of the recurrent layers. */
export interface RecurrentOptions {
  /** output every step ([time, units]) or only the last ([units]); default false */
  readonly returnSequences?: boolean
  /** input weights, default glorotUniform */
  readonly init?: Initializer
  /** recurrent weights, default glorotUniform */
  readonly recurrentInit?: Initializer
}

/**
 * ONNX weights from ours: onnx[(g·units + j)·features + f] (for W·x) = ours[f][order[g]·units + j]
 * (for x·W), where `order` lists, for each ONNX gate g, the position of that gate in ours.
 */
const gateRows = (w: ArrayLike<number>, features: number, units: number, order: ReadonlyArray<number>): Float64Array => {
  const gates = order.length
  const out = new Float64Array(w.length)
  for (let g = 0; g < gates; g++)
    for (let j = 0; j < units; j++)
      for (let f = 0; f < features; f++) out[(g * units + j) * features + f] = w[f * gates * units + order[g]! * units + j]!
  return out
}

export interface Recurrent {
  readonly W: Tensor
  readonly U: Tensor
  readonly b: Tensor
}

/** Runs an ONNX RNN/LSTM node on a batch-first sequence; returns the batch-first result. */
export const recurrent = (cx: Cx, s: Sym, op: 'RNN' | 'LSTM', order: ReadonlyArray<number>, p: Recurrent, units: number, returnSequences: boolean, extra: ReadonlyArray<AttributeMsg>): string => {
  const g = cx.g
  const doc = cx.where
  const features = s.shape[1]!
  const gates = order.length
  const W = g.floats(`${cx.base}.W`, [1, gates * units, features], gateRows(dataOf(p.W), features, units, order))
  const R = g.floats(`${cx.base}.U`, [1, gates * units, units], gateRows(dataOf(p.U), units, units, order))
  const b = dataOf(p.b)
  const B = g.floats(`${cx.base}.b`, [1, 2 * gates * units], Float64Array.from({ length: 2 * gates * units }, (_, k) => (k < gates * units ? b[order[Math.floor(k / units)]! * units + (k % units)]! : 0)))
  const timeFirst = g.op(cx.base, 'Transpose', [s.name], { attrs: [attr.ints('perm', [1, 0, 2])], doc })
  const [Y, Yh] = g.node(cx.base, op, [timeFirst, W, R, B], { attrs: [attr.int('hidden_size', units), ...extra], outputs: 2, doc }) as [string, string]
  if (!returnSequences) return g.op(cx.base, 'Squeeze', [Yh, g.int64s(`${cx.base}.axes`, [0])], { doc })
  // Y is [time, directions = 1, batch, units]
  const squeezed = g.op(cx.base, 'Squeeze', [Y, g.int64s(`${cx.base}.axes`, [1])], { doc })
  return g.op(cx.base, 'Transpose', [squeezed], { attrs: [attr.ints('perm', [1, 0, 2])], doc })
}
