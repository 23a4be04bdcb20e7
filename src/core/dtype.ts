/**
 * Element types. `float32` is the default (speed), `float64` is for checking (gradient checks
 * run in it), `int32` holds indices and labels (argmax output, gather indices, class labels).
 *
 * Operations never promote silently: combining two dtypes is an error that names both.
 */
import { fail } from './errors.js'

/** @category model */
export type DType = 'float32' | 'float64' | 'int32'
/** @category model */
export type FloatDType = 'float32' | 'float64'

/** The typed array behind each dtype. @internal */
export type Buffer = Float32Array | Float64Array | Int32Array

/** @internal */
export type BufferOf<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : Int32Array

/** The most elements one tensor may hold (typed arrays stop near 2³²; memory long before). */
export const MAX_ELEMENTS = 2 ** 31 - 1

/** Allocates a zero-filled buffer of a dtype. @internal */
export const alloc = (dtype: DType, size: number): Buffer => {
  if (!(size <= MAX_ELEMENTS)) {
    fail('INVALID_SHAPE', 'allocate', `a tensor of ${size} elements is too large; at most ${MAX_ELEMENTS} fit in one tensor. Use smaller shapes or process the data in batches.`)
  }
  switch (dtype) {
    case 'float32':
      return new Float32Array(size)
    case 'float64':
      return new Float64Array(size)
    case 'int32':
      return new Int32Array(size)
  }
}

/** @internal */
export const dtypeOf = (buffer: Buffer): DType =>
  buffer instanceof Float32Array ? 'float32' : buffer instanceof Float64Array ? 'float64' : 'int32'

/** @category guards */
export const isDType = (u: unknown): u is DType => u === 'float32' || u === 'float64' || u === 'int32'

/** @category guards */
export const isFloat = (d: DType): d is FloatDType => d !== 'int32'

/** Refuses anything that is not a dtype name. @internal */
export const checkDType = (op: string, u: unknown): DType =>
  isDType(u)
    ? u
    : fail('DTYPE_MISMATCH', op, `unknown dtype ${JSON.stringify(u)}; use 'float32', 'float64' or 'int32'.`)
