/**
 * Layer normalisation over the last (feature) axis, each example on its own: y = (x − mean)/
 * √(variance + eps)·γ + β with the example's own mean and variance, the same in training and
 * evaluation (so no state). Exported as ONNX LayerNormalization from opset 17, and as the
 * formula in primitive operators before.
 */
import type { Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { type BuiltinKind, one, problem, single } from '../Kind.js'
import { attr } from '../../onnx/graph.js'
import { layerOptions, make, positiveEps, scaleAndOffset, scaleAndOffsetOf, scaledAndShifted, standardised } from './common.js'

export interface LayerNorm {
  readonly _tag: 'LayerNorm'
  /** added to the variance */
  readonly eps: number
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly LayerNorm: LayerNorm
  }
}

type LnParams = { readonly gamma: Tensor; readonly beta: Tensor }

export const layerNormKind: BuiltinKind<LayerNorm> = {
  tag: 'LayerNorm',
  fields: ['eps'],
  check: (l) => positiveEps(l.eps),
  children: () => [],
  shape: (_, s) => {
    const x = one(s)
    return x.length === 0 ? problem('needs inputs with a feature axis; got a scalar per example') : x
  },
  init: (_, __, s, dtype, r) => scaleAndOffset(s, dtype, r),
  apply: (l, vars, x) => {
    const t = single(x)
    const { gamma, beta } = vars.params as LnParams
    const mean = T.mean(t, -1, true)
    const variance = T.variance(t, -1, true)
    return { y: T.add(T.mul(T.div(T.sub(t, mean), T.sqrt(T.add(variance, l.eps))), gamma), beta), state: {} }
  },
  label: () => 'LayerNorm',
  examples: () => [{ layer: layerNorm(), inShape: [4] }, { layer: layerNorm({ eps: 1e-3 }), inShape: [2, 3] }],
  lower: (l, vars, x, cx) => {
    const { g, base, where: doc } = cx
    const s = cx.float(x, 'natural')
    const { gamma, beta } = scaleAndOffsetOf(cx, vars)
    if (cx.settings.opset >= 17) return cx.out(g.op(base, 'LayerNormalization', [s.name, gamma, beta], { attrs: [attr.int('axis', -1), attr.float('epsilon', l.eps)], doc }), 'natural')
    // before opset 17: the formula, with ReduceMean's axes as an attribute (an input only from opset 18)
    const meanOf = (v: string): string => g.op(base, 'ReduceMean', [v], { attrs: [attr.ints('axes', [-1]), attr.int('keepdims', 1)], doc })
    return cx.out(scaledAndShifted(cx, standardised(cx, s.name, meanOf, l.eps), gamma, beta), 'natural')
  },
}

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** added to the variance, default 1e-5 */
  readonly eps?: number
}

/**
 * Layer normalisation (Ba et al.): normalises each example over its last (feature) axis with
 * its own mean and variance, then learns a scale γ and an offset β per feature. Unlike
 * `batchNorm` it does not depend on the batch, so it behaves the same in training and
 * evaluation and keeps no running statistics. Parameters `gamma` and `beta` [features] (the
 * last axis). It is PyTorch's `nn.LayerNorm(features)` (the variance divides by n, eps 1e-5):
 * `weight` is `gamma`, `bias` is `beta`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const ln = Net.layerNorm()
 * const vars = Net.init(ln, { key: Rng.key(0), inShape: [2] })
 * assert.deepStrictEqual(Tree.paths(vars.params), ['beta', 'gamma'])
 * // each example has mean 0 and variance 1 afterwards, whatever the others are
 * const y = Net.predict(ln, vars, T.tensor([[1, 3], [-10, 30]]))
 * assert.ok(T.allclose(y, T.tensor([[-1, 1], [-1, 1]]), { atol: 1e-4 }))
 * @category layers
 */
export const layerNorm = (options?: LayerNormOptions): LayerNorm => {
  const opts = layerOptions('layerNorm', options, ['eps'])
  return make(layerNormKind, { _tag: 'LayerNorm', eps: opts.eps ?? 1e-5 })
}
