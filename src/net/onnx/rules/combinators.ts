/**
 * Lowering of the combinators. Tuples exist only while lowering: a fan-out hands the same ONNX
 * value to every branch, and the fan-ins join them with Add or Concat. A batch norm right after
 * a dense or convolution layer in a serial block is folded into that layer's weights (unless
 * `foldBatchNorm` is off).
 * @internal
 */
import type { Vars } from '../../Kind.js'
import type { FanInConcat, FanInSum, FanOut, Layer, Parallel, Repeat, Residual, Serial } from '../../Layer.js'
import { attr } from '../graph.js'
import type { Cx, Lowering } from '../lowering.js'
import { type Layout, type Sym, type SymValue, imageAxis, isSym } from '../symbols.js'
import { batchNormAffine } from './regularization.js'

type Trees = ReadonlyArray<Vars['params']>

/** Layers one after another, children named by index; folds each Dense/Conv2d → BatchNorm pair. */
const chain = (layers: ReadonlyArray<Layer>, vars: Vars, x: SymValue, cx: Cx): SymValue => {
  const params = vars.params as Trees
  const state = vars.state as Trees
  const at = (i: number): Vars => ({ params: params[i]!, state: state[i]! })
  let y = x
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!
    const next = layers[i + 1]
    if (cx.settings.foldBatchNorm && (l._tag === 'Dense' || l._tag === 'Conv2d') && next?._tag === 'BatchNorm') {
      const where = `batch norm ${cx.base === 'net' ? '' : `${cx.base}.`}${i + 1}`
      y = cx.child(l, String(i), at(i), y, batchNormAffine(next, at(i + 1), where))
      i++
    } else y = cx.child(l, String(i), at(i), y)
  }
  return y
}

export const lowerSerial: Lowering<Serial> = (l, vars, x, cx) => chain(l.layers, vars, x, cx)

export const lowerRepeat: Lowering<Repeat> = (l, vars, x, cx) => chain(Array.from({ length: l.times }, () => l.body), vars, x, cx)

export const lowerParallel: Lowering<Parallel> = (l, vars, x, cx) => {
  const xs = isSym(x) ? cx.refuse('SHAPE_MISMATCH', 'expects a tuple but gets one tensor; split it first with fanOut.') : x
  return l.layers.map((c, i) => cx.child(c, String(i), { params: (vars.params as Trees)[i]!, state: (vars.state as Trees)[i]! }, xs[i]!))
}

export const lowerFanOut: Lowering<FanOut> = (l, _, x) => Array.from({ length: l.n }, () => x)

/** The tensors of a tuple as float32 values in one layout (the first one's). */
const joined = (x: SymValue, cx: Cx): { readonly parts: ReadonlyArray<Sym>; readonly layout: Layout } => {
  const xs = isSym(x) ? cx.refuse('SHAPE_MISMATCH', 'expects a tuple but gets one tensor.') : x
  const first = cx.float(xs[0]!)
  return { parts: xs.map((xi) => cx.float(xi, first.layout)), layout: first.layout }
}

/** Left to right, as `Net.apply` adds them: ((a + b) + c) + … */
export const lowerFanInSum: Lowering<FanInSum> = (_, __, x, cx) => {
  const { parts, layout } = joined(x, cx)
  const sum = parts.slice(1).reduce((acc, p) => cx.g.op(cx.base, 'Add', [acc, p.name], { doc: cx.where }), parts[0]!.name)
  return parts.length === 1 ? parts[0]! : cx.out(sum, layout)
}

export const lowerFanInConcat: Lowering<FanInConcat> = (l, _, x, cx) => {
  const { parts, layout } = joined(x, cx)
  const rank = parts[0]!.shape.length
  const axis = l.axis < 0 ? l.axis + rank : l.axis
  return cx.out(cx.g.op(cx.base, 'Concat', parts.map((p) => p.name), { attrs: [attr.int('axis', layout === 'channelsFirst' ? imageAxis(layout, axis) : axis + 1)], doc: cx.where }), layout)
}

/** x + body(x), in the layout the body ends in (x is usually already there: the body's first conv moved it). */
export const lowerResidual: Lowering<Residual> = (l, vars, x, cx) => {
  const p = vars.params as { readonly body: Vars['params'] }
  const st = vars.state as { readonly body: Vars['state'] }
  const s = cx.float(x)
  const y = cx.float(cx.child(l.body, 'body', { params: p.body, state: st.body }, x))
  return cx.out(cx.g.op(cx.base, 'Add', [cx.inLayout(s, y.layout).name, y.name], { doc: cx.where }), y.layout)
}
