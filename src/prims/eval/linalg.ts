/**
 * Matrix product over the last two axes, operands optionally read transposed; batch axes
 * broadcast. @internal
 */
import { alloc } from '../../core/dtype.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import { kernels } from '../../kernels/registry.js'
import type { Evaluation } from '../Prim.js'
import { matmulGeometry, operandBatch } from '../shapes.js'
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
    const { m, n, k, batchShape, batch } = matmulGeometry(a!.shape, b!.shape, transA, transB)
    // a batch that is neither the full batch nor a single matrix is materialised once
    const fit = (t: Tensor): [Tensor, number] => {
      const { stride, broadcastTo } = operandBatch(t.shape, batchShape)
      return [broadcastTo === undefined ? t : broadcast(t, broadcastTo), stride]
    }
    const [aa, aStride] = fit(a!)
    const [bb, bStride] = fit(b!)
    const out = alloc(a!.dtype, batch * m * n)
    if (out.length > 0) kernels().matmul(dataOf(aa), dataOf(bb), out, { batch, m, n, k, transA, transB, aBatchStride: aStride, bBatchStride: bStride })
    return fromBuffer(out, [...batchShape, m, n])
  },
}
