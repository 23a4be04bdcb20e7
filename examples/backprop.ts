/**
 * The worked backpropagation example of note 003, step by step: a 2-2-2 sigmoid network,
 * inputs 0.05 and 0.10, targets 0.01 and 0.99, E = ½Σ(target − out)², one step with η = 0.5.
 *
 * Run: npx tsx examples/backprop.ts
 */
import { Ad, Loss, Net, Tensor as T, Tree } from '../src/index.js'

const f64 = (v: T.NestedArray) => T.tensor(v, 'float64')

export const run = () => {
  const net = Net.serial(Net.dense(2), Net.sigmoid, Net.dense(2), Net.sigmoid)
  // W[i][j] joins input i to unit j: W1 = [[w1, w3], [w2, w4]], W2 = [[w5, w7], [w6, w8]]
  const params = [{ W: f64([[0.15, 0.25], [0.2, 0.3]]), b: f64([0.35, 0.35]) }, {}, { W: f64([[0.4, 0.5], [0.45, 0.55]]), b: f64([0.6, 0.6]) }, {}]
  const state = [{}, {}, {}, {}]
  const x = f64([[0.05, 0.1]])
  const target = f64([[0.01, 0.99]])
  const hidden = Net.predict(Net.serial(Net.dense(2), Net.sigmoid), { params: params.slice(0, 2), state: state.slice(0, 2) }, x)
  const error = (p: Tree.Tree) => Loss.halfSumSquaredError(Net.predict(net, { params: p, state }, x), target)
  const [eTotal, g] = Ad.valueAndGrad(error)(params)
  const grads = g as typeof params
  const step = (w: T.Tensor, d: T.Tensor) => T.sub(w, T.mul(d, 0.5))
  const W1 = step(params[0]!.W!, grads[0]!.W!)
  const W2 = step(params[2]!.W!, grads[2]!.W!)
  return {
    outH1: T.get(hidden, 0, 0),
    outO1: T.get(Net.predict(net, { params, state }, x), 0, 0),
    eTotal: T.item(eTotal),
    w5: T.get(W2, 0, 0),
    w6: T.get(W2, 1, 0),
    w7: T.get(W2, 0, 1),
    w8: T.get(W2, 1, 1),
    w1: T.get(W1, 0, 0),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const notes = { outH1: 0.593269992, outO1: 0.75136507, eTotal: 0.298371109, w5: 0.35891648, w6: 0.408666186, w7: 0.51130127, w8: 0.561370121, w1: 0.149780716 }
  const r = run()
  for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(6)} ${v.toFixed(9)}   notes: ${notes[k as keyof typeof notes]}`)
}
