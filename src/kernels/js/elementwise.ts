import type { Buffer } from '../../core/dtype.js'
import type { Shape } from '../../core/shape.js'
import type { BinaryOp, Strided, UnaryOp } from '../Kernels.js'
export const unary = (_op: UnaryOp, _x: Buffer, _out: Buffer): void => { throw new Error('todo') }
export const binary = (_op: BinaryOp, _a: Strided, _b: Strided, _s: Shape, _out: Buffer): void => { throw new Error('todo') }
export const where = (_c: Strided, _a: Strided, _b: Strided, _s: Shape, _out: Buffer): void => { throw new Error('todo') }
