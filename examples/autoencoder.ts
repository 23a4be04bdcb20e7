/**
 * An autoencoder (note 003) squeezes MNIST digits through 32 numbers and rebuilds them: the
 * target is the input itself, the loss a binary cross-entropy per pixel.
 *
 * Run: npx tsx examples/autoencoder.ts
 */
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from '../src/index.js'
import { loadMnist } from '../src/node/mnist.js'

export const run = (opts: { readonly quick?: boolean } = {}) => {
  const digits = Data.shuffle(Rng.key(0), loadMnist())
  const n = opts.quick === true ? 1000 : 4000
  const images = Data.range(digits, 0, n).x
  const data = Data.dataset(images, images)
  const network = Net.serial(Net.dense(128, { init: 'heNormal' }), Net.relu, Net.dense(32), Net.relu, Net.dense(128, { init: 'heNormal' }), Net.relu, Net.dense(784))
  const trainer = { network, optimizer: Optim.adam(2e-3), loss: Loss.sigmoidBinaryCrossEntropy }
  const before = Train.evaluate(network, Net.init(network, { key: Train.initFit(trainer, Rng.key(1), [784]).train.key, inShape: [784] }), data, Loss.sigmoidBinaryCrossEntropy).loss
  const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(1), [784]), data, { epochs: opts.quick === true ? 4 : 15, batchSize: 64, evaluateTrain: false })
  const vars = { params: s.train.params, state: s.train.modelState }
  const reconstruction = T.sigmoid(Net.predict(network, vars, T.slice(images, [0], [1])))
  const after = Train.evaluate(network, vars, data, Loss.sigmoidBinaryCrossEntropy).loss
  return { before, after, original: T.toArray(T.slice(images, [0], [1])), reconstruction: T.toArray(reconstruction) }
}

/** A digit drawn with characters. */
const draw = (pixels: ReadonlyArray<number>): string[] =>
  Array.from({ length: 14 }, (_, r) => Array.from({ length: 28 }, (_, c) => ' .:-=+*#%@'[Math.min(9, Math.floor(((pixels[(2 * r) * 28 + c]! + pixels[(2 * r + 1) * 28 + c]!) / 2) * 10))]).join(''))

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = run()
  const [a, b] = [draw(r.original), draw(r.reconstruction)]
  console.log('original                       reconstruction')
  a.forEach((row, i) => console.log(`${row}   ${b[i]}`))
  console.log(`\nbinary cross-entropy per pixel: ${r.before.toFixed(4)} before training, ${r.after.toFixed(4)} after`)
}
