/**
 * Lowering of convolution and pooling. puregrad's images are NHWC with HWIO kernels; ONNX's Conv
 * and pooling operators are NCHW with OIHW kernels, so kernels are transposed here and inputs
 * moved to NCHW (once per value, see `symbols.ts`). Padding is written out as explicit pads,
 * the top/left ones from puregrad's own geometry, so 'same', 'valid' and numeric padding give
 * the same windows as `Net.apply`.
 * @internal
 */
import type { Padding2d } from '../../../tensor/geometry.js'
import { convSpec, poolSpec } from '../../../tensor/geometry.js'
import { dataOf, type Tensor } from '../../../core/Tensor.js'
import type { Conv2d, Pool2d } from '../../Layer.js'
import { attr } from '../graph.js'
import type { Cx, Lowering } from '../lowering.js'

interface Axis {
  readonly size: number
  readonly kernel: number
  readonly stride: number
  readonly dilation: number
  readonly out: number
  readonly before: number
}

/** Padding after the input along one axis, as puregrad's geometry pads it. */
const after = (padding: Padding2d, i: 0 | 1, a: Axis): number => {
  if (padding === 'valid') return 0
  if (typeof padding === 'number') return padding
  if (padding !== 'same') return padding[i][1]
  const effective = (a.kernel - 1) * a.dilation + 1
  return Math.max((a.out - 1) * a.stride + effective - a.size, 0) - a.before
}

/** ONNX `pads` [top, left, bottom, right], checked to give puregrad's output size. */
const padsOf = (cx: Cx, padding: Padding2d, h: Axis, w: Axis): number[] => {
  const pads = [h.before, w.before, after(padding, 0, h), after(padding, 1, w)]
  for (const [a, lo, hi] of [[h, pads[0]!, pads[2]!], [w, pads[1]!, pads[3]!]] as const) {
    const onnxOut = Math.floor((a.size + lo + hi - ((a.kernel - 1) * a.dilation + 1)) / a.stride) + 1
    if (onnxOut !== a.out) cx.refuse('SHAPE_MISMATCH', `has padding that ONNX cannot express (${a.out} outputs along an axis, but the pads give ${onnxOut}); this is a bug in the exporter, please report it.`)
  }
  return pads
}

/** Kernel [kH, kW, in, out] (HWIO) → [out, in, kH, kW] (OIHW), each filter scaled by a folded batch norm. */
const oihw = (w: ArrayLike<number>, [kH, kW, cin, cout]: readonly [number, number, number, number], scale: Float64Array | undefined): Float64Array => {
  const out = new Float64Array(w.length)
  for (let h = 0; h < kH; h++)
    for (let x = 0; x < kW; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kH + h) * kW + x] = w[((h * kW + x) * cin + i) * cout + o]! * (scale === undefined ? 1 : scale[o]!)
  return out
}

export const lowerConv2d: Lowering<Conv2d> = (l, vars, x, cx) => {
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
}

/** Max pooling ignores padding cells, and puregrad's average leaves them out of the count (count_include_pad = 0). */
export const lowerPool =
  <Tag extends 'MaxPool2d' | 'AvgPool2d'>(op: 'MaxPool' | 'AveragePool'): Lowering<Pool2d<Tag>> =>
  (l, _, x, cx) => {
    const s = cx.float(x, 'channelsFirst')
    const [inH, inW, c] = s.shape as [number, number, number]
    const spec = poolSpec('toOnnx', [1, inH, inW, c], { size: l.size, strides: l.strides, padding: l.padding })
    const h: Axis = { size: inH, kernel: l.size[0], stride: l.strides[0], dilation: 1, out: spec.outH, before: spec.padTop }
    const w: Axis = { size: inW, kernel: l.size[1], stride: l.strides[1], dilation: 1, out: spec.outW, before: spec.padLeft }
    const y = cx.g.op(cx.base, op, [s.name], {
      attrs: [
        attr.ints('kernel_shape', [...l.size]),
        attr.ints('strides', [...l.strides]),
        attr.ints('pads', padsOf(cx, l.padding, h, w)),
        attr.int('ceil_mode', 0),
        ...(op === 'AveragePool' ? [attr.int('count_include_pad', 0)] : []),
      ],
      doc: cx.where,
    })
    return cx.out(y, 'channelsFirst')
  }
