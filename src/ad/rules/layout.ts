/** Derivative rules of the layout primitives: linear maps that move or repeat elements, and casts. @internal */
import { isFloat } from '../../core/dtype.js'
import * as T from '../../tensor/index.js'
import { allNull, orZeros } from './linear.js'
import { bind } from '../../prims/bind.js'
import { frontWithRank, materialize, sameAxis, toFront } from './batch.js'
import type { Rule } from './Rule.js'

type LayoutPrim = 'reshape' | 'transpose' | 'broadcastTo' | 'slice' | 'pad' | 'concat' | 'cast' | 'stopGradient'

const inverse = (perm: ReadonlyArray<number>): number[] => perm.map((_, i) => perm.indexOf(i))

/** A per-example axis as an axis of the batched value whose batch axis is `b`. */
const past = (i: number, b: number): number => (i < b ? i : i + 1)

/** `xs` with `v` inserted at `at`. */
const insert = <A>(xs: ReadonlyArray<A>, at: number, v: A): A[] => [...xs.slice(0, at), v, ...xs.slice(at)]

export const layoutRules: { readonly [P in LayoutPrim]: Rule<P> } = {
  // same buffer, new shape
  reshape: {
    jvp: (_, [t], __, p) => (t === null ? null : T.reshape(t!, p.shape)),
    vjp: (g, [x]) => [T.reshape(g, x!.shape)],
    batch: ([x], [b], p, { size }) => [bind('reshape', [toFront(x!, b!)], { shape: [size, ...p.shape] }), 0],
  },
  transpose: {
    jvp: (_, [t], __, p) => (t === null ? null : T.transpose(t!, p.perm)),
    vjp: (g, _, __, p) => [T.transpose(g, inverse(p.perm))],
    // one transpose that also brings the batch axis to the front
    batch: ([x], [b], p) => [bind('transpose', [x!], { perm: [b!, ...p.perm.map((i) => past(i, b!))] }), 0],
  },
  // the cotangent stays at the output shape: the reverse interpreter sums it over the broadcast axes
  broadcastTo: {
    jvp: (_, [t], __, p) => (t === null ? null : T.broadcastTo(t!, p.shape)),
    vjp: (g) => [g],
    batch: ([x], [b], p, { size }) => [bind('broadcastTo', [frontWithRank(x!, b!, p.shape.length)], { shape: [size, ...p.shape] }), 0],
  },
  slice: {
    jvp: (_, [t], __, p) => (t === null ? null : T.slice(t!, p.begin, p.size)),
    vjp: (g, [x], _, p) => [T.pad(g, x!.shape.map((n, i) => [p.begin[i]!, n - p.begin[i]! - p.size[i]!] as const))],
    // the whole batch axis, where it is
    batch: ([x], [b], p, { size }) => [bind('slice', [x!], { begin: insert(p.begin, b!, 0), size: insert(p.size, b!, size) }), b!],
  },
  pad: {
    jvp: (_, [t], __, p) => (t === null ? null : T.pad(t!, p.paddings, 0)),
    vjp: (g, [x], _, p) => [T.slice(g, p.paddings.map(([b]) => b), x!.shape)],
    batch: ([x], [b], p) => [bind('pad', [x!], { paddings: insert(p.paddings, b!, [0, 0] as const), value: p.value }), b!],
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
    // unbatched parts are repeated over the batch: every part needs the batch axis
    batch: (xs, axes, p, { size }) => [bind('concat', xs.map((x, i) => materialize(x, axes[i]!, size)), { axis: p.axis + 1 }), 0],
  },
  // between float dtypes a cast is linear; to or from int32 nothing flows
  cast: {
    jvp: ([x], [t], _, p) => (t === null || !isFloat(x!.dtype) || !isFloat(p.dtype) ? null : T.cast(t!, p.dtype)),
    vjp: (g, [x], _, p) => [isFloat(x!.dtype) && isFloat(p.dtype) ? T.cast(g, x!.dtype) : null],
    batch: sameAxis,
  },
  // the identity that blocks derivatives
  stopGradient: {
    jvp: () => null,
    vjp: () => [null],
    constant: true,
    batch: sameAxis,
  },
}
