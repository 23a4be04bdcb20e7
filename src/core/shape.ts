/**
 * Shapes: validation, sizes, strides, NumPy broadcasting and axis normalisation.
 *
 * A shape is a readonly array of non-negative integer sizes; `[]` is a scalar.
 * `broadcastShapes` is a checker and returns `Either`; the `*OrThrow` helpers used by the ops
 * throw the same error value.
 */
import * as E from 'fp-ts/lib/Either.js'
import { type PuregradError, describe, error, fail, orThrow, showShape } from './errors.js'
import { MAX_TENSOR_BYTES } from './limits.js'

/** The most elements of the narrowest dtype (4 bytes) one tensor may hold. */
const MAX_ELEMENTS = MAX_TENSOR_BYTES / 4

/** @category model */
export type Shape = ReadonlyArray<number>

/**
 * Validates a shape given by a user: every size a finite non-negative integer (INVALID_SHAPE),
 * and no more elements than one tensor may hold (RESOURCE_LIMIT).
 * @category checkers
 */
export const checkShape = (op: string, shape: unknown): E.Either<PuregradError, Shape> => {
  if (!Array.isArray(shape)) {
    return E.left(error('INVALID_SHAPE', op, `a shape is an array of sizes such as [2, 3]; got ${String(shape)}.`))
  }
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i]
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      return E.left(
        error(
          'INVALID_SHAPE',
          op,
          `size ${i} of shape [${shape.map(String).join(', ')}] is ${String(d)}; ` +
            'every size must be a whole number ≥ 0 (NaN, fractions, negatives and Infinity are refused).',
        ),
      )
    }
  }
  const size = shape.reduce((p: number, d: number) => p * d, 1)
  if (size > MAX_ELEMENTS) {
    return E.left(
      error(
        'RESOURCE_LIMIT',
        op,
        `shape [${shape.join(', ')}] holds ${size} elements; one tensor may hold at most ${MAX_TENSOR_BYTES} bytes (${MAX_ELEMENTS} float32 values). Use smaller shapes or process the data in batches.`,
      ),
    )
  }
  return E.right(Object.freeze(shape.slice()) as Shape)
}

/** @internal */
export const shapeOrThrow = (op: string, shape: unknown): Shape => orThrow(checkShape(op, shape))

/**
 * Number of elements of a shape (1 for a scalar).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.strictEqual(T.sizeOf([2, 3, 4]), 24)
 * assert.strictEqual(T.sizeOf([]), 1)
 * assert.strictEqual(T.sizeOf([5, 0]), 0)
 * @category utils
 */
export const sizeOf = (shape: Shape): number => {
  if (!Array.isArray(shape)) fail('INVALID_SHAPE', 'sizeOf', `a shape is an array of sizes such as [2, 3]; got ${describe(shape)}.`)
  let n = 1
  for (const d of shape) n *= d
  return n
}

/** Row-major strides of a contiguous tensor. @category utils */
export const stridesOf = (shape: Shape): number[] => {
  const s = new Array<number>(shape.length)
  let acc = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc
    acc *= shape[i]!
  }
  return s
}

/** @category utils */
export const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i])

/**
 * NumPy broadcasting: align shapes on the right; each pair of sizes must be equal or one of them 1.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.broadcastShapes('add', [4, 1, 3], [5, 1]), E.right([4, 5, 3]))
 * const bad = T.broadcastShapes('add', [2, 3], [4, 3])
 * assert.ok(E.isLeft(bad) && bad.left.code === 'SHAPE_MISMATCH')
 * @category checkers
 */
export const broadcastShapes = (op: string, a: Shape, b: Shape): E.Either<PuregradError, Shape> => {
  if (!Array.isArray(a) || !Array.isArray(b)) {
    return E.left(error('INVALID_SHAPE', typeof op === 'string' ? op : 'broadcastShapes', `a shape is an array of sizes such as [2, 3]; got ${describe(Array.isArray(a) ? b : a)}.`))
  }
  const rank = Math.max(a.length, b.length)
  const out = new Array<number>(rank)
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1
    const db = b[b.length - rank + i] ?? 1
    if (da !== db && da !== 1 && db !== 1) {
      return E.left(
        error(
          'SHAPE_MISMATCH',
          op,
          `cannot broadcast shapes ${showShape(a)} and ${showShape(b)}: ` +
            `size ${da} and size ${db} meet at axis ${i - rank} (counting from the right); ` +
            'sizes must be equal or one of them 1.',
        ),
      )
    }
    out[i] = da === 1 ? db : da
  }
  return E.right(out)
}

/** @internal */
export const broadcastOrThrow = (op: string, a: Shape, b: Shape): Shape => orThrow(broadcastShapes(op, a, b))

/**
 * Strides that read an operand of shape `from` as if it had the (broadcast) shape `to`:
 * broadcast axes get stride 0.
 * @internal
 */
export const broadcastStrides = (from: Shape, to: Shape): number[] => {
  const s = stridesOf(from)
  const out = new Array<number>(to.length).fill(0)
  const off = to.length - from.length
  for (let i = 0; i < from.length; i++) out[off + i] = from[i] === 1 ? 0 : s[i]!
  return out
}

/** Normalises an axis (negative counts from the end) against a rank. @internal */
export const normalizeAxis = (op: string, axis: number, rank: number): number => {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1) || (rank === 0 && axis !== 0 && axis !== -1)) {
    return fail('AXIS_OUT_OF_RANGE', op, `axis ${axis} is out of range for a tensor of rank ${rank}; use an axis in [${-rank}, ${rank - 1}].`)
  }
  return axis < 0 ? axis + rank : axis
}

/**
 * Normalises an axis list (undefined means all axes), sorted, refusing duplicates.
 * @internal
 */
export const normalizeAxes = (op: string, axes: number | ReadonlyArray<number> | undefined, rank: number): number[] => {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i)
  const list: ReadonlyArray<number> = typeof axes === 'number' ? [axes] : Array.isArray(axes) ? axes : fail('INVALID_ARGUMENT', op, `axes must be an axis, a list of axes or omitted (all axes); got ${describe(axes)}.`)
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      return fail('AXIS_OUT_OF_RANGE', op, `axis ${a} is out of range for a tensor of rank ${rank}; use axes in [${-rank}, ${rank - 1}].`)
    }
    return a < 0 ? a + rank : a
  })
  const sorted = [...out].sort((x, y) => x - y)
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) fail('INVALID_ARGUMENT', op, `axis ${sorted[i]} is listed twice in [${list.join(', ')}].`)
  }
  return sorted
}
