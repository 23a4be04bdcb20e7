/**
 * Overfitting and three cures (notes 000, 004): a 784-256-256-10 network on only 300 MNIST digits learns
 * them by heart and its dev loss climbs; L2, dropout and early stopping each keep the dev loss
 * lower. Train and dev curves are printed for each.
 *
 * Run: npx tsx examples/overfitting.ts
 */
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../src/index.js'
import { loadMnist } from '../src/node/mnist.js'

export const run = (opts: { readonly quick?: boolean } = {}) => {
  const digits = Data.shuffle(Rng.key(0), loadMnist())
  const train = Data.range(digits, 0, 300)
  const quick = opts.quick === true
  const dev = Data.range(digits, 300, quick ? 400 : 1000)
  const epochs = quick ? 24 : 60
  const units = quick ? 128 : 256
  const wide = (keep?: number) =>
    Net.serial(Net.dense(units, { init: 'heNormal' }), Net.relu, ...(keep === undefined ? [] : [Net.dropout(keep)]), Net.dense(units, { init: 'heNormal' }), Net.relu, ...(keep === undefined ? [] : [Net.dropout(keep)]), Net.dense(10))
  const variant = (network: Net.Layer, penalty?: (p: Tree.Tree) => T.Tensor, earlyStopping?: Train.EarlyStopping) => {
    const trainer = { network, optimizer: Optim.adam(1e-3), loss: Loss.softmaxCrossEntropy, ...(penalty === undefined ? {} : { penalty }) }
    const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(1), [784]), train, { epochs, batchSize: 50, dev, evaluateTrain: false, ...(earlyStopping === undefined ? {} : { earlyStopping }) })
    const final = Train.evaluate(network, { params: s.train.params, state: s.train.modelState }, dev, Loss.softmaxCrossEntropy)
    return { history: s.history, devLoss: final.loss, devAccuracy: final.accuracy! }
  }
  return {
    plain: variant(wide()),
    l2: variant(wide(), (p) => Loss.l2(p, 3e-3)),
    dropout: variant(wide(0.6)),
    earlyStopping: variant(wide(), undefined, Train.earlyStopping({ patience: 3 })),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = run()
  for (const [name, v] of Object.entries(r)) {
    console.log(Train.textChart([{ name: 'train', values: v.history.map((h) => h.train.loss) }, { name: 'dev', values: v.history.map((h) => h.dev!.loss) }], { title: `\n${name}: dev loss ${v.devLoss.toFixed(3)}, dev accuracy ${(100 * v.devAccuracy).toFixed(1)}%`, height: 6, step: 1 }))
  }
}
