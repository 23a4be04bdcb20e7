import type { Buffer } from '../../core/dtype.js'
import type { Shape } from '../../core/shape.js'
import type { ReduceOp } from '../Kernels.js'
export const reduce = (_op: ReduceOp, _x: Buffer, _s: Shape, _axes: ReadonlyArray<number>, _out: Buffer): void => { throw new Error('todo') }
export const argReduce = (_op: 'argmax' | 'argmin', _x: Buffer, _s: Shape, _axis: number, _out: Int32Array): void => { throw new Error('todo') }
