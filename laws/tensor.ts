/**
 * Laws of tensor operations, as pure functions returning `Equiv`s. Runners in
 * `tensor.laws.ts` decide them with a comparator (exact or allclose).
 */
import { Tensor as T } from '../src/index.js'
import { type Equiv, equiv } from './Equiv.js'
import * as Ref from './reference.js'

/** A binary op equals its explicit-loop reference on broadcast operands. */
export const broadcastMatchesLoop = (
  op: (a: T.Tensor, b: T.Tensor) => T.Tensor,
  scalar: (x: number, y: number) => number,
  a: T.Tensor,
  b: T.Tensor,
): Equiv<T.Tensor> => equiv(op(a, b), Ref.binary(scalar, a, b))

/** `where` equals its reference on broadcast operands. */
export const whereMatchesLoop = (c: T.Tensor, a: T.Tensor, b: T.Tensor): Equiv<T.Tensor> => equiv(T.where(c, a, b), Ref.where(c, a, b))

/** matmul with operands stored transposed equals the naive product of the untransposed ones. */
export const matmulMatchesNaive = (a: T.Tensor, b: T.Tensor, transposeA: boolean, transposeB: boolean): Equiv<T.Tensor> => {
  const swap = (t: T.Tensor): T.Tensor => T.transpose(t, [...t.shape.keys()].map((i) => (i < t.rank - 2 ? i : i === t.rank - 2 ? t.rank - 1 : t.rank - 2)))
  const sa = transposeA ? swap(a) : a
  const sb = transposeB ? swap(b) : b
  return equiv(T.matmul(sa, sb, { transposeA, transposeB }), Ref.matmul(a, b))
}

/** A reduction equals grouping by output index and folding each group. */
export const reductionMatchesGroups = (
  op: (x: T.Tensor, axes: ReadonlyArray<number>, keepdims: boolean) => T.Tensor,
  fold: (xs: number[]) => number,
  x: T.Tensor,
  axes: ReadonlyArray<number>,
  keepdims: boolean,
): Equiv<T.Tensor> => equiv(op(x, axes, keepdims), Ref.reduce(fold, x, axes, keepdims))

/** Transposing by a permutation and then by its inverse gives the tensor back. */
export const transposeRoundTrip = (x: T.Tensor, perm: ReadonlyArray<number>): Equiv<T.Tensor> => {
  const inverse = perm.map((_, i) => perm.indexOf(i))
  return equiv(T.transpose(T.transpose(x, perm), inverse), x)
}

/** Reshaping to any shape of the same size and back gives the tensor back. */
export const reshapeRoundTrip = (x: T.Tensor, shape: ReadonlyArray<number>): Equiv<T.Tensor> => equiv(T.reshape(T.reshape(x, shape), x.shape), x)

/** Splitting along an axis with slices and concatenating the pieces gives the tensor back. */
export const sliceConcatRoundTrip = (x: T.Tensor, axis: number, cut: number): Equiv<T.Tensor> => {
  const n = x.shape[axis]!
  const begin = (b: number): number[] => x.shape.map((_, i) => (i === axis ? b : 0))
  const size = (z: number): number[] => x.shape.map((d, i) => (i === axis ? z : d))
  return equiv(T.concat([T.slice(x, begin(0), size(cut)), T.slice(x, begin(cut), size(n - cut))], axis), x)
}

/** Padding and slicing the padding off gives the tensor back. */
export const padSliceRoundTrip = (x: T.Tensor, pads: ReadonlyArray<readonly [number, number]>): Equiv<T.Tensor> =>
  equiv(T.slice(T.pad(x, pads, 7), pads.map(([b]) => b), x.shape), x)

/** softmax sums to 1 along its axis. */
export const softmaxSumsToOne = (x: T.Tensor): Equiv<T.Tensor> => equiv(T.sum(T.softmax(x), -1), T.onesLike(T.sum(x, -1)))

/** softmax is unchanged by adding a constant to the logits. */
export const softmaxShiftInvariant = (x: T.Tensor, c: number): Equiv<T.Tensor> => equiv(T.softmax(T.add(x, c)), T.softmax(x))

/** exp(logSoftmax(x)) = softmax(x). */
export const logSoftmaxConsistent = (x: T.Tensor): Equiv<T.Tensor> => equiv(T.exp(T.logSoftmax(x)), T.softmax(x))

/** argmax of a one-hot encoding gives the labels back. */
export const oneHotArgmaxRoundTrip = (labels: ReadonlyArray<number>, depth: number): Equiv<T.Tensor> =>
  equiv(T.argmax(T.oneHot(labels, depth)), T.fromArray(labels, [labels.length], 'int32'))

/** An operation leaves its inputs' values as they were (compared to copies taken before). */
export const leavesInputsAlone = (run: () => unknown, inputs: ReadonlyArray<T.Tensor>): Equiv<ReadonlyArray<T.Tensor>> => {
  const before = inputs.map((t) => T.fromArray(T.toTypedArray(t), t.shape, t.dtype))
  run()
  return equiv(inputs, before)
}
