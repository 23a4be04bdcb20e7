/** Derivative rules of the indexing primitives: gather and its adjoint scatterAdd, and oneHot. @internal */
import * as T from '../../tensor/index.js'
import type { Rule } from './Rule.js'

export const indexingRules: { readonly [P in 'gather' | 'scatterAdd' | 'oneHot']: Rule<P> } = {
  // out = x[…, ix, …] along axis
  gather: {
    jvp: ([, ix], [t], _, p) => (t === null ? null : T.gather(t!, ix!, p.axis)),
    vjp: (g, [x, ix], _, p) => [T.scatterAdd(g, ix!, x!.shape, p.axis), null],
  },
  // out = zeros(shape) with u added at ix along axis: the adjoint of gather
  scatterAdd: {
    jvp: ([, ix], [t], _, p) => (t === null ? null : T.scatterAdd(t!, ix!, p.shape, p.axis)),
    vjp: (g, [, ix], _, p) => [T.gather(g, ix!, p.axis), null],
  },
  oneHot: {
    jvp: () => null,
    vjp: () => [null],
    constant: true,
  },
}
