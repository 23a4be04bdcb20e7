/** Binary elementwise primitives (with NumPy broadcasting) and `where`. @internal */
import { alloc } from '../../core/dtype.js'
import { broadcastOrThrow, sizeOf } from '../../core/shape.js'
import { type Tensor, fromBuffer } from '../../core/Tensor.js'
import type { BinaryOp } from '../../kernels/Kernels.js'
import { kernels } from '../../kernels/registry.js'
import type { Evaluation } from '../Prim.js'
import { view } from '../strided.js'

const evaluate =
  (op: BinaryOp) =>
  ([a, b]: ReadonlyArray<Tensor>): Tensor => {
    const shape = broadcastOrThrow(op, a!.shape, b!.shape)
    const out = alloc(a!.dtype, sizeOf(shape))
    kernels().binary(op, view(a!, shape), view(b!, shape), shape, out)
    return fromBuffer(out, shape)
  }

export const binaryEval: { readonly [P in BinaryOp | 'where']: Evaluation<P> } = {
  add: evaluate('add'), sub: evaluate('sub'), mul: evaluate('mul'), div: evaluate('div'),
  pow: evaluate('pow'), maximum: evaluate('maximum'), minimum: evaluate('minimum'), atan2: evaluate('atan2'),
  equal: evaluate('equal'), notEqual: evaluate('notEqual'), less: evaluate('less'), lessEqual: evaluate('lessEqual'),
  greater: evaluate('greater'), greaterEqual: evaluate('greaterEqual'),
  where: ([c, a, b]) => {
    const shape = broadcastOrThrow('where', c!.shape, broadcastOrThrow('where', a!.shape, b!.shape))
    const out = alloc(a!.dtype, sizeOf(shape))
    kernels().where(view(c!, shape), view(a!, shape), view(b!, shape), shape, out)
    return fromBuffer(out, shape)
  },
}
