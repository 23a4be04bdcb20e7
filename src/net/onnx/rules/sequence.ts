/**
 * Lowering of embeddings (Gather) and of the recurrent layers to ONNX's RNN and LSTM operators
 * (layout 0: time first, so the input is transposed [batch, time, features] → [time, batch,
 * features] and back). puregrad keeps input weights as [features, units·gates] and gates in the
 * order input, forget, cell, output; ONNX wants [gates·units, features] and the order input,
 * output, forget, cell, so weights are transposed and gate blocks reordered here.
 * @internal
 */
import { dataOf, type Tensor } from '../../../core/Tensor.js'
import type { ActivationFn, Embedding, Lstm, SimpleRnn } from '../../Layer.js'
import { attr } from '../graph.js'
import type { Cx, Lowering } from '../lowering.js'
import type { AttributeMsg } from '../schema.js'
import type { Sym } from '../symbols.js'
import { activate } from './activation.js'

/** A table lookup: Gather along the rows of the table, with the int32 indices as they are. */
export const lowerEmbedding: Lowering<Embedding> = (l, vars, x, cx) => {
  const s = cx.ints(x)
  const table = cx.g.floats(`${cx.base}.W`, [l.vocab, l.dim], dataOf((vars.params as { readonly W: Tensor }).W))
  return cx.out(cx.g.op(cx.base, 'Gather', [table, s.name], { attrs: [attr.int('axis', 0)], doc: cx.where }), 'natural')
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

/**
 * The ONNX RNN activations with puregrad's definitions (the recurrent layers call theirs with
 * no parameter, so leakyRelu's slope and elu's alpha are 0). Softplus is left out: onnxruntime's
 * RNN computes it as log(1 + eˣ), which overflows to ∞ from x ≈ 89 where puregrad (and ONNX's
 * Softplus operator) give x, so such layers are unrolled like gelu ones.
 */
const rnnActivations: { readonly [F in ActivationFn]?: ReadonlyArray<AttributeMsg> } = {
  tanh: [attr.strings('activations', ['Tanh'])],
  sigmoid: [attr.strings('activations', ['Sigmoid'])],
  relu: [attr.strings('activations', ['Relu'])],
  leakyRelu: [attr.strings('activations', ['LeakyRelu']), attr.floats('activation_alpha', [0])],
  elu: [attr.strings('activations', ['Elu']), attr.floats('activation_alpha', [0])],
}

interface Recurrent {
  readonly W: Tensor
  readonly U: Tensor
  readonly b: Tensor
}

/** Runs an ONNX RNN/LSTM node on a batch-first sequence; returns the batch-first result. */
const recurrent = (cx: Cx, s: Sym, op: 'RNN' | 'LSTM', order: ReadonlyArray<number>, p: Recurrent, units: number, returnSequences: boolean, extra: ReadonlyArray<AttributeMsg>): string => {
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

/**
 * A simple RNN whose activation ONNX's RNN operator lacks (gelu) or onnxruntime's overflows
 * (softplus), unrolled over its (static)
 * number of steps exactly as `Net.apply` runs it: hₜ = act(xₜ·W + b + hₜ₋₁·U), h₀ = 0.
 */
const unrolled = (cx: Cx, s: Sym, p: Recurrent, l: SimpleRnn): string => {
  const g = cx.g
  const doc = cx.where
  const [time, features] = s.shape as [number, number]
  const xw = g.op(cx.base, 'Add', [g.op(cx.base, 'MatMul', [s.name, g.floats(`${cx.base}.W`, [features, l.units], dataOf(p.W))], { doc }), g.floats(`${cx.base}.b`, [l.units], dataOf(p.b))], { doc })
  const U = g.floats(`${cx.base}.U`, [l.units, l.units], dataOf(p.U))
  const hs: string[] = []
  for (let t = 0; t < time; t++) {
    const xt = g.op(cx.base, 'Gather', [xw, g.int64Scalar(`${cx.base}.t${t}`, t)], { attrs: [attr.int('axis', 1)], doc })
    // h₀ = 0, so the first step has no recurrent term (0·U adds exact zeros in Net.apply)
    const z = t === 0 ? xt : g.op(cx.base, 'Add', [xt, g.op(cx.base, 'MatMul', [hs[t - 1]!, U], { doc })], { doc })
    hs.push(activate(cx, l.activation, 0, { name: z, shape: [l.units], layout: 'natural', type: 'float32' }))
  }
  if (!l.returnSequences) return hs[time - 1]!
  const joined = g.op(cx.base, 'Concat', hs, { attrs: [attr.int('axis', 1)], doc })
  return g.op(cx.base, 'Reshape', [joined, g.int64s(`${cx.base}.shape`, [0, time, l.units])], { doc })
}

export const lowerSimpleRnn: Lowering<SimpleRnn> = (l, vars, x, cx) => {
  const s = cx.float(x)
  const p = vars.params as unknown as Recurrent
  const act = rnnActivations[l.activation]
  return cx.out(act === undefined ? unrolled(cx, s, p, l) : recurrent(cx, s, 'RNN', [0], p, l.units, l.returnSequences, act), 'natural')
}

export const lowerLstm: Lowering<Lstm> = (l, vars, x, cx) => {
  const s = cx.float(x)
  // ONNX gates i, o, f, c are puregrad's gates 0, 3, 1, 2
  return cx.out(recurrent(cx, s, 'LSTM', [0, 3, 1, 2], vars.params as unknown as Recurrent, l.units, l.returnSequences, []), 'natural')
}
