/**
 * 2-D convolution on NHWC images (per-example shape [height, width, channels]) with HWIO
 * kernels; exported as ONNX Conv, which is NCHW with OIHW kernels, so kernels are transposed
 * and inputs moved to NCHW (once per value, see `onnx/symbols.ts`).
 */
import { dataOf, type Tensor } from '../../core/Tensor.js'
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { type Padding2d, convSpec } from '../../tensor/geometry.js'
import { initialize } from '../initializers.js'
import { type BuiltinKind, one, single } from '../Kind.js'
import type { Initializer } from '../Layer.js'
import { attr } from '../../onnx/graph.js'
import { layerOptions, make, pairOf, positiveInt } from './common.js'
import { type Axis, type ConvWindow, checkConvWindow, geometry, image, padsOf } from './images.js'

export interface Conv2d extends ConvWindow {
  readonly _tag: 'Conv2d'
  readonly filters: number
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Conv2d: Conv2d
  }
}

const convOpts = (l: Conv2d) => ({ strides: l.strides, padding: l.padding, dilations: l.dilations })

/** Kernel [kH, kW, in, out] (HWIO) → [out, in, kH, kW] (OIHW), each filter scaled by a folded batch norm. */
const oihw = (w: ArrayLike<number>, [kH, kW, cin, cout]: readonly [number, number, number, number], scale: Float64Array | undefined): Float64Array => {
  const out = new Float64Array(w.length)
  for (let h = 0; h < kH; h++)
    for (let x = 0; x < kW; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kH + h) * kW + x] = w[((h * kW + x) * cin + i) * cout + o]! * (scale === undefined ? 1 : scale[o]!)
  return out
}

export const conv2dKind: BuiltinKind<Conv2d> = {
  tag: 'Conv2d',
  fields: ['filters', 'kernelSize', 'strides', 'padding', 'dilations', 'init', 'biasInit', 'useBias'],
  check: (l) => [...positiveInt('filters', l.filters), ...checkConvWindow(l)],
  children: () => [],
  shape: (l, s) => {
    const [h, w, c] = image(one(s))
    const spec = geometry(() => convSpec('Conv2d', [1, h, w, c], [...l.kernelSize, c, l.filters], convOpts(l)))
    return [spec.outH, spec.outW, l.filters]
  },
  init: (l, key, s, dtype, r) => {
    const c = one(s)[2]!
    const area = l.kernelSize[0] * l.kernelSize[1]
    const [kW, kb] = split(key)
    const W = r.variable([...l.kernelSize, c, l.filters], (shape) => initialize(l.init, kW, shape, area * c, area * l.filters, dtype))
    return { params: l.useBias ? { W, b: r.variable([l.filters], (shape) => initialize(l.biasInit, kb, shape, area * c, area * l.filters, dtype)) } : { W }, state: {} }
  },
  apply: (l, { params }, x) => {
    const p = params as { W: T.Tensor; b?: T.Tensor }
    const y = T.conv2d(single(x), p.W, convOpts(l))
    return { y: p.b === undefined ? y : T.add(y, p.b), state: {} }
  },
  label: (l) => `Conv2d(${l.filters}, ${l.kernelSize.join('×')}${l.strides[0] !== 1 || l.strides[1] !== 1 ? `, stride ${l.strides.join('×')}` : ''}, ${typeof l.padding === 'string' ? l.padding : 'padded'})`,
  examples: () => [
    { layer: conv2d(2, 2, { padding: 'same', strides: [1, 2] }), inShape: [4, 4, 2] },
    { layer: conv2d(3, [2, 3], { dilations: [2, 1], padding: 1, useBias: false }), inShape: [5, 5, 2] },
  ],
  lower: (l, vars, x, cx) => {
    const p = vars.params as { readonly W: Tensor; readonly b?: Tensor }
    const s = cx.float(x, 'channelsFirst')
    const [inH, inW, inC] = s.shape as [number, number, number]
    const dims = p.W.shape as [number, number, number, number]
    const spec = convSpec('toOnnx', [1, inH, inW, inC], dims, { strides: l.strides, padding: l.padding, dilations: l.dilations })
    const h: Axis = { size: inH, kernel: dims[0], stride: l.strides[0], dilation: l.dilations[0], out: spec.outH, before: spec.padTop }
    const w: Axis = { size: inW, kernel: dims[1], stride: l.strides[1], dilation: l.dilations[1], out: spec.outW, before: spec.padLeft }
    const then = cx.then
    const cout = dims[3]
    const kernel = cx.g.floats(`${cx.base}.W`, [cout, inC, dims[0], dims[1]], oihw(dataOf(p.W), dims, then?.scale))
    const b = p.b === undefined ? undefined : dataOf(p.b)
    const bias =
      then !== undefined
        ? cx.g.floats(`${cx.base}.b`, [cout], Float64Array.from({ length: cout }, (_, o) => (b === undefined ? 0 : b[o]!) * then.scale[o]! + then.shift[o]!))
        : b === undefined
          ? undefined
          : cx.g.floats(`${cx.base}.b`, [cout], b)
    const y = cx.g.op(cx.base, 'Conv', bias === undefined ? [s.name, kernel] : [s.name, kernel, bias], {
      attrs: [
        attr.ints('kernel_shape', [dims[0], dims[1]]),
        attr.ints('strides', [...l.strides]),
        attr.ints('dilations', [...l.dilations]),
        attr.ints('pads', padsOf(cx, l.padding, h, w)),
        attr.int('group', 1),
      ],
      doc: then === undefined ? cx.where : `${cx.where}, with ${then.from} folded in`,
    })
    return cx.out(y, 'channelsFirst')
  },
}

/** Options of `conv2d`. */
export interface Conv2dLayerOptions {
  readonly strides?: number | readonly [number, number]
  /** default 'valid' */
  readonly padding?: Padding2d
  readonly dilations?: number | readonly [number, number]
  /** default glorotUniform (fans include the kernel area) */
  readonly init?: Initializer
  readonly biasInit?: Initializer
  readonly useBias?: boolean
}

/**
 * A 2-D convolution with `filters` output channels and a `kernelSize` window, on NHWC images;
 * weights of shape [kH, kW, inChannels, filters].
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net } from 'puregrad'
 * const net = Net.serial(Net.conv2d(8, 3, { padding: 'same' }), Net.relu, Net.maxPool2d(2))
 * assert.deepStrictEqual(Net.shape(net, [28, 28, 1]), E.right([14, 14, 8]))
 * // without padding ('valid', the default) a 3×3 kernel trims one pixel from each border
 * assert.deepStrictEqual(Net.shape(Net.conv2d(8, 3), [28, 28, 1]), E.right([26, 26, 8]))
 * @category layers
 */
export const conv2d = (filters: number, kernelSize: number | readonly [number, number], options?: Conv2dLayerOptions): Conv2d => {
  const opts = layerOptions('conv2d', options, ['strides', 'padding', 'dilations', 'init', 'biasInit', 'useBias'])
  return make(conv2dKind, {
    _tag: 'Conv2d',
    filters,
    kernelSize: pairOf(kernelSize),
    strides: pairOf(opts.strides ?? 1),
    padding: opts.padding ?? 'valid',
    dilations: pairOf(opts.dilations ?? 1),
    init: opts.init ?? 'glorotUniform',
    biasInit: opts.biasInit ?? 'zeros',
    useBias: opts.useBias ?? true,
  })
}
