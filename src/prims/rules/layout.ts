/** Layout primitives: linear maps that move or repeat elements, and casts. @internal */
import { alloc, isFloat } from '../../core/dtype.js'
import { broadcastStrides, sizeOf, stridesOf } from '../../core/shape.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import { kernels } from '../../kernels/registry.js'
import * as T from '../ops.js'
import { allNull, orZeros } from '../linear.js'
import type { Primitive } from '../Prim.js'

type LayoutPrim = 'reshape' | 'transpose' | 'broadcastTo' | 'slice' | 'pad' | 'concat' | 'cast' | 'stopGradient'

const inverse = (perm: ReadonlyArray<number>): number[] => perm.map((_, i) => perm.indexOf(i))

export const layoutRules: { readonly [P in LayoutPrim]: Primitive<P> } = {
  // same buffer, new shape
  reshape: {
    eval: ([x], p) => fromBuffer(dataOf(x!), p.shape),
    jvp: (_, [t], __, p) => (t === null ? null : T.reshape(t!, p.shape)),
    vjp: (g, [x]) => [T.reshape(g, x!.shape)],
  },
  transpose: {
    eval: ([x], p) => {
      const shape = p.perm.map((a) => x!.shape[a]!)
      const st = stridesOf(x!.shape)
      const out = alloc(x!.dtype, x!.size)
      kernels().copy({ data: dataOf(x!), offset: 0, strides: p.perm.map((a) => st[a]!) }, { data: out, offset: 0, strides: stridesOf(shape) }, shape)
      return fromBuffer(out, shape)
    },
    jvp: (_, [t], __, p) => (t === null ? null : T.transpose(t!, p.perm)),
    vjp: (g, _, __, p) => [T.transpose(g, inverse(p.perm))],
  },
  // the cotangent stays at the output shape: the reverse interpreter sums it over the broadcast axes
  broadcastTo: {
    eval: ([x], p) => {
      const out = alloc(x!.dtype, sizeOf(p.shape))
      kernels().copy({ data: dataOf(x!), offset: 0, strides: broadcastStrides(x!.shape, p.shape) }, { data: out, offset: 0, strides: stridesOf(p.shape) }, p.shape)
      return fromBuffer(out, p.shape)
    },
    jvp: (_, [t], __, p) => (t === null ? null : T.broadcastTo(t!, p.shape)),
    vjp: (g) => [g],
  },
  slice: {
    eval: ([x], p) => {
      const st = stridesOf(x!.shape)
      const offset = p.begin.reduce((o, s, i) => o + s * st[i]!, 0)
      const out = alloc(x!.dtype, sizeOf(p.size))
      kernels().copy({ data: dataOf(x!), offset, strides: st }, { data: out, offset: 0, strides: stridesOf(p.size) }, p.size)
      return fromBuffer(out, p.size)
    },
    jvp: (_, [t], __, p) => (t === null ? null : T.slice(t!, p.begin, p.size)),
    vjp: (g, [x], _, p) => [T.pad(g, x!.shape.map((n, i) => [p.begin[i]!, n - p.begin[i]! - p.size[i]!] as const))],
  },
  pad: {
    eval: ([x], p) => {
      const shape = x!.shape.map((d, i) => d + p.paddings[i]![0] + p.paddings[i]![1])
      const out = alloc(x!.dtype, sizeOf(shape))
      if (p.value !== 0) out.fill(p.value)
      const st = stridesOf(shape)
      const offset = p.paddings.reduce((o, [b], i) => o + b * st[i]!, 0)
      kernels().copy({ data: dataOf(x!), offset: 0, strides: stridesOf(x!.shape) }, { data: out, offset, strides: st }, x!.shape)
      return fromBuffer(out, shape)
    },
    jvp: (_, [t], __, p) => (t === null ? null : T.pad(t!, p.paddings, 0)),
    vjp: (g, [x], _, p) => [T.slice(g, p.paddings.map(([b]) => b), x!.shape)],
  },
  concat: {
    eval: (xs, p) => {
      const first = xs[0]!
      const shape = first.shape.map((d, j) => (j === p.axis ? xs.reduce((s, t) => s + t.shape[p.axis]!, 0) : d))
      const out = alloc(first.dtype, sizeOf(shape))
      const outStrides = stridesOf(shape)
      let offset = 0
      for (const t of xs) {
        kernels().copy({ data: dataOf(t), offset: 0, strides: stridesOf(t.shape) }, { data: out, offset, strides: outStrides }, t.shape)
        offset += t.shape[p.axis]! * outStrides[p.axis]!
      }
      return fromBuffer(out, shape)
    },
    jvp: (xs, ts, _, p) => (allNull(ts) ? null : T.concat(xs.map((x, i) => orZeros(ts[i]!, x)), p.axis)),
    vjp: (g, xs, _, p) => {
      let at = 0
      return xs.map((x) => {
        const begin = x.shape.map((_, i) => (i === p.axis ? at : 0))
        at += x.shape[p.axis]!
        return T.slice(g, begin, x.shape)
      })
    },
  },
  // between float dtypes a cast is linear; to or from int32 nothing flows
  cast: {
    eval: ([x], p) => {
      const src = dataOf(x!)
      const out = alloc(p.dtype, src.length)
      if (p.dtype === 'int32') for (let i = 0; i < src.length; i++) out[i] = Math.trunc(src[i]!)
      else out.set(src)
      return fromBuffer(out, x!.shape)
    },
    jvp: ([x], [t], _, p) => (t === null || !isFloat(x!.dtype) || !isFloat(p.dtype) ? null : T.cast(t!, p.dtype)),
    vjp: (g, [x], _, p) => [isFloat(x!.dtype) && isFloat(p.dtype) ? T.cast(g, x!.dtype) : null],
  },
  // the identity that blocks derivatives
  stopGradient: {
    eval: ([x]) => x!,
    jvp: () => null,
    vjp: () => [null],
    constant: true,
  },
}
