/** Losses for classification, computed from logits so they stay finite for any logits. */
import { describe, fail, showShape } from '../core/errors.js'
import { type Tensor, checkTensor, isTensor } from '../core/Tensor.js'
import * as T from '../tensor/index.js'
import { sameShapes } from './internal.js'

/** Class labels: int32 indices ([batch]), a plain array of them, or one-hot / probability rows of the logits' shape. */
export type Labels = Tensor | ReadonlyArray<number>

const asDistribution = (op: string, logits: Tensor, labels: Labels): Tensor => {
  checkTensor(op, logits, 'the logits')
  const classes = logits.shape.at(-1)
  if (logits.rank < 1 || classes === undefined) return fail('SHAPE_MISMATCH', op, `logits need a class axis; got ${showShape(logits.shape)}.`)
  if (!isTensor(labels) && !Array.isArray(labels)) fail('INVALID_ARGUMENT', op, `labels must be int32 class indices (a tensor or an array), or one-hot rows of the logits' shape; got ${describe(labels)}.`)
  if (isTensor(labels) && labels.dtype !== 'int32') {
    // float labels of the logits' shape without the class axis are class indices in the wrong dtype
    if (labels.rank === logits.rank - 1 && labels.shape.every((d, i) => d === logits.shape[i])) {
      fail('DTYPE_MISMATCH', op, `labels ${showShape(labels.shape)} are ${labels.dtype}, but class indices must be integers: cast them with Tensor.cast(labels, 'int32') (or pass one-hot rows of the logits' shape ${showShape(logits.shape)}).`)
    }
    sameShapes(op, logits, labels)
    return labels
  }
  const ix = isTensor(labels) ? labels : T.fromArray(labels, [labels.length], 'int32')
  if (ix.rank !== logits.rank - 1 || ix.shape.some((d, i) => d !== logits.shape[i])) {
    fail('SHAPE_MISMATCH', op, `class indices ${showShape(ix.shape)} must match the logits ${showShape(logits.shape)} without their class axis.`)
  }
  return T.oneHot(ix, classes, { dtype: logits.dtype })
}

/**
 * Softmax cross-entropy from logits, averaged over the batch: −Σ y·log softmax(z), with
 * log softmax computed as z − logsumexp(z), so logits of ±1000 give exact, finite values.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Loss, Tensor as T } from 'puregrad'
 * // a confident right answer costs 0, an undecided one log 2; the mean is (0 + log 2) / 2
 * const loss = Loss.softmaxCrossEntropy(T.tensor([[1000, -1000], [0, 0]]), [0, 1])
 * assert.ok(Math.abs(T.item(loss) - Math.LN2 / 2) < 1e-6)
 * // one-hot (or probability) rows work as labels too
 * const same = Loss.softmaxCrossEntropy(T.tensor([[1000, -1000], [0, 0]]), T.tensor([[1, 0], [0, 1]]))
 * assert.strictEqual(T.item(same), T.item(loss))
 * @category classification
 */
export const softmaxCrossEntropy = (logits: Tensor, labels: Labels): Tensor => {
  const y = asDistribution('softmaxCrossEntropy', logits, labels)
  // 0 − s rather than −s: a perfect prediction costs +0, not −0
  return T.sub(0, T.mean(T.sum(T.mul(y, T.logSoftmax(logits, -1)), -1)))
}

/**
 * Binary cross-entropy from logits, averaged: for logit x and target t in [0, 1],
 * −t·log σ(x) − (1 − t)·log(1 − σ(x)) = softplus(x) − x·t, where softplus is computed as
 * max(x, 0) + log(1 + e^−|x|), so it never overflows; and its derivative is σ(x) − t
 * everywhere (written with relu and |x| instead, the kinks' subgradients would give −t at 0).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Loss, Tensor as T } from 'puregrad'
 * // logits ±1000 stay finite: right with certainty costs 0, the undecided logit 0 costs log 2
 * const loss = Loss.sigmoidBinaryCrossEntropy(T.tensor([0, 1000, -1000]), T.tensor([1, 1, 0]))
 * assert.ok(Math.abs(T.item(loss) - Math.LN2 / 3) < 1e-6)
 * // the gradient is (σ(x) − t) / n, also at 0
 * const g = Ad.grad((x: T.Tensor) => Loss.sigmoidBinaryCrossEntropy(x, T.tensor([1, 0])))(T.tensor([0, 0]))
 * assert.deepStrictEqual(T.toArray(g), [-0.25, 0.25])
 * @category classification
 */
export const sigmoidBinaryCrossEntropy = (logits: Tensor, targets: Tensor): Tensor => {
  sameShapes('sigmoidBinaryCrossEntropy', logits, targets)
  return T.mean(T.sub(T.softplus(logits), T.mul(logits, targets)))
}
