/**
 * Elementwise operations: unary maths, binary maths with NumPy broadcasting, comparisons and
 * `where`.
 *
 * Operands are tensors or plain numbers (a number takes the other operand's dtype). Two tensor
 * operands must share a dtype: nothing is promoted behind your back.
 */
import { type DType, isFloat } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import { type Shape, broadcastOrThrow } from '../core/shape.js'
import { type Tensor, checkTensor, isTensor } from '../core/Tensor.js'
import type { BinaryOp, UnaryOp } from '../kernels/Kernels.js'
import { bind } from '../prims/bind.js'
import { checkValue, full } from './create.js'

const NONE: Record<string, never> = {}

/** A tensor or a plain number. @category model */
export type Operand = Tensor | number

// ---------------------------------------------------------------------------------------------
// unary

/** Unary ops also defined on int32 tensors; the rest need a float dtype. */
const intUnary: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['neg', 'abs', 'sign', 'square', 'isFinite', 'isNaN'])

const unaryOp =
  (op: UnaryOp) =>
  (x: Tensor): Tensor => {
    if (!isTensor(x)) checkTensor(op, x)
    if (!isFloat(x.dtype) && !intUnary.has(op)) {
      fail('DTYPE_MISMATCH', op, `${op} needs a float tensor; got int32 of shape ${showShape(x.shape)}. Use cast(x, 'float32') first.`)
    }
    return bind(op, [x], NONE)
  }

/**
 * −x. Defined on int32 tensors too, and keeps the dtype.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const y = T.neg(T.tensor([1, -2, 0], 'int32'))
 * assert.deepStrictEqual(T.toArray(y), [-1, 2, 0])
 * assert.strictEqual(y.dtype, 'int32')
 * @category arithmetic
 */
export const neg = unaryOp('neg')
/**
 * |x|.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.abs(T.tensor([-3, 0, 2.5]))), [3, 0, 2.5])
 * @category arithmetic
 */
export const abs = unaryOp('abs')
/**
 * −1, 0 or 1 (±0 and NaN kept).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const s = T.toArray(T.sign(T.tensor([-4, 0, 7, NaN, -0])))
 * assert.deepStrictEqual(s, [-1, 0, 1, NaN, -0])
 * @category arithmetic
 */
export const sign = unaryOp('sign')
/**
 * x².
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const y = T.square(T.tensor([-3, 2], 'int32'))
 * assert.deepStrictEqual(T.toArray(y), [9, 4])
 * @category arithmetic
 */
export const square = unaryOp('square')
/**
 * 1/x.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const y = T.reciprocal(T.tensor([2, 4, 0, -0]))
 * assert.deepStrictEqual(T.toArray(y), [0.5, 0.25, Infinity, -Infinity])
 * @category arithmetic
 */
export const reciprocal = unaryOp('reciprocal')
/**
 * √x.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * // a negative number has no real square root: NaN
 * assert.deepStrictEqual(T.toArray(T.sqrt(T.tensor([4, 9, -1]))), [2, 3, NaN])
 * @category arithmetic
 */
export const sqrt = unaryOp('sqrt')
/**
 * 1/√x.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.rsqrt(T.tensor([4, 0.25, 0]))), [0.5, 2, Infinity])
 * @category arithmetic
 */
export const rsqrt = unaryOp('rsqrt')
/**
 * eˣ.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const [a, b] = T.toArray(T.exp(T.tensor([0, 1], 'float64')))
 * assert.strictEqual(a, 1)
 * assert.ok(Math.abs(b! - Math.E) < 1e-12)
 * @category exponential
 */
export const exp = unaryOp('exp')
/**
 * eˣ − 1, accurate near 0.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.scalar(1e-10, 'float64')
 * const accurate = T.item(T.expm1(x))
 * const naive = T.item(T.sub(T.exp(x), 1))
 * assert.ok(Math.abs(accurate / 1e-10 - 1) < 1e-10)
 * assert.ok(Math.abs(naive / 1e-10 - 1) > 1e-9) // cancellation loses digits
 * @category exponential
 */
export const expm1 = unaryOp('expm1')
/**
 * Natural logarithm.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.log(T.tensor([1, 0, -1]))), [0, -Infinity, NaN])
 * @category exponential
 */
export const log = unaryOp('log')
/**
 * log(1 + x), accurate near 0.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.scalar(1e-10, 'float64')
 * const accurate = T.item(T.log1p(x))
 * const naive = T.item(T.log(T.add(x, 1)))
 * assert.ok(Math.abs(accurate / 1e-10 - 1) < 1e-9)
 * assert.ok(Math.abs(naive / 1e-10 - 1) > 1e-9) // 1 + x rounds away digits of x
 * @category exponential
 */
export const log1p = unaryOp('log1p')
/**
 * Sine of an angle in radians.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const [a, b] = T.toArray(T.sin(T.tensor([Math.PI / 6, Math.PI / 2], 'float64')))
 * assert.ok(Math.abs(a! - 0.5) < 1e-12)
 * assert.ok(Math.abs(b! - 1) < 1e-12)
 * @category trigonometric
 */
export const sin = unaryOp('sin')
/**
 * Cosine of an angle in radians.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const [a, b] = T.toArray(T.cos(T.tensor([0, Math.PI], 'float64')))
 * assert.strictEqual(a, 1)
 * assert.ok(Math.abs(b! + 1) < 1e-12)
 * @category trigonometric
 */
export const cos = unaryOp('cos')
/**
 * Hyperbolic tangent.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * // odd, and saturating at ±1 for large |x|
 * assert.deepStrictEqual(T.toArray(T.tanh(T.tensor([0, 20, -20]))), [0, 1, -1])
 * @category activations
 */
export const tanh = unaryOp('tanh')
/**
 * 1 / (1 + e^−x), computed without overflow for any x.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const y = T.sigmoid(T.tensor([0, 1000, -1000], 'float64'))
 * assert.deepStrictEqual(T.toArray(y), [0.5, 1, 0])
 * @category activations
 */
export const sigmoid = unaryOp('sigmoid')
/**
 * max(x, 0); NaN stays NaN.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.relu(T.tensor([-2, 0, 3, NaN]))), [0, 0, 3, NaN])
 * @category activations
 */
export const relu = unaryOp('relu')
/**
 * log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const [a, b, c] = T.toArray(T.softplus(T.tensor([0, 1000, -1000], 'float64')))
 * assert.ok(Math.abs(a! - Math.LN2) < 1e-12)
 * assert.strictEqual(b, 1000) // no overflow to Infinity
 * assert.strictEqual(c, 0)
 * @category activations
 */
export const softplus = unaryOp('softplus')
/**
 * The error function, relative error below 5e-16.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const [a, b, c] = T.toArray(T.erf(T.tensor([0, 1, -1], 'float64')))
 * assert.strictEqual(a, 0)
 * assert.ok(Math.abs(b! - 0.8427007929497149) < 1e-15)
 * assert.strictEqual(c, -b!) // erf is odd
 * @category special
 */
export const erf = unaryOp('erf')
/**
 * Rounds down to the nearest integer (towards −∞).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.floor(T.tensor([1.5, -1.5, 2]))), [1, -2, 2])
 * @category rounding
 */
export const floor = unaryOp('floor')
/**
 * Rounds up to the nearest integer (towards +∞).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.ceil(T.tensor([1.5, -1.5, 2]))), [2, -1, 2])
 * @category rounding
 */
export const ceil = unaryOp('ceil')
/**
 * Rounds half away from zero.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * // unlike Math.round, which sends -0.5 to -0 and -1.5 to -1
 * const y = T.round(T.tensor([0.5, 1.5, 2.5, -0.5, -1.5]))
 * assert.deepStrictEqual(T.toArray(y), [1, 2, 3, -1, -2])
 * @category rounding
 */
export const round = unaryOp('round')
/**
 * 1 where x is finite, else 0 (same dtype as x).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const y = T.isFinite(T.tensor([1, Infinity, -Infinity, NaN]))
 * assert.deepStrictEqual(T.toArray(y), [1, 0, 0, 0])
 * assert.strictEqual(y.dtype, 'float32')
 * @category predicates
 */
export const isFinite = unaryOp('isFinite')
/**
 * 1 where x is NaN, else 0 (same dtype as x).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([1, Infinity, NaN, NaN])
 * assert.deepStrictEqual(T.toArray(T.isNaN(x)), [0, 0, 1, 1])
 * assert.strictEqual(T.item(T.sum(T.isNaN(x))), 2) // count the NaNs
 * @category predicates
 */
export const isNaN = unaryOp('isNaN')

// ---------------------------------------------------------------------------------------------
// binary

/** Binary ops also defined on int32 tensors. */
const intBinary: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  'add', 'sub', 'mul', 'maximum', 'minimum',
  'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual',
])

const describe = (x: Operand): string => (typeof x === 'number' ? `the number ${x}` : `${x.dtype} ${showShape(x.shape)}`)

/**
 * The common dtype of operands; numbers adopt the tensors' dtype (float32 when all are numbers).
 * Throws `DTYPE_MISMATCH`, naming `op`, when two tensors differ.
 * @internal
 */
export const commonDType = (op: string, operands: ReadonlyArray<Operand>): DType => {
  let d: DType | undefined
  for (const x of operands) {
    if (typeof x === 'number') continue
    if (d === undefined) d = x.dtype
    else if (d !== x.dtype) {
      fail('DTYPE_MISMATCH', op, `operands have different dtypes (${operands.map(describe).join(' and ')}); cast one of them with cast(t, dtype).`)
    }
  }
  return d ?? 'float32'
}

/**
 * A number as a scalar tensor of the given dtype; tensors pass through.
 * @internal
 */
export const lift = (x: Operand, dtype: DType, op = 'lift'): Tensor =>
  typeof x === 'number' ? full([], checkValue(op, dtype, x, () => `the number operand (for a ${dtype} tensor)`), dtype) : x

const checkOperand = (op: string, x: unknown): void => {
  if (typeof x !== 'number' && !isTensor(x)) fail('INVALID_ARGUMENT', op, `operands must be tensors or numbers; got ${x === null ? 'null' : typeof x}. Make tensors with tensor(…).`)
}

const shapeOfOperand = (x: Operand): Shape => (typeof x === 'number' ? [] : x.shape)

const binaryOp =
  (op: BinaryOp) =>
  (a: Operand, b: Operand): Tensor => {
    checkOperand(op, a)
    checkOperand(op, b)
    const dtype = commonDType(op, [a, b])
    if (!isFloat(dtype) && !intBinary.has(op)) {
      fail('DTYPE_MISMATCH', op, `${op} needs float operands; got ${describe(a)} and ${describe(b)}. Use cast(x, 'float32') first.`)
    }
    broadcastOrThrow(op, shapeOfOperand(a), shapeOfOperand(b))
    return bind(op, [lift(a, dtype, op), lift(b, dtype, op)], NONE)
  }

/**
 * a + b, broadcasting.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const y = T.add(T.tensor([[1, 2, 3], [4, 5, 6]]), T.tensor([10, 20, 30]))
 * assert.deepStrictEqual(T.toNested(y), [[11, 22, 33], [14, 25, 36]])
 * @category arithmetic
 */
export const add = binaryOp('add')
/**
 * a − b, broadcasting.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * // a plain number takes the tensor's dtype, on either side
 * assert.deepStrictEqual(T.toArray(T.sub(1, T.tensor([0.25, 1]))), [0.75, 0])
 * const y = T.sub(T.tensor([[10, 20], [30, 40]]), T.tensor([[1], [2]]))
 * assert.deepStrictEqual(T.toNested(y), [[9, 19], [28, 38]])
 * @category arithmetic
 */
export const sub = binaryOp('sub')
/**
 * a · b, broadcasting.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * // a column times a row broadcasts to their outer product
 * const y = T.mul(T.tensor([[1], [2]]), T.tensor([1, 10, 100]))
 * assert.deepStrictEqual(T.toNested(y), [[1, 10, 100], [2, 20, 200]])
 * @category arithmetic
 */
export const mul = binaryOp('mul')
/**
 * a / b, broadcasting. Float operands only.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.div(T.tensor([1, -1, 0]), 0)), [Infinity, -Infinity, NaN])
 * assert.throws(() => T.div(T.tensor([6], 'int32'), 4), { code: 'DTYPE_MISMATCH' })
 * @category arithmetic
 */
export const div = binaryOp('div')
/**
 * aᵇ, broadcasting.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.pow(T.tensor([2, 3, 4]), 2)), [4, 9, 16])
 * const [half, root2] = T.toArray(T.pow(2, T.tensor([-1, 0.5], 'float64')))
 * assert.strictEqual(half, 0.5)
 * assert.ok(Math.abs(root2! - Math.SQRT2) < 1e-12)
 * @category arithmetic
 */
export const pow = binaryOp('pow')
/**
 * Elementwise maximum as IEEE 754-2019 defines it (`Math.max`): NaN wins and +0 beats −0.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const y = T.maximum(T.tensor([1, 5, NaN]), T.tensor([3, 2, 0]))
 * assert.deepStrictEqual(T.toArray(y), [3, 5, NaN])
 * assert.ok(Object.is(T.item(T.maximum(T.scalar(-0), 0)), 0))
 * @category arithmetic
 */
export const maximum = binaryOp('maximum')
/**
 * Elementwise minimum as IEEE 754-2019 defines it (`Math.min`): NaN wins and −0 beats +0.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const y = T.minimum(T.tensor([1, 5, NaN]), T.tensor([3, 2, 0]))
 * assert.deepStrictEqual(T.toArray(y), [1, 2, NaN])
 * assert.ok(Object.is(T.item(T.minimum(T.scalar(0), -0)), -0))
 * @category arithmetic
 */
export const minimum = binaryOp('minimum')
/**
 * The angle of (b, a), as `Math.atan2(a, b)`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * // unlike atan(a / b), the signs of both arguments pick the quadrant
 * const [q1, q2] = T.toArray(T.atan2(T.tensor([1, 1], 'float64'), T.tensor([1, -1], 'float64')))
 * assert.ok(Math.abs(q1! - Math.PI / 4) < 1e-12)
 * assert.ok(Math.abs(q2! - (3 * Math.PI) / 4) < 1e-12)
 * @category trigonometric
 */
export const atan2 = binaryOp('atan2')
/**
 * 1 where a = b, else 0, in the operands' dtype.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * // NaN equals nothing, not even NaN
 * assert.deepStrictEqual(T.toArray(T.equal(T.tensor([1, 2, NaN]), T.tensor([1, 3, NaN]))), [1, 0, 0])
 * assert.strictEqual(T.equal(T.tensor([1, 2], 'int32'), 2).dtype, 'int32')
 * @category comparisons
 */
export const equal = binaryOp('equal')
/**
 * 1 where a ≠ b, else 0, in the operands' dtype; NaN differs from everything.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const y = T.notEqual(T.tensor([1, 2, NaN]), T.tensor([1, 3, NaN]))
 * assert.deepStrictEqual(T.toArray(y), [0, 1, 1])
 * @category comparisons
 */
export const notEqual = binaryOp('notEqual')
/**
 * 1 where a < b.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const y = T.less(T.tensor([[1], [4]]), T.tensor([2, 3]))
 * assert.deepStrictEqual(T.toNested(y), [[1, 1], [0, 0]])
 * @category comparisons
 */
export const less = binaryOp('less')
/**
 * 1 where a ≤ b, else 0; comparisons with NaN give 0.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.lessEqual(T.tensor([1, 2, 3, NaN]), 2)), [1, 1, 0, 0])
 * @category comparisons
 */
export const lessEqual = binaryOp('lessEqual')
/**
 * 1 where a > b.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.greater(T.tensor([1, 2, 3, NaN]), 2)), [0, 0, 1, 0])
 * @category comparisons
 */
export const greater = binaryOp('greater')
/**
 * 1 where a ≥ b, else 0; comparisons with NaN give 0.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.greaterEqual(T.tensor([1, 2, 3, NaN]), 2)), [0, 1, 1, 0])
 * @category comparisons
 */
export const greaterEqual = binaryOp('greaterEqual')

/**
 * Picks `a` where `cond` is non-zero and `b` elsewhere; all three broadcast together.
 * `cond` may have any dtype; `a` and `b` share theirs.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([-1, 2, -3])
 * assert.deepStrictEqual(T.toArray(T.where(T.greater(x, 0), x, 0)), [0, 2, 0])
 * @category comparisons
 */
export const where = (cond: Tensor, a: Operand, b: Operand): Tensor => {
  const op = 'where'
  if (!isTensor(cond)) fail('INVALID_ARGUMENT', op, 'the condition must be a tensor.')
  checkOperand(op, a)
  checkOperand(op, b)
  const dtype = commonDType(op, [a, b])
  broadcastOrThrow(op, cond.shape, broadcastOrThrow(op, shapeOfOperand(a), shapeOfOperand(b)))
  return bind('where', [cond, lift(a, dtype, op), lift(b, dtype, op)], NONE)
}

/**
 * The identity whose derivative is zero: what flows through it is held constant by `Ad.grad`,
 * `Ad.jvp` and the other transformations.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * const x = T.tensor([1, 2, 3])
 * const full = Ad.grad((v: T.Tensor) => T.sum(T.mul(v, v)))(x)
 * const half = Ad.grad((v: T.Tensor) => T.sum(T.mul(v, Ad.stopGradient(v))))(x)
 * assert.deepStrictEqual(T.toArray(full), [2, 4, 6])
 * assert.deepStrictEqual(T.toArray(half), [1, 2, 3]) // the stopped factor counts as a constant
 * @category differentiation
 */
export const stopGradient = (x: Tensor): Tensor => bind('stopGradient', [checkTensor('stopGradient', x)], NONE)

/**
 * Limits every value to [min, max]; NaN stays NaN. The derivative is 1 on [min, max], both
 * bounds included (as PyTorch's `clamp`), and 0 outside.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.clip(T.tensor([-5, 0.5, 5, NaN]), 0, 1)), [0, 0.5, 1, NaN])
 * const g = Ad.grad((x: T.Tensor) => T.sum(T.clip(x, 0, 1)))(T.tensor([-1, 0, 0.5, 1, 2]))
 * assert.deepStrictEqual(T.toArray(g), [0, 1, 1, 1, 0])
 * @category arithmetic
 */
export const clip = (x: Tensor, min: number, max: number): Tensor => {
  checkTensor('clip', x)
  if (!(min <= max)) fail('INVALID_ARGUMENT', 'clip', `min ${min} must not exceed max ${max}.`)
  // selections, not maximum/minimum: the derivative is 1 on all of [min, max], bounds included
  // (PyTorch's clamp), where the ties of maximum and minimum would give ½ at each bound
  return where(less(x, min), min, where(greater(x, max), max, x))
}
