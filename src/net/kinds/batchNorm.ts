/**
 * Batch normalisation over the last axis: batch statistics in training (updating running
 * statistics kept in the model state), the running ones in evaluation and in ONNX, where
 * y = (x − mean)/√(variance + eps)·γ + β.
 */
import { dataOf, type Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { type BuiltinKind, type Vars, one, single } from '../Kind.js'
import { attr } from '../../onnx/graph.js'
import type { ChannelAffine } from '../Kind.js'
import { layerOptions, make, positiveEps } from './common.js'

export interface BatchNorm {
  readonly _tag: 'BatchNorm'
  readonly momentum: number
  readonly eps: number
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly BatchNorm: BatchNorm
  }
}

type BnParams = { readonly gamma: T.Tensor; readonly beta: T.Tensor }
type BnState = { readonly mean: T.Tensor; readonly variance: T.Tensor }

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

export const batchNormKind: BuiltinKind<BatchNorm> = {
  tag: 'BatchNorm',
  fields: ['momentum', 'eps'],
  check: (l) => [
    ...(typeof l.momentum === 'number' && l.momentum >= 0 && l.momentum < 1 ? [] : [`momentum must lie in [0, 1); got ${JSON.stringify(l.momentum)}`]),
    ...positiveEps(l.eps),
  ],
  children: () => [],
  shape: (_, s) => one(s),
  init: (_, __, s, dtype, r) => {
    const f = one(s).at(-1) ?? 1
    const filled = (make: typeof T.ones) => r.variable([f], (shape) => make(shape, dtype))
    return { params: { gamma: filled(T.ones), beta: filled(T.zeros) }, state: { mean: filled(T.zeros), variance: filled(T.ones) } }
  },
  apply: (l, vars, x, mode) => {
    const t = single(x)
    const { gamma, beta } = vars.params as BnParams
    const running = vars.state as BnState
    const axes = t.shape.slice(0, -1).map((_, i) => i)
    const [mean, variance] = mode.train ? [T.mean(t, axes), T.variance(t, axes)] : [running.mean, running.variance]
    const y = T.add(T.mul(T.div(T.sub(t, mean), T.sqrt(T.add(variance, l.eps))), gamma), beta)
    if (!mode.train) return { y, state: running }
    // running statistics: an exponential moving average of the batch statistics, outside differentiation
    const ema = (old: T.Tensor, batch: T.Tensor): T.Tensor => T.add(T.mul(old, l.momentum), T.mul(T.stopGradient(batch), 1 - l.momentum))
    return { y, state: { mean: ema(running.mean, mean), variance: ema(running.variance, variance) } }
  },
  label: () => 'BatchNorm',
  examples: () => [{ layer: batchNorm(), inShape: [4] }, { layer: batchNorm({ momentum: 0.5 }), inShape: [3, 3, 2] }],
  /**
   * A batch norm that could not be folded into the layer before it (or with folding turned
   * off): ONNX BatchNormalization, which keeps its four vectors (so `fromOnnx` reads them back
   * as they are), with the channels on axis 1: vectors as they are, images in NCHW, other
   * values (sequences) between Transposes moving the last axis to axis 1 and back. A scalar
   * per example, which has no channel axis to move, is Mul and Add.
   */
  lower: (l, vars, x, cx) => {
    const { g, base, where: doc } = cx
    const v = bnVars(vars)
    const c = v.gamma.length
    const s0 = cx.float(x)
    const rank = s0.shape.length
    if (rank === 0) {
      const { scale, shift } = batchNormAffine(l, vars, cx.where)
      const y = g.op(base, 'Mul', [s0.name, g.floats(`${base}.scale`, [c], scale)], { doc })
      return cx.out(g.op(base, 'Add', [y, g.floats(`${base}.shift`, [c], shift)], { doc }), s0.layout)
    }
    const s = rank === 3 ? cx.float(x, 'channelsFirst') : s0
    // batched axes: the last one to axis 1, and back
    const moved = rank !== 1 && rank !== 3
    const inward = [0, rank, ...Array.from({ length: rank - 1 }, (_, i) => i + 1)]
    const outward = [0, ...Array.from({ length: rank - 1 }, (_, i) => i + 2), 1]
    const input = moved ? g.op(base, 'Transpose', [s.name], { attrs: [attr.ints('perm', inward)], doc }) : s.name
    const inputs = [input, g.floats(`${base}.gamma`, [c], v.gamma), g.floats(`${base}.beta`, [c], v.beta), g.floats(`${base}.mean`, [c], v.mean), g.floats(`${base}.variance`, [c], v.variance)]
    const y = g.op(base, 'BatchNormalization', inputs, { attrs: [attr.float('epsilon', l.eps)], doc })
    return cx.out(moved ? g.op(base, 'Transpose', [y], { attrs: [attr.ints('perm', outward)], doc }) : y, s.layout)
  },
}

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** weight of the old running statistics, default 0.99 */
  readonly momentum?: number
  /** added to the variance, default 1e-3 */
  readonly eps?: number
}

/**
 * Batch normalisation over the last (feature or channel) axis: while training, normalises with
 * the batch's mean and variance and updates running statistics kept in the model state; in
 * evaluation, normalises with the running statistics. Learns a scale γ and an offset β.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const bn = Net.batchNorm({ momentum: 0.5 })
 * const vars = Net.init(bn, { key: Rng.key(0), inShape: [1] })
 * const { y, state } = Net.forward(bn, vars, T.tensor([[0], [4]]), { train: true })
 * // the batch has mean 2 and variance 4
 * assert.ok(T.allclose(y, T.tensor([[-1], [1]]), { atol: 1e-3 }))
 * // the running mean and variance (from 0 and 1) move halfway towards the batch's
 * assert.deepStrictEqual(Tree.leaves(state).map((l) => [l.path, T.toArray(l.value)]), [['mean', [1]], ['variance', [2.5]]])
 * @category layers
 */
export const batchNorm = (options?: BatchNormOptions): BatchNorm => {
  const opts = layerOptions('batchNorm', options, ['momentum', 'eps'])
  return make(batchNormKind, { _tag: 'BatchNorm', momentum: opts.momentum ?? 0.99, eps: opts.eps ?? 1e-3 })
}
