/**
 * Element types. `float32` is the default (speed), `float64` is for checking (gradient checks
 * run in it), `int32` holds indices and labels (argmax output, gather indices, class labels).
 *
 * Operations never promote silently: combining two dtypes is an error that names both.
 */
import { fail } from './errors.js'
import { MAX_TENSOR_BYTES } from './limits.js'

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

/** Bytes per element of each dtype. @internal */
export const bytesPer: { readonly [D in DType]: number } = { float32: 4, float64: 8, int32: 4 }

const tooLarge = (op: string, dtype: DType, size: number, why: string): never =>
  fail(
    'RESOURCE_LIMIT',
    op,
    `a ${dtype} tensor of ${size} elements needs ${size * bytesPer[dtype]} bytes, ${why}. Use smaller shapes, process the data in batches, or use float32 instead of float64.`,
  )

/**
 * Where `alloc` first looks for a buffer: the jit executor installs one while a program runs,
 * handing back buffers of dead intermediates (zero-filled, as `alloc` promises). @internal
 */
export type Recycler = (dtype: DType, size: number) => Buffer | undefined

let recycler: Recycler | undefined

/** Backing stores that may be written again after they were read (see `markReusable`). */
const reusable = new WeakSet<ArrayBufferLike>()

/**
 * Buffers shorter than this are not marked by `markReusable` (reading `.buffer` of a small typed
 * array makes V8 move it off the heap), so caches keyed by buffer identity keep none that short. @internal
 */
export const REUSABLE_MARK_MIN = 1024

/**
 * Marks a buffer that will be written again after kernels read it (a dead jit intermediate
 * going back to its program's pool): caches that keep a copy of a buffer by its identity (the
 * WebAssembly kernels' resident operands) must never trust it. @internal
 */
export const markReusable = (b: Buffer): void => {
  if (b.length >= REUSABLE_MARK_MIN) reusable.add(b.buffer)
}

/** Whether `b`'s backing store was marked by `markReusable` (always false below `REUSABLE_MARK_MIN` elements). @internal */
export const isReusable = (b: Buffer): boolean => b.length >= REUSABLE_MARK_MIN && reusable.has(b.buffer)

/** Runs `f` with `alloc` served by `r` first. @internal */
export const withRecycler = <A>(r: Recycler, f: () => A): A => {
  const outer = recycler
  recycler = r
  try {
    return f()
  } finally {
    recycler = outer
  }
}

/**
 * Allocates a zero-filled buffer of a dtype. Refuses (RESOURCE_LIMIT) a request above
 * `MAX_TENSOR_BYTES`, or one the engine cannot satisfy (the typed-array constructor's
 * RangeError, e.g. under a memory cap). `op` names the public operation for the message.
 * @internal
 */
export const alloc = (dtype: DType, size: number, op = 'allocate'): Buffer => {
  if (!(size * bytesPer[dtype] <= MAX_TENSOR_BYTES)) {
    if (!(size >= 0)) fail('INVALID_SHAPE', op, `a tensor cannot hold ${size} elements; sizes must be whole numbers ≥ 0.`)
    tooLarge(op, dtype, size, `more than the ${MAX_TENSOR_BYTES} bytes one tensor may hold`)
  }
  if (recycler !== undefined) {
    const b = recycler(dtype, size)
    if (b !== undefined) return b
  }
  try {
    switch (dtype) {
      case 'float32':
        return new Float32Array(size)
      case 'float64':
        return new Float64Array(size)
      case 'int32':
        return new Int32Array(size)
    }
  } catch (e) {
    if (e instanceof RangeError) return tooLarge(op, dtype, size, `which the engine could not allocate (${e.message}): the process is short of memory`)
    throw e
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
