/**
 * Derivative rules of the convolution and pooling primitives. They come in adjoint pairs, so the derivatives of
 * derivatives stay inside the table (a grouped convolution's adjoints are grouped alike: the
 * parameters, groups included, pass through unchanged):
 *   conv2d(·, w)       ↔ conv2dGradInput(·, w)     conv2d(x, ·) ↔ conv2dGradFilter(x, ·)
 *   maxPool2dSelect(x, ·) ↔ maxPool2dGrad(x, ·)     avgPool2d ↔ avgPool2dGrad
 * @internal
 */
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import type { Conv2dSpec, Pool2dSpec } from '../../kernels/Kernels.js'
import { bind } from '../../prims/bind.js'
import type { ConvParams, ConvPrim } from '../../prims/Prim.js'
import { plus } from './linear.js'
import { loop, loopWhen, materialize } from './batch.js'
import type { BatchRule, Rule } from './Rule.js'

const conv = (x: Tensor, w: Tensor, p: ConvParams): Tensor => bind('conv2d', [x, w], p)
const gradInput = (dy: Tensor, w: Tensor, p: ConvParams): Tensor => bind('conv2dGradInput', [dy, w], p)
const gradFilter = (x: Tensor, dy: Tensor, p: ConvParams): Tensor => bind('conv2dGradFilter', [x, dy], p)
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

/**
 * Convolution and pooling batch over their image batch axis: the mapped axis is folded into it
 * ([size, n, h, w, c] → [size·n, h, w, c]), the primitive runs once, and the result is
 * unfolded. Operands listed in `images` are folded (an unbatched one is repeated first); the
 * others (filters) must be unbatched, or the rule loops over the examples.
 */
const folding =
  <P extends ConvPrim>(images: ReadonlyArray<number>): BatchRule<P> =>
  (xs, axes, params, cx) => {
    const spec = (params as { readonly spec: Conv2dSpec | Pool2dSpec }).spec
    const ins = xs.map((x, i) => {
      if (!images.includes(i)) return x
      const m = materialize(x, axes[i]!, cx.size)
      return bind('reshape', [m], { shape: [cx.size * m.shape[1]!, ...m.shape.slice(2)] })
    })
    const y = bind(cx.prim, ins, { ...params, spec: { ...spec, batch: cx.size * spec.batch } } as never)
    return [bind('reshape', [y], { shape: [cx.size, spec.batch, ...y.shape.slice(1)] }), 0]
  }

/** Folds the image operand; loops when the filter (operand 1) differs per example. */
const filterShared = <P extends 'conv2d' | 'conv2dGradInput'>(): BatchRule<P> => loopWhen<P>((axes) => axes[1] !== null, folding<P>([0]))

export const convRules: { readonly [P in ConvPrim]: Rule<P> } = {
  // bilinear in (x, w)
  conv2d: {
    jvp: ([x, w], [tx, tw], _, p) => plus(tx === null ? null : conv(tx!, w!, p), tw === null ? null : conv(x!, tw!, p)),
    vjp: (g, [x, w], _, p, [needX, needW]) => [needX === false ? null : gradInput(g, w!, p), needW === false ? null : gradFilter(x!, g, p)],
    batch: filterShared(),
  },
  // bilinear in (dy, w): ⟨g, gradInput(dy, w)⟩ = ⟨conv(g, w), dy⟩ = ⟨gradFilter(g, dy), w⟩
  conv2dGradInput: {
    jvp: ([dy, w], [tdy, tw], _, p) =>
      plus(tdy === null ? null : gradInput(tdy!, w!, p), tw === null ? null : gradInput(dy!, tw!, p)),
    vjp: (g, [dy, w], _, p, [needDy, needW]) => [needDy === false ? null : conv(g, w!, p), needW === false ? null : gradFilter(g, dy!, p)],
    batch: filterShared(),
  },
  // bilinear in (x, dy): ⟨g, gradFilter(x, dy)⟩ = ⟨conv(x, g), dy⟩ = ⟨gradInput(dy, g), x⟩
  conv2dGradFilter: {
    jvp: ([x, dy], [tx, tdy], _, p) =>
      plus(tx === null ? null : gradFilter(tx!, dy!, p), tdy === null ? null : gradFilter(x!, tdy!, p)),
    vjp: (g, [x, dy], _, p, [needX, needDy]) => [needX === false ? null : gradInput(dy!, g, p), needDy === false ? null : conv(x!, g, p)],
    // a filter gradient per example: summing over a folded batch would mix the examples
    batch: loop,
  },
  // piecewise linear: the tangent of each window is the tangent of its (first) maximum
  maxPool2d: {
    jvp: ([x], [t], _, { spec }) => (t === null ? null : select(x!, t!, spec)),
    vjp: (g, [x], _, { spec }) => [route(x!, g, spec)],
    kink: ([x], { spec }) => windowKink(x!, spec),
    batch: folding([0]),
  },
  // linear in dy (x only decides where things go)
  maxPool2dGrad: {
    jvp: ([x], [, tdy], _, { spec }) => (tdy === null ? null : route(x!, tdy!, spec)),
    vjp: (g, [x], _, { spec }) => [null, select(x!, g, spec)],
    kink: ([x], { spec }) => windowKink(x!, spec),
    batch: folding([0, 1]),
  },
  // linear in t
  maxPool2dSelect: {
    jvp: ([x], [, tt], _, { spec }) => (tt === null ? null : select(x!, tt!, spec)),
    vjp: (g, [x], _, { spec }) => [null, route(x!, g, spec)],
    kink: ([x], { spec }) => windowKink(x!, spec),
    batch: folding([0, 1]),
  },
  avgPool2d: {
    jvp: (_, [t], __, { spec }) => (t === null ? null : avg(t!, spec)),
    vjp: (g, _, __, { spec }) => [avgBack(g, spec)],
    batch: folding([0]),
  },
  avgPool2dGrad: {
    jvp: (_, [t], __, { spec }) => (t === null ? null : avgBack(t!, spec)),
    vjp: (g, _, __, { spec }) => [avg(g, spec)],
    batch: folding([0]),
  },
}
