/** Lowering of dense layers, maxout and the layers that only reshape. @internal */
import { dataOf, type Tensor } from '../../../core/Tensor.js'
import type { Dense, Flatten, Identity, Maxout, Reshape } from '../../Layer.js'
import { attr } from '../graph.js'
import type { ChannelAffine, Lowering } from '../lowering.js'

/**
 * Weights of shape [inputs, units] (row-major) and bias, with a following per-unit affine map
 * (a folded batch norm) applied: W·diag(scale), b·scale + shift. Computed in float64.
 */
export const foldColumns = (W: ArrayLike<number>, b: ArrayLike<number> | undefined, units: number, then: ChannelAffine | undefined): { W: ArrayLike<number>; b: ArrayLike<number> | undefined } => {
  if (then === undefined) return { W, b }
  const w = Float64Array.from(W, (v, i) => v * then.scale[i % units]!)
  const bias = Float64Array.from({ length: units }, (_, j) => (b === undefined ? 0 : b[j]!) * then.scale[j]! + then.shift[j]!)
  return { W: w, b: bias }
}

/** x·W + b: Gemm for a batch of vectors, MatMul and Add when examples have more axes. */
export const lowerDense: Lowering<Dense> = (_, vars, x, cx) => {
  const p = vars.params as { readonly W: Tensor; readonly b?: Tensor }
  const s = cx.float(x, 'natural')
  const [nIn, units] = p.W.shape as [number, number]
  const { W, b } = foldColumns(dataOf(p.W), p.b === undefined ? undefined : dataOf(p.b), units, cx.then)
  const doc = cx.then === undefined ? cx.where : `${cx.where}, with ${cx.then.from} folded in`
  const w = cx.g.floats(`${cx.base}.W`, [nIn, units], W)
  const bias = b === undefined ? undefined : cx.g.floats(`${cx.base}.b`, [units], b)
  if (s.shape.length === 1) return cx.out(cx.g.op(cx.base, 'Gemm', bias === undefined ? [s.name, w] : [s.name, w, bias], { doc }), 'natural')
  const y = cx.g.op(cx.base, 'MatMul', [s.name, w], { doc })
  return cx.out(bias === undefined ? y : cx.g.op(cx.base, 'Add', [y, bias], { doc }), 'natural')
}

/** The maximum over groups of `pieces` consecutive features: Reshape, then ReduceMax over the last axis. */
export const lowerMaxout: Lowering<Maxout> = (l, _, x, cx) => {
  const s = cx.float(x, 'natural')
  const d = s.shape.at(-1)!
  const grouped = cx.g.op(cx.base, 'Reshape', [s.name, cx.g.int64s(`${cx.base}.groups`, [0, ...s.shape.slice(0, -1), d / l.pieces, l.pieces])], { doc: cx.where })
  // ReduceMax takes its axes as an attribute up to opset 17, as an input from 18
  const y =
    cx.settings.opset >= 18
      ? cx.g.op(cx.base, 'ReduceMax', [grouped, cx.g.int64s(`${cx.base}.axes`, [-1])], { attrs: [attr.int('keepdims', 0)], doc: cx.where })
      : cx.g.op(cx.base, 'ReduceMax', [grouped], { attrs: [attr.ints('axes', [-1]), attr.int('keepdims', 0)], doc: cx.where })
  return cx.out(y, 'natural')
}

/** Flattening each example in puregrad's order (NHWC for images). */
export const lowerFlatten: Lowering<Flatten> = (_, __, x, cx) => {
  const s = cx.any(x, 'natural')
  return cx.like(cx.g.op(cx.base, 'Flatten', [s.name], { attrs: [attr.int('axis', 1)], doc: cx.where }), 'natural', s)
}

/** Reshape to [batch, ...per-example shape] (the batch size copied from the input by the 0). */
export const lowerReshape: Lowering<Reshape> = (_, __, x, cx) => {
  const s = cx.any(x, 'natural')
  const to = cx.outShape as ReadonlyArray<number>
  return cx.like(cx.g.op(cx.base, 'Reshape', [s.name, cx.g.int64s(`${cx.base}.shape`, [0, ...to])], { doc: cx.where }), 'natural', s)
}

/** No node: the value passes through. */
export const lowerIdentity: Lowering<Identity> = (_, __, x) => x
