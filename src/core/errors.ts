/**
 * The error catalogue. Every error puregrad raises is a `PuregradError` with a stable `code`
 * (safe to match on), the operation that raised it, and a message that says what happened and
 * how to fix it.
 *
 * Checkers return these errors as values (`Either<PuregradError, A>`); the convenience
 * functions built on them throw the same value.
 *
 * @since 0.1.0
 */

/**
 * Stable error codes, each with the one-line meaning shown in the docs.
 * @category errors
 */
export const codes = {
  SHAPE_MISMATCH: 'shapes of the operands cannot be combined',
  DTYPE_MISMATCH: 'dtypes of the operands differ or are not accepted by the operation',
  INVALID_SHAPE: 'a shape holds a negative, fractional, NaN or infinite size',
  INVALID_ARGUMENT: 'an argument is outside the range the operation accepts',
  RAGGED_ARRAY: 'a nested array is ragged: siblings have different lengths',
  INVALID_VALUE: 'a nested array holds something that is not a number',
  AXIS_OUT_OF_RANGE: 'an axis is outside the rank of the tensor',
  INDEX_OUT_OF_RANGE: 'an index is outside the size of the axis it indexes',
  TREE_MISMATCH: 'two parameter trees do not have the same structure',
  INVALID_KEY: 'a value passed as a random key is not a key',
  ESCAPED_TRACER: 'a value traced by a differentiation call was used after the call returned',
  TRACED_READ: 'the contents of a value were read synchronously where they are not known: while jit traced the function that holds it, or while it lives on the GPU',
  NOT_SCALAR: 'a function differentiated with grad must return a single number',
  NON_FINITE: 'a computation produced NaN or Infinity',
  RESOURCE_LIMIT: 'a request needs more memory or work than the resource budget allows',
  TOO_DEEP: 'a tree, network or document nests deeper than the stated limit',
  FILE_ERROR: 'a file could not be read or written; an existing file is left as it was',
  NO_DEVICE: 'the device asked for (WebGPU) is missing here or was not set up',
  LAW_FAILED: 'a law of puregrad/testing does not hold for the layer, optimizer or function it was given',
} as const

/** @category errors */
export type ErrorCode = keyof typeof codes

/**
 * The one error class of the library.
 * @category errors
 */
export class PuregradError extends Error {
  override readonly name = 'PuregradError'
  constructor(
    /** Stable code, listed in `codes`. */
    readonly code: ErrorCode,
    /** The public operation that refused its input, e.g. `matmul`. */
    readonly op: string,
    /** What happened and how to fix it. */
    readonly detail: string,
  ) {
    super(`${op}: ${detail}`)
  }
}

/** Builds an error without throwing it (for `Either`-returning checkers). @internal */
export const error = (code: ErrorCode, op: string, detail: string): PuregradError =>
  new PuregradError(code, op, detail)

/** Throws a `PuregradError`. @internal */
export const fail = (code: ErrorCode, op: string, detail: string): never => {
  throw new PuregradError(code, op, detail)
}

/** The value of a Right, or its error thrown: where a checker's Either meets a throwing API. @internal */
export const orThrow = <A>(r: { readonly _tag: 'Left'; readonly left: PuregradError } | { readonly _tag: 'Right'; readonly right: A }): A => {
  if (r._tag === 'Left') throw r.left
  return r.right
}

/** Formats a shape for messages: `[2, 3]`, a scalar as `[] (scalar)`. @internal */
export const showShape = (shape: ReadonlyArray<number>): string =>
  shape.length === 0 ? '[] (scalar)' : `[${shape.join(', ')}]`

/**
 * A short description of any value for messages, never throwing (cycles, bigints, symbols):
 * `null`, `the number 42`, `the string "x"`, `an array of length 2`, `a function`, `an object`. @internal
 */
export const describe = (u: unknown): string => {
  switch (typeof u) {
    case 'number':
      return `the number ${u}`
    case 'boolean':
      return `the boolean ${u}`
    case 'string':
      return `the string ${JSON.stringify(u.length > 40 ? `${u.slice(0, 40)}…` : u)}`
    case 'bigint':
      return `the bigint ${u}n`
    case 'undefined':
      return 'undefined'
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default:
      return u === null ? 'null' : Array.isArray(u) ? `an array of length ${u.length}` : 'an object'
  }
}

/** `f` when it is a function; otherwise INVALID_ARGUMENT naming what it is. @internal */
export const checkFunction = <F>(op: string, name: string, f: F): F =>
  typeof f === 'function' ? f : fail('INVALID_ARGUMENT', op, `${name} must be a function; got ${describe(f)}.`)

/** `u` when it is a record (an object, not null nor an array); otherwise INVALID_ARGUMENT naming it and what to pass. @internal */
export const checkRecord = (op: string, name: string, u: unknown, expected: string): { readonly [key: string]: unknown } =>
  typeof u === 'object' && u !== null && !Array.isArray(u) ? (u as { readonly [key: string]: unknown }) : fail('INVALID_ARGUMENT', op, `${name} is ${describe(u)}; pass ${expected}.`)

/** `u` when it is an array; otherwise INVALID_ARGUMENT naming it and what to pass. @internal */
export const checkArray = (op: string, name: string, u: unknown, expected: string): ReadonlyArray<unknown> =>
  Array.isArray(u) ? u : fail('INVALID_ARGUMENT', op, `${name} is ${describe(u)}; pass ${expected}.`)

/** What a field of a record must hold, for `checkFields`; a trailing `?` also allows undefined. @internal */
export type FieldKind = 'number' | 'string' | 'boolean' | 'array' | 'record'

const kindNames: Readonly<Record<FieldKind, string>> = { number: 'a number', string: 'a string', boolean: 'true or false', array: 'an array', record: 'a record' }

const hasKind = (v: unknown, kind: FieldKind): boolean =>
  kind === 'array' ? Array.isArray(v) : kind === 'record' ? typeof v === 'object' && v !== null && !Array.isArray(v) : typeof v === kind

/**
 * The record `u` when each listed field holds what it must; otherwise INVALID_ARGUMENT naming
 * the first field that does not (`the report's verdict is undefined, not a string`) and what to
 * pass. One look at each listed field: cheap enough for any entry point. @internal
 */
export const checkFields = (
  op: string,
  name: string,
  u: unknown,
  fields: Readonly<Record<string, FieldKind | `${FieldKind}?`>>,
  expected: string,
): { readonly [key: string]: unknown } => {
  const r = checkRecord(op, name, u, expected)
  for (const k of Object.keys(fields)) {
    const want = fields[k]!
    const optional = want.endsWith('?')
    const kind = (optional ? want.slice(0, -1) : want) as FieldKind
    const v = r[k]
    if (!(hasKind(v, kind) || (optional && v === undefined))) fail('INVALID_ARGUMENT', op, `${name}'s ${k} is ${describe(v)}, not ${kindNames[kind]}; pass ${expected}.`)
  }
  return r
}
