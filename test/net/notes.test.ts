// The networks of source note 003, built with the DSL.
import { describe, expect, it } from 'vitest'
import { Ad, Loss, Net, Rng, Tensor as T, Tree } from '../../src/index.js'

const f64 = (v: T.NestedArray) => T.tensor(v, 'float64')

describe('the worked backpropagation example of note 003', () => {
  // a 2-2-2 network, sigmoid everywhere; W[i][j] joins input i to unit j, so W1 = [[w1, w3], [w2, w4]]
  const net = Net.serial(Net.dense(2), Net.sigmoid, Net.dense(2), Net.sigmoid)
  const params = [
    { W: f64([[0.15, 0.25], [0.2, 0.3]]), b: f64([0.35, 0.35]) },
    {},
    { W: f64([[0.4, 0.5], [0.45, 0.55]]), b: f64([0.6, 0.6]) },
    {},
  ]
  const x = f64([[0.05, 0.1]])
  const target = f64([[0.01, 0.99]])
  const error = (p: Tree.Tree) => Loss.halfSumSquaredError(Net.predict(net, { params: p, state: [{}, {}, {}, {}] }, x), target)

  it('has the structure the DSL gives a 2-2-2 network', () => {
    const fresh = Net.init(net, { key: Rng.key(0), inShape: [2], dtype: 'float64' })
    expect(Tree.structure(fresh.params)).toEqual(Tree.structure(params))
  })
  it('gives out_h1 = 0.593269992, out_o1 = 0.75136507 and E_total = 0.298371109', () => {
    const h = Net.predict(Net.serial(Net.dense(2), Net.sigmoid), { params: [params[0]!, {}], state: [{}, {}] }, x)
    expect(T.get(h, 0, 0)).toBeCloseTo(0.593269992, 9)
    expect(T.get(Net.predict(net, { params, state: [{}, {}, {}, {}] }, x), 0, 0)).toBeCloseTo(0.75136507, 8)
    expect(T.item(error(params))).toBeCloseTo(0.298371109, 9)
  })
  it('after one gradient step with η = 0.5 gives w5 … w8 and w1 as the notes do', () => {
    const g = Ad.grad(error)(params) as typeof params
    // the notes update the weights only
    const step = (w: T.Tensor, d: T.Tensor) => T.sub(w, T.mul(d, 0.5))
    const W2 = step(params[2]!.W!, g[2]!.W!)
    const W1 = step(params[0]!.W!, g[0]!.W!)
    expect(T.get(W2, 0, 0)).toBeCloseTo(0.35891648, 8) // w5
    expect(T.get(W2, 1, 0)).toBeCloseTo(0.408666186, 9) // w6
    expect(T.get(W2, 0, 1)).toBeCloseTo(0.51130127, 8) // w7
    expect(T.get(W2, 1, 1)).toBeCloseTo(0.561370121, 9) // w8
    expect(T.get(W1, 0, 0)).toBeCloseTo(0.149780716, 9) // w1
  })
})

describe('logic from single neurons (note 003)', () => {
  // one sigmoid neuron: h = σ(θ₀ + θ₁x₁ + θ₂x₂)
  const neuron = Net.serial(Net.dense(1), Net.sigmoid)
  const theta = (t0: number, t1: number, t2: number) => [{ W: f64([[t1], [t2]]), b: f64([t0]) }, {}]
  const inputs = f64([[0, 0], [0, 1], [1, 0], [1, 1]])
  const run = (net: Net.Layer, params: Tree.Tree) => T.toArray(T.round(Net.predict(net, { params, state: Tree.map(params, (t) => t) }, inputs)))

  it('θ = (−30, 20, 20) computes AND and θ = (−10, 20, 20) computes OR', () => {
    expect(run(neuron, theta(-30, 20, 20))).toEqual([0, 0, 0, 1])
    expect(run(neuron, theta(-10, 20, 20))).toEqual([0, 1, 1, 1])
  })
  it('XOR is AND(OR(x), NAND(x)): two neurons in parallel, then one', () => {
    // serial flattens the last neuron in: fanOut, parallel, fanInConcat, dense, sigmoid
    const xor = Net.serial(Net.fanOut(2), Net.parallel(neuron, neuron), Net.fanInConcat(), neuron)
    const params = [{}, [theta(-10, 20, 20), theta(30, -20, -20)], {}, ...theta(-30, 20, 20)]
    expect(run(xor, params)).toEqual([0, 1, 1, 0])
  })
})
