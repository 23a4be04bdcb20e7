/**
 * Lowering of dropout (the identity outside training, so no node) and batch normalisation in
 * its evaluation form, with the running statistics: y = (x − mean)/√(variance + eps)·γ + β.
 * @internal
 */
import { dataOf, type Tensor } from '../../../core/Tensor.js'
import type { Vars } from '../../Kind.js'
import type { BatchNorm, Dropout } from '../../Layer.js'
import { attr } from '../graph.js'
import type { ChannelAffine, Lowering } from '../lowering.js'

export const lowerDropout: Lowering<Dropout> = (_, __, x) => x

interface BnVars {
  readonly gamma: ArrayLike<number>
  readonly beta: ArrayLike<number>
  readonly mean: ArrayLike<number>
  readonly variance: ArrayLike<number>
}

const bnVars = (vars: Vars): BnVars => {
  const p = vars.params as { readonly gamma: Tensor; readonly beta: Tensor }
  const s = vars.state as { readonly mean: Tensor; readonly variance: Tensor }
  return { gamma: dataOf(p.gamma), beta: dataOf(p.beta), mean: dataOf(s.mean), variance: dataOf(s.variance) }
}

/** The batch norm as y = x·scale + shift per channel (in float64), to fold into the layer before it. */
export const batchNormAffine = (l: BatchNorm, vars: Vars, from: string): ChannelAffine => {
  const v = bnVars(vars)
  const scale = Float64Array.from({ length: v.gamma.length }, (_, c) => v.gamma[c]! / Math.sqrt(v.variance[c]! + l.eps))
  const shift = Float64Array.from({ length: v.gamma.length }, (_, c) => v.beta[c]! - v.mean[c]! * scale[c]!)
  return { scale, shift, from }
}

/**
 * A batch norm that could not be folded (or with folding turned off): ONNX BatchNormalization
 * when the channels are axis 1 (vectors, or images in NCHW), else Mul and Add over the last axis.
 */
export const lowerBatchNorm: Lowering<BatchNorm> = (l, vars, x, cx) => {
  const s = cx.float(x)
  const v = bnVars(vars)
  const c = v.gamma.length
  if (s.shape.length === 1 || s.layout === 'channelsFirst') {
    const inputs = [s.name, cx.g.floats(`${cx.base}.gamma`, [c], v.gamma), cx.g.floats(`${cx.base}.beta`, [c], v.beta), cx.g.floats(`${cx.base}.mean`, [c], v.mean), cx.g.floats(`${cx.base}.variance`, [c], v.variance)]
    return cx.out(cx.g.op(cx.base, 'BatchNormalization', inputs, { attrs: [attr.float('epsilon', l.eps)], doc: cx.where }), s.layout)
  }
  const { scale, shift } = batchNormAffine(l, vars, cx.where)
  const y = cx.g.op(cx.base, 'Mul', [s.name, cx.g.floats(`${cx.base}.scale`, [c], scale)], { doc: cx.where })
  return cx.out(cx.g.op(cx.base, 'Add', [y, cx.g.floats(`${cx.base}.shift`, [c], shift)], { doc: cx.where }), s.layout)
}
