/** Convolution and pooling kernels (NHWC, HWIO). @internal */
import type { Buffer } from '../../core/dtype.js'
import type { Conv2dSpec, Pool2dSpec } from '../Kernels.js'

const todo = (name: string): never => {
  throw new Error(`kernel ${name} is not written yet`)
}
export const conv2d = (_x: Buffer, _w: Buffer, _out: Buffer, _s: Conv2dSpec): void => todo('conv2d')
export const conv2dBackInput = (_dy: Buffer, _w: Buffer, _dx: Buffer, _s: Conv2dSpec): void => todo('conv2dBackInput')
export const conv2dBackFilter = (_x: Buffer, _dy: Buffer, _dw: Buffer, _s: Conv2dSpec): void => todo('conv2dBackFilter')
export const pool2d = (_k: 'max' | 'avg', _x: Buffer, _out: Buffer, _s: Pool2dSpec): void => todo('pool2d')
export const pool2dBack = (_k: 'max' | 'avg', _x: Buffer, _dy: Buffer, _dx: Buffer, _s: Pool2dSpec): void => todo('pool2dBack')
