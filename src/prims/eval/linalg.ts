/**
 * Matrix product over the last two axes, operands optionally read transposed; batch axes
 * broadcast. @internal
 */
import { type Buffer, alloc } from '../../core/dtype.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import { applyEpilogue } from '../../kernels/js/matmul.js'
import type { Epilogue, MatmulSpec } from '../../kernels/Kernels.js'
import { kernels } from '../../kernels/registry.js'
import type { Evaluation } from '../Prim.js'
import { matmulGeometry, operandBatch } from '../shapes.js'
import { broadcast } from './layout.js'

/** Runs the current kernels' product, with the epilogue when one is given (in the kernel when it has `matmulEpilogue`, else as a pass after it). */
const runProduct = (a: Buffer, b: Buffer, out: Buffer, s: MatmulSpec, ep: Epilogue | undefined): void => {
  const k = kernels()
  if (ep === undefined) k.matmul(a, b, out, s)
  else if (k.matmulEpilogue !== undefined) k.matmulEpilogue(a, b, out, s, ep)
  else {
    k.matmul(a, b, out, s)
    applyEpilogue(out, s.n, ep)
  }
}

/**
 * The product of `a` and `b` (batch axes broadcast), and then `epilogue` (a bias over the last
 * axis and an activation) when given: the evaluation of matmul, and of a product fused with its
 * epilogue under jit (fuse.ts), which equals matmul then add then the activation bit for bit.
 */
export const matmulEval = (a: Tensor, b: Tensor, transA: boolean, transB: boolean, epilogue?: Epilogue): Tensor => {
  if (a.rank === 2 && b.rank === 2) {
    // two matrices (most products): no batch axes to broadcast
    const [m, k] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!]
    const n = transB ? b.shape[0]! : b.shape[1]!
    const out = alloc(a.dtype, m * n)
    if (out.length > 0) runProduct(dataOf(a), dataOf(b), out, { batch: 1, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0 }, epilogue)
    return fromBuffer(out, [m, n])
  }
  const { m, n, k, batchShape, batch } = matmulGeometry(a.shape, b.shape, transA, transB)
  // a batch that is neither the full batch nor a single matrix is materialised once
  const fit = (t: Tensor): [Tensor, number] => {
    const { stride, broadcastTo } = operandBatch(t.shape, batchShape)
    return [broadcastTo === undefined ? t : broadcast(t, broadcastTo), stride]
  }
  const [aa, aStride] = fit(a)
  const [bb, bStride] = fit(b)
  const out = alloc(a.dtype, batch * m * n)
  if (out.length > 0) runProduct(dataOf(aa), dataOf(bb), out, { batch, m, n, k, transA, transB, aBatchStride: aStride, bBatchStride: bStride }, epilogue)
  return fromBuffer(out, [...batchShape, m, n])
}

export const linalgEval: { readonly matmul: Evaluation<'matmul'> } = {
  matmul: ([a, b], { transA, transB }) => matmulEval(a!, b!, transA, transB),
}
