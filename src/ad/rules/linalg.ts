/**
 * Matrix product over the last two axes, operands optionally read transposed. Batch axes
 * broadcast; the reverse interpreter sums cotangents over them. @internal
 */
import type { Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { plus } from './linear.js'
import { bind } from '../../prims/bind.js'
import { frontWithRank, toFront } from './batch.js'
import type { Axis, BatchRule, Rule } from './Rule.js'

const mm = (a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor => T.matmul(a, b, { transposeA, transposeB })

const rankOf = (x: Tensor, axis: Axis): number => (axis === null ? x.rank : x.rank - 1)

/**
 * Batched operands go batch-axis-first, ranks aligned; the product broadcasts its leading axes.
 * A batch of row blocks times one shared matrix is one product of all the rows stacked.
 */
const matmulBatch: BatchRule<'matmul'> = ([a, b], [ba, bb], p) => {
  if (ba !== null && bb === null && b!.rank === 2 && !p.transA) {
    const f = toFront(a!, ba!)
    const k = f.shape[f.rank - 1]!
    const rows = bind('matmul', [bind('reshape', [f], { shape: [f.size / k, k] }), b!], p)
    return [bind('reshape', [rows], { shape: [...f.shape.slice(0, -1), rows.shape[1]!] }), 0]
  }
  const rank = Math.max(rankOf(a!, ba!), rankOf(b!, bb!))
  const fit = (x: Tensor, axis: Axis): Tensor => (axis === null ? x : frontWithRank(x, axis, rank))
  return [bind('matmul', [fit(a!, ba!), fit(b!, bb!)], p), 0]
}

export const linalgRules: { readonly matmul: Rule<'matmul'> } = {
  matmul: {
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
    batch: matmulBatch,
  },
}
