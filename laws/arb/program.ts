/**
 * Random differentiable programs: expression trees over one float64 input of shape [3, 4],
 * built from the primitives through the public tensor operations. Every node keeps the shape
 * [3, 4], so any tree is well-typed; the nodes are chosen to stay finite on any input.
 */
import fc from 'fast-check'
import { Tensor as T } from '../../src/index.js'

export type Program =
  | { readonly op: 'x' }
  | { readonly op: UnaryName; readonly args: readonly [Program] }
  | { readonly op: BinaryName; readonly args: readonly [Program, Program] }

export const SHAPE = [3, 4] as const

const c = (rows: number[][]): T.Tensor => T.tensor(rows, 'float64')
const W44 = c([[0.5, -0.2, 0.1, 0.3], [0.2, 0.4, -0.3, 0.1], [-0.1, 0.2, 0.5, -0.4], [0.3, -0.1, 0.2, 0.6]])
const W33 = c([[0.7, 0.1, -0.2], [-0.3, 0.5, 0.2], [0.1, -0.4, 0.6]])
const filter = T.reshape(c([[0.5, -0.25], [0.75, 0.25]]), [2, 2, 1, 1])

const img = (x: T.Tensor): T.Tensor => T.reshape(x, [1, 3, 4, 1])
const back = (x: T.Tensor): T.Tensor => T.reshape(x, [...SHAPE])

/** Unary nodes: smooth ones, then ones with kinks. */
export const smoothUnary = {
  sin: T.sin,
  cos: T.cos,
  tanh: T.tanh,
  sigmoid: T.sigmoid,
  softplus: (x: T.Tensor) => T.softplus(T.clip(x, -30, 30)),
  erf: T.erf,
  neg: T.neg,
  expTanh: (x: T.Tensor) => T.exp(T.tanh(x)),
  logOnePlusSquare: (x: T.Tensor) => T.log1p(T.square(x)),
  sqrtOnePlusSquare: (x: T.Tensor) => T.sqrt(T.add(T.square(x), 1)),
  reciprocalOnePlusSquare: (x: T.Tensor) => T.reciprocal(T.add(T.square(x), 1)),
  matmulRight: (x: T.Tensor) => T.matmul(x, W44),
  matmulLeft: (x: T.Tensor) => T.matmul(W33, x),
  matmulSelfT: (x: T.Tensor) => T.mul(T.matmul(T.matmul(x, x, { transposeB: true }), x), 0.1),
  transposeReshape: (x: T.Tensor) => back(T.transpose(x)),
  softmaxRows: (x: T.Tensor) => T.softmax(x, -1),
  logSoftmaxCols: (x: T.Tensor) => T.logSoftmax(x, 0),
  centerRows: (x: T.Tensor) => T.sub(x, T.mean(x, 1, true)),
  normalizeRows: (x: T.Tensor) => T.div(T.sub(x, T.mean(x, 1, true)), T.sqrt(T.add(T.variance(x, 1, true), 1))),
  sliceConcat: (x: T.Tensor) => T.concat([T.slice(x, [0, 2], [3, 2]), T.slice(x, [0, 0], [3, 2])], 1),
  padSlice: (x: T.Tensor) => T.pad(T.slice(x, [1, 0], [2, 4]), [[0, 1], [0, 0]]),
  gatherRows: (x: T.Tensor) => T.gather(x, [2, 0, 2]),
  scatterRows: (x: T.Tensor) => T.scatterAdd(T.slice(x, [0, 0], [2, 4]), [2, 2], [...SHAPE]),
  stackMean: (x: T.Tensor) => T.mean(T.stack([x, T.square(x)], 0), 0),
  broadcastColumnSum: (x: T.Tensor) => T.add(x, T.broadcastTo(T.sum(x, 0, true), [...SHAPE])),
  conv: (x: T.Tensor) => back(T.conv2d(img(x), filter, { padding: 'same' })),
  avgPool: (x: T.Tensor) => back(T.avgPool2d(img(x), { size: 2, strides: 1, padding: 'same' })),
  logsumexpRows: (x: T.Tensor) => T.sub(x, T.logsumexp(x, 1, true)),
} as const

export const kinkedUnary = {
  relu: T.relu,
  abs: T.abs,
  leaky: (x: T.Tensor) => T.where(T.greater(x, 0), x, T.mul(x, 0.1)),
  maxRows: (x: T.Tensor) => T.broadcastTo(T.max(x, 1, true), [...SHAPE]),
  minCols: (x: T.Tensor) => T.broadcastTo(T.min(x, 0, true), [...SHAPE]),
  maxPool: (x: T.Tensor) => back(T.maxPool2d(img(x), { size: 2, strides: 1, padding: 'same' })),
} as const

export const smoothBinary = {
  add: T.add,
  sub: T.sub,
  mul: T.mul,
  divSafe: (a: T.Tensor, b: T.Tensor) => T.div(a, T.add(T.square(b), 1)),
  atan2: (a: T.Tensor, b: T.Tensor) => T.atan2(a, T.add(T.square(b), 0.5)),
  powSafe: (a: T.Tensor, b: T.Tensor) => T.pow(T.add(T.square(a), 0.5), T.tanh(b)),
  convFilter: (a: T.Tensor, b: T.Tensor) => back(T.conv2d(img(a), T.reshape(T.slice(b, [0, 0], [2, 2]), [2, 2, 1, 1]), { padding: 'same' })),
} as const

export const kinkedBinary = {
  maximum: T.maximum,
  minimum: T.minimum,
} as const

type UnaryName = keyof typeof smoothUnary | keyof typeof kinkedUnary
type BinaryName = keyof typeof smoothBinary | keyof typeof kinkedBinary

const unaryFns: Record<UnaryName, (x: T.Tensor) => T.Tensor> = { ...smoothUnary, ...kinkedUnary }
const binaryFns: Record<BinaryName, (a: T.Tensor, b: T.Tensor) => T.Tensor> = { ...smoothBinary, ...kinkedBinary }

/** Runs a program on x. */
export const run = (p: Program, x: T.Tensor): T.Tensor => {
  if (p.op === 'x') return x
  if (p.args.length === 1) return unaryFns[p.op as UnaryName](run(p.args[0], x))
  return binaryFns[p.op as BinaryName](run(p.args[0], x), run(p.args[1]!, x))
}

/** A readable form for counterexamples. */
export const show = (p: Program): string => (p.op === 'x' ? 'x' : `${p.op}(${p.args.map(show).join(', ')})`)

/** Random programs; `smooth` leaves out the primitives with kinks. */
export const program = (opts: { readonly smooth?: boolean; readonly maxDepth?: number } = {}): fc.Arbitrary<Program> => {
  const unary = Object.keys(opts.smooth === true ? smoothUnary : unaryFns) as UnaryName[]
  const binary = Object.keys(opts.smooth === true ? smoothBinary : binaryFns) as BinaryName[]
  const { node } = fc.letrec<{ node: Program; un: Program; bin: Program }>((tie) => ({
    node: fc.oneof(
      { maxDepth: opts.maxDepth ?? 4, depthSize: 'small' },
      { arbitrary: fc.constant({ op: 'x' } as Program), weight: 1 },
      { arbitrary: tie('un'), weight: 3 },
      { arbitrary: tie('bin'), weight: 2 },
    ),
    un: fc.record({ op: fc.constantFrom(...unary), args: fc.tuple(tie('node')) }) as fc.Arbitrary<Program>,
    bin: fc.record({ op: fc.constantFrom(...binary), args: fc.tuple(tie('node'), tie('node')) }) as fc.Arbitrary<Program>,
  }))
  return node
}

/**
 * A float64 [3, 4] input with values in [−2, 2]; `awayFromZero` keeps |values| ≥ 0.1 (exact
 * zeros, which fast-check favours, sit on kinks and stationary points).
 */
export const input = (opts: { readonly awayFromZero?: boolean } = {}): fc.Arbitrary<T.Tensor> => {
  const value =
    opts.awayFromZero === true
      ? fc.tuple(fc.double({ min: 0.1, max: 2, noNaN: true }), fc.boolean()).map(([v, neg]) => (neg ? -v : v))
      : fc.double({ min: -2, max: 2, noNaN: true })
  return fc.array(value, { minLength: 12, maxLength: 12 }).map((v) => T.fromArray(v, [...SHAPE], 'float64'))
}
