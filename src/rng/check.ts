/**
 * Argument checks shared by the samplers: shapes, dtypes, options objects and numbers.
 * Each throws a `PuregradError` that says what was wrong and how to fix it.
 * @internal
 */
import { type DType, type FloatDType, checkDType } from '../core/dtype.js'
import { fail } from '../core/errors.js'
import { checkOptions as checkKnownOptions } from '../core/options.js'
import { type Shape, shapeOrThrow, sizeOf } from '../core/shape.js'

/** A short description of any value for messages; never throws (bigints, symbols, cycles). @internal */
export const show = (u: unknown): string => {
  switch (typeof u) {
    case 'number':
    case 'boolean':
      return String(u)
    case 'string':
      return `the string ${JSON.stringify(u)}`
    case 'bigint':
      return `the bigint ${u}n`
    case 'undefined':
      return 'undefined'
    case 'symbol':
      return u.toString()
    case 'function':
      return 'a function'
    default:
      return u === null ? 'null' : Array.isArray(u) ? `an array of length ${u.length}` : 'an object'
  }
}

/** More elements than this would need counters beyond 2^32 blocks. @internal */
const MAX_SIZE = 0xffffffff

/** A user shape, validated, with its size. @internal */
export const checkSampleShape = (op: string, shape: unknown): { readonly shape: Shape; readonly size: number } => {
  const s = shapeOrThrow(op, shape)
  const size = sizeOf(s)
  if (size > MAX_SIZE) fail('INVALID_SHAPE', op, `shape [${s.join(', ')}] holds ${size} elements; at most 2^32 - 1 can be sampled at once. Sample in pieces with keys from Rng.split.`)
  return { shape: s, size }
}

/** The options argument: undefined or a plain object with only the keys in `known`. @internal */
export const checkOptions = <O extends object>(op: string, options: unknown, example: string, known: ReadonlyArray<keyof O & string>): Partial<O> => {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return fail('INVALID_ARGUMENT', op, `options must be an object such as ${example}; got ${show(options)}.`)
  }
  checkKnownOptions(op, options, known)
  return options as Partial<O>
}

/** A float dtype (default float32); int32 is refused with a pointer to `integers`. @internal */
export const checkFloatDType = (op: string, dtype: unknown): FloatDType => {
  if (dtype === undefined) return 'float32'
  const d = checkDType(op, dtype)
  if (d === 'int32') fail('DTYPE_MISMATCH', op, `${op} makes floating-point values, so dtype must be 'float32' or 'float64'; got 'int32'. For random whole numbers use Rng.integers(key, shape, low, high).`)
  return d as FloatDType
}

/** Any dtype (default float32). @internal */
export const checkAnyDType = (op: string, dtype: unknown): DType => (dtype === undefined ? 'float32' : checkDType(op, dtype))

/** A finite number option, with its default. @internal */
export const finiteOption = (op: string, name: string, value: unknown, dflt: number): number => {
  if (value === undefined) return dflt
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return fail('INVALID_ARGUMENT', op, `${name} must be a finite number; got ${show(value)}.`)
  }
  return value
}

/** A number option that may be ±Infinity but not NaN, with its default. @internal */
export const boundOption = (op: string, name: string, value: unknown, dflt: number): number => {
  if (value === undefined) return dflt
  if (typeof value !== 'number' || Number.isNaN(value)) {
    return fail('INVALID_ARGUMENT', op, `${name} must be a number (±Infinity allowed); got ${show(value)}.`)
  }
  return value
}
