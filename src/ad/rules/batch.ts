/**
 * The shared forms of batching rules (`vmap`) and the axis moves they are made of. They bind
 * primitives directly (the shapes are right by construction), so a rule applied to values
 * traced by outer interpreters is traced by them in turn.
 *
 * The usual form moves every batch axis to the front and applies the primitive once to
 * operands with one more leading axis. Where a primitive cannot take an extra axis (a
 * convolution whose filter differs per example, a custom primitive), `loop` applies it to
 * each example's slice and stacks the results.
 * @internal
 */
import { fail } from '../../core/errors.js'
import { type Tensor } from '../../core/Tensor.js'
import { bind, concrete } from '../../prims/bind.js'
import type { Prim, PrimParams } from '../../prims/Prim.js'
import { dataOf } from '../../core/Tensor.js'
import type { Axis, BatchContext, BatchRule } from './Rule.js'

const reshape = (x: Tensor, shape: ReadonlyArray<number>): Tensor =>
  x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i]) ? x : bind('reshape', [x], { shape })

/** `x` with axis `from` moved to position `to` (the others keep their order). */
export const moveAxis = (x: Tensor, from: number, to: number): Tensor => {
  if (from === to) return x
  const rest = x.shape.map((_, i) => i).filter((i) => i !== from)
  rest.splice(to, 0, from)
  // moving a size-1 axis moves no element
  return x.shape[from] === 1 ? reshape(x, rest.map((i) => x.shape[i]!)) : bind('transpose', [x], { perm: rest })
}

/** `x` with its batch axis first. */
export const toFront = (x: Tensor, axis: number): Tensor => moveAxis(x, axis, 0)

/** `x` with a new axis of `size` at `axis`, every example the same. */
export const broadcastAt = (x: Tensor, axis: number, size: number): Tensor => {
  const shape = [...x.shape.slice(0, axis), size, ...x.shape.slice(axis)]
  const one = reshape(x, [...x.shape.slice(0, axis), 1, ...x.shape.slice(axis)])
  return size === 1 ? one : bind('broadcastTo', [one], { shape })
}

/** A batched value with the batch axis first, or an unbatched one repeated along a new first axis. */
export const materialize = (x: Tensor, axis: Axis, size: number): Tensor => (axis === null ? broadcastAt(x, 0, size) : toFront(x, axis))

/**
 * A batched value with its batch axis first and `rank` axes after it, size-1 axes inserted
 * after the batch axis: what NumPy broadcasting against unbatched operands of rank ≤ `rank`
 * needs.
 */
export const frontWithRank = (x: Tensor, axis: number, rank: number): Tensor => {
  const f = toFront(x, axis)
  const missing = rank - (f.rank - 1)
  return missing <= 0 ? f : reshape(f, [f.shape[0]!, ...new Array<number>(missing).fill(1), ...f.shape.slice(1)])
}

/** Example `i` of `x` along its batch axis. */
export const sliceAt = (x: Tensor, axis: number, i: number): Tensor => {
  const s = bind('slice', [x], { begin: x.shape.map((_, k) => (k === axis ? i : 0)), size: x.shape.map((d, k) => (k === axis ? 1 : d)) })
  return reshape(s, x.shape.filter((_, k) => k !== axis))
}

/** Tensors of one shape stacked along a new first axis. */
export const stackFront = (xs: ReadonlyArray<Tensor>): Tensor => bind('concat', xs.map((x) => reshape(x, [1, ...x.shape])), { axis: 0 })

/** The per-example rank of an operand. */
const rankOf = (x: Tensor, axis: Axis): number => (axis === null ? x.rank : x.rank - 1)

/** The primitive on one operand, the batch axis where it was: elementwise and per-element primitives. */
export const sameAxis = <P extends Prim>(xs: ReadonlyArray<Tensor>, [a]: ReadonlyArray<Axis>, params: PrimParams[P], cx: BatchContext<P>): readonly [Tensor, Axis] => [
  bind(cx.prim, xs, params),
  a!,
]

/**
 * NumPy-broadcasting primitives: batched operands go batch-axis-first with the output's rank
 * after it, unbatched ones stay as they are (they broadcast along the batch axis).
 */
export const broadcasting = <P extends Prim>(xs: ReadonlyArray<Tensor>, axes: ReadonlyArray<Axis>, params: PrimParams[P], cx: BatchContext<P>): readonly [Tensor, Axis] => {
  const rank = Math.max(...xs.map((x, i) => rankOf(x, axes[i]!)))
  return [bind(cx.prim, xs.map((x, i) => (axes[i] === null ? x : frontWithRank(x, axes[i]!, rank))), params), 0]
}

/**
 * The fallback: the primitive applied to each example's slice (unbatched operands as they
 * are), the results stacked along a new first axis. Correct for any primitive, at the cost of
 * one application per example.
 */
export const loop = <P extends Prim>(xs: ReadonlyArray<Tensor>, axes: ReadonlyArray<Axis>, params: PrimParams[P], cx: BatchContext<P>): readonly [Tensor, Axis] => {
  const outs: Tensor[] = []
  for (let i = 0; i < cx.size; i++) outs.push(bind(cx.prim, xs.map((x, j) => (axes[j] === null ? x : sliceAt(x, axes[j]!, i))), params))
  return [stackFront(outs), 0]
}

/** A batching rule that loops when `whenLooping` says so, else uses `rule`. */
export const loopWhen =
  <P extends Prim>(whenLooping: (axes: ReadonlyArray<Axis>) => boolean, rule: BatchRule<P>): BatchRule<P> =>
  (xs, axes, params, cx) =>
    whenLooping(axes) ? loop(xs, axes, params, cx) : rule(xs, axes, params, cx)

/**
 * Refuses batched indices outside [lo, hi) (a public indexing operation inside `vmap` checks
 * one example's indices; the rule checks the whole batch).
 */
export const checkBatchedIndices = (op: string, ix: Tensor, lo: number, hi: number): void => {
  const src = dataOf(concrete(ix))
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!
    if (v < lo || v >= hi) fail('INDEX_OUT_OF_RANGE', op, `index ${v} (at flat position ${i} of the batched indices under vmap) is outside [${lo}, ${hi}); use indices in range for every example.`)
  }
}
