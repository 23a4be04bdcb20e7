/** The transformer block, built from the existing layers and combinators. */
import { fail } from '../core/errors.js'
import type { ActivationFn, Layer } from './Layer.js'
import { activation } from './kinds/activation.js'
import { isPositiveInt, layerOptions } from './kinds/common.js'
import { dense } from './kinds/dense.js'
import { dropout } from './kinds/dropout.js'
import { identity } from './kinds/identity.js'
import { parallel } from './kinds/parallel.js'
import { layerNorm } from './kinds/layerNorm.js'
import { multiHeadAttention } from './kinds/multiHeadAttention.js'
import { residual } from './kinds/residual.js'
import { serial } from './kinds/serial.js'

/** Options of `transformerBlock`. */
export interface TransformerBlockOptions {
  /** width of the MLP's hidden layer, default 4·dim */
  readonly mlpDim?: number
  /** attention only to earlier positions and the same one (for language models); default false */
  readonly causal?: boolean
  /** the MLP's activation, default gelu */
  readonly activation?: ActivationFn
  /** keep probability of the dropout after the attention and after the MLP; default 1 (no dropout layers) */
  readonly keep?: number
  /** eps of both layer norms, default 1e-5 */
  readonly eps?: number
  /**
   * read a tuple (sequence [time, dim], key mask [time]) and output (sequence, the same mask):
   * non-zero flags are real steps (true = keep), keys whose flag is 0 are padding, attended by
   * no query, wherever they are (also in ONNX); default false
   */
  readonly keyMask?: boolean
}

/**
 * A pre-norm transformer block (as GPT-2 and PyTorch's `TransformerEncoderLayer` with
 * `norm_first=True`) on sequences [time, dim] per example (batches [batch, time, dim]):
 *
 *     x ← x + attention(layerNorm(x))
 *     x ← x + dense(dim)(activation(dense(mlpDim)(layerNorm(x))))
 *
 * It is a plain value made of `serial`, `residual`, `layerNorm`, `multiHeadAttention`,
 * `dense` and `activation` (and `dropout` when `keep` < 1), so it prints, saves, edits and
 * exports like any network; its parameters are `0.body.{0,1}` (the first norm and the
 * attention) and `1.body.{0,1,3}` (the second norm and the MLP's two dense layers). Stack blocks
 * with `serial` or `repeat`. `heads` must divide `dim`.
 *
 * From PyTorch's `nn.TransformerEncoderLayer(dim, heads, mlpDim, activation='gelu',
 * norm_first=True, batch_first=True)` (whose default activation is relu: pass it as
 * `activation`): `norm1` → `0.body.0`, `self_attn` → `0.body.1` (see `multiHeadAttention`),
 * `norm2` → `1.body.0`, `linear1` → `1.body.1` and `linear2` → `1.body.3`; each norm's
 * `weight` is `gamma` and `bias` is `beta`, each linear's `weight` transposed is `W`. Both
 * use the exact (erf) gelu.
 *
 * With `keyMask: true` (for padded batches) the block reads a tuple (sequence [time, dim],
 * key mask [time]: non-zero for a real step, 0 for padding, the logical not of PyTorch's
 * `src_key_padding_mask`) and outputs (sequence, mask), so
 * blocks still stack; padded keys are attended by no query (see `multiHeadAttention`). It is
 * then `residual` on the tuple around `parallel(layerNorm, identity)` and the attention, and
 * `parallel(residual(MLP), identity)`: the parameters are `0.body.{0.0,1}` and `1.0.body.{0,1,3}`.
 * Read the sequence on with a layer that takes the mask (e.g. a recurrent layer built with
 * `{ mask: true }`) or `parallel(head, identity)`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const lm = Net.serial(Net.embedding(50, 16), Net.sinusoidalEncoding(), Net.transformerBlock(16, 4, { causal: true }), Net.transformerBlock(16, 4, { causal: true }), Net.layerNorm(), Net.dense(50))
 * assert.deepStrictEqual(Net.shape(lm, [10]), E.right([10, 50])) // next-token logits at each of 10 positions
 * const vars = Net.init(lm, { key: Rng.key(0), inShape: [10] })
 * const logits = Net.predict(lm, vars, Rng.integers(Rng.key(1), [2, 10], 0, 50))
 * assert.deepStrictEqual(logits.shape, [2, 10, 50])
 * assert.throws(() => Net.transformerBlock(16, 3), { code: 'INVALID_ARGUMENT' }) // 3 heads do not divide 16
 * // padded batches: blocks read and pass on (sequence, key mask); a masked GRU reads the result
 * const padded = Net.serial(Net.transformerBlock(16, 4, { keyMask: true }), Net.transformerBlock(16, 4, { keyMask: true }), Net.gru(8, { mask: true }))
 * assert.deepStrictEqual(Net.shape(padded, { tuple: [[10, 16], [10]] }), E.right([8]))
 * @category combinators
 */
export const transformerBlock = (dim: number, heads: number, options?: TransformerBlockOptions): Layer => {
  const op = 'transformerBlock'
  const opts = layerOptions(op, options, ['mlpDim', 'causal', 'activation', 'keep', 'eps', 'keyMask'])
  if (!isPositiveInt(dim)) fail('INVALID_ARGUMENT', op, `dim must be a whole number ≥ 1 (the feature size of the sequences); got ${JSON.stringify(dim)}.`)
  if (!isPositiveInt(heads)) fail('INVALID_ARGUMENT', op, `heads must be a whole number ≥ 1; got ${JSON.stringify(heads)}.`)
  if (dim % heads !== 0) fail('INVALID_ARGUMENT', op, `heads must divide dim: ${dim} features do not split into ${heads} heads; use a dim that is a multiple of ${heads}, or a divisor of ${dim} as heads.`)
  const keep = opts.keep ?? 1
  const drop = (): ReadonlyArray<Layer> => (keep === 1 ? [] : [dropout(keep)])
  const norm = layerNorm(opts.eps === undefined ? {} : { eps: opts.eps })
  const masked = opts.keyMask ?? false
  if (typeof masked !== 'boolean') fail('INVALID_ARGUMENT', op, `keyMask must be true or false; got ${JSON.stringify(masked)}.`)
  const attention = multiHeadAttention(heads, { causal: opts.causal ?? false, keyMask: masked })
  const mlp = residual(serial(norm, dense(opts.mlpDim ?? 4 * dim), activation(opts.activation ?? 'gelu'), dense(dim), ...drop()))
  // with a mask: (x, m) ↦ (x + attention((norm(x), m)), m) ↦ (x + mlp(x), m)
  return masked ? serial(residual(serial(parallel(norm, identity), attention, ...drop())), parallel(mlp, identity)) : serial(residual(serial(norm, attention, ...drop())), mlp)
}
