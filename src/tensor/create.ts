/**
 * Making tensors: from nested arrays, from flat data and a shape, and the usual constant
 * tensors. Reading them back always returns copies.
 */
import { type Buffer, type DType, alloc, checkDType } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import { type Shape, shapeOrThrow, sizeOf, stridesOf } from '../core/shape.js'
import { Tensor, dataOf, fromBuffer, isAbstract, isTensor, checkReadable, checkTensor, readOf } from '../core/Tensor.js'
import { bind, concrete } from '../prims/bind.js'

/** A number or nested arrays of numbers; typed arrays are accepted as the innermost level. */
export type NestedArray = number | ReadonlyArray<NestedArray> | Float32Array | Float64Array | Int32Array

const MAX_RANK = 64
const F32_MAX = 3.4028234663852886e38

const isNumArray = (u: unknown): u is Float32Array | Float64Array | Int32Array =>
  u instanceof Float32Array || u instanceof Float64Array || u instanceof Int32Array

/**
 * Checks one value against the dtype it is about to be stored in: returns it, or throws
 * `INVALID_VALUE` naming `op` and the position `where()` describes.
 * @internal
 */
export const checkValue = (op: string, dtype: DType, v: unknown, where: () => string): number => {
  if (typeof v !== 'number') {
    const shown = v === null ? 'null' : typeof v === 'object' ? 'an object' : typeof v === 'bigint' ? `the bigint ${String(v)}n` : `${typeof v} ${JSON.stringify(v) ?? String(v)}`
    return fail('INVALID_VALUE', op, `the element at ${where()} is ${shown}; tensors hold numbers only (convert bigints with Number(…)).`)
  }
  if (dtype === 'int32' && !(Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) {
    return fail('INVALID_VALUE', op, `the element at ${where()} is ${v}, which is not a 32-bit integer; round it first or use a float dtype.`)
  }
  if (dtype === 'float32' && Number.isFinite(v) && Math.abs(v) > F32_MAX) {
    return fail('INVALID_VALUE', op, `the element at ${where()} is ${v}, which overflows float32 (largest ≈ 3.4e38); use dtype 'float64'.`)
  }
  return v
}

const inferShape = (op: string, x: unknown): number[] => {
  const shape: number[] = []
  let cur: unknown = x
  while (Array.isArray(cur) || isNumArray(cur)) {
    if (shape.length === MAX_RANK) fail('INVALID_SHAPE', op, `nested arrays deeper than ${MAX_RANK} levels are refused.`)
    shape.push(cur.length)
    if (isNumArray(cur) || cur.length === 0) break
    cur = cur[0]
  }
  return shape
}

const fill = (op: string, x: unknown, shape: Shape, dtype: DType, out: Buffer): void => {
  let k = 0
  const path: number[] = []
  const at = (): string => `[${path.join(', ')}]`
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(node) || isNumArray(node)) {
        fail('RAGGED_ARRAY', op, `the nested array is ragged: the element at ${at()} is an array, but the first element at that depth is a number (inferred shape ${showShape(shape)}); make every row the same length and depth.`)
      }
      out[k++] = checkValue(op, dtype, node, at)
      return
    }
    const want = shape[depth]!
    if (!(Array.isArray(node) || isNumArray(node)) || node.length !== want) {
      const got = Array.isArray(node) || isNumArray(node) ? `length ${node.length}` : 'a number'
      fail('RAGGED_ARRAY', op, `the nested array is ragged: ${depth === 0 ? 'the top level' : `the row at ${at()}`} has ${got} where length ${want} was expected (inferred shape ${showShape(shape)} from the first elements); make every row the same length.`)
    }
    const arr = node as ArrayLike<unknown>
    for (let i = 0; i < want; i++) {
      path.push(i)
      walk(arr[i], depth + 1)
      path.pop()
    }
  }
  walk(x, 0)
}

/**
 * A tensor from a number or nested arrays of numbers.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const t = T.tensor([[1, 2, 3], [4, 5, 6]])
 * assert.deepStrictEqual(t.shape, [2, 3])
 * assert.strictEqual(t.dtype, 'float32')
 * assert.throws(() => T.tensor([[1, 2], [3]]), { code: 'RAGGED_ARRAY' })
 * @category constructors
 */
export const tensor = (values: NestedArray, dtype: DType = 'float32'): Tensor => {
  const op = 'tensor'
  checkDType(op, dtype)
  if (isTensor(values)) return dtype === values.dtype ? values : fail('DTYPE_MISMATCH', op, `got a ${values.dtype} tensor where ${dtype} was asked; use cast(t, '${dtype}').`)
  const shape = inferShape(op, values)
  const out = alloc(dtype, sizeOf(shape), op)
  fill(op, values, shape, dtype, out)
  return fromBuffer(out, shape)
}

/**
 * A tensor from flat row-major values and a shape.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toNested(T.fromArray([1, 2, 3, 4], [2, 2])), [[1, 2], [3, 4]])
 * assert.throws(() => T.fromArray([1, 2, 3], [2, 2]), { code: 'SHAPE_MISMATCH' })
 * @category constructors
 */
export const fromArray = (values: ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): Tensor => {
  const op = 'fromArray'
  checkDType(op, dtype)
  const s = shapeOrThrow(op, shape)
  if (sizeOf(s) !== values.length) {
    fail('SHAPE_MISMATCH', op, `${values.length} values cannot fill shape ${showShape(s)}, which holds ${sizeOf(s)}.`)
  }
  const out = alloc(dtype, values.length, op)
  if (fitsAsIs(values, dtype)) out.set(values as Float64Array)
  else for (let i = 0; i < values.length; i++) out[i] = checkValue(op, dtype, values[i], () => `flat index ${i}`)
  return fromBuffer(out, s)
}

/**
 * True for a typed array every value of which `dtype` stores without a check: float32 values in
 * any float dtype, float64 values in float64, and small integers anywhere (int32 takes every
 * integer array but Uint32Array). Copied with one `set` (a memcpy or a converting loop in the
 * engine), where the general path checks each value.
 */
const fitsAsIs = (v: ArrayLike<number>, dtype: DType): boolean =>
  v instanceof Float32Array
    ? dtype !== 'int32'
    : v instanceof Float64Array
      ? dtype === 'float64'
      : v instanceof Int32Array || v instanceof Int16Array || v instanceof Int8Array || v instanceof Uint16Array || v instanceof Uint8Array || v instanceof Uint8ClampedArray || (v instanceof Uint32Array && dtype !== 'int32')

/**
 * A scalar (rank-0) tensor.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const s = T.scalar(2.5)
 * assert.deepStrictEqual(s.shape, [])
 * assert.strictEqual(T.item(s), 2.5)
 * @category constructors
 */
export const scalar = (value: number, dtype: DType = 'float32'): Tensor => fromArray([value], [], dtype)

const filled = (op: string, shape: Shape, value: number, dtype: DType): Tensor => {
  checkDType(op, dtype)
  const s = shapeOrThrow(op, shape)
  const out = alloc(dtype, sizeOf(s), op)
  const v = checkValue(op, dtype, value, () => 'the fill value')
  if (!Object.is(v, 0)) out.fill(v)
  return fromBuffer(out, s)
}

/**
 * A tensor of one repeated value.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toNested(T.full([2, 3], 7)), [[7, 7, 7], [7, 7, 7]])
 * assert.strictEqual(T.full([2], 7, 'int32').dtype, 'int32')
 * @category constructors
 */
export const full = (shape: Shape, value: number, dtype: DType = 'float32'): Tensor => filled('full', shape, value, dtype)

/**
 * A tensor of zeros.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const z = T.zeros([2, 2])
 * assert.deepStrictEqual(T.toNested(z), [[0, 0], [0, 0]])
 * assert.strictEqual(z.dtype, 'float32')
 * @category constructors
 */
export const zeros = (shape: Shape, dtype: DType = 'float32'): Tensor => filled('zeros', shape, 0, dtype)

/**
 * A tensor of ones.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toNested(T.ones([2, 1])), [[1], [1]])
 * assert.strictEqual(T.ones([3], 'int32').dtype, 'int32')
 * @category constructors
 */
export const ones = (shape: Shape, dtype: DType = 'float32'): Tensor => filled('ones', shape, 1, dtype)

/**
 * Same shape and dtype as `t`, all zeros.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const z = T.zerosLike(T.tensor([[5, 6]], 'int32'))
 * assert.deepStrictEqual([z.shape, z.dtype], [[1, 2], 'int32'])
 * assert.deepStrictEqual(T.toArray(z), [0, 0])
 * @category constructors
 */
export const zerosLike = (t: Tensor): Tensor => filled('zerosLike', checkTensor('zerosLike', t).shape, 0, t.dtype)

/**
 * Same shape and dtype as `t`, all ones.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const o = T.onesLike(T.tensor([[5], [6]], 'float64'))
 * assert.deepStrictEqual([o.shape, o.dtype], [[2, 1], 'float64'])
 * assert.deepStrictEqual(T.toNested(o), [[1], [1]])
 * @category constructors
 */
export const onesLike = (t: Tensor): Tensor => filled('onesLike', checkTensor('onesLike', t).shape, 1, t.dtype)

/**
 * Same shape and dtype as `t`, every element `value` (which must fit that dtype).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.fullLike(T.tensor([1.5, 2]), 9)), [9, 9])
 * assert.throws(() => T.fullLike(T.tensor([1], 'int32'), 0.5), { code: 'INVALID_VALUE' })
 * @category constructors
 */
export const fullLike = (t: Tensor, value: number): Tensor => filled('fullLike', checkTensor('fullLike', t).shape, value, t.dtype)

/**
 * Evenly spaced values in [start, stop): `arange(5)` is 0…4, `arange(1, 2, 0.25)` is 1, 1.25, 1.5, 1.75.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.arange(5)), [0, 1, 2, 3, 4])
 * assert.deepStrictEqual(T.toArray(T.arange(1, 2, 0.25)), [1, 1.25, 1.5, 1.75])
 * assert.deepStrictEqual(T.toArray(T.arange(5, 0, -2)), [5, 3, 1])
 * @category constructors
 */
export const arange = (start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor => {
  const op = 'arange'
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop]
  if (![lo, hi, step].every(Number.isFinite)) fail('INVALID_ARGUMENT', op, `start, stop and step must be finite numbers; got ${lo}, ${hi}, ${step}.`)
  if (step === 0) fail('INVALID_ARGUMENT', op, 'step must not be 0.')
  const n = Math.max(0, Math.ceil((hi - lo) / step))
  const out = alloc(checkDType(op, dtype), n, op)
  for (let i = 0; i < n; i++) out[i] = checkValue(op, dtype, lo + i * step, () => `position ${i}`)
  return fromBuffer(out, [n])
}

/**
 * `n` evenly spaced values from `start` to `stop`, both included.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.linspace(0, 1, 5)), [0, 0.25, 0.5, 0.75, 1])
 * assert.deepStrictEqual(T.toArray(T.linspace(3, 7, 1)), [3])
 * @category constructors
 */
export const linspace = (start: number, stop: number, n: number, dtype: DType = 'float32'): Tensor => {
  const op = 'linspace'
  if (!Number.isInteger(n) || n < 0) fail('INVALID_ARGUMENT', op, `n must be a whole number ≥ 0; got ${n}.`)
  if (!Number.isFinite(start) || !Number.isFinite(stop)) fail('INVALID_ARGUMENT', op, `start and stop must be finite numbers; got ${start} and ${stop}.`)
  const out = alloc(checkDType(op, dtype), n, op)
  // start·(1 − w) + stop·w cannot overflow for finite ends, where start + (stop − start)·w can
  for (let i = 0; i < n; i++) {
    const w = n === 1 ? 0 : i / (n - 1)
    out[i] = checkValue(op, dtype, i === n - 1 && n > 1 ? stop : start * (1 - w) + stop * w, () => `position ${i}`)
  }
  return fromBuffer(out, [n])
}

/**
 * The n × m identity (m defaults to n).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toNested(T.eye(2)), [[1, 0], [0, 1]])
 * assert.deepStrictEqual(T.toNested(T.eye(2, 3)), [[1, 0, 0], [0, 1, 0]])
 * @category constructors
 */
export const eye = (n: number, m: number = n, dtype: DType = 'float32'): Tensor => {
  const s = shapeOrThrow('eye', [n, m])
  const out = alloc(checkDType('eye', dtype), n * m, 'eye')
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1
  return fromBuffer(out, s)
}

// ---------------------------------------------------------------------------------------------
// reading (always copies)

/**
 * The values as a flat array of numbers, row-major.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.tensor([[1, 2], [3, 4]])), [1, 2, 3, 4])
 * assert.deepStrictEqual(T.toArray(T.tensor([0.1])), [Math.fround(0.1)])
 * assert.deepStrictEqual(T.toArray(T.tensor([0.1], 'float64')), [0.1])
 * @category destructors
 */
export const toArray = (t: Tensor): number[] => Array.from(readOf('toArray', checkReadable('toArray', checkTensor('toArray', t))))

/**
 * A copy of the values as a typed array of the tensor's dtype.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([1, 2], 'int32')
 * const a = T.toTypedArray(x)
 * assert.ok(a instanceof Int32Array)
 * a[0] = 99
 * assert.deepStrictEqual(T.toArray(x), [1, 2])
 * @category destructors
 */
export const toTypedArray = (t: Tensor): Float32Array | Float64Array | Int32Array => readOf('toTypedArray', checkReadable('toTypedArray', checkTensor('toTypedArray', t))).slice()

/**
 * The values as nested arrays (a number for a scalar).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toNested(T.tensor([[1, 2], [3, 4]])), [[1, 2], [3, 4]])
 * assert.strictEqual(T.toNested(T.scalar(3)), 3)
 * @category destructors
 */
export const toNested = (t: Tensor): NestedArray => {
  const d = readOf('toNested', checkReadable('toNested', checkTensor('toNested', t)))
  const st = stridesOf(t.shape)
  const build = (depth: number, off: number): NestedArray =>
    depth === t.rank ? d[off]! : Array.from({ length: t.shape[depth]! }, (_, i) => build(depth + 1, off + i * st[depth]!))
  return build(0, 0)
}

/**
 * The value of a one-element tensor, whatever its rank.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.strictEqual(T.item(T.sum(T.tensor([1, 2, 3]))), 6)
 * assert.strictEqual(T.item(T.tensor([[5]])), 5)
 * assert.throws(() => T.item(T.tensor([1, 2])), { code: 'SHAPE_MISMATCH' })
 * @category destructors
 */
export const item = (t: Tensor): number =>
  checkReadable('item', checkTensor('item', t)).size === 1 ? readOf('item', t)[0]! : fail('SHAPE_MISMATCH', 'item', `item() needs a tensor with one element; got shape ${showShape(t.shape)}.`)

/**
 * The value at a multi-index, one whole number per axis (a negative index counts from the end).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[1, 2, 3], [4, 5, 6]])
 * assert.strictEqual(T.get(x, 0, 1), 2)
 * assert.strictEqual(T.get(x, 1, -1), 6)
 * assert.throws(() => T.get(x, 2, 0), { code: 'INDEX_OUT_OF_RANGE' })
 * @category destructors
 */
export const get = (t: Tensor, ...index: number[]): number => {
  const op = 'get'
  checkReadable(op, checkTensor(op, t))
  if (index.length !== t.rank) fail('SHAPE_MISMATCH', op, `index [${index.join(', ')}] has ${index.length} entries but the tensor has shape ${showShape(t.shape)}.`)
  const st = stridesOf(t.shape)
  let off = 0
  index.forEach((ix, a) => {
    const n = t.shape[a]!
    const j = ix < 0 ? ix + n : ix
    if (!Number.isInteger(ix) || j < 0 || j >= n) fail('INDEX_OUT_OF_RANGE', op, `index ${ix} on axis ${a} is out of range for size ${n} (shape ${showShape(t.shape)}); use a whole number in [${-n}, ${n - 1}].`)
    off += j * st[a]!
  })
  return readOf(op, t)[off]!
}

/**
 * A copy in another dtype (float → int32 truncates toward zero, like NumPy, and refuses values
 * int32 cannot hold). Between float dtypes it is differentiable.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(T.toArray(T.cast(T.tensor([-1.7, 2.9]), 'int32')), [-1, 2])
 * assert.throws(() => T.cast(T.tensor([NaN]), 'int32'), { code: 'INVALID_VALUE' })
 * assert.deepStrictEqual(T.toArray(T.cast(T.tensor([0.1], 'float64'), 'float32')), [Math.fround(0.1)])
 * @category conversions
 */
export const cast = (t: Tensor, dtype: DType): Tensor => {
  checkTensor('cast', t)
  checkDType('cast', dtype)
  if (dtype === t.dtype) return t
  if (dtype === 'int32' && !isAbstract(t)) {
    // the whole batch under vmap, not the example's view of it
    const src = dataOf(concrete(t), 'cast')
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!
      if (!Number.isFinite(v) || v >= 2147483648 || v < -2147483648) fail('INVALID_VALUE', 'cast', `element ${i} is ${v}, which has no int32 value; clean the tensor before casting.`)
    }
  }
  return bind('cast', [t], { dtype })
}

export { Tensor }
