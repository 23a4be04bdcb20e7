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
export { isTensor } from '../core/Tensor.js'
export * from './create.js'
export * from './elementwise.js'
export * from './matmul.js'
export * from './reduce.js'
export * from './layout.js'
export * from './indexing.js'
export * from './softmax.js'
export * from './conv.js'
export * from './compare.js'
