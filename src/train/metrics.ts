/** Metrics: accuracy and the confusion matrix. */
import { describe, fail, showShape } from '../core/errors.js'
import { type Tensor, checkTensor, dataOf, fromBuffer, isTensor } from '../core/Tensor.js'
import * as T from '../tensor/index.js'

/** Class predictions from scores (logits or probabilities, class axis last) or given as labels. */
const classesOf = (op: string, scores: Tensor): Tensor => (checkTensor(op, scores, 'the scores (argument 1)').dtype === 'int32' ? scores : T.argmax(scores, -1))

const labelsOf = (op: string, labels: Tensor | ReadonlyArray<number>, n: number): Tensor => {
  if (!isTensor(labels) && !Array.isArray(labels)) fail('INVALID_ARGUMENT', op, `the labels (argument 2) are ${describe(labels)}; pass a tensor of class indices (int32) or one-hot rows, or an array of class indices such as [0, 2, 1].`)
  const l = isTensor(labels) ? (labels.dtype === 'int32' ? labels : T.argmax(labels, -1)) : T.fromArray(labels, [labels.length], 'int32')
  if (l.size !== n) fail('SHAPE_MISMATCH', op, `${l.size} labels for ${n} predictions; every prediction needs its label.`)
  return l
}

/**
 * The fraction of examples whose highest score is the true class. Labels are int32 classes, a
 * plain array, or one-hot rows.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Train } from 'puregrad'
 * const scores = T.tensor([[0.1, 0.9], [0.8, 0.2]]) // predicts classes 1 and 0
 * assert.strictEqual(Train.accuracy(scores, [1, 1]), 0.5)
 * assert.strictEqual(Train.accuracy(scores, T.tensor([[0, 1], [1, 0]])), 1) // one-hot labels
 * @category metrics
 */
export const accuracy = (scores: Tensor, labels: Tensor | ReadonlyArray<number>): number => {
  const predicted = classesOf('accuracy', scores)
  const truth = labelsOf('accuracy', labels, predicted.size)
  if (predicted.size === 0) return fail('SHAPE_MISMATCH', 'accuracy', `no predictions (scores ${showShape(scores.shape)}).`)
  const p = dataOf(predicted)
  const t = dataOf(truth)
  let right = 0
  for (let i = 0; i < p.length; i++) if (p[i] === t[i]) right++
  return right / p.length
}

/**
 * The confusion matrix: entry [i, j] counts examples of true class i predicted as class j.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Train } from 'puregrad'
 * const scores = T.tensor([[0.9, 0.1, 0], [0.2, 0.8, 0], [0.6, 0.4, 0], [0, 0, 1]])
 * const m = Train.confusionMatrix(scores, [0, 1, 1, 2], 3)
 * assert.deepStrictEqual(T.toNested(m), [[1, 0, 0], [1, 1, 0], [0, 0, 1]]) // one example of class 1 taken for class 0
 * @category metrics
 */
export const confusionMatrix = (scores: Tensor, labels: Tensor | ReadonlyArray<number>, classes: number): Tensor => {
  if (!Number.isInteger(classes) || classes < 1) fail('INVALID_ARGUMENT', 'confusionMatrix', `classes must be a whole number ≥ 1; got ${classes}.`)
  const p = dataOf(classesOf('confusionMatrix', scores))
  const t = dataOf(labelsOf('confusionMatrix', labels, p.length))
  const m = new Int32Array(classes * classes)
  for (let i = 0; i < p.length; i++) {
    const ti = t[i]!
    const pi = p[i]!
    if (ti < 0 || ti >= classes || pi < 0 || pi >= classes) fail('INDEX_OUT_OF_RANGE', 'confusionMatrix', `class ${ti < 0 || ti >= classes ? ti : pi} at example ${i} is outside [0, ${classes}); check the labels or raise classes.`)
    m[ti * classes + pi]!++
  }
  return fromBuffer(m, [classes, classes])
}
