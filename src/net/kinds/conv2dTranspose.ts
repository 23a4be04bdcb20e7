/**
 * Transposed 2-D convolution on NHWC images with HW(out)(in) kernels [kH, kW, filters,
 * inChannels]: the gradient of a conv2d with respect to its input (`conv2dGradInput`), whose
 * forward convolution maps the output shape back to the input shape. Exported as ONNX
 * ConvTranspose (NCHW, kernels [inChannels, filters, kH, kW]).
 */
import { dataOf, type Tensor } from '../../core/Tensor.js'
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { type Padding2d, convSpec } from '../../tensor/geometry.js'
import type { Conv2dSpec } from '../../kernels/Kernels.js'
import { initialize } from '../initializers.js'
import { type BuiltinKind, one, problem, single } from '../Kind.js'
import type { Initializer } from '../Layer.js'
import { attr } from '../../onnx/graph.js'
import { layerOptions, make, pairOf, positiveInt } from './common.js'
import { type ConvWindow, checkConvWindow, geometry, image } from './images.js'

export interface Conv2dTranspose extends ConvWindow {
  readonly _tag: 'Conv2dTranspose'
  readonly filters: number
  readonly outputPadding: readonly [number, number]
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Conv2dTranspose: Conv2dTranspose
  }
}

const explicit = (p: Padding2d): readonly [readonly [number, number], readonly [number, number]] =>
  p === 'valid' ? [[0, 0], [0, 0]] : p === 'same' ? [[0, 0], [0, 0]] : typeof p === 'number' ? [[p, p], [p, p]] : p

const checkOutputPadding = (l: Conv2dTranspose): string[] => {
  const op = l.outputPadding
  if (!(Array.isArray(op) && op.length === 2 && op.every((v) => Number.isInteger(v) && v >= 0))) return [`outputPadding must be two whole numbers ≥ 0; got ${JSON.stringify(op)}`]
  if (!Array.isArray(l.strides) || (op[0] < l.strides[0] && op[1] < l.strides[1])) return []
  return [`outputPadding [${op.join(', ')}] must be smaller than the strides [${l.strides.join(', ')}] along each axis (a larger one would add rows or columns no input reaches); use outputPadding < strides, or pad the output afterwards`]
}

const samePadding = (l: Conv2dTranspose): string[] =>
  l.padding === 'same' && Array.isArray(l.outputPadding) && (l.outputPadding[0] !== 0 || l.outputPadding[1] !== 0)
    ? [`outputPadding [${l.outputPadding.join(', ')}] needs numeric padding: with padding 'same' the output is exactly strides × the input; give padding as cells, e.g. padding: 1`]
    : []

/** What a transposed convolution's output size is: its geometry, as the forward convolution's spec over the output. */
interface Transposed {
  readonly outH: number
  readonly outW: number
  /** the convolution mapping the output [outH, outW, filters] back to the input */
  readonly spec: Conv2dSpec
  /** padding of that convolution [top, left, bottom, right] */
  readonly pads: readonly [number, number, number, number]
}

const effective = (k: number, d: number): number => (k - 1) * d + 1

/**
 * Output size along one axis: (in − 1)·stride + (k − 1)·dilation + 1 − before − after + outputPadding
 * (PyTorch's and ONNX's), or in·stride for 'same'.
 */
const outSize = (l: Conv2dTranspose, i: 0 | 1, size: number): number => {
  if (l.padding === 'same') return size * l.strides[i]
  const [before, after] = explicit(l.padding)[i]
  return (size - 1) * l.strides[i] + effective(l.kernelSize[i], l.dilations[i]) - before - after + l.outputPadding[i]
}

const transposed = (l: Conv2dTranspose, [h, w, c]: readonly [number, number, number]): Transposed => {
  const outH = outSize(l, 0, h)
  const outW = outSize(l, 1, w)
  if (outH < 1 || outW < 1) {
    const p = explicit(l.padding)
    const full = (i: 0 | 1, size: number): number => (size - 1) * l.strides[i] + effective(l.kernelSize[i], l.dilations[i]) + l.outputPadding[i]
    return problem(
      `crops the whole output: a ${l.kernelSize.join('×')} kernel with strides ${l.strides.join('×')} spreads a ${h}×${w} input over ${full(0, h)}×${full(1, w)} cells, ` +
        `and padding [[${p[0].join(', ')}], [${p[1].join(', ')}]] crops ${p[0][0] + p[0][1]} rows and ${p[1][0] + p[1][1]} columns, leaving ${outH}×${outW}; use less padding`,
    )
  }
  const padding: Padding2d = l.padding === 'same' ? 'same' : explicit(l.padding)
  const spec = geometry(() => convSpec('Conv2dTranspose', [1, outH, outW, l.filters], [...l.kernelSize, l.filters, c], { strides: l.strides, padding, dilations: l.dilations }))
  const total = (i: 0 | 1, size: number): number =>
    l.padding === 'same' ? Math.max((size - 1) * l.strides[i] + effective(l.kernelSize[i], l.dilations[i]) - size * l.strides[i], 0) : explicit(l.padding)[i][0] + explicit(l.padding)[i][1]
  return { outH, outW, spec, pads: [spec.padTop, spec.padLeft, total(0, h) - spec.padTop, total(1, w) - spec.padLeft] }
}

/** Kernel [kH, kW, out, in] → ONNX ConvTranspose's [in, out, kH, kW]. */
const iohw = (w: ArrayLike<number>, [kH, kW, cout, cin]: readonly [number, number, number, number]): Float64Array => {
  const out = new Float64Array(w.length)
  for (let h = 0; h < kH; h++)
    for (let x = 0; x < kW; x++)
      for (let o = 0; o < cout; o++)
        for (let i = 0; i < cin; i++) out[((i * cout + o) * kH + h) * kW + x] = w[((h * kW + x) * cout + o) * cin + i]!
  return out
}

export const conv2dTransposeKind: BuiltinKind<Conv2dTranspose> = {
  tag: 'Conv2dTranspose',
  fields: ['filters', 'kernelSize', 'strides', 'padding', 'outputPadding', 'dilations', 'init', 'biasInit', 'useBias'],
  check: (l) => [...positiveInt('filters', l.filters), ...checkConvWindow(l), ...checkOutputPadding(l), ...samePadding(l)],
  children: () => [],
  shape: (l, s) => {
    const t = transposed(l, image(one(s)))
    return [t.outH, t.outW, l.filters]
  },
  init: (l, key, s, dtype, r) => {
    const c = one(s)[2]!
    const area = l.kernelSize[0] * l.kernelSize[1]
    const [kW, kb] = split(key)
    const W = r.variable([...l.kernelSize, l.filters, c], (shape) => initialize(l.init, kW, shape, area * l.filters, area * c, dtype))
    return { params: l.useBias ? { W, b: r.variable([l.filters], (shape) => initialize(l.biasInit, kb, shape, area * l.filters, area * c, dtype)) } : { W }, state: {} }
  },
  apply: (l, { params }, x) => {
    const p = params as { W: Tensor; b?: Tensor }
    const t = single(x)
    const [n, h, w, c] = t.shape as [number, number, number, number]
    const { outH, outW } = transposed(l, [h, w, c])
    const padding: Padding2d = l.padding === 'same' ? 'same' : explicit(l.padding)
    const y = T.conv2dGradInput(t, p.W, [n, outH, outW, l.filters], { strides: l.strides, padding, dilations: l.dilations })
    return { y: p.b === undefined ? y : T.add(y, p.b), state: {} }
  },
  examples: () => [{ layer: conv2dTranspose(2, 3, { strides: 2, padding: 1, outputPadding: 1 }), inShape: [3, 2, 2] }, { layer: conv2dTranspose(2, [1, 2], { strides: [2, 3], padding: 'same' }), inShape: [2, 2, 1] }],
  label: (l) =>
    `Conv2dTranspose(${l.filters}, ${l.kernelSize.join('×')}${l.strides[0] !== 1 || l.strides[1] !== 1 ? `, stride ${l.strides.join('×')}` : ''}, ${typeof l.padding === 'string' ? l.padding : 'padded'})`,
  lower: (l, vars, x, cx) => {
    const p = vars.params as { readonly W: Tensor; readonly b?: Tensor }
    const s = cx.float(x, 'channelsFirst')
    const [h, w, c] = s.shape as [number, number, number]
    const t = transposed(l, [h, w, c])
    const dims = p.W.shape as [number, number, number, number]
    const kernel = cx.g.floats(`${cx.base}.W`, [c, l.filters, dims[0], dims[1]], iohw(dataOf(p.W), dims))
    const inputs = p.b === undefined ? [s.name, kernel] : [s.name, kernel, cx.g.floats(`${cx.base}.b`, [l.filters], dataOf(p.b))]
    // ONNX: out = stride·(in − 1) + outputPadding + (k − 1)·dilation + 1 − pads; the output padding is what is left
    const bare = (i: 0 | 1, size: number): number => (size - 1) * l.strides[i] + effective(l.kernelSize[i], l.dilations[i]) - t.pads[i]! - t.pads[i + 2]!
    const y = cx.g.op(cx.base, 'ConvTranspose', inputs, {
      attrs: [
        attr.ints('kernel_shape', [dims[0], dims[1]]),
        attr.ints('strides', [...l.strides]),
        attr.ints('dilations', [...l.dilations]),
        attr.ints('pads', [...t.pads]),
        attr.ints('output_padding', [t.outH - bare(0, h), t.outW - bare(1, w)]),
        attr.int('group', 1),
      ],
      doc: cx.where,
    })
    return cx.out(y, 'channelsFirst')
  },
}

/** Options of `conv2dTranspose`. */
export interface Conv2dTransposeLayerOptions {
  /** upsampling factor, default 1 */
  readonly strides?: number | readonly [number, number]
  /**
   * default 'valid' (no cropping); a number p or [[top, bottom], [left, right]] crops that many
   * cells from the borders of the output (PyTorch's `padding`); 'same' makes the output exactly
   * strides × the input
   */
  readonly padding?: Padding2d
  /** cells added at the bottom and right of the output, each smaller than its stride; default 0 */
  readonly outputPadding?: number | readonly [number, number]
  readonly dilations?: number | readonly [number, number]
  /** default glorotUniform, with fans kH·kW·filters and kH·kW·inChannels (Keras') */
  readonly init?: Initializer
  readonly biasInit?: Initializer
  readonly useBias?: boolean
}

/**
 * A transposed 2-D convolution ("deconvolution"), which upsamples NHWC images: every input
 * pixel adds its channels, times the kernel, into a kH×kW patch of the output placed at
 * strides × its position, y[i·sₕ − top + a·dₕ, j·s_w − left + b·d_w, f] += x[i, j, c] ·
 * W[a, b, f, c], then the bias is added. It is the gradient of a conv2d with respect to its
 * input (`Tensor.conv2dGradInput`). Output size per axis: (in − 1)·stride + (k − 1)·dilation + 1
 * − top − bottom + outputPadding, as PyTorch's `ConvTranspose2d` and ONNX's ConvTranspose.
 *
 * Weights W [kH, kW, filters, inChannels] (TensorFlow's `Conv2DTranspose` layout) and bias b
 * [filters]. A PyTorch `ConvTranspose2d` weight [inChannels, filters, kH, kW] is W transposed
 * by [2, 3, 1, 0]; its `padding`, `output_padding` and `dilation` are the options of the same
 * names here. Output padding must be smaller than the stride, and needs numeric padding.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.conv2dTranspose(8, 3, { strides: 2, padding: 'same' }), [7, 7, 16]), E.right([14, 14, 8]))
 * // PyTorch's ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1): 7 → 14 too
 * assert.deepStrictEqual(Net.shape(Net.conv2dTranspose(8, 3, { strides: 2, padding: 1, outputPadding: 1 }), [7, 7, 16]), E.right([14, 14, 8]))
 * // a 2×2 kernel of ones with stride 2 copies each pixel into a 2×2 block
 * const up = Net.conv2dTranspose(1, 2, { strides: 2, useBias: false })
 * const vars = { params: { W: T.ones([2, 2, 1, 1]) }, state: {} }
 * const y = Net.predict(up, vars, T.reshape(T.tensor([1, 2]), [1, 1, 2, 1]))
 * assert.deepStrictEqual(T.toArray(y), [1, 1, 2, 2, 1, 1, 2, 2])
 * @category layers
 */
export const conv2dTranspose = (filters: number, kernelSize: number | readonly [number, number], options?: Conv2dTransposeLayerOptions): Conv2dTranspose => {
  const opts = layerOptions('conv2dTranspose', options, ['strides', 'padding', 'outputPadding', 'dilations', 'init', 'biasInit', 'useBias'])
  return make(conv2dTransposeKind, {
    _tag: 'Conv2dTranspose',
    filters,
    kernelSize: pairOf(kernelSize),
    strides: pairOf(opts.strides ?? 1),
    padding: opts.padding ?? 'valid',
    outputPadding: pairOf(opts.outputPadding ?? 0),
    dilations: pairOf(opts.dilations ?? 1),
    init: opts.init ?? 'glorotUniform',
    biasInit: opts.biasInit ?? 'zeros',
    useBias: opts.useBias ?? true,
  })
}
