/**
 * Strided reads of concrete tensors for kernels. @internal
 */
import { type Shape, broadcastStrides } from '../core/shape.js'
import { type Tensor, dataOf } from '../core/Tensor.js'
import type { Strided } from '../kernels/Kernels.js'

/**
 * A strided view of a concrete tensor read at a broadcast shape (for kernels): broadcast axes
 * get stride 0. The view shares the tensor's buffer; `shape` is not checked.
 */
export const view = (x: Tensor, shape: Shape): Strided => ({ data: dataOf(x), offset: 0, strides: broadcastStrides(x.shape, shape) })
