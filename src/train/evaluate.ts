/** Evaluating a network on a data set: loss and, for classification, accuracy. */
import { type Tensor, isTensor } from '../core/Tensor.js'
import { checkFunction, checkRecord, describe, fail } from '../core/errors.js'
import { checkDataset, checkPipeline } from '../data/check.js'
import { type Dataset, range, size } from '../data/Dataset.js'
import { checkLayer } from '../net/check.js'
import * as Net from '../net/index.js'
import * as T from '../tensor/index.js'
import type { Tree } from '../tree/index.js'
import { sigmoidBinaryCrossEntropy } from '../loss/index.js'
import { accuracy } from './metrics.js'
import { type Pipeline, stream } from '../data/pipeline.js'
import { type Key, key as rngKey } from '../rng/index.js'

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
  checkArguments('evaluate', network, vars, loss)
  checkDataset('evaluate', ds, 'the data set (argument 3)')
  if (!Number.isInteger(batchSize) || batchSize < 1) fail('INVALID_ARGUMENT', 'evaluate', `batchSize must be a whole number ≥ 1; got ${describe(batchSize)}.`)
  const n = size(ds)
  if (n === 0) fail('SHAPE_MISMATCH', 'evaluate', 'the data set is empty.')
  const sums = { total: 0, right: 0, n: 0, scored: false }
  for (let start = 0; start < n; start += batchSize) {
    const b = range(ds, start, Math.min(batchSize, n - start))
    add(sums, yield output('evaluate', network, vars, b), b, loss)
  }
  return result(sums)
}

/**
 * `evaluate` over the batches of a pipeline, for dev and test sets that do not fit in memory: the
 * loss and accuracy summed over its batches as `evaluate` sums them over its own, so a pipeline
 * that batches a data set by 512 gives `evaluate`'s numbers bit for bit. The pipeline runs with
 * `key` and `epoch` (its shuffles and keyed maps draw from them). Each batch's outputs are read
 * with `await Tensor.toCpu`, so the network may run on the GPU.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Loss, Net, Rng, Tensor as T, Train } from 'puregrad'
 * const net = Net.dense(2)
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [3] })
 * const ds = Data.dataset(Rng.normal(Rng.key(1), [1000, 3]), Rng.integers(Rng.key(2), [1000], 0, 2))
 * const p = Data.pipeline(Data.fromDataset(ds), [Data.batch(512)])
 * const streamed = await Train.evaluateStream(net, vars, p, Loss.softmaxCrossEntropy)
 * assert.deepStrictEqual(streamed, Train.evaluate(net, vars, ds, Loss.softmaxCrossEntropy)) // bit for bit
 * @category metrics
 */
export const evaluateStream = async (
  network: Net.Layer,
  vars: { readonly params: Tree; readonly state: Tree },
  data: Pipeline,
  loss: (output: Tensor, target: Tensor) => Tensor,
  key: Key = rngKey(0),
  epoch = 0,
): Promise<Evaluation> => {
  const op = 'evaluateStream'
  checkArguments(op, network, vars, loss)
  checkPipeline(op, data)
  const sums = { total: 0, right: 0, n: 0, scored: false }
  for await (const b of stream(data, key, epoch)) add(sums, await T.toCpu(output(op, network, vars, b)), b, loss)
  if (sums.n === 0) fail('SHAPE_MISMATCH', op, 'the pipeline gave no examples.')
  return result(sums)
}

const checkArguments = (op: string, network: Net.Layer, vars: { readonly params: Tree; readonly state: Tree }, loss: unknown): void => {
  checkLayer(op, network, 'the network (argument 1)')
  checkRecord(op, 'the variables (argument 2)', vars, 'the variables { params, state } Net.init returned')
  checkFunction(op, 'the loss (argument 4)', loss)
}

/** The network's output on a batch, in evaluation mode. */
const output = (op: string, network: Net.Layer, vars: { readonly params: Tree; readonly state: Tree }, b: Dataset): Tensor => {
  const out = Net.apply(network, vars, b.x).y
  return isTensor(out) ? out : fail('INVALID_ARGUMENT', op, 'the network returns a tuple; evaluation needs one output tensor.')
}

/** Running sums over batches: loss × examples, right answers × examples (when accuracy is measured), examples. */
interface Sums {
  total: number
  right: number
  n: number
  scored: boolean
}

const add = (sums: Sums, y: Tensor, b: Dataset, loss: (output: Tensor, target: Tensor) => Tensor): void => {
  const classes = isClassification(b.y)
  const binary = !classes && loss === sigmoidBinaryCrossEntropy
  const m = size(b)
  sums.total += T.item(loss(y, b.y)) * m
  if (classes) sums.right += accuracy(y, b.y) * m
  else if (binary) sums.right += binaryAccuracy(y, b.y) * m
  sums.n += m
  sums.scored = classes || binary
}

const result = (s: Sums): Evaluation => Object.freeze({ loss: s.total / s.n, accuracy: s.scored ? s.right / s.n : undefined })
