/** Unary elementwise primitives: one kernel pass over the buffer. @internal */
import { alloc } from '../../core/dtype.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import type { UnaryOp } from '../../kernels/Kernels.js'
import { kernels } from '../../kernels/registry.js'
import type { Evaluation } from '../Prim.js'

const evaluate =
  (op: UnaryOp) =>
  ([x]: ReadonlyArray<Tensor>): Tensor => {
    const out = alloc(x!.dtype, x!.size)
    kernels().unary(op, dataOf(x!), out)
    return fromBuffer(out, x!.shape)
  }

export const unaryEval: { readonly [P in UnaryOp]: Evaluation<P> } = {
  neg: evaluate('neg'), abs: evaluate('abs'), exp: evaluate('exp'), expm1: evaluate('expm1'),
  log: evaluate('log'), log1p: evaluate('log1p'), sqrt: evaluate('sqrt'), rsqrt: evaluate('rsqrt'),
  square: evaluate('square'), reciprocal: evaluate('reciprocal'), sin: evaluate('sin'), cos: evaluate('cos'),
  tanh: evaluate('tanh'), sigmoid: evaluate('sigmoid'), relu: evaluate('relu'), softplus: evaluate('softplus'),
  erf: evaluate('erf'), sign: evaluate('sign'), floor: evaluate('floor'), ceil: evaluate('ceil'),
  round: evaluate('round'), isFinite: evaluate('isFinite'), isNaN: evaluate('isNaN'),
}
