/** Derivative rules of the layout primitives: linear maps that move or repeat elements, and casts. @internal */
import { isFloat } from '../../core/dtype.js'
import * as T from '../../tensor/index.js'
import { allNull, orZeros } from './linear.js'
import type { Rule } from './Rule.js'

type LayoutPrim = 'reshape' | 'transpose' | 'broadcastTo' | 'slice' | 'pad' | 'concat' | 'cast' | 'stopGradient'

const inverse = (perm: ReadonlyArray<number>): number[] => perm.map((_, i) => perm.indexOf(i))

export const layoutRules: { readonly [P in LayoutPrim]: Rule<P> } = {
  // same buffer, new shape
  reshape: {
    jvp: (_, [t], __, p) => (t === null ? null : T.reshape(t!, p.shape)),
    vjp: (g, [x]) => [T.reshape(g, x!.shape)],
  },
  transpose: {
    jvp: (_, [t], __, p) => (t === null ? null : T.transpose(t!, p.perm)),
    vjp: (g, _, __, p) => [T.transpose(g, inverse(p.perm))],
  },
  // the cotangent stays at the output shape: the reverse interpreter sums it over the broadcast axes
  broadcastTo: {
    jvp: (_, [t], __, p) => (t === null ? null : T.broadcastTo(t!, p.shape)),
    vjp: (g) => [g],
  },
  slice: {
    jvp: (_, [t], __, p) => (t === null ? null : T.slice(t!, p.begin, p.size)),
    vjp: (g, [x], _, p) => [T.pad(g, x!.shape.map((n, i) => [p.begin[i]!, n - p.begin[i]! - p.size[i]!] as const))],
  },
  pad: {
    jvp: (_, [t], __, p) => (t === null ? null : T.pad(t!, p.paddings, 0)),
    vjp: (g, [x], _, p) => [T.slice(g, p.paddings.map(([b]) => b), x!.shape)],
  },
  concat: {
    jvp: (xs, ts, _, p) => (allNull(ts) ? null : T.concat(xs.map((x, i) => orZeros(ts[i]!, x)), p.axis)),
    vjp: (g, xs, _, p) => {
      let at = 0
      return xs.map((x) => {
        const begin = x.shape.map((_, i) => (i === p.axis ? at : 0))
        at += x.shape[p.axis]!
        return T.slice(g, begin, x.shape)
      })
    },
  },
  // between float dtypes a cast is linear; to or from int32 nothing flows
  cast: {
    jvp: ([x], [t], _, p) => (t === null || !isFloat(x!.dtype) || !isFloat(p.dtype) ? null : T.cast(t!, p.dtype)),
    vjp: (g, [x], _, p) => [isFloat(x!.dtype) && isFloat(p.dtype) ? T.cast(g, x!.dtype) : null],
  },
  // the identity that blocks derivatives
  stopGradient: {
    jvp: () => null,
    vjp: () => [null],
    constant: true,
  },
}
