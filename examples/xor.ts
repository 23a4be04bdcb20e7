/**
 * XOR, the function no single neuron computes (note 003), learned by a 2-4-1 network.
 *
 * Run: npx tsx examples/xor.ts
 */
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from '../src/index.js'

export const run = (opts: { readonly quick?: boolean } = {}) => {
  const x = T.tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
  const y = T.tensor([[0], [1], [1], [0]])
  const network = Net.serial(Net.dense(4), Net.tanh, Net.dense(1))
  const trainer = { network, optimizer: Optim.adam(0.1), loss: Loss.sigmoidBinaryCrossEntropy }
  const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(1), [2]), Data.dataset(x, y), { epochs: opts.quick === true ? 150 : 300, batchSize: 4 })
  const probabilities = T.toArray(T.sigmoid(Net.predict(network, { params: s.train.params, state: s.train.modelState }, x)))
  return { probabilities, outputs: probabilities.map(Math.round), loss: s.history.at(-1)!.train.loss }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = run()
  console.log('x1 x2 | p(y = 1)')
  ;[[0, 0], [0, 1], [1, 0], [1, 1]].forEach(([a, b], i) => console.log(` ${a}  ${b} | ${r.probabilities[i]!.toFixed(4)}`))
  console.log(`final loss ${r.loss.toFixed(5)}: ${r.outputs.join('') === '0110' ? 'XOR learned' : 'NOT learned'}`)
}
