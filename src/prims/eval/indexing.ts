/** Indexing primitives: gather, its adjoint scatterAdd, and oneHot. @internal */
import { alloc } from '../../core/dtype.js'
import { fail } from '../../core/errors.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import { kernels } from '../../kernels/registry.js'
import type { Evaluation } from '../Prim.js'

/** x viewed as outer × size × inner around `axis`. */
const around = (shape: ReadonlyArray<number>, axis: number): readonly [number, number, number] => [
  shape.slice(0, axis).reduce((p, d) => p * d, 1),
  shape[axis]!,
  shape.slice(axis + 1).reduce((p, d) => p * d, 1),
]

/**
 * Indices as non-negative int32. The public op has checked them, except in a jitted program,
 * which checks here: indices known only when it runs.
 */
const normalized = (op: string, ix: Tensor, n: number): Int32Array => {
  const src = dataOf(ix) as Int32Array
  const out = new Int32Array(src.length)
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!
    if (v < -n || v >= n) outOfRange(op, `index ${v} (at flat position ${i} of the indices) is out of range for an axis of size ${n}; use indices in [${-n}, ${n - 1}].`)
    out[i] = v < 0 ? v + n : v
  }
  return out
}

const outOfRange = (op: string, detail: string): never => fail('INDEX_OUT_OF_RANGE', op, detail)

export const indexingEval: { readonly [P in 'gather' | 'scatterAdd' | 'oneHot']: Evaluation<P> } = {
  // out = x[…, ix, …] along axis
  gather: ([x, ix], p) => {
    const [outer, n, inner] = around(x!.shape, p.axis)
    const idx = normalized('gather', ix!, n)
    const out = alloc(x!.dtype, outer * idx.length * inner)
    kernels().gather(dataOf(x!), outer, n, inner, idx, out)
    return fromBuffer(out, [...x!.shape.slice(0, p.axis), ...ix!.shape, ...x!.shape.slice(p.axis + 1)])
  },
  // out = zeros(shape) with u added at ix along axis: the adjoint of gather
  scatterAdd: ([u, ix], p) => {
    const [outer, n, inner] = around(p.shape, p.axis)
    const out = alloc(u!.dtype, outer * n * inner)
    kernels().scatterAdd(dataOf(u!), outer, n, inner, normalized('scatterAdd', ix!, n), out)
    return fromBuffer(out, p.shape)
  },
  oneHot: ([ix], p) => {
    const src = dataOf(ix!)
    const out = alloc(p.dtype, src.length * p.depth)
    if (p.off !== 0) out.fill(p.off)
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!
      if (v < 0 || v >= p.depth) outOfRange('oneHot', `label ${v} (at flat position ${i}) is outside [0, ${p.depth}); check the labels or raise depth.`)
      out[i * p.depth + v] = p.on
    }
    return fromBuffer(out, [...ix!.shape, p.depth])
  },
}
