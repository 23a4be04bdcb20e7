/**
 * What the recurrent layers (simpleRnn, lstm, gru) share: sequences of per-example shape [time,
 * features] and, with `mask`, a mask [time] beside them; running a cell over time (a masked
 * step carries the state over and outputs zeros), and their export to ONNX's RNN, LSTM and GRU
 * operators (layout 0: time first, so the input is transposed [batch, time, features] → [time,
 * batch, features] and back; with a mask, the real steps are moved first and counted as
 * sequence lengths). puregrad keeps input weights as [features, units·gates] and gates in
 * the order input, forget, cell, output; ONNX wants [gates·units, features] and the order
 * input, output, forget, cell, so weights are transposed and gate blocks reordered here.
 * @internal
 */
import { fail } from '../../core/errors.js'
import { dataOf, type Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { scan } from '../../ad/scan.js'
import type { Tree } from '../../tree/index.js'
import * as Tr from '../../tree/index.js'
import { one, problem, single } from '../Kind.js'
import { type Initializer, type Shapes, type Value, isTuple, showShapes } from '../Layer.js'
import { attr } from '../../onnx/graph.js'
import type { Cx } from '../Kind.js'
import type { AttributeMsg } from '../../onnx/schema.js'
import { type Sym, type SymValue, isSym } from '../onnx/symbols.js'
import { DataType } from '../../onnx/schema.js'
import { checkInit } from '../initializers.js'
import { boolean, positiveInt } from './common.js'

export const sequence = (s: ReadonlyArray<number>): readonly [number, number] =>
  s.length === 2 ? [s[0]!, s[1]!] : problem(`needs sequences of shape [time, features]; got [${s.join(', ')}] per example`)

/** The fields every recurrent layer has. */
export interface RecurrentFields {
  readonly units: number
  readonly returnSequences: boolean
  /** reads a tuple (sequence [time, features], mask [time]): steps whose flag is 0 are padding */
  readonly mask: boolean
}

/** The fields of a recurrent layer with input and recurrent weight matrices. */
export interface RecurrentWeights extends RecurrentFields {
  readonly init: Initializer
  readonly recurrentInit: Initializer
}

/** A recurrent layer's fields after `units` from its options, each default filled in (see `RecurrentOptions`). */
export const recurrentWeights = (opts: RecurrentOptions): Omit<RecurrentWeights, 'units'> => ({
  returnSequences: opts.returnSequences ?? false,
  init: opts.init ?? 'glorotUniform',
  recurrentInit: opts.recurrentInit ?? 'glorotUniform',
  mask: opts.mask ?? false,
})

/** The problems of a recurrent layer's weight fields; a kind adds its own (the simple RNN's activation). */
export const checkRecurrentWeights = (l: RecurrentWeights): string[] => [
  ...positiveInt('units', l.units),
  ...boolean('returnSequences', l.returnSequences),
  ...checkInit('init', l.init),
  ...checkInit('recurrentInit', l.recurrentInit),
  ...boolean('mask', l.mask),
]

/** The tags of the recurrent kinds (the ones `bidirectional` runs both ways). */
export const recurrentTags: ReadonlyArray<string> = ['SimpleRnn', 'Lstm', 'Gru']

/** The sequence's [time, features] per example, and the mask's shape checked when the layer reads one. */
export const sequenceOf = (l: RecurrentFields, s: Shapes): readonly [number, number] => {
  if (!l.mask) {
    if (isTuple(s)) problem(`reads one sequence [time, features] but gets a tuple ${showShapes(s)}; build it with { mask: true } to read a tuple (sequence [time, features], mask [time])`)
    return sequence(one(s))
  }
  if (!isTuple(s) || s.tuple.length !== 2) return problem(`reads a tuple (sequence [time, features], mask [time]) because it was built with { mask: true }, but gets ${showShapes(s)}; combine the sequence and its mask with parallel or fanOut`)
  const [time, features] = sequence(one(s.tuple[0]!))
  const m = s.tuple[1]!
  if (!Array.isArray(m) || m.length !== 1 || m[0] !== time) problem(`needs a mask of shape [${time}] per example (one flag per step of its sequence [${time}, ${features}]); got a mask of shape ${showShapes(m)}`)
  return [time, features]
}

export const recurrentShape = (l: RecurrentFields, s: Shapes): number[] => {
  const [time] = sequenceOf(l, s)
  return l.returnSequences ? [time, l.units] : [l.units]
}

/** The batch of sequences [batch, time, features] and, with `mask`, its mask [batch, time], checked against each other. */
export const recurrentInput = (l: RecurrentFields, x: Value): { readonly x: T.Tensor; readonly mask: T.Tensor | undefined } => {
  if (!l.mask) return { x: single(x), mask: undefined }
  if (!Array.isArray(x) || x.length !== 2) return problem('reads a tuple (sequences [batch, time, features], mask [batch, time]) because it was built with { mask: true }; combine the sequences and their mask with parallel or fanOut')
  const [t, m] = [single(x[0]!), single(x[1]!)]
  if (t.rank !== 3) problem(`needs sequences [batch, time, features]; got ${showShapes(t.shape)}`)
  if (m.rank !== 2 || m.shape[0] !== t.shape[0] || m.shape[1] !== t.shape[1]) problem(`needs a mask [batch ${t.shape[0]}, time ${t.shape[1]}] for its sequences ${showShapes(t.shape)}; got a mask of shape ${showShapes(m.shape)}`)
  return { x: t, mask: m }
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
 *
 * With a mask [batch, time] (non-zero = a real step), a masked step keeps the state it was
 * given (Keras' semantics; chosen by `where`, so exactly, and no gradient reaches that step's
 * input) and outputs zeros; the last output is the state's after the last real step.
 */
export const unroll = <S extends Tree>(xw: T.Tensor, s0: S, step: (xwt: T.Tensor, s: S) => S, output: (s: S) => T.Tensor, returnSequences: boolean, mask?: T.Tensor): T.Tensor => {
  if (xw.shape[0] === 0) return fail('SHAPE_MISMATCH', 'recurrent layer', 'sequences must have at least one step.')
  if (mask === undefined) {
    if (!returnSequences) return output(scan((s: S, xwt: T.Tensor) => [step(xwt, s), undefined] as const, s0, xw)[0])
    const [, hs] = scan((s: S, xwt: T.Tensor) => {
      const next = step(xwt, s)
      return [next, output(next)] as const
    }, s0, xw)
    return T.transpose(hs, [1, 0, 2])
  }
  // the flags time first, [time, batch, 1], each one choosing between a batch row's new and old state
  const keep = T.expandDims(T.transpose(T.notEqual(mask, 0), [1, 0]), 2)
  const masked = (s: S, xs: { readonly xw: T.Tensor; readonly m: T.Tensor }): S => {
    const next = step(xs.xw, s)
    const old = Tr.leaves(s).map((l) => l.value)
    let i = 0
    return Tr.map(next, (t: T.Tensor) => T.where(xs.m, t, old[i++]!)) as S
  }
  if (!returnSequences) return output(scan((s: S, xs: { readonly xw: T.Tensor; readonly m: T.Tensor }) => [masked(s, xs), undefined] as const, s0, { xw, m: keep })[0])
  const [, hs] = scan((s: S, xs: { readonly xw: T.Tensor; readonly m: T.Tensor }) => {
    const next = masked(s, xs)
    return [next, T.where(xs.m, output(next), 0)] as const
  }, s0, { xw, m: keep })
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
  /**
   * read a tuple (sequence [time, features], mask [time]) per example: a non-zero flag marks a
   * real step (true = keep; the logical not of a PyTorch padding mask), a step whose flag is 0
   * is padding, where the state is carried over unchanged and the output (with
   * returnSequences) is 0; default false. The last output is the state after the last real
   * step. Padding may be anywhere, also in an exported model: ONNX's operators take sequence
   * lengths, which stand for padding at the end, so the export moves each example's real steps
   * first (in order) before the operator, and its outputs back after it.
   */
  readonly mask?: boolean
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
  /** the bias added to h·U (the GRU's); absent for the others, whose ONNX recurrent bias is 0 */
  readonly bU?: Tensor
}

/** What the export of a masked layer adds: ONNX's sequence lengths, and the order of the steps behind them. */
export interface OnnxMask {
  /** int32 [batch]: each example's number of real steps (non-zero flags) */
  readonly lens: string
  /** a batch-first sequence output [batch, time, units] of the reordered steps, put back in step order */
  readonly restore: (y: string) => string
}

/**
 * The exported layer's input: the sequence and, with `mask`, what ONNX's RNN, LSTM and GRU
 * need to compute what `Net.apply` does. Their sequence_lens (int32 [batch]) only stand for
 * padding at the end, so each example's real steps are first moved to the front, in step
 * order (a TopK of t + time·[flag = 0] gives the order, a GatherElements applies it); the
 * operator then runs over the real steps alone, carrying no state across padding and
 * outputting 0 after them, and `restore` puts its sequence output back in step order. Padding
 * may then be anywhere, as in `Net.apply`.
 */
export const onnxInput = (cx: Cx, l: RecurrentFields, x: SymValue): { readonly s: Sym; readonly mask: OnnxMask | undefined } => {
  if (!l.mask) return { s: cx.float(x), mask: undefined }
  if (isSym(x) || x.length !== 2) return cx.refuse('SHAPE_MISMATCH', 'expects a tuple (sequence, mask) because it was built with { mask: true }.')
  const { g, base, where: doc } = cx
  const s = cx.float(x[0]!, 'natural')
  const m = cx.float(x[1]!, 'natural').name
  const time = s.shape[0]!
  const padding = g.op(base, 'Cast', [g.op(base, 'Equal', [m, g.floats(`${base}.zero`, [], [0])], { doc })], { attrs: [attr.int('to', DataType.FLOAT)], doc })
  const key = g.op(base, 'Add', [g.op(base, 'Mul', [padding, g.floats(`${base}.time`, [], [time])], { doc }), g.floats(`${base}.steps`, [time], Array.from({ length: time }, (_, t) => t))], { doc })
  const count = g.int64s(`${base}.count`, [time])
  // the indices that sort each row ascending (keys are distinct, so the order is exact)
  const ascending = (v: string): string => g.node(base, 'TopK', [v, count], { attrs: [attr.int('axis', 1), attr.int('largest', 0), attr.int('sorted', 1)], outputs: 2, doc })[1]!
  const order = ascending(key)
  const inverse = ascending(g.op(base, 'Cast', [order], { attrs: [attr.int('to', DataType.FLOAT)], doc }))
  const along = (index: string, v: string): string => {
    const spread = g.op(base, 'Expand', [g.op(base, 'Unsqueeze', [index, g.int64s(`${base}.featureAxis`, [2])], { doc }), g.op(base, 'Shape', [v], { doc })], { doc })
    return g.op(base, 'GatherElements', [v, spread], { attrs: [attr.int('axis', 1)], doc })
  }
  const compacted: Sym = { name: along(order, s.name), shape: s.shape, layout: 'natural', type: 'float32' }
  return { s: compacted, mask: { lens: lengths(cx, m, DataType.INT32), restore: (y) => along(inverse, y) } }
}

/** The number of non-zero flags of each row of a mask [batch, time], as int32 or int64. */
export const lengths = (cx: Cx, mask: string, to: number): string => {
  const { g, base, where: doc } = cx
  const real = g.op(base, 'Not', [g.op(base, 'Equal', [mask, g.floats(`${base}.zero`, [], [0])], { doc })], { doc })
  const counts = g.op(base, 'Cast', [real], { attrs: [attr.int('to', to)], doc })
  return g.op(base, 'ReduceSum', [counts, g.int64s(`${base}.timeAxis`, [1])], { attrs: [attr.int('keepdims', 0)], doc })
}

/** Runs an ONNX RNN/LSTM/GRU node on a batch-first sequence (reordered by `onnxInput` when masked); returns the batch-first result. */
export const recurrent = (cx: Cx, s: Sym, op: 'RNN' | 'LSTM' | 'GRU', order: ReadonlyArray<number>, p: Recurrent, units: number, returnSequences: boolean, extra: ReadonlyArray<AttributeMsg>, mask?: OnnxMask): string => {
  const g = cx.g
  const doc = cx.where
  const features = s.shape[1]!
  const gates = order.length
  const W = g.floats(`${cx.base}.W`, [1, gates * units, features], gateRows(dataOf(p.W), features, units, order))
  const R = g.floats(`${cx.base}.U`, [1, gates * units, units], gateRows(dataOf(p.U), units, units, order))
  const [b, bU] = [dataOf(p.b), p.bU === undefined ? undefined : dataOf(p.bU)]
  const reordered = (k: number): number => order[Math.floor(k / units)]! * units + (k % units)
  const B = g.floats(`${cx.base}.b`, [1, 2 * gates * units], Float64Array.from({ length: 2 * gates * units }, (_, k) => (k < gates * units ? b[reordered(k)]! : bU === undefined ? 0 : bU[reordered(k - gates * units)]!)))
  const timeFirst = g.op(cx.base, 'Transpose', [s.name], { attrs: [attr.ints('perm', [1, 0, 2])], doc })
  const [Y, Yh] = g.node(cx.base, op, [timeFirst, W, R, B, ...(mask === undefined ? [] : [mask.lens])], { attrs: [attr.int('hidden_size', units), ...extra], outputs: 2, doc }) as [string, string]
  if (!returnSequences) return g.op(cx.base, 'Squeeze', [Yh, g.int64s(`${cx.base}.axes`, [0])], { doc })
  // Y is [time, directions = 1, batch, units]
  const squeezed = g.op(cx.base, 'Squeeze', [Y, g.int64s(`${cx.base}.axes`, [1])], { doc })
  const y = g.op(cx.base, 'Transpose', [squeezed], { attrs: [attr.ints('perm', [1, 0, 2])], doc })
  return mask === undefined ? y : mask.restore(y)
}
