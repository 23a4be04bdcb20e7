/** Derivative rules of the reductions. @internal */
import type { Tensor } from '../../core/Tensor.js'
import type { Reduction } from '../../prims/Prim.js'
import { kept } from '../../prims/eval/reduce.js'
import * as T from '../../tensor/index.js'
import { bind } from '../../prims/bind.js'
import { toFront } from './batch.js'
import type { BatchRule, Rule } from './Rule.js'

/** A per-example axis as an axis of the batched value whose batch axis is `b`. */
const past = (i: number, b: number): number => (i < b ? i : i + 1)

/**
 * Reductions batch in place when the batch axis comes before every reduced axis (each example's
 * elements are then added in the same order as alone); otherwise the batch axis moves to the
 * front first. The reduced axes step over the batch axis.
 */
const reduceBatch: BatchRule<'sum' | 'mean' | 'max' | 'min'> = ([x], [axis], p, cx) => {
  const inPlace = p.axes.every((i) => i >= axis!)
  const b = inPlace ? axis! : 0
  return [bind(cx.prim, [inPlace ? x! : toFront(x!, axis!)], { axes: p.axes.map((i) => past(i, b)), keepdims: p.keepdims }), b]
}

const argBatch: BatchRule<'argmax' | 'argmin'> = ([x], [b], p, cx) => [
  bind(cx.prim, [x!], { axis: past(p.axis, b!), keepdims: p.keepdims }),
  p.keepdims || p.axis >= b! ? b! : b! - 1,
]

/** Spreads a reduced cotangent back over the reduced axes. */
const spread = (g: Tensor, x: Tensor, p: Reduction): Tensor => T.broadcastTo(T.reshape(g, kept(x, p)), x.shape)

/**
 * Weights of each element in max/min: 1/k on the k elements equal to the extremum, 0 elsewhere
 * (ties share the derivative evenly).
 */
const extremumWeights = (x: Tensor, out: Tensor, p: Reduction): Tensor => {
  const mask = T.equal(x, T.reshape(out, kept(x, p)))
  return T.div(mask, T.sum(mask, p.axes, true))
}

/**
 * Signed kink coordinate of max/min: positive on the extremum (its lead over the runner-up,
 * 0 when tied), negative elsewhere (minus its distance to the extremum). Its sign pattern
 * changes exactly when the extremum moves to another element.
 */
const extremumKink = (x: Tensor, p: Reduction, isMax: boolean): Tensor => {
  const m = (isMax ? T.max : T.min)(x, p.axes, true)
  const isExt = T.equal(x, m)
  const others = T.where(isExt, isMax ? -Infinity : Infinity, x)
  const runnerUp = (isMax ? T.max : T.min)(others, p.axes, true)
  const lead = T.where(T.greater(T.sum(isExt, p.axes, true), 1), 0, T.abs(T.sub(m, runnerUp)))
  return T.where(isExt, T.broadcastTo(lead, x.shape), T.neg(T.abs(T.sub(x, m))))
}

const extremum = <P extends 'max' | 'min'>(op: P): Rule<P> => ({
  jvp: ([x], [t], out, p) => (t === null ? null : T.sum(T.mul(t!, extremumWeights(x!, out, p)), p.axes, p.keepdims)),
  vjp: (g, [x], out, p) => [T.mul(spread(g, x!, p), extremumWeights(x!, out, p))],
  kink: ([x], p) => extremumKink(x!, p, op === 'max'),
  batch: reduceBatch,
})

/** Arg-reductions: integer outputs, nothing flows. */
const arg: Rule<'argmax' | 'argmin'> = {
  jvp: () => null,
  vjp: () => [null],
  constant: true,
  batch: argBatch,
}

/** Number of input elements behind each output cell. */
const count = (x: Tensor, p: Reduction): number => p.axes.reduce((n, a) => n * x.shape[a]!, 1)

export const reduceRules: { readonly [P in 'sum' | 'mean' | 'max' | 'min' | 'argmax' | 'argmin']: Rule<P> } = {
  sum: {
    jvp: (_, [t], __, p) => (t === null ? null : T.sum(t!, p.axes, p.keepdims)),
    vjp: (g, [x], _, p) => [spread(g, x!, p)],
    batch: reduceBatch,
  },
  mean: {
    jvp: (_, [t], __, p) => (t === null ? null : T.mean(t!, p.axes, p.keepdims)),
    vjp: (g, [x], _, p) => [T.div(spread(g, x!, p), count(x!, p))],
    batch: reduceBatch,
  },
  max: extremum('max'),
  min: extremum('min'),
  argmax: arg,
  argmin: arg,
}
