/**
 * Differentially private SGD (Abadi et al., "Deep Learning with Differential Privacy", 2016) on
 * MNIST digits, with per-example gradients from `Ad.vmap`.
 *
 * Plain SGD averages the gradient over a batch, so one unusual example can move the parameters
 * a lot, and what it moved them by can leak it. DP-SGD bounds and hides each example's part:
 *
 * 1. per-example gradients: `Ad.vmap(Ad.grad(lossOfOne), { inAxes: [null, 0, 0] })` maps the
 *    gradient of ONE example's loss over the batch (the parameters are shared, given null), in
 *    one batched pass: every leaf gains a leading batch axis;
 * 2. clipping: each example's gradient tree g_i is scaled by min(1, C / ‖g_i‖), where ‖g_i‖ is
 *    its global L2 norm over all leaves, so no example contributes more than C;
 * 3. noise: the clipped gradients are summed and Gaussian noise of standard deviation σ·C is
 *    added to every coordinate, drawn with an explicit key split from the step's key (the same
 *    key gives the same run, bit for bit);
 * 4. the noisy sum is divided by the batch size and a plain SGD step is taken.
 *
 * For comparison, plain SGD on the mean gradient (no clipping, no noise) runs on the same
 * batches from the same start. (The privacy accounting, ε for a given δ, is out of scope here.)
 *
 * Run: npx tsx examples/dp-sgd.ts (add --quick for 1,000 digits and 200 steps)
 */
import { Ad, Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../src/index.js'
import { loadMnist } from '../src/node/mnist.js'

/** The per-example gradients: one gradient tree whose leaves have a leading batch axis. */
export type PerExample = Tree.Tree

/** Each example's global L2 norm over all leaves of its gradient tree: shape [batch]. */
export const perExampleNorms = (grads: PerExample): T.Tensor =>
  Ad.vmap((g: Tree.Tree) => T.sqrt(Tree.reduce(g, T.scalar(0), (s, leaf) => T.add(s, T.sum(T.square(leaf))))))(grads)

/** Each example's gradient scaled by min(1, C / norm): no example's norm exceeds C afterwards. */
export const clipPerExample = (grads: PerExample, clip: number): PerExample => {
  const factors = T.minimum(1, T.div(clip, perExampleNorms(grads)))
  return Ad.vmap((g: Tree.Tree, f: T.Tensor) => Tree.map(g, (leaf) => T.mul(leaf, f)))(grads, factors)
}

/** Options of `train`. */
export interface TrainOptions {
  readonly learningRate: number
  readonly batchSize: number
  readonly steps: number
  /** the key of the whole run: the initial parameters, the batches and the noise */
  readonly key: Rng.Key
  /** DP-SGD's clipping norm C and noise multiplier σ (the noise on the summed gradient has std σ·C); without it, plain SGD on the mean gradient */
  readonly dp?: { readonly clip: number; readonly noiseMultiplier: number }
}

export const network = Net.serial(Net.dense(32, { init: 'heNormal' }), Net.relu, Net.dense(10))

/** One example's loss: the network sees a batch of one. */
const lossOfOne = (params: Tree.Tree, x: T.Tensor, y: T.Tensor): T.Tensor =>
  Loss.softmaxCrossEntropy(Net.forward(network, { params, state: [] }, T.reshape(x, [1, 784])).y, T.reshape(y, [1, 10]))

/** The gradient of each example's loss, for a batch x [b, 784], y one-hot [b, 10]: every leaf gains a leading axis of size b. */
export const perExampleGradients: (params: Tree.Tree, x: T.Tensor, y: T.Tensor) => PerExample = Ad.vmap(Ad.grad(lossOfOne), { inAxes: [null, 0, 0] })

/** The gradient of the batch's mean loss, for plain SGD. */
const meanGradient = (params: Tree.Tree, x: T.Tensor, y: T.Tensor): Tree.Tree =>
  Ad.grad((p: Tree.Tree) => Loss.softmaxCrossEntropy(Net.forward(network, { params: p, state: [] }, x).y, y))(params)

/** The initial parameters of a run with this key. */
export const initialParams = (key: Rng.Key): Tree.Tree => Net.init(network, { key: Rng.split(key, 2)[0]!, inShape: [784] }).params

/**
 * SGD on `data` (x [n, 784], y one-hot [n, 10]), private when `o.dp` is given: the final
 * parameters and, for DP-SGD, the mean norm of the per-example gradients before clipping and
 * the fraction of them clipped.
 */
export const train = (data: Data.Dataset, o: TrainOptions) => {
  const kRun = Rng.split(o.key, 2)[1]!
  const optimizer = Optim.sgd(o.learningRate)
  let params = initialParams(o.key)
  let state = optimizer.init(params)
  const n = data.x.shape[0]!
  let normSum = 0
  let clipped = 0
  let seen = 0
  for (let step = 0; step < o.steps; step++) {
    const [kBatch, kNoise] = Rng.split(Rng.foldIn(kRun, step), 2) as [Rng.Key, Rng.Key]
    // a batch drawn uniformly without replacement
    const idx = T.slice(Rng.permutation(kBatch, n), [0], [o.batchSize])
    const [x, y] = [T.gather(data.x, idx), T.gather(data.y, idx)]
    let gradient: Tree.Tree
    if (o.dp === undefined) gradient = meanGradient(params, x, y)
    else {
      const { clip, noiseMultiplier } = o.dp
      const grads = perExampleGradients(params, x, y)
      const norms = T.toArray(perExampleNorms(grads))
      for (const v of norms) {
        normSum += v
        if (v > clip) clipped++
      }
      seen += norms.length
      const summed = Tree.map(clipPerExample(grads, clip), (g) => T.sum(g, 0))
      // one key per leaf, split from this step's key
      const noiseKeys = Rng.split(kNoise, Tree.count(summed))
      let i = 0
      gradient = Tree.map(summed, (g) => T.div(T.add(g, Rng.normal(noiseKeys[i++]!, g.shape, { std: noiseMultiplier * clip })), o.batchSize))
    }
    const [updates, next] = optimizer.update(gradient, state, params)
    params = Optim.applyUpdates(params, updates)
    state = next
  }
  return { params, meanNorm: normSum / seen, fractionClipped: clipped / seen }
}

const accuracy = (params: Tree.Tree, test: Data.Dataset): number => Train.evaluate(network, { params, state: [] }, test, Loss.softmaxCrossEntropy).accuracy!

/** The shuffled MNIST digits with one-hot labels: 8,000 to train on and 2,000 to test (1,000 and 500 when quick). */
export const loadDigits = (quick: boolean) => {
  const digits = Data.shuffle(Rng.key(0), loadMnist())
  const oneHot = (ds: Data.Dataset) => Data.dataset(ds.x, T.oneHot(ds.y, 10))
  return { train: oneHot(Data.range(digits, 0, quick ? 1000 : 8000)), test: oneHot(Data.range(digits, 8000, quick ? 500 : 2000)) }
}

export const run = (opts: { readonly quick?: boolean } = {}) => {
  const quick = opts.quick === true
  const { train: trainSet, test: testSet } = loadDigits(quick)
  const common = { learningRate: 0.5, batchSize: 64, steps: quick ? 200 : 1500, key: Rng.key(1) }
  const clip = 1
  const noiseMultiplier = 1
  const dp = train(trainSet, { ...common, dp: { clip, noiseMultiplier } })
  const plain = train(trainSet, common)
  return {
    clip,
    noiseMultiplier,
    steps: common.steps,
    dpAccuracy: accuracy(dp.params, testSet),
    plainAccuracy: accuracy(plain.params, testSet),
    meanNorm: dp.meanNorm,
    fractionClipped: dp.fractionClipped,
    params: dp.params,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = performance.now()
  const r = run({ quick: process.argv.includes('--quick') })
  console.log(`DP-SGD, C = ${r.clip}, σ = ${r.noiseMultiplier}, ${r.steps} steps`)
  console.log(`per-example gradient norm before clipping: mean ${r.meanNorm.toFixed(3)}, ${(100 * r.fractionClipped).toFixed(1)}% clipped`)
  console.log(`test accuracy: ${(100 * r.dpAccuracy).toFixed(1)}% with DP, ${(100 * r.plainAccuracy).toFixed(1)}% without clipping and noise`)
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`)
}
