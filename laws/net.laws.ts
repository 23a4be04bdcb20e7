import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { Ad, Net, Rng, Tensor as T, Tree } from '../src/index.js'
import * as A from './arb/net.js'
import { deepEqual } from './Equiv.js'
import * as L from './net.js'
import { treeExact } from './tree.js'

const seed = fc.integer({ min: 0, max: 2 ** 30 })
const modelEqual = (a: Net.Model, b: Net.Model): boolean =>
  deepEqual(a.network, b.network) && deepEqual(a.inShape, b.inShape) && treeExact(a.params, b.params) && treeExact(a.state, b.state)

describe('networks as data', () => {
  test.prop([A.network(), A.network(), A.network()])('serial is associative', (a, b, c) => {
    expect(L.serialAssociative(a, b, c)).toHold(deepEqual)
  })
  test.prop([A.network()])('identity is the unit of serial', (a) => {
    expect(L.serialIdentity(a)).toHold(deepEqual)
  })
  test.prop([A.network()])('a network is frozen JSON: it survives JSON.stringify and parse', (net) => {
    expect(Object.isFrozen(net)).toBe(true)
    expect(JSON.parse(JSON.stringify(net))).toEqual(net)
  })
})

describe('interpreters', () => {
  test.prop([A.network(), A.width, fc.integer({ min: 1, max: 3 }), seed], { numRuns: 60 })('shape inference agrees with the shape apply produces', (net, w, batch, s) => {
    expect(L.shapeAgreement(net, [w], batch, s)).toHold((a, b) => a === b)
  })
  test.prop([A.network(), A.width, seed], { numRuns: 40 })('init is deterministic given the key', (net, w, s) => {
    expect(L.initDeterministic(net, [w], s)).toHold(treeExact)
  })
  test.prop([A.network(), A.width, seed], { numRuns: 40 })('decode(encode(model)) is the model, bit for bit', (net, w, s) => {
    expect(L.codecRoundTrip(net, [w], s)).toHold(modelEqual)
  })
  test.prop([A.network(), A.width, seed], { numRuns: 40 })('apply in eval mode ignores the key', (net, w, s) => {
    expect(L.evalIgnoresKey(net, [w], s)).toHold((a, b) => a.every((t, i) => T.equals(t, b[i]!)))
  })
})

describe('dropout', () => {
  it('keeps the expectation: the mean over many masks stays within 4 standard errors of the input', () => {
    const keep = 0.7
    const net = Net.dropout(keep)
    const x = T.full([1, 2000], 3, 'float64')
    const masks = 50
    const total = Array.from({ length: masks }, (_, i) => Net.forward(net, { params: {}, state: {} }, x, { train: true, key: Rng.key(i) }).y).reduce((a, b) => T.add(a, b))
    const mean = T.item(T.mean(total)) / masks
    // each unit is 3/keep with probability keep, else 0: variance 9·(1 − keep)/keep per draw
    const se = Math.sqrt((9 * (1 - keep)) / keep / (2000 * masks))
    expect(Math.abs(mean - 3)).toBeLessThan(4 * se)
    // and a single mask keeps about `keep` of the units, each scaled by 1/keep
    const y = T.toArray(Net.forward(net, { params: {}, state: {} }, x, { train: true, key: Rng.key(99) }).y)
    expect(new Set(y.map((v) => v.toFixed(9)))).toEqual(new Set(['0.000000000', (3 / keep).toFixed(9)]))
  })
})

/** gradCheck of a network's parameters: float64 variables, dropout on under a fixed key. */
const checkNetwork = (net: Net.Layer, inShape: Net.Shapes, x: Net.Value, seed0: number): Ad.GradCheckReport => {
  const vars = Net.init(net, { key: Rng.key(seed0), inShape, dtype: 'float64' })
  const key = Rng.key(seed0 + 1)
  const loss = (params: Tree.Tree) => {
    const y = Net.apply(net, { params, state: vars.state }, x, { train: true, key }).y as T.Tensor // x may be a tuple
    return T.sum(T.mul(y, T.reshape(T.linspace(-1, 1, y.size, 'float64'), y.shape)))
  }
  return Ad.gradCheck(loss, vars.params)
}

/** One small network per layer kind (the compiler demands an entry for every kind). */
const probes: { readonly [K in Net.Tag]: { readonly net: Net.Layer; readonly inShape: ReadonlyArray<number>; readonly ints?: number } } = {
  Dense: { net: Net.dense(3), inShape: [4] },
  Conv2d: { net: Net.conv2d(2, 2, { padding: 'same', strides: [1, 2] }), inShape: [4, 4, 2] },
  MaxPool2d: { net: Net.serial(Net.conv2d(2, 1), Net.maxPool2d(2, { strides: 1 })), inShape: [3, 3, 2] },
  AvgPool2d: { net: Net.serial(Net.conv2d(2, 1), Net.avgPool2d(2, { padding: 'same' })), inShape: [3, 3, 2] },
  Conv1d: { net: Net.conv1d(2, 3, { padding: 'causal', strides: 2, dilations: 2 }), inShape: [7, 2] },
  Conv2dTranspose: { net: Net.conv2dTranspose(2, 3, { strides: 2, padding: 1, outputPadding: 1 }), inShape: [3, 2, 2] },
  DepthwiseConv2d: { net: Net.depthwiseConv2d([2, 3], { depthMultiplier: 2, padding: 'same', strides: [1, 2] }), inShape: [4, 5, 2] },
  Upsampling2d: { net: Net.serial(Net.conv2d(2, 1), Net.upsampling2d([2, 3], { interpolation: 'bilinear' }), Net.conv2d(1, 2)), inShape: [2, 2, 2] },
  GlobalAvgPool: { net: Net.serial(Net.conv2d(2, 2), Net.globalAvgPool, Net.dense(2)), inShape: [3, 3, 2] },
  GlobalMaxPool: { net: Net.serial(Net.conv1d(3, 2), Net.globalMaxPool, Net.dense(2)), inShape: [5, 2] },
  Flatten: { net: Net.serial(Net.conv2d(2, 2), Net.flatten, Net.dense(2)), inShape: [3, 3, 1] },
  Reshape: { net: Net.serial(Net.dense(6), Net.reshape([2, -1]), Net.dense(2)), inShape: [3] },
  Dropout: { net: Net.serial(Net.dense(6), Net.dropout(0.6), Net.dense(2)), inShape: [3] },
  BatchNorm: { net: Net.serial(Net.dense(4), Net.batchNorm(), Net.dense(2)), inShape: [3] },
  LayerNorm: { net: Net.serial(Net.dense(4), Net.layerNorm(), Net.dense(2)), inShape: [3] },
  GroupNorm: { net: Net.serial(Net.conv2d(4, 1), Net.groupNorm(2), Net.flatten, Net.dense(2)), inShape: [2, 3, 2] },
  Embedding: { net: Net.serial(Net.embedding(6, 3), Net.flatten, Net.dense(2)), inShape: [4], ints: 6 },
  SimpleRnn: { net: Net.simpleRnn(3, { returnSequences: true }), inShape: [4, 2] },
  Lstm: { net: Net.lstm(3), inShape: [4, 2] },
  MultiHeadAttention: { net: Net.serial(Net.fanOut(2), Net.parallel(Net.dense(4), Net.identity), Net.multiHeadAttention(2, { cross: true, causal: true }), Net.multiHeadAttention(2)), inShape: [3, 2] },
  PositionalEmbedding: { net: Net.serial(Net.dense(3), Net.positionalEmbedding(5), Net.tanh), inShape: [4, 2] },
  SinusoidalEncoding: { net: Net.serial(Net.dense(3), Net.sinusoidalEncoding(), Net.tanh, Net.dense(2)), inShape: [4, 2] },
  Activation: {
    net: Net.serial(Net.dense(4), Net.sigmoid, Net.dense(4), Net.tanh, Net.dense(4), Net.relu, Net.dense(4), Net.leakyRelu(0.2), Net.dense(4), Net.elu(0.7), Net.dense(4), Net.softplus, Net.dense(4), Net.gelu, Net.dense(3), Net.softmax),
    inShape: [3],
  },
  Maxout: { net: Net.serial(Net.dense(6), Net.maxout(3)), inShape: [3] },
  Identity: { net: Net.serial(Net.fanOut(2), Net.parallel(Net.dense(2), Net.identity), Net.fanInSum), inShape: [2] },
  Serial: { net: Net.serial(Net.dense(3), Net.tanh, Net.dense(2)), inShape: [2] },
  Parallel: { net: Net.serial(Net.fanOut(2), Net.parallel(Net.dense(2), Net.serial(Net.dense(2), Net.tanh)), Net.fanInSum), inShape: [3] },
  FanOut: { net: Net.serial(Net.fanOut(3), Net.parallel(Net.dense(2), Net.dense(2), Net.dense(2)), Net.fanInSum), inShape: [2] },
  FanInSum: { net: Net.serial(Net.fanOut(2), Net.parallel(Net.dense(2), Net.dense(2)), Net.fanInSum), inShape: [2] },
  FanInConcat: { net: Net.serial(Net.fanOut(2), Net.parallel(Net.dense(2), Net.dense(1)), Net.fanInConcat(), Net.dense(2)), inShape: [2] },
  Residual: { net: Net.serial(Net.dense(3), Net.residual(Net.serial(Net.dense(3), Net.tanh))), inShape: [2] },
  Repeat: { net: Net.repeat(2, Net.serial(Net.dense(3), Net.tanh)), inShape: [3] },
}

describe('gradCheck passes on small networks of every layer kind (dropout on, fixed key)', () => {
  for (const [kind, probe] of Object.entries(probes)) {
    test.prop([seed], { numRuns: 4 })(kind, (s) => {
      const x = probe.ints === undefined ? Rng.normal(Rng.key(s + 7), [3, ...probe.inShape], { dtype: 'float64' }) : Rng.integers(Rng.key(s + 7), [3, ...probe.inShape], 0, probe.ints)
      const report = checkNetwork(probe.net, probe.inShape, x, s)
      expect(report.verdict, `${kind}\n${Ad.showGradCheck(report)}`).toBe('ok')
    })
  }
  test.prop([A.network(), A.width, seed], { numRuns: 30 })('and on random networks', (net, w, s) => {
    const report = checkNetwork(net, [w], Rng.normal(Rng.key(s + 7), [3, w], { dtype: 'float64' }), s)
    // a network without parameters leaves nothing to compare: the check says so
    expect(report.verdict, Ad.showGradCheck(report)).toBe(report.parameters === 0 ? 'inconclusive' : 'ok')
  })
})
