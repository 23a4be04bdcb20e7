/** Evaluating a network on a data set: loss and, for classification, accuracy. */
import { type Tensor, isTensor } from '../core/Tensor.js'
import { checkFunction, checkRecord, describe, fail } from '../core/errors.js'
import { checkDataset } from '../data/check.js'
import { type Dataset, range, size } from '../data/Dataset.js'
import { checkLayer } from '../net/check.js'
import * as Net from '../net/index.js'
import * as T from '../tensor/index.js'
import type { Tree } from '../tree/index.js'
import { sigmoidBinaryCrossEntropy } from '../loss/index.js'
import { accuracy } from './metrics.js'

/** Loss and accuracy of a data set (accuracy when the targets are classes). @category metrics */
export interface Evaluation {
  readonly loss: number
  readonly accuracy: number | undefined
}

/** Whether targets are class labels: int32 indices, or one-hot rows. */
const isClassification = (y: Tensor): boolean => y.dtype === 'int32' || (y.rank === 2 && y.shape[1]! > 1)

/** Binary accuracy of logits against 0/1 targets: a logit above 0 says 1. */
const binaryAccuracy = (logits: Tensor, t: Tensor): number => T.item(T.mean(T.cast(T.equal(T.greater(logits, 0), T.greater(t, 0.5)), logits.dtype === 'int32' ? 'float32' : logits.dtype)))

/**
 * Loss and accuracy of the network in evaluation mode over a data set, in batches (so memory
 * stays bounded); the loss is the mean over examples. Accuracy is measured for class targets
 * (int32 indices or one-hot rows), and for 0/1 targets when the loss is
 * `Loss.sigmoidBinaryCrossEntropy` (its outputs are logits: above 0 says 1).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Loss, Net, Rng, Tensor as T, Train } from 'puregrad'
 * const net = Net.dense(1, { init: 'zeros' }) // predicts 0 for every input
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
 * const ds = Data.dataset(T.tensor([[1, 2], [3, 4]]), T.tensor([[1], [3]]))
 * assert.deepStrictEqual(Train.evaluate(net, vars, ds, Loss.meanSquaredError), { loss: 5, accuracy: undefined })
 * const clf = Net.dense(2, { init: 'zeros' }) // equal scores: predicts class 0
 * const classes = Data.dataset(ds.x, T.tensor([0, 1], 'int32')) // int32 targets are classes: accuracy is measured
 * const e = Train.evaluate(clf, Net.init(clf, { key: Rng.key(0), inShape: [2] }), classes, Loss.softmaxCrossEntropy)
 * assert.strictEqual(e.accuracy, 0.5)
 * assert.ok(Math.abs(e.loss - Math.log(2)) < 1e-6)
 * const one = Net.dense(1, { init: 'ones' }) // one logit, x₁ + x₂ > 0: says 1
 * const binary = Data.dataset(T.tensor([[1, 2], [-3, -4]]), T.tensor([[1], [1]]))
 * assert.strictEqual(Train.evaluate(one, Net.init(one, { key: Rng.key(0), inShape: [2] }), binary, Loss.sigmoidBinaryCrossEntropy).accuracy, 0.5)
 * @category metrics
 */
export const evaluate = (
  network: Net.Layer,
  vars: { readonly params: Tree; readonly state: Tree },
  ds: Dataset,
  loss: (output: Tensor, target: Tensor) => Tensor,
  batchSize = 512,
): Evaluation => {
  const run = evaluation(network, vars, ds, loss, batchSize)
  let r = run.next()
  while (r.done !== true) r = run.next(r.value)
  return r.value
}

/**
 * `evaluate` wherever the network runs: each batch's outputs are read with `await Tensor.toCpu`
 * (the same tensor on the CPU, so the same numbers as `evaluate` there), then scored on the host.
 * @internal
 */
export const evaluateAsync = async (
  network: Net.Layer,
  vars: { readonly params: Tree; readonly state: Tree },
  ds: Dataset,
  loss: (output: Tensor, target: Tensor) => Tensor,
  batchSize = 512,
): Promise<Evaluation> => {
  const run = evaluation(network, vars, ds, loss, batchSize)
  let r = run.next()
  while (r.done !== true) r = run.next(await T.toCpu(r.value))
  return r.value
}

/** The evaluation as a generator that yields each batch's outputs and is sent them back readable. */
function* evaluation(
  network: Net.Layer,
  vars: { readonly params: Tree; readonly state: Tree },
  ds: Dataset,
  loss: (output: Tensor, target: Tensor) => Tensor,
  batchSize: number,
): Generator<Tensor, Evaluation, Tensor> {
  checkLayer('evaluate', network, 'the network (argument 1)')
  checkRecord('evaluate', 'the variables (argument 2)', vars, 'the variables { params, state } Net.init returned')
  checkDataset('evaluate', ds, 'the data set (argument 3)')
  checkFunction('evaluate', 'the loss (argument 4)', loss)
  if (!Number.isInteger(batchSize) || batchSize < 1) fail('INVALID_ARGUMENT', 'evaluate', `batchSize must be a whole number ≥ 1; got ${describe(batchSize)}.`)
  const n = size(ds)
  if (n === 0) fail('SHAPE_MISMATCH', 'evaluate', 'the data set is empty.')
  let total = 0
  let right = 0
  const classes = isClassification(ds.y)
  const binary = !classes && loss === sigmoidBinaryCrossEntropy
  for (let start = 0; start < n; start += batchSize) {
    const b = range(ds, start, Math.min(batchSize, n - start))
    const out = Net.apply(network, vars, b.x).y
    if (!isTensor(out)) fail('INVALID_ARGUMENT', 'evaluate', 'the network returns a tuple; evaluation needs one output tensor.')
    const y = yield out as Tensor
    const m = size(b)
    total += T.item(loss(y, b.y)) * m
    if (classes) right += accuracy(y, b.y) * m
    else if (binary) right += binaryAccuracy(y, b.y) * m
  }
  return Object.freeze({ loss: total / n, accuracy: classes || binary ? right / n : undefined })
}
