import type { Buffer } from '../../core/dtype.js'
import type { MatmulSpec } from '../Kernels.js'
export const matmul = (_a: Buffer, _b: Buffer, _out: Buffer, _s: MatmulSpec): void => { throw new Error('todo') }
