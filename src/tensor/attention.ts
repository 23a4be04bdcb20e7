/**
 * Scaled dot-product attention, composed of matmul, a masked max-subtracted softmax and where,
 * so every transformation (grad, jvp, vmap) differentiates it like any other composite.
 */
import { isFloat } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { broadcastShapes } from '../core/shape.js'
import { type Tensor, checkTensor, isTensor } from '../core/Tensor.js'
import { arange, cast } from './create.js'
import { div, exp, greater, isFinite, lessEqual, mul, notEqual, stopGradient, sub, where } from './elementwise.js'
import { matmul } from './matmul.js'
import { max, sum } from './reduce.js'
import { reshape } from './layout.js'
import { softmax } from './softmax.js'

/** Options of `attention`. */
export interface AttentionOptions {
  /**
   * which keys each query may attend to: non-zero = may attend, 0 = never (any dtype),
   * broadcasting to the scores' shape [..., Tq, Tk]; e.g. [batch, 1, 1, Tk] for padded keys
   */
  readonly mask?: Tensor
  /** query i attends only to keys j ≤ i (top-left aligned, as PyTorch's `is_causal`); default false */
  readonly causal?: boolean
  /** the factor of the scores q·kᵀ, default 1/√d with d the queries' last size */
  readonly scale?: number
}

const OPTIONS: ReadonlyArray<string> = ['mask', 'causal', 'scale']

/**
 * The 0/1 mask of the allowed (query, key) pairs in the scores' dtype, or undefined when every
 * pair is allowed. Refuses a mask that does not broadcast to the scores' shape without growing it.
 */
const allowedPairs = (op: string, scores: ReadonlyArray<number>, dtype: Tensor['dtype'], mask: Tensor | undefined, causal: boolean): Tensor | undefined => {
  const [tq, tk] = scores.slice(-2) as [number, number]
  const causalMask = causal ? cast(lessEqual(reshape(arange(0, tk, 1, 'int32'), [1, tk]), reshape(arange(0, tq, 1, 'int32'), [tq, 1])), dtype) : undefined
  if (mask === undefined) return causalMask
  const grown = broadcastShapes(op, mask.shape, scores)
  if (grown._tag === 'Left' || grown.right.length !== scores.length || grown.right.some((d, i) => d !== scores[i])) {
    fail(
      'SHAPE_MISMATCH',
      op,
      `the mask ${showShape(mask.shape)} does not broadcast to the scores' shape ${showShape(scores)} ([..., queries ${tq}, keys ${tk}]); give it the scores' shape or sizes of 1 where it is shared, e.g. [batch, 1, 1, ${tk}] for padded keys.`,
    )
  }
  const m = cast(notEqual(mask, 0), dtype)
  return causalMask === undefined ? m : mul(m, causalMask)
}

/**
 * Scaled dot-product attention: softmax(q·kᵀ·scale + masking)·v over the last two axes, with
 * q [..., Tq, d], k [..., Tk, d], v [..., Tk, dv] (leading axes broadcast, e.g. [batch,
 * heads]) and the result [..., Tq, dv]. The softmax subtracts each row's largest allowed
 * score, so large scores give exact weights; a masked key gets weight exactly 0, and a query
 * whose keys are all masked gets weights 0 and output 0 (never NaN), with zero and finite
 * gradients. It is written with tensor operations, so every transformation differentiates it.
 *
 * The mask follows PyTorch's `scaled_dot_product_attention` with a boolean mask (non-zero =
 * may attend); note that `nn.MultiheadAttention`'s `key_padding_mask` means the opposite
 * (true = padding), so pass its logical not. A query with every key masked gives 0 here,
 * where PyTorch's softmax over no allowed key can give NaN.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const q = T.tensor([[1, 0], [0, 1]])                     // 2 queries of size 2
 * const k = T.tensor([[1000, 0], [0, 1000], [0, 0]])       // 3 keys
 * const v = T.tensor([[1], [2], [3]])
 * // scores of ±1000 still give exact weights: each query picks its key
 * assert.deepStrictEqual(T.toArray(T.attention(q, k, v, { scale: 1 })), [1, 2])
 * // causal: query 0 sees key 0 only; query 1 sees keys 0 and 1
 * assert.deepStrictEqual(T.toArray(T.attention(q, k, v, { scale: 1, causal: true })), [1, 2])
 * // a query whose keys are all masked gives 0
 * const mask = T.tensor([[1, 1, 1], [0, 0, 0]])
 * assert.deepStrictEqual(T.toArray(T.attention(q, k, v, { scale: 1, mask })), [1, 0])
 * @category neural networks
 */
export const attention = (q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor => {
  const op = 'attention'
  checkOptions(op, opts, OPTIONS)
  checkTensor(op, q, 'q')
  checkTensor(op, k, 'k')
  checkTensor(op, v, 'v')
  if (!isFloat(q.dtype)) fail('DTYPE_MISMATCH', op, `attention needs float queries, keys and values; got ${q.dtype} q ${showShape(q.shape)}. Use Tensor.cast(x, 'float32') first.`)
  if (q.rank < 2 || k.rank < 2 || v.rank < 2) {
    fail('SHAPE_MISMATCH', op, `q, k and v need at least two axes ([..., positions, features]); got q ${showShape(q.shape)}, k ${showShape(k.shape)}, v ${showShape(v.shape)}.`)
  }
  const d = q.shape.at(-1)!
  if (k.shape.at(-1) !== d) fail('SHAPE_MISMATCH', op, `queries and keys need one feature size; got q ${showShape(q.shape)} (size ${d}) and k ${showShape(k.shape)} (size ${k.shape.at(-1)}).`)
  if (k.shape.at(-2) !== v.shape.at(-2)) fail('SHAPE_MISMATCH', op, `keys and values need one count of positions; got k ${showShape(k.shape)} (${k.shape.at(-2)} keys) and v ${showShape(v.shape)} (${v.shape.at(-2)} values).`)
  if (opts.mask !== undefined && !isTensor(opts.mask)) fail('INVALID_ARGUMENT', op, 'options.mask must be a tensor (non-zero where a query may attend to a key).')
  if (opts.causal !== undefined && typeof opts.causal !== 'boolean') fail('INVALID_ARGUMENT', op, `options.causal must be true or false; got ${JSON.stringify(opts.causal)}.`)
  const scale = opts.scale ?? 1 / Math.sqrt(d)
  if (typeof scale !== 'number' || !Number.isFinite(scale)) fail('INVALID_ARGUMENT', op, `options.scale must be a finite number; got ${JSON.stringify(opts.scale)}. Leave it out for 1/√d.`)
  const scores = mul(matmul(q, k, { transposeB: true }), scale)
  const allowed = allowedPairs(op, scores.shape, scores.dtype, opts.mask, opts.causal === true)
  if (allowed === undefined) return matmul(softmax(scores), v)
  // masked softmax: shift by the largest allowed score (0 for a row with none), exp only
  // where allowed (masked entries see exp(0), so neither value nor gradient overflows), and
  // divide by a sum that is ≥ 1 when any key is allowed and replaced by 1 when none is
  const top = stopGradient(max(where(allowed, scores, Number.NEGATIVE_INFINITY), -1, true))
  const shift = where(isFinite(top), top, 0)
  const e = where(allowed, exp(sub(where(allowed, scores, shift), shift)), 0)
  const total = sum(e, -1, true)
  return matmul(div(e, where(greater(total, 0), total, 1)), v)
}
