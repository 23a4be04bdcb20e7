/**
 * Group normalisation over the channel (last) axis: the channels are split into `groups`
 * groups of consecutive channels, and each example is normalised per group with the mean and
 * variance over the group's channels at all its positions, y = (x − mean)/√(variance + eps)·γ
 * + β, the same in training and evaluation (so no state). Exported as the formula in
 * primitive ONNX operators (Reshape, ReduceMean, Sub, Mul, Sqrt, Div, Add) at every opset.
 */
import type { Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { type BuiltinKind, one, problem, single } from '../Kind.js'
import { attr } from '../../onnx/graph.js'
import { layerOptions, make, positiveEps, positiveInt, scaleAndOffset, scaleAndOffsetOf, scaledAndShifted, standardised } from './common.js'

export interface GroupNorm {
  readonly _tag: 'GroupNorm'
  /** number of groups the channels are split into; the channel count must be a multiple of it */
  readonly groups: number
  /** added to the variance */
  readonly eps: number
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly GroupNorm: GroupNorm
  }
}

type GnParams = { readonly gamma: Tensor; readonly beta: Tensor }

/** The per-example shape [positions, groups, channels per group] the statistics are taken over (axes 1 and 3 with the batch axis). */
const grouped = (l: GroupNorm, shape: ReadonlyArray<number>): readonly [number, number, number] => {
  const c = shape.at(-1)!
  return [shape.slice(0, -1).reduce((a, b) => a * b, 1), l.groups, c / l.groups]
}

export const groupNormKind: BuiltinKind<GroupNorm> = {
  tag: 'GroupNorm',
  fields: ['groups', 'eps'],
  check: (l) => [
    ...positiveInt('groups', l.groups),
    ...positiveEps(l.eps),
  ],
  children: () => [],
  shape: (l, s) => {
    const x = one(s)
    const c = x.at(-1)
    if (c === undefined) return problem('needs inputs with a channel axis; got a scalar per example')
    return c % l.groups === 0
      ? x
      : problem(`needs a channel count divisible by groups; got ${c} channels for ${l.groups} groups (choose groups dividing ${c}, or give the layer before it a multiple of ${l.groups} channels)`)
  },
  init: (_, __, s, dtype, r) => scaleAndOffset(s, dtype, r),
  apply: (l, vars, x) => {
    const t = single(x)
    const { gamma, beta } = vars.params as GnParams
    const g = T.reshape(t, [t.shape[0]!, ...grouped(l, t.shape.slice(1))])
    const mean = T.mean(g, [1, 3], true)
    const variance = T.variance(g, [1, 3], true)
    const normal = T.reshape(T.div(T.sub(g, mean), T.sqrt(T.add(variance, l.eps))), t.shape)
    return { y: T.add(T.mul(normal, gamma), beta), state: {} }
  },
  label: (l) => `GroupNorm(${l.groups})`,
  examples: () => [{ layer: groupNorm(2), inShape: [2, 3, 4] }, { layer: groupNorm(3, { eps: 1e-3 }), inShape: [6] }],
  // the formula: Reshape to [batch, positions, groups, channels per group], statistics over axes 1 and 3, Reshape back
  lower: (l, vars, x, cx) => {
    const { g, base, where: doc } = cx
    const s = cx.float(x, 'natural')
    const { gamma, beta } = scaleAndOffsetOf(cx, vars)
    const split = g.op(base, 'Reshape', [s.name, g.int64s(`${base}.groups`, [0, ...grouped(l, s.shape)])], { doc })
    // ReduceMean takes its axes as an attribute up to opset 17, as an input from 18
    const axes = cx.settings.opset >= 18 ? g.int64s(`${base}.axes`, [1, 3]) : undefined
    const meanOf = (v: string): string =>
      axes === undefined
        ? g.op(base, 'ReduceMean', [v], { attrs: [attr.ints('axes', [1, 3]), attr.int('keepdims', 1)], doc })
        : g.op(base, 'ReduceMean', [v, axes], { attrs: [attr.int('keepdims', 1)], doc })
    const normal = g.op(base, 'Reshape', [standardised(cx, split, meanOf, l.eps), g.int64s(`${base}.shape`, [0, ...s.shape])], { doc })
    return cx.out(scaledAndShifted(cx, normal, gamma, beta), 'natural')
  },
}

/** Options of `groupNorm`. */
export interface GroupNormOptions {
  /** added to the variance, default 1e-5 */
  readonly eps?: number
}

/**
 * Group normalisation (Wu and He): splits the channels (the last axis) into `groups` groups of
 * consecutive channels and normalises each example per group, with the mean and variance over
 * the group's channels at all positions (for images [height, width, channels], over height,
 * width and the group's channels), then learns a scale γ and an offset β per channel. As
 * PyTorch's GroupNorm and Keras' GroupNormalization for channels-last data: `groups` 1 is a
 * layer norm over all of an example, `groups` equal to the channel count is instance
 * normalisation. It does not depend on the batch, so it behaves the same in training and
 * evaluation and keeps no running statistics. The channel count must be a multiple of
 * `groups`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const gn = Net.groupNorm(2)
 * const vars = Net.init(gn, { key: Rng.key(0), inShape: [2, 4] })
 * assert.deepStrictEqual(Tree.paths(vars.params), ['beta', 'gamma'])
 * // groups: channels 0–1 and 2–3, each over both positions of the example
 * const y = Net.predict(gn, vars, T.tensor([[[1, 3, 0, 10], [3, 1, 0, -10]]]))
 * assert.ok(T.allclose(y, T.tensor([[[-1, 1, 0, 1.4142], [1, -1, 0, -1.4142]]]), { atol: 1e-4 }))
 * // 4 channels do not split into 3 groups
 * assert.ok(E.isLeft(Net.shape(Net.groupNorm(3), [2, 4])))
 * @category layers
 */
export const groupNorm = (groups: number, options?: GroupNormOptions): GroupNorm => {
  const opts = layerOptions('groupNorm', options, ['eps'])
  return make(groupNormKind, { _tag: 'GroupNorm', groups, eps: opts.eps ?? 1e-5 })
}
