/** Matrix products. */
import * as E from 'fp-ts/lib/Either.js'
import { isFloat } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { broadcastShapes } from '../core/shape.js'
import { type Tensor, checkTensor } from '../core/Tensor.js'
import { bind } from '../prims/bind.js'
import { reshape } from './layout.js'

const MATMUL_OPTIONS: ReadonlyArray<string> = ['transposeA', 'transposeB']

/** Options of `matmul`. */
export interface MatmulOptions {
  /** read `a` as its transpose over the last two axes (no copy is made) */
  readonly transposeA?: boolean
  /** read `b` as its transpose over the last two axes (no copy is made) */
  readonly transposeB?: boolean
}

/** Both operands float and of one dtype, or DTYPE_MISMATCH naming the op the user called. */
const checkFloatPair = (op: string, a: Tensor, b: Tensor): void => {
  checkTensor(op, a, 'a')
  checkTensor(op, b, 'b')
  if (a.dtype !== b.dtype) fail('DTYPE_MISMATCH', op, `operands have different dtypes (${a.dtype} ${showShape(a.shape)} and ${b.dtype} ${showShape(b.shape)}); cast one of them.`)
  if (!isFloat(a.dtype)) fail('DTYPE_MISMATCH', op, `${op} needs float tensors; got int32. Use Tensor.cast(x, 'float32') first.`)
}

/**
 * Matrix product over the last two axes, NumPy style: leading (batch) axes broadcast; a 1-D
 * `a` is a row vector and a 1-D `b` a column vector, and that axis is dropped from the result.
 * `transposeA` / `transposeB` read an operand transposed without copying it, so `xᵀ·dy` and
 * `dy·Wᵀ` in a backward pass cost no transposes.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const a = T.tensor([[1, 2], [3, 4]])
 * assert.deepStrictEqual(T.toNested(T.matmul(a, T.eye(2))), [[1, 2], [3, 4]])
 * assert.deepStrictEqual(T.toNested(T.matmul(a, a, { transposeA: true })), [[10, 14], [14, 20]])
 * assert.deepStrictEqual(T.toArray(T.matmul(a, T.tensor([1, 1]))), [3, 7])
 * assert.deepStrictEqual(T.matmul(T.zeros([5, 2, 3]), T.zeros([3, 4])).shape, [5, 2, 4])
 * @category linear algebra
 */
export const matmul = (a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor => {
  const op = 'matmul'
  checkOptions(op, opts, MATMUL_OPTIONS)
  const transA = opts.transposeA === true
  const transB = opts.transposeB === true
  checkFloatPair(op, a, b)
  if (a.rank === 0 || b.rank === 0) fail('SHAPE_MISMATCH', op, `operands must have at least one axis; got ${showShape(a.shape)} and ${showShape(b.shape)}. Use mul for scalars.`)
  if ((a.rank === 1 && transA) || (b.rank === 1 && transB)) fail('INVALID_ARGUMENT', op, 'a 1-D operand cannot be read transposed; reshape it to a matrix first.')
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b
  const [ar, ac] = a2.shape.slice(-2) as [number, number]
  const [br, bc] = b2.shape.slice(-2) as [number, number]
  const [m, ka] = transA ? [ac, ar] : [ar, ac]
  const [kb, n] = transB ? [bc, br] : [br, bc]
  if (ka !== kb) {
    const describe = (t: Tensor, tr: boolean): string => `${showShape(t.shape)}${tr ? ' (read transposed)' : ''}`
    fail('SHAPE_MISMATCH', op, `inner sizes differ: ${describe(a, transA)} · ${describe(b, transB)} contracts ${ka} with ${kb}; the last axis of a must equal the second-to-last of b.`)
  }
  const aBatch = a2.shape.slice(0, -2)
  const bBatch = b2.shape.slice(0, -2)
  E.getOrElseW((): never =>
    fail('SHAPE_MISMATCH', op, `batch axes ${showShape(aBatch)} of a ${showShape(a.shape)} and ${showShape(bBatch)} of b ${showShape(b.shape)} do not broadcast.`),
  )(broadcastShapes(op, aBatch, bBatch))
  const c = bind('matmul', [a2, b2], { transA, transB })
  // a 1-D operand's axis is dropped from the result
  return a.rank === 1 || b.rank === 1 ? reshape(c, [...c.shape.slice(0, -2), ...(a.rank === 1 ? [] : [m]), ...(b.rank === 1 ? [] : [n])]) : c
}

/**
 * Inner product of two 1-D float tensors (a scalar).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const d = T.dot(T.tensor([1, 2, 3]), T.tensor([4, 5, 6]))
 * assert.deepStrictEqual(d.shape, [])
 * assert.strictEqual(T.item(d), 32)
 * @category linear algebra
 */
export const dot = (a: Tensor, b: Tensor): Tensor => {
  checkTensor('dot', a, 'a')
  checkTensor('dot', b, 'b')
  if (a.rank !== 1 || b.rank !== 1) fail('SHAPE_MISMATCH', 'dot', `dot takes two 1-D tensors; got ${showShape(a.shape)} and ${showShape(b.shape)}. Use matmul for matrices.`)
  checkFloatPair('dot', a, b)
  if (a.shape[0] !== b.shape[0]) fail('SHAPE_MISMATCH', 'dot', `dot takes two vectors of one length; got ${showShape(a.shape)} and ${showShape(b.shape)}.`)
  return matmul(a, b)
}
