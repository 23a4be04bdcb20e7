/**
 * Regression: no output activation and a squared-error loss (note 003). A small network learns
 * y = sin(3x) from noisy samples.
 *
 * Run: npx tsx examples/regression.ts
 */
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from '../src/index.js'

export const run = (opts: { readonly quick?: boolean } = {}) => {
  const [kx, kn, kSplit] = Rng.split(Rng.key(0), 3) as [Rng.Key, Rng.Key, Rng.Key]
  const x = Rng.uniform(kx, [512, 1], { min: -1, max: 1 })
  const y = T.add(T.sin(T.mul(x, 3)), Rng.normal(kn, [512, 1], { std: 0.05 }))
  const [train, dev] = Data.split(kSplit, Data.dataset(x, y), [0.8, 0.2]) as [Data.Dataset, Data.Dataset]
  // tanh hidden units, and the output left linear: the identity is the right output for regression
  const network = Net.serial(Net.dense(32), Net.tanh, Net.dense(32), Net.tanh, Net.dense(1))
  const trainer = { network, optimizer: Optim.adam(0.01), loss: Loss.meanSquaredError }
  const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(1), [1]), train, { epochs: opts.quick === true ? 60 : 150, batchSize: 32, dev })
  return { devMse: s.history.at(-1)!.dev!.loss, noiseVariance: 0.05 ** 2, history: s.history }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = run()
  console.log(Train.textChart([{ name: 'train MSE', values: r.history.map((h) => h.train.loss) }, { name: 'dev MSE', values: r.history.map((h) => h.dev!.loss) }], { title: 'Mean squared error' }))
  console.log(`dev MSE ${r.devMse.toExponential(3)} (the noise alone gives ${r.noiseVariance.toExponential(3)})`)
}
