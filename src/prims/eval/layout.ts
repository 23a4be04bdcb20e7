/** Layout primitives: moves and repeats of elements, and casts. @internal */
import { type DType, alloc } from '../../core/dtype.js'
import { fail } from '../../core/errors.js'
import { type Shape, broadcastStrides, sizeOf, stridesOf } from '../../core/shape.js'
import { type Tensor, dataOf, fromBuffer, viewOf } from '../../core/Tensor.js'
import { kernels } from '../../kernels/registry.js'
import type { Evaluation } from '../Prim.js'

type LayoutPrim = 'reshape' | 'transpose' | 'broadcastTo' | 'slice' | 'pad' | 'concat' | 'cast' | 'stopGradient'

/** `x` repeated along its size-1 axes up to `shape` (a fresh buffer). */
export const broadcast = (x: Tensor, shape: Shape): Tensor => {
  const out = alloc(x.dtype, sizeOf(shape))
  kernels().copy({ data: dataOf(x), offset: 0, strides: broadcastStrides(x.shape, shape) }, { data: out, offset: 0, strides: stridesOf(shape) }, shape)
  return fromBuffer(out, shape)
}

const cast = (x: Tensor, dtype: DType): Tensor => {
  const src = dataOf(x)
  const out = alloc(dtype, src.length)
  if (dtype === 'int32') {
    // the public op has checked the values, except in a jitted program, which checks here
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!
      if (!Number.isFinite(v) || v >= 2147483648 || v < -2147483648) fail('INVALID_VALUE', 'cast', `element ${i} is ${v}, which has no int32 value; clean the tensor before casting.`)
      out[i] = Math.trunc(v)
    }
  }
  else out.set(src)
  return fromBuffer(out, x.shape)
}

export const layoutEval: { readonly [P in LayoutPrim]: Evaluation<P> } = {
  // same buffer, new shape
  reshape: ([x], p) => viewOf(x!, p.shape),
  transpose: ([x], p) => {
    const shape = p.perm.map((a) => x!.shape[a]!)
    const st = stridesOf(x!.shape)
    const out = alloc(x!.dtype, x!.size)
    kernels().copy({ data: dataOf(x!), offset: 0, strides: p.perm.map((a) => st[a]!) }, { data: out, offset: 0, strides: stridesOf(shape) }, shape)
    return fromBuffer(out, shape)
  },
  broadcastTo: ([x], p) => broadcast(x!, p.shape),
  slice: ([x], p) => {
    const st = stridesOf(x!.shape)
    const offset = p.begin.reduce((o, s, i) => o + s * st[i]!, 0)
    const out = alloc(x!.dtype, sizeOf(p.size))
    kernels().copy({ data: dataOf(x!), offset, strides: st }, { data: out, offset: 0, strides: stridesOf(p.size) }, p.size)
    return fromBuffer(out, p.size)
  },
  pad: ([x], p) => {
    const shape = x!.shape.map((d, i) => d + p.paddings[i]![0] + p.paddings[i]![1])
    const out = alloc(x!.dtype, sizeOf(shape))
    if (p.value !== 0) out.fill(p.value)
    const st = stridesOf(shape)
    const offset = p.paddings.reduce((o, [b], i) => o + b * st[i]!, 0)
    kernels().copy({ data: dataOf(x!), offset: 0, strides: stridesOf(x!.shape) }, { data: out, offset, strides: st }, x!.shape)
    return fromBuffer(out, shape)
  },
  concat: (xs, p) => {
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
  cast: ([x], p) => cast(x!, p.dtype),
  // the identity that blocks derivatives
  stopGradient: ([x]) => x!,
}
