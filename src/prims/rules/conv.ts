/**
 * Convolution and pooling primitives. They come in adjoint pairs, so the derivatives of
 * derivatives stay inside the table:
 *   conv2d(·, w)       ↔ conv2dGradInput(·, w)     conv2d(x, ·) ↔ conv2dGradFilter(x, ·)
 *   maxPool2dSelect(x, ·) ↔ maxPool2dGrad(x, ·)     avgPool2d ↔ avgPool2dGrad
 * @internal
 */
import { alloc } from '../../core/dtype.js'
import type { Shape } from '../../core/shape.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import type { Conv2dSpec, Pool2dSpec } from '../../kernels/Kernels.js'
import { kernels } from '../../kernels/registry.js'
import { bind } from '../bind.js'
import { plus } from '../linear.js'
import type { Primitive } from '../Prim.js'

const xShape = (s: Conv2dSpec): Shape => [s.batch, s.inH, s.inW, s.inC]
const wShape = (s: Conv2dSpec): Shape => [s.kH, s.kW, s.inC, s.outC]
const yShape = (s: Conv2dSpec): Shape => [s.batch, s.outH, s.outW, s.outC]
const poolIn = (s: Pool2dSpec): Shape => [s.batch, s.inH, s.inW, s.channels]
const poolOut = (s: Pool2dSpec): Shape => [s.batch, s.outH, s.outW, s.channels]

const conv = (x: Tensor, w: Tensor, spec: Conv2dSpec): Tensor => bind('conv2d', [x, w], { spec })
const gradInput = (dy: Tensor, w: Tensor, spec: Conv2dSpec): Tensor => bind('conv2dGradInput', [dy, w], { spec })
const gradFilter = (x: Tensor, dy: Tensor, spec: Conv2dSpec): Tensor => bind('conv2dGradFilter', [x, dy], { spec })
const select = (x: Tensor, t: Tensor, spec: Pool2dSpec): Tensor => bind('maxPool2dSelect', [x, t], { spec })
const route = (x: Tensor, dy: Tensor, spec: Pool2dSpec): Tensor => bind('maxPool2dGrad', [x, dy], { spec })
const avg = (x: Tensor, spec: Pool2dSpec): Tensor => bind('avgPool2d', [x], { spec })
const avgBack = (dy: Tensor, spec: Pool2dSpec): Tensor => bind('avgPool2dGrad', [dy], { spec })

/**
 * Signed kink coordinate of max pooling, one value per (window, channel, cell): for the cell
 * holding the window's maximum, its lead over the runner-up (0 when tied); for the others,
 * minus their distance to the maximum; +∞ for cells in padding. The sign pattern changes
 * exactly when some window's maximum moves to another cell.
 */
const windowKink = (x: Tensor, s: Pool2dSpec): Tensor => {
  const v = dataOf(x)
  const C = s.channels
  const cells = s.kH * s.kW
  const out = new Float64Array(s.batch * s.outH * s.outW * C * cells).fill(Infinity)
  const at = (n: number, h: number, w: number, c: number): number =>
    h < 0 || w < 0 || h >= s.inH || w >= s.inW ? NaN : v[((n * s.inH + h) * s.inW + w) * C + c]!
  let o = 0
  for (let n = 0; n < s.batch; n++)
    for (let i = 0; i < s.outH; i++)
      for (let j = 0; j < s.outW; j++)
        for (let c = 0; c < C; c++, o += cells) {
          const window = Array.from({ length: cells }, (_, q) => at(n, i * s.strideH - s.padTop + Math.floor(q / s.kW), j * s.strideW - s.padLeft + (q % s.kW), c))
          const valid = window.filter((u) => !Number.isNaN(u))
          if (valid.length === 0) continue
          const m = Math.max(...valid)
          const ties = valid.filter((u) => u === m).length
          const runnerUp = Math.max(-Infinity, ...valid.filter((u) => u !== m))
          window.forEach((u, q) => {
            if (!Number.isNaN(u)) out[o + q] = u === m ? (ties > 1 ? 0 : m - runnerUp) : u - m
          })
        }
  return fromBuffer(out, [s.batch, s.outH, s.outW, C, cells])
}

type ConvPrim = 'conv2d' | 'conv2dGradInput' | 'conv2dGradFilter' | 'maxPool2d' | 'maxPool2dGrad' | 'maxPool2dSelect' | 'avgPool2d' | 'avgPool2dGrad'

export const convRules: { readonly [P in ConvPrim]: Primitive<P> } = {
  // bilinear in (x, w)
  conv2d: {
    eval: ([x, w], { spec }) => {
      const out = alloc(x!.dtype, spec.batch * spec.outH * spec.outW * spec.outC)
      kernels().conv2d(dataOf(x!), dataOf(w!), out, spec)
      return fromBuffer(out, yShape(spec))
    },
    jvp: ([x, w], [tx, tw], _, { spec }) => plus(tx === null ? null : conv(tx!, w!, spec), tw === null ? null : conv(x!, tw!, spec)),
    vjp: (g, [x, w], _, { spec }, [needX, needW]) => [needX === false ? null : gradInput(g, w!, spec), needW === false ? null : gradFilter(x!, g, spec)],
  },
  // bilinear in (dy, w): ⟨g, gradInput(dy, w)⟩ = ⟨conv(g, w), dy⟩ = ⟨gradFilter(g, dy), w⟩
  conv2dGradInput: {
    eval: ([dy, w], { spec }) => {
      const dx = alloc(dy!.dtype, spec.batch * spec.inH * spec.inW * spec.inC)
      kernels().conv2dBackInput(dataOf(dy!), dataOf(w!), dx, spec)
      return fromBuffer(dx, xShape(spec))
    },
    jvp: ([dy, w], [tdy, tw], _, { spec }) =>
      plus(tdy === null ? null : gradInput(tdy!, w!, spec), tw === null ? null : gradInput(dy!, tw!, spec)),
    vjp: (g, [dy, w], _, { spec }, [needDy, needW]) => [needDy === false ? null : conv(g, w!, spec), needW === false ? null : gradFilter(g, dy!, spec)],
  },
  // bilinear in (x, dy): ⟨g, gradFilter(x, dy)⟩ = ⟨conv(x, g), dy⟩ = ⟨gradInput(dy, g), x⟩
  conv2dGradFilter: {
    eval: ([x, dy], { spec }) => {
      const dw = alloc(x!.dtype, spec.kH * spec.kW * spec.inC * spec.outC)
      kernels().conv2dBackFilter(dataOf(x!), dataOf(dy!), dw, spec)
      return fromBuffer(dw, wShape(spec))
    },
    jvp: ([x, dy], [tx, tdy], _, { spec }) =>
      plus(tx === null ? null : gradFilter(tx!, dy!, spec), tdy === null ? null : gradFilter(x!, tdy!, spec)),
    vjp: (g, [x, dy], _, { spec }, [needX, needDy]) => [needX === false ? null : gradInput(dy!, g, spec), needDy === false ? null : conv(x!, g, spec)],
  },
  // piecewise linear: the tangent of each window is the tangent of its (first) maximum
  maxPool2d: {
    eval: ([x], { spec }) => {
      const out = alloc(x!.dtype, spec.batch * spec.outH * spec.outW * spec.channels)
      kernels().pool2d('max', dataOf(x!), out, spec)
      return fromBuffer(out, poolOut(spec))
    },
    jvp: ([x], [t], _, { spec }) => (t === null ? null : select(x!, t!, spec)),
    vjp: (g, [x], _, { spec }) => [route(x!, g, spec)],
    kink: ([x], { spec }) => windowKink(x!, spec),
  },
  // linear in dy (x only decides where things go)
  maxPool2dGrad: {
    eval: ([x, dy], { spec }) => {
      const dx = alloc(dy!.dtype, spec.batch * spec.inH * spec.inW * spec.channels)
      kernels().pool2dBack('max', dataOf(x!), dataOf(dy!), dx, spec)
      return fromBuffer(dx, poolIn(spec))
    },
    jvp: ([x], [, tdy], _, { spec }) => (tdy === null ? null : route(x!, tdy!, spec)),
    vjp: (g, [x], _, { spec }) => [null, select(x!, g, spec)],
    kink: ([x], { spec }) => windowKink(x!, spec),
  },
  // linear in t
  maxPool2dSelect: {
    eval: ([x, t], { spec }) => {
      const out = alloc(t!.dtype, spec.batch * spec.outH * spec.outW * spec.channels)
      kernels().pool2dSelect(dataOf(x!), dataOf(t!), out, spec)
      return fromBuffer(out, poolOut(spec))
    },
    jvp: ([x], [, tt], _, { spec }) => (tt === null ? null : select(x!, tt!, spec)),
    vjp: (g, [x], _, { spec }) => [null, route(x!, g, spec)],
    kink: ([x], { spec }) => windowKink(x!, spec),
  },
  avgPool2d: {
    eval: ([x], { spec }) => {
      const out = alloc(x!.dtype, spec.batch * spec.outH * spec.outW * spec.channels)
      kernels().pool2d('avg', dataOf(x!), out, spec)
      return fromBuffer(out, poolOut(spec))
    },
    jvp: (_, [t], __, { spec }) => (t === null ? null : avg(t!, spec)),
    vjp: (g, _, __, { spec }) => [avgBack(g, spec)],
  },
  avgPool2dGrad: {
    eval: ([dy], { spec }) => {
      const dx = alloc(dy!.dtype, spec.batch * spec.inH * spec.inW * spec.channels)
      kernels().pool2dBack('avg', new Float64Array(0), dataOf(dy!), dx, spec)
      return fromBuffer(dx, poolIn(spec))
    },
    jvp: (_, [t], __, { spec }) => (t === null ? null : avgBack(t!, spec)),
    vjp: (g, _, __, { spec }) => [avg(g, spec)],
  },
}
