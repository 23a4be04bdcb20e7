/**
 * The abstract evaluation of each primitive: the shape and dtype of its output from those of
 * its inputs, without computing anything. `jit` traces with these; the table's type makes the
 * compiler refuse one that misses a primitive. Inputs are already validated by the public op,
 * so these rules only compute (they mirror the allocations in `eval/`, which a law checks).
 * @internal
 */
import type { DType } from '../core/dtype.js'
import { type Shape, broadcastOrThrow, sameShape, sizeOf } from '../core/shape.js'
import type { Conv2dSpec, Pool2dSpec, UnaryOp, BinaryOp } from '../kernels/Kernels.js'
import { dtypeOfDist } from '../kernels/random/convert.js'
import type { Prim, PrimParams, Reduction } from './Prim.js'

/**
 * A matrix product's sizes: the operands' last two axes read as m × k and k × n through their
 * transpose flags, the batch axes broadcast from both, and the number of matrices.
 */
export const matmulGeometry = (a: Shape, b: Shape, transA: boolean, transB: boolean) => {
  const [ar, ac] = a.slice(-2) as [number, number]
  const [br, bc] = b.slice(-2) as [number, number]
  const batchShape = broadcastOrThrow('matmul', a.slice(0, -2), b.slice(0, -2))
  return { m: transA ? ac : ar, k: transA ? ar : ac, n: transB ? br : bc, batchShape, batch: sizeOf(batchShape) }
}

/**
 * How a product's kernel reads an operand of shape `t` over the batch `batchShape`: one matrix for
 * every batch entry (stride 0), or a matrix per entry (stride: a matrix's size), the operand
 * broadcast to the full batch first (`broadcastTo`) when its batch axes are neither.
 */
export const operandBatch = (t: Shape, batchShape: Shape): { readonly stride: number; readonly broadcastTo: Shape | undefined } => {
  const tb = t.slice(0, -2)
  if (sizeOf(tb) === 1) return { stride: 0, broadcastTo: undefined }
  return { stride: sizeOf(t.slice(-2)), broadcastTo: sameShape(tb, batchShape) ? undefined : [...batchShape, ...t.slice(-2)] }
}

/** What a value is known to be while tracing: its shape and dtype. */
export interface Aval {
  readonly shape: Shape
  readonly dtype: DType
}

/** A custom primitive's output is found by tracing its function: the tracer supplies that. */
export type AbstractEvaluation<P extends Prim> = (inputs: ReadonlyArray<Aval>, params: PrimParams[P]) => Aval

type Table = { readonly [P in Exclude<Prim, 'custom'>]: AbstractEvaluation<P> }

const same: AbstractEvaluation<UnaryOp> = ([x]) => x!
const broadcastBoth =
  (op: BinaryOp): AbstractEvaluation<BinaryOp> =>
  ([a, b]) => ({ shape: broadcastOrThrow(op, a!.shape, b!.shape), dtype: a!.dtype })
const reduce = ([x]: ReadonlyArray<Aval>, p: Reduction): Aval => ({
  shape: p.keepdims ? x!.shape.map((d, i) => (p.axes.includes(i) ? 1 : d)) : x!.shape.filter((_, i) => !p.axes.includes(i)),
  dtype: x!.dtype,
})
const argReduce = ([x]: ReadonlyArray<Aval>, p: { readonly axis: number; readonly keepdims: boolean }): Aval => ({
  shape: p.keepdims ? x!.shape.map((d, i) => (i === p.axis ? 1 : d)) : x!.shape.filter((_, i) => i !== p.axis),
  dtype: 'int32',
})
const image = (s: Conv2dSpec | Pool2dSpec, which: 'in' | 'out', channels: number): Shape =>
  which === 'in' ? [s.batch, s.inH, s.inW, channels] : [s.batch, s.outH, s.outW, channels]

const unary = (ops: ReadonlyArray<UnaryOp>): { readonly [P in UnaryOp]: AbstractEvaluation<P> } =>
  Object.fromEntries(ops.map((op) => [op, same])) as { readonly [P in UnaryOp]: AbstractEvaluation<P> }
const binary = (ops: ReadonlyArray<BinaryOp>): { readonly [P in BinaryOp]: AbstractEvaluation<P> } =>
  Object.fromEntries(ops.map((op) => [op, broadcastBoth(op)])) as { readonly [P in BinaryOp]: AbstractEvaluation<P> }

export const abstractEvaluations: Table = {
  ...unary(['neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'softplus', 'erf', 'floor', 'ceil', 'round', 'isFinite', 'isNaN']),
  ...binary(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'atan2', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual']),
  where: ([c, a, b]) => ({ shape: broadcastOrThrow('where', c!.shape, broadcastOrThrow('where', a!.shape, b!.shape)), dtype: a!.dtype }),
  stopGradient: ([x]) => x!,
  matmul: ([a, b], { transA, transB }) => {
    const { m, n, batchShape } = matmulGeometry(a!.shape, b!.shape, transA, transB)
    return { shape: [...batchShape, m, n], dtype: a!.dtype }
  },
  sum: reduce,
  mean: reduce,
  max: reduce,
  min: reduce,
  argmax: argReduce,
  argmin: argReduce,
  reshape: ([x], p) => ({ shape: p.shape, dtype: x!.dtype }),
  transpose: ([x], p) => ({ shape: p.perm.map((a) => x!.shape[a]!), dtype: x!.dtype }),
  broadcastTo: ([x], p) => ({ shape: p.shape, dtype: x!.dtype }),
  slice: ([x], p) => ({ shape: p.size, dtype: x!.dtype }),
  pad: ([x], p) => ({ shape: x!.shape.map((d, i) => d + p.paddings[i]![0] + p.paddings[i]![1]), dtype: x!.dtype }),
  concat: (xs, p) => ({
    shape: xs[0]!.shape.map((d, j) => (j === p.axis ? xs.reduce((s, t) => s + t.shape[p.axis]!, 0) : d)),
    dtype: xs[0]!.dtype,
  }),
  gather: ([x, ix], p) => ({ shape: [...x!.shape.slice(0, p.axis), ...ix!.shape, ...x!.shape.slice(p.axis + 1)], dtype: x!.dtype }),
  scatterAdd: ([u], p) => ({ shape: p.shape, dtype: u!.dtype }),
  oneHot: ([ix], p) => ({ shape: [...ix!.shape, p.depth], dtype: p.dtype }),
  cast: ([x], p) => ({ shape: x!.shape, dtype: p.dtype }),
  conv2d: ([x], { spec }) => ({ shape: image(spec, 'out', spec.outC), dtype: x!.dtype }),
  conv2dGradInput: ([dy], { spec }) => ({ shape: image(spec, 'in', spec.inC), dtype: dy!.dtype }),
  conv2dGradFilter: ([x], { spec, groups }) => ({ shape: [spec.kH, spec.kW, spec.inC / groups, spec.outC], dtype: x!.dtype }),
  maxPool2d: ([x], { spec }) => ({ shape: image(spec, 'out', spec.channels), dtype: x!.dtype }),
  maxPool2dGrad: ([, dy], { spec }) => ({ shape: image(spec, 'in', spec.channels), dtype: dy!.dtype }),
  maxPool2dSelect: ([, t], { spec }) => ({ shape: image(spec, 'out', spec.channels), dtype: t!.dtype }),
  avgPool2d: ([x], { spec }) => ({ shape: image(spec, 'out', spec.channels), dtype: x!.dtype }),
  avgPool2dGrad: ([dy], { spec }) => ({ shape: image(spec, 'in', spec.channels), dtype: dy!.dtype }),
  randomBits: ([key], { shape }) => ({ shape: [...key!.shape.slice(0, -1), ...shape], dtype: 'int32' }),
  threefry2x32: ([key, counter]) => ({ shape: broadcastOrThrow('threefry2x32', key!.shape, counter!.shape), dtype: 'int32' }),
  fromBits: ([bits], d) => ({ shape: bits!.shape.slice(0, -1), dtype: dtypeOfDist(d) }),
}
