/**
 * Matrix product over the last two axes, operands optionally read transposed; batch axes
 * broadcast. @internal
 */
import { alloc } from '../../core/dtype.js'
import { broadcastOrThrow, sameShape, sizeOf } from '../../core/shape.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import { kernels } from '../../kernels/registry.js'
import type { Evaluation } from '../Prim.js'
import { broadcast } from './layout.js'

export const linalgEval: { readonly matmul: Evaluation<'matmul'> } = {
  matmul: ([a, b], { transA, transB }) => {
    if (a!.rank === 2 && b!.rank === 2) {
      // two matrices (most products): no batch axes to broadcast
      const [m, k] = transA ? [a!.shape[1]!, a!.shape[0]!] : [a!.shape[0]!, a!.shape[1]!]
      const n = transB ? b!.shape[0]! : b!.shape[1]!
      const out = alloc(a!.dtype, m * n)
      if (out.length > 0) kernels().matmul(dataOf(a!), dataOf(b!), out, { batch: 1, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0 })
      return fromBuffer(out, [m, n])
    }
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
      return [sameShape(tb, batchShape) ? t : broadcast(t, [...batchShape, ...t.shape.slice(-2)]), mat]
    }
    const [aa, aStride] = fit(a!)
    const [bb, bStride] = fit(b!)
    const out = alloc(a!.dtype, batch * m * n)
    if (out.length > 0) kernels().matmul(dataOf(aa), dataOf(bb), out, { batch, m, n, k, transA, transB, aBatchStride: aStride, bBatchStride: bStride })
    return fromBuffer(out, [...batchShape, m, n])
  },
}
