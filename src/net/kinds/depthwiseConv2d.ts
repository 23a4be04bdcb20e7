/**
 * Depthwise 2-D convolution on NHWC images: each input channel convolved with its own
 * `depthMultiplier` filters (a grouped conv2d with groups = channels), kernels [kH, kW,
 * channels, depthMultiplier]. Exported as ONNX Conv with group = channels (NCHW, kernels
 * [channels·depthMultiplier, 1, kH, kW]).
 */
import { dataOf, type Tensor } from '../../core/Tensor.js'
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { type Padding2d, convSpec } from '../../tensor/geometry.js'
import { initialize } from '../initializers.js'
import { type BuiltinKind, one, problem, single } from '../Kind.js'
import type { Initializer } from '../Layer.js'
import { attr } from '../../onnx/graph.js'
import { layerOptions, make, pairOf, positiveInt } from './common.js'
import { type Axis, type ConvWindow, checkConvWindow, geometry, image, padsOf } from './images.js'

export interface DepthwiseConv2d extends ConvWindow {
  readonly _tag: 'DepthwiseConv2d'
  readonly depthMultiplier: number
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly DepthwiseConv2d: DepthwiseConv2d
  }
}

const convOpts = (l: DepthwiseConv2d, channels: number): T.Conv2dOptions => ({ strides: l.strides, padding: l.padding, dilations: l.dilations, groups: channels })

/** Kernel [kH, kW, C, M] → ONNX's [C·M, 1, kH, kW] (output channel c·M + m). */
const grouped = (w: ArrayLike<number>, [kH, kW, c, m]: readonly [number, number, number, number]): Float64Array => {
  const out = new Float64Array(w.length)
  for (let h = 0; h < kH; h++)
    for (let x = 0; x < kW; x++)
      for (let i = 0; i < c * m; i++) out[(i * kH + h) * kW + x] = w[(h * kW + x) * c * m + i]!
  return out
}

export const depthwiseConv2dKind: BuiltinKind<DepthwiseConv2d> = {
  tag: 'DepthwiseConv2d',
  fields: ['kernelSize', 'depthMultiplier', 'strides', 'padding', 'dilations', 'init', 'biasInit', 'useBias'],
  check: (l) => [...positiveInt('depthMultiplier', l.depthMultiplier), ...checkConvWindow(l)],
  children: () => [],
  shape: (l, s) => {
    const [h, w, c] = image(one(s))
    if (c === 0) problem('needs images with at least one channel; got 0 channels')
    const spec = geometry(() => convSpec('DepthwiseConv2d', [1, h, w, c], [...l.kernelSize, 1, c * l.depthMultiplier], convOpts(l, c)))
    return [spec.outH, spec.outW, c * l.depthMultiplier]
  },
  init: (l, key, s, dtype, r) => {
    const c = one(s)[2]!
    const area = l.kernelSize[0] * l.kernelSize[1]
    const [kW, kb] = split(key)
    const fanIn = area
    const fanOut = area * l.depthMultiplier
    const W = r.variable([...l.kernelSize, c, l.depthMultiplier], (shape) => initialize(l.init, kW, shape, fanIn, fanOut, dtype))
    return { params: l.useBias ? { W, b: r.variable([c * l.depthMultiplier], (shape) => initialize(l.biasInit, kb, shape, fanIn, fanOut, dtype)) } : { W }, state: {} }
  },
  apply: (l, { params }, x) => {
    const p = params as { W: Tensor; b?: Tensor }
    const [kH, kW, c, m] = p.W.shape as [number, number, number, number]
    const y = T.conv2d(single(x), T.reshape(p.W, [kH, kW, 1, c * m]), convOpts(l, c))
    return { y: p.b === undefined ? y : T.add(y, p.b), state: {} }
  },
  examples: () => [{ layer: depthwiseConv2d([2, 3], { depthMultiplier: 2, padding: 'same', strides: [1, 2] }), inShape: [4, 5, 2] }],
  label: (l) =>
    `DepthwiseConv2d(${l.kernelSize.join('×')}${l.depthMultiplier !== 1 ? `, ×${l.depthMultiplier}` : ''}${l.strides[0] !== 1 || l.strides[1] !== 1 ? `, stride ${l.strides.join('×')}` : ''}, ${typeof l.padding === 'string' ? l.padding : 'padded'})`,
  lower: (l, vars, x, cx) => {
    const p = vars.params as { readonly W: Tensor; readonly b?: Tensor }
    const s = cx.float(x, 'channelsFirst')
    const [inH, inW, c] = s.shape as [number, number, number]
    const dims = p.W.shape as [number, number, number, number]
    const out = c * l.depthMultiplier
    const spec = convSpec('toOnnx', [1, inH, inW, c], [dims[0], dims[1], 1, out], convOpts(l, c))
    const h: Axis = { size: inH, kernel: dims[0], stride: l.strides[0], dilation: l.dilations[0], out: spec.outH, before: spec.padTop }
    const w: Axis = { size: inW, kernel: dims[1], stride: l.strides[1], dilation: l.dilations[1], out: spec.outW, before: spec.padLeft }
    const kernel = cx.g.floats(`${cx.base}.W`, [out, 1, dims[0], dims[1]], grouped(dataOf(p.W), dims))
    const inputs = p.b === undefined ? [s.name, kernel] : [s.name, kernel, cx.g.floats(`${cx.base}.b`, [out], dataOf(p.b))]
    const y = cx.g.op(cx.base, 'Conv', inputs, {
      attrs: [
        attr.ints('kernel_shape', [dims[0], dims[1]]),
        attr.ints('strides', [...l.strides]),
        attr.ints('dilations', [...l.dilations]),
        attr.ints('pads', padsOf(cx, l.padding, h, w)),
        attr.int('group', c),
      ],
      doc: cx.where,
    })
    return cx.out(y, 'channelsFirst')
  },
}

/** Options of `depthwiseConv2d`. */
export interface DepthwiseConv2dLayerOptions {
  /** filters per input channel (M), default 1 */
  readonly depthMultiplier?: number
  readonly strides?: number | readonly [number, number]
  /** default 'valid' */
  readonly padding?: Padding2d
  readonly dilations?: number | readonly [number, number]
  /** default glorotUniform, with fans kH·kW (each output sees one channel) and kH·kW·depthMultiplier */
  readonly init?: Initializer
  readonly biasInit?: Initializer
  readonly useBias?: boolean
}

/**
 * A depthwise 2-D convolution on NHWC images: each input channel c is convolved with its own
 * `depthMultiplier` (M) filters and never mixed with the others, giving C·M output channels,
 * output channel c·M + m from input channel c:
 * y[i, j, c·M + m] = Σ_{a, b} x[i·sₕ − top + a·dₕ, j·s_w − left + b·d_w, c] · W[a, b, c, m] + b[c·M + m].
 * Padding, strides and dilations are those of `conv2d`. It is `Tensor.conv2d` with
 * `groups` = channels; follow it with a 1×1 conv2d for a depthwise-separable convolution.
 *
 * Weights W [kH, kW, channels, M] (TensorFlow's `DepthwiseConv2D` layout) and bias b [C·M].
 * A PyTorch `Conv2d(C, C·M, k, groups=C)` weight [C·M, 1, kH, kW] is W reshaped from
 * [C, M, kH, kW] and transposed by [2, 3, 0, 1].
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const separable = Net.serial(Net.depthwiseConv2d(3, { padding: 'same' }), Net.conv2d(16, 1))
 * assert.deepStrictEqual(Net.shape(separable, [32, 32, 8]), E.right([32, 32, 16]))
 * assert.deepStrictEqual(Net.shape(Net.depthwiseConv2d(3, { depthMultiplier: 2 }), [5, 5, 4]), E.right([3, 3, 8]))
 * // two channels, each scaled by its own 1×1 filter: channel 0 by 2 and 3, channel 1 by 4 and 5
 * const layer = Net.depthwiseConv2d(1, { depthMultiplier: 2, useBias: false })
 * const vars = { params: { W: T.reshape(T.tensor([2, 3, 4, 5]), [1, 1, 2, 2]) }, state: {} }
 * assert.deepStrictEqual(T.toArray(Net.predict(layer, vars, T.reshape(T.tensor([1, 10]), [1, 1, 1, 2]))), [2, 3, 40, 50])
 * @category layers
 */
export const depthwiseConv2d = (kernelSize: number | readonly [number, number], options?: DepthwiseConv2dLayerOptions): DepthwiseConv2d => {
  const opts = layerOptions('depthwiseConv2d', options, ['depthMultiplier', 'strides', 'padding', 'dilations', 'init', 'biasInit', 'useBias'])
  return make(depthwiseConv2dKind, {
    _tag: 'DepthwiseConv2d',
    kernelSize: pairOf(kernelSize),
    depthMultiplier: opts.depthMultiplier ?? 1,
    strides: pairOf(opts.strides ?? 1),
    padding: opts.padding ?? 'valid',
    dilations: pairOf(opts.dilations ?? 1),
    init: opts.init ?? 'glorotUniform',
    biasInit: opts.biasInit ?? 'zeros',
    useBias: opts.useBias ?? true,
  })
}
