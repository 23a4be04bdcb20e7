/**
 * Elementwise operations: unary maths, binary maths with NumPy broadcasting, comparisons and
 * `where`.
 *
 * Operands are tensors or plain numbers (a number takes the other operand's dtype). Two tensor
 * operands must share a dtype: nothing is promoted behind your back.
 */
import { type DType, isFloat } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import { type Shape, broadcastOrThrow, broadcastStrides } from '../core/shape.js'
import { type Tensor, dataOf, isTensor } from '../core/Tensor.js'
import type { BinaryOp, Strided, UnaryOp } from '../kernels/Kernels.js'
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
    if (!isFloat(x.dtype) && !intUnary.has(op)) {
      fail('DTYPE_MISMATCH', op, `${op} needs a float tensor; got int32 of shape ${showShape(x.shape)}. Use cast(x, 'float32') first.`)
    }
    return bind(op, [x], NONE)
  }

/** −x. @category arithmetic */
export const neg = unaryOp('neg')
/** |x|. @category arithmetic */
export const abs = unaryOp('abs')
/** −1, 0 or 1 (±0 and NaN kept). @category arithmetic */
export const sign = unaryOp('sign')
/** x². @category arithmetic */
export const square = unaryOp('square')
/** 1/x. @category arithmetic */
export const reciprocal = unaryOp('reciprocal')
/** √x. @category arithmetic */
export const sqrt = unaryOp('sqrt')
/** 1/√x. @category arithmetic */
export const rsqrt = unaryOp('rsqrt')
/** eˣ. @category exponential */
export const exp = unaryOp('exp')
/** eˣ − 1, accurate near 0. @category exponential */
export const expm1 = unaryOp('expm1')
/** Natural logarithm. @category exponential */
export const log = unaryOp('log')
/** log(1 + x), accurate near 0. @category exponential */
export const log1p = unaryOp('log1p')
/** @category trigonometric */
export const sin = unaryOp('sin')
/** @category trigonometric */
export const cos = unaryOp('cos')
/** Hyperbolic tangent. @category activations */
export const tanh = unaryOp('tanh')
/** 1 / (1 + e^−x), computed without overflow for any x. @category activations */
export const sigmoid = unaryOp('sigmoid')
/** max(x, 0); NaN stays NaN. @category activations */
export const relu = unaryOp('relu')
/** log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|). @category activations */
export const softplus = unaryOp('softplus')
/** The error function, relative error below 5e-16. @category special */
export const erf = unaryOp('erf')
/** @category rounding */
export const floor = unaryOp('floor')
/** @category rounding */
export const ceil = unaryOp('ceil')
/** Rounds half away from zero. @category rounding */
export const round = unaryOp('round')
/** 1 where x is finite, else 0 (same dtype as x). @category predicates */
export const isFinite = unaryOp('isFinite')
/** 1 where x is NaN, else 0 (same dtype as x). @category predicates */
export const isNaN = unaryOp('isNaN')

// ---------------------------------------------------------------------------------------------
// binary

/** Binary ops also defined on int32 tensors. */
const intBinary: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  'add', 'sub', 'mul', 'maximum', 'minimum',
  'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual',
])

const describe = (x: Operand): string => (typeof x === 'number' ? `the number ${x}` : `${x.dtype} ${showShape(x.shape)}`)

/** The common dtype of operands; numbers adopt the tensors' dtype (float32 when all are numbers). @internal */
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

/** A strided view of a concrete tensor read at a broadcast shape (for kernels). @internal */
export const view = (x: Tensor, shape: Shape): Strided => ({ data: dataOf(x), offset: 0, strides: broadcastStrides(x.shape, shape) })

/** A number as a scalar tensor of the given dtype; tensors pass through. @internal */
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
 * const y = add(tensor([[1, 2, 3], [4, 5, 6]]), tensor([10, 20, 30]))
 * assert.deepStrictEqual(toNested(y), [[11, 22, 33], [14, 25, 36]])
 * @category arithmetic
 */
export const add = binaryOp('add')
/** a − b, broadcasting. @category arithmetic */
export const sub = binaryOp('sub')
/** a · b, broadcasting. @category arithmetic */
export const mul = binaryOp('mul')
/** a / b, broadcasting. @category arithmetic */
export const div = binaryOp('div')
/** aᵇ, broadcasting. @category arithmetic */
export const pow = binaryOp('pow')
/** Elementwise maximum as IEEE 754-2019 defines it (`Math.max`): NaN wins and +0 beats −0. @category arithmetic */
export const maximum = binaryOp('maximum')
/** Elementwise minimum as IEEE 754-2019 defines it (`Math.min`): NaN wins and −0 beats +0. @category arithmetic */
export const minimum = binaryOp('minimum')
/** The angle of (b, a), as `Math.atan2(a, b)`. @category trigonometric */
export const atan2 = binaryOp('atan2')
/** 1 where a = b, else 0, in the operands' dtype. @category comparisons */
export const equal = binaryOp('equal')
/** @category comparisons */
export const notEqual = binaryOp('notEqual')
/** 1 where a < b. @category comparisons */
export const less = binaryOp('less')
/** @category comparisons */
export const lessEqual = binaryOp('lessEqual')
/** 1 where a > b. @category comparisons */
export const greater = binaryOp('greater')
/** @category comparisons */
export const greaterEqual = binaryOp('greaterEqual')

/**
 * Picks `a` where `cond` is non-zero and `b` elsewhere; all three broadcast together.
 * `cond` may have any dtype; `a` and `b` share theirs.
 *
 * @example
 * const x = tensor([-1, 2, -3])
 * assert.deepStrictEqual(toArray(where(greater(x, 0), x, 0)), [0, 2, 0])
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
 * @category differentiation
 */
export const stopGradient = (x: Tensor): Tensor => bind('stopGradient', [x], NONE)

/** Limits every value to [min, max]. @category arithmetic */
export const clip = (x: Tensor, min: number, max: number): Tensor => {
  if (!(min <= max)) fail('INVALID_ARGUMENT', 'clip', `min ${min} must not exceed max ${max}.`)
  return minimum(maximum(x, min), max)
}
