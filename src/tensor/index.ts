/**
 * Immutable tensors and the pure operations over them.
 *
 * ```ts
 * import { Tensor as T } from 'puregrad'
 * const y = T.add(T.matmul(x, W), b)
 * ```
 *
 * Every operation returns a new tensor and never changes its inputs. Operations refuse mixed
 * dtypes and mismatched shapes with a `PuregradError` that names the operation and both shapes.
 *
 * @category namespaces
 * @since 0.1.0
 * @module
 */
export type { DType, FloatDType } from '../core/dtype.js'
export type { Shape } from '../core/shape.js'
export { broadcastShapes, sizeOf } from '../core/shape.js'
export { MAX_TENSOR_BYTES } from '../core/limits.js'
export { isTensor } from '../core/Tensor.js'
export {
  Tensor, type NestedArray, tensor, fromArray, scalar, full, zeros, ones, zerosLike, onesLike, fullLike, arange, linspace, eye,
  toArray, toTypedArray, toNested, item, get, cast,
} from './create.js'
export {
  type Operand, neg, abs, sign, square, reciprocal, sqrt, rsqrt, exp, expm1, log, log1p, sin, cos, tanh, sigmoid, relu,
  softplus, erf, floor, ceil, round, isFinite, isNaN, add, sub, mul, div, pow, maximum, minimum, atan2, equal, notEqual,
  less, lessEqual, greater, greaterEqual, where, stopGradient, clip,
} from './elementwise.js'
export * from './matmul.js'
export * from './reduce.js'
export * from './layout.js'
export * from './indexing.js'
export * from './softmax.js'
export * from './attention.js'
export * from './conv.js'
export * from './compare.js'
export * from './device.js'
