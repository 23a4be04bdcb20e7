/**
 * Random programs of primitives: expression trees over one float64 input of shape [3, 4],
 * built from the primitives through the public tensor operations. Every node keeps the shape
 * [3, 4], so any tree is well-typed; the nodes are chosen to stay finite on any input.
 * puregrad checks its transformations (jit, grad, vmap, scan, ONNX export) on them.
 */
import fc from 'fast-check'
import * as T from '../tensor/index.js'

/**
 * A program: the input `x`, or an operation (named as in `showProgram`) of one or two programs.
 * @category arbitraries
 */
export type Program =
  | { readonly op: 'x' }
  | { readonly op: ProgramUnaryOp; readonly args: readonly [Program] }
  | { readonly op: ProgramBinaryOp; readonly args: readonly [Program, Program] }

/** The shape of a program's input and of every node's value. @category arbitraries */
export const PROGRAM_SHAPE = [3, 4] as const

const c = (rows: number[][]): T.Tensor => T.tensor(rows, 'float64')
const W44 = c([[0.5, -0.2, 0.1, 0.3], [0.2, 0.4, -0.3, 0.1], [-0.1, 0.2, 0.5, -0.4], [0.3, -0.1, 0.2, 0.6]])
const W33 = c([[0.7, 0.1, -0.2], [-0.3, 0.5, 0.2], [0.1, -0.4, 0.6]])
const filter = T.reshape(c([[0.5, -0.25], [0.75, 0.25]]), [2, 2, 1, 1])

const img = (x: T.Tensor): T.Tensor => T.reshape(x, [1, 3, 4, 1])
const back = (x: T.Tensor): T.Tensor => T.reshape(x, [...PROGRAM_SHAPE])

/** Unary nodes: smooth ones, then ones with kinks. */
const smoothUnary = {
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
  scatterRows: (x: T.Tensor) => T.scatterAdd(T.slice(x, [0, 0], [2, 4]), [2, 2], [...PROGRAM_SHAPE]),
  stackMean: (x: T.Tensor) => T.mean(T.stack([x, T.square(x)], 0), 0),
  broadcastColumnSum: (x: T.Tensor) => T.add(x, T.broadcastTo(T.sum(x, 0, true), [...PROGRAM_SHAPE])),
  conv: (x: T.Tensor) => back(T.conv2d(img(x), filter, { padding: 'same' })),
  avgPool: (x: T.Tensor) => back(T.avgPool2d(img(x), { size: 2, strides: 1, padding: 'same' })),
  logsumexpRows: (x: T.Tensor) => T.sub(x, T.logsumexp(x, 1, true)),
} as const

const kinkedUnary = {
  relu: T.relu,
  abs: T.abs,
  leaky: (x: T.Tensor) => T.where(T.greater(x, 0), x, T.mul(x, 0.1)),
  maxRows: (x: T.Tensor) => T.broadcastTo(T.max(x, 1, true), [...PROGRAM_SHAPE]),
  minCols: (x: T.Tensor) => T.broadcastTo(T.min(x, 0, true), [...PROGRAM_SHAPE]),
  maxPool: (x: T.Tensor) => back(T.maxPool2d(img(x), { size: 2, strides: 1, padding: 'same' })),
} as const

const smoothBinary = {
  add: T.add,
  sub: T.sub,
  mul: T.mul,
  divSafe: (a: T.Tensor, b: T.Tensor) => T.div(a, T.add(T.square(b), 1)),
  atan2: (a: T.Tensor, b: T.Tensor) => T.atan2(a, T.add(T.square(b), 0.5)),
  powSafe: (a: T.Tensor, b: T.Tensor) => T.pow(T.add(T.square(a), 0.5), T.tanh(b)),
  convFilter: (a: T.Tensor, b: T.Tensor) => back(T.conv2d(img(a), T.reshape(T.slice(b, [0, 0], [2, 2]), [2, 2, 1, 1]), { padding: 'same' })),
} as const

const kinkedBinary = {
  maximum: T.maximum,
  minimum: T.minimum,
} as const

/** The one-argument operations of programs. @category arbitraries */
export type ProgramUnaryOp =
  'sin' | 'cos' | 'tanh' | 'sigmoid' | 'softplus' | 'erf' | 'neg' | 'expTanh' | 'logOnePlusSquare'
  | 'sqrtOnePlusSquare' | 'reciprocalOnePlusSquare' | 'matmulRight' | 'matmulLeft' | 'matmulSelfT'
  | 'transposeReshape' | 'softmaxRows' | 'logSoftmaxCols' | 'centerRows' | 'normalizeRows' |
  'sliceConcat' | 'padSlice' | 'gatherRows' | 'scatterRows' | 'stackMean' | 'broadcastColumnSum' |
  'conv' | 'avgPool' | 'logsumexpRows' | 'relu' | 'abs' | 'leaky' | 'maxRows' | 'minCols' |
  'maxPool'

/** The two-argument operations of programs. @category arbitraries */
export type ProgramBinaryOp =
  'add' | 'sub' | 'mul' | 'divSafe' | 'atan2' | 'powSafe' | 'convFilter' | 'maximum' | 'minimum'

// the unions name exactly the operations of the tables (a compile error otherwise)
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Holds<T extends true> = T
type TablesMatch = Holds<[Same<keyof typeof smoothUnary | keyof typeof kinkedUnary, ProgramUnaryOp>, Same<keyof typeof smoothBinary | keyof typeof kinkedBinary, ProgramBinaryOp>] extends [true, true] ? true : false>

const unaryFns: Record<ProgramUnaryOp, (x: T.Tensor) => T.Tensor> = { ...smoothUnary, ...kinkedUnary }
const binaryFns: Record<ProgramBinaryOp, (a: T.Tensor, b: T.Tensor) => T.Tensor> = { ...smoothBinary, ...kinkedBinary }

/**
 * Runs a program on x (a tensor of shape `PROGRAM_SHAPE`, [3, 4]) with the public tensor
 * operations, so under any transformation the program is what `Ad.jit`, `Ad.grad`, `Ad.vmap`…
 * see: wrap it as `(x) => runProgram(p, x)`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { type Program, runProgram } from 'puregrad/testing'
 * const p: Program = { op: 'mul', args: [{ op: 'x' }, { op: 'sin', args: [{ op: 'x' }] }] }
 * const x = T.reshape(T.linspace(-1, 1, 12, 'float64'), [3, 4])
 * assert.ok(T.allclose(runProgram(p, x), T.mul(x, T.sin(x))))
 * ```
 * @category arbitraries
 */
export const runProgram = (p: Program, x: T.Tensor): T.Tensor => {
  if (p.op === 'x') return x
  if (p.args.length === 1) return unaryFns[p.op as ProgramUnaryOp](runProgram(p.args[0], x))
  return binaryFns[p.op as ProgramBinaryOp](runProgram(p.args[0], x), runProgram(p.args[1]!, x))
}

/**
 * A program as an expression, for counterexamples: `mul(x, sin(x))`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { showProgram } from 'puregrad/testing'
 * assert.equal(showProgram({ op: 'add', args: [{ op: 'x' }, { op: 'tanh', args: [{ op: 'x' }] }] }), 'add(x, tanh(x))')
 * ```
 * @category arbitraries
 */
export const showProgram = (p: Program): string => (p.op === 'x' ? 'x' : `${p.op}(${p.args.map(showProgram).join(', ')})`)

/** Which programs `program` draws. @category arbitraries */
export interface ProgramOptions {
  /** leave out the primitives with kinks (relu, abs, max, min, maximum, minimum, max pooling…), for derivative checks by finite differences (default false) */
  readonly smooth?: boolean
  /** the deepest nesting of operations (default 4) */
  readonly maxDepth?: number
}

/**
 * Random programs of primitives: expression trees over one float64 input x of shape
 * [3, 4] (`PROGRAM_SHAPE`), whose nodes are unary and binary operations built from the public
 * tensor operations (elementwise maths, matmul, transpose, softmax, slice and concat, pad,
 * gather and scatter, convolution and pooling, reductions broadcast back, …). Every node keeps
 * the shape [3, 4], so every program is well-typed, and every node stays finite on any finite
 * input. Use them to check a transformation or an interpreter of your own against eager
 * evaluation (`runProgram`), with inputs from `programInput`; `showProgram` prints one.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * import { fc, program, programInput, runProgram, showProgram } from 'puregrad/testing'
 * // jit computes what eager evaluation computes, on any program
 * fc.assert(fc.property(program(), programInput(), (p, x) => {
 *   const f = (y: T.Tensor) => runProgram(p, y)
 *   assert.ok(T.allclose(Ad.jit(f)(x), f(x), { rtol: 1e-12, atol: 1e-12 }), showProgram(p))
 * }), { numRuns: 20 })
 * ```
 * @category arbitraries
 */
export const program = (opts: ProgramOptions = {}): fc.Arbitrary<Program> => {
  const unary = Object.keys(opts.smooth === true ? smoothUnary : unaryFns) as ProgramUnaryOp[]
  const binary = Object.keys(opts.smooth === true ? smoothBinary : binaryFns) as ProgramBinaryOp[]
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

/** The values `programInput` draws. @category arbitraries */
export interface ProgramInputOptions {
  /** keep |values| ≥ 0.1: exact zeros, which fast-check favours, sit on kinks and stationary points (default false) */
  readonly awayFromZero?: boolean
}

/**
 * An input of the programs `program` draws: a float64 tensor of shape [3, 4] with values in [−2, 2].
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { fc, programInput } from 'puregrad/testing'
 * for (const x of fc.sample(programInput({ awayFromZero: true }), 10)) {
 *   assert.deepEqual([x.shape, x.dtype], [[3, 4], 'float64'])
 *   assert.ok(T.toArray(x).every((v) => Math.abs(v) >= 0.1 && Math.abs(v) <= 2))
 * }
 * ```
 * @category arbitraries
 */
export const programInput = (opts: ProgramInputOptions = {}): fc.Arbitrary<T.Tensor> => {
  const value =
    opts.awayFromZero === true
      ? fc.tuple(fc.double({ min: 0.1, max: 2, noNaN: true }), fc.boolean()).map(([v, neg]) => (neg ? -v : v))
      : fc.double({ min: -2, max: 2, noNaN: true })
  return fc.array(value, { minLength: 12, maxLength: 12 }).map((v) => T.fromArray(v, [...PROGRAM_SHAPE], 'float64'))
}
