/** Reductions over sorted axes, and arg-reductions along one axis. @internal */
import { alloc } from '../../core/dtype.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import type { ReduceOp } from '../../kernels/Kernels.js'
import { kernels } from '../../kernels/registry.js'
import type { Evaluation, Reduction } from '../Prim.js'

/** The input's shape with the reduced axes kept at size 1. */
export const kept = (x: Tensor, p: Reduction): number[] => x.shape.map((d, i) => (p.axes.includes(i) ? 1 : d))

const evaluate =
  (op: ReduceOp) =>
  ([x]: ReadonlyArray<Tensor>, p: Reduction): Tensor => {
    const k = kept(x!, p)
    const out = alloc(x!.dtype, k.reduce((a, d) => a * d, 1))
    kernels().reduce(op, dataOf(x!), x!.shape, p.axes, out)
    return fromBuffer(out, p.keepdims ? k : x!.shape.filter((_, i) => !p.axes.includes(i)))
  }

const arg =
  (op: 'argmax' | 'argmin') =>
  ([x]: ReadonlyArray<Tensor>, p: { readonly axis: number; readonly keepdims: boolean }): Tensor => {
    const k = x!.shape.map((d, i) => (i === p.axis ? 1 : d))
    const out = new Int32Array(k.reduce((a, d) => a * d, 1))
    kernels().argReduce(op, dataOf(x!), x!.shape, p.axis, out)
    return fromBuffer(out, p.keepdims ? k : x!.shape.filter((_, i) => i !== p.axis))
  }

export const reduceEval: { readonly [P in ReduceOp | 'argmax' | 'argmin']: Evaluation<P> } = {
  sum: evaluate('sum'),
  mean: evaluate('mean'),
  max: evaluate('max'),
  min: evaluate('min'),
  argmax: arg('argmax'),
  argmin: arg('argmin'),
}
