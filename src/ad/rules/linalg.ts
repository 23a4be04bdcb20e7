/**
 * Matrix product over the last two axes, operands optionally read transposed. Batch axes
 * broadcast; the reverse interpreter sums cotangents over them. @internal
 */
import type { Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { plus } from './linear.js'
import type { Rule } from './Rule.js'

const mm = (a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor => T.matmul(a, b, { transposeA, transposeB })

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
  },
}
