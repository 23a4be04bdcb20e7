/**
 * Matrix product over the last two axes, operands optionally read transposed. Batch axes
 * broadcast; the reverse interpreter sums cotangents over them. @internal
 */
import { alloc } from '../../core/dtype.js'
import { broadcastOrThrow, sameShape, sizeOf } from '../../core/shape.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import { kernels } from '../../kernels/registry.js'
import * as T from '../ops.js'
import { plus } from '../linear.js'
import type { Primitive } from '../Prim.js'

const mm = (a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor => T.matmul(a, b, { transposeA, transposeB })

export const linalgRules: { readonly matmul: Primitive<'matmul'> } = {
  matmul: {
    eval: ([a, b], { transA, transB }) => {
      const [ar, ac] = a!.shape.slice(-2) as [number, number]
      const [br, bc] = b!.shape.slice(-2) as [number, number]
      const [m, k] = transA ? [ac, ar] : [ar, ac]
      const n = transB ? br : bc
      const batchShape = broadcastOrThrow('matmul', a!.shape.slice(0, -2), b!.shape.slice(0, -2))
      const batch = sizeOf(batchShape)
      // a batch that is neither the full batch nor a single matrix is materialised once
      const fit = (t: Tensor): [Tensor, number] => {
        const tb = t.shape.slice(0, -2)
        const mat = sizeOf(t.shape.slice(-2))
        if (sizeOf(tb) === 1) return [t, 0]
        return [sameShape(tb, batchShape) ? t : T.broadcastTo(t, [...batchShape, ...t.shape.slice(-2)]), mat]
      }
      const [aa, aStride] = fit(a!)
      const [bb, bStride] = fit(b!)
      const out = alloc(a!.dtype, batch * m * n)
      if (out.length > 0) kernels().matmul(dataOf(aa), dataOf(bb), out, { batch, m, n, k, transA, transB, aBatchStride: aStride, bBatchStride: bStride })
      return fromBuffer(out, [...batchShape, m, n])
    },
    // d(op(A)·op(B)) = op(dA)·op(B) + op(A)·op(dB)
    jvp: ([a, b], [ta, tb], _, { transA, transB }) =>
      plus(ta === null ? null : mm(ta!, b!, transA, transB), tb === null ? null : mm(a!, tb!, transA, transB)),
    // C = op(A)·op(B), G = ∂L/∂C; each cotangent is returned in its operand's stored layout:
    //   A·B:   dA = G·Bᵀ,  dB = Aᵀ·G        A·Bᵀ:  dA = G·B,    dBs = Gᵀ·A
    //   Aᵀ·B:  dAs = B·Gᵀ, dB = A·G         Aᵀ·Bᵀ: dAs = Bᵀ·Gᵀ, dBs = Gᵀ·Aᵀ
    vjp: (g, [a, b], _, { transA, transB }, [needA, needB]) => {
      const [da, db] =
        !transA && !transB
          ? [() => mm(g, b!, false, true), () => mm(a!, g, true, false)]
          : !transA && transB
            ? [() => mm(g, b!, false, false), () => mm(g, a!, true, false)]
            : transA && !transB
              ? [() => mm(b!, g, false, true), () => mm(a!, g, false, false)]
              : [() => mm(b!, g, true, true), () => mm(g, a!, true, true)]
      // a constant operand (the data x of x·W) gets no cotangent: a third of the backward work saved
      return [needA === false ? null : da(), needB === false ? null : db()]
    },
  },
}
