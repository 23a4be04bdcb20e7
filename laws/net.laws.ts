import { fc, test } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Ad, Net, Rng, Tensor as T, Tree } from '../src/index.js'
import * as A from './arb/net.js'
import * as K from './kinds.js'
import { deepEqual } from './Equiv.js'
import * as L from './net.js'
import { gradCheckNetwork, modelEqual, treeExact } from '../src/testing/index.js'

const seed = fc.integer({ min: 0, max: 2 ** 30 })

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

describe('every layer kind, on its examples', () => {
  it.each(K.KINDS.map((k) => [k.tag, k] as const))('%s has examples', (_, kind) => {
    expect(K.examplesOf(kind).length).toBeGreaterThan(0)
  })
  it.each(K.KINDS.flatMap(K.examplesOf).map((ex) => [ex.name, ex] as const))('%s: shape agrees with apply, and decode(encode(model)) is the model', (_, ex) => {
    const vars = Net.init(ex.net, { key: Rng.key(1), inShape: ex.inShape })
    const { y } = Net.apply(ex.net, vars, K.inputOf(ex, Rng.key(2), 2, 'float32'), { train: true, key: Rng.key(3) })
    const shapes = (v: Net.Value): Net.Shapes => (T.isTensor(v) ? v.shape.slice(1) : { tuple: v.map(shapes) })
    expect(Net.shape(ex.net, ex.inShape)).toEqual(E.right(shapes(y)))
    const model: Net.Model = { network: ex.net, inShape: ex.inShape, ...vars }
    const back = Net.decode(Net.encode(model), { layers: [K.probe] })
    expect(E.isRight(back) && modelEqual(back.right, model)).toBe(true)
  })
})

describe('forward mode agrees with reverse mode on every layer kind, on its examples (float64, dropout on, fixed key)', () => {
  const outputs = (v: Net.Value): T.Tensor[] => (T.isTensor(v) ? [v] : v.flatMap(outputs))
  for (const ex of K.KINDS.flatMap(K.examplesOf)) {
    test.prop([seed], { numRuns: 2 })(ex.name, (s) => {
      const vars = Net.init(ex.net, { key: Rng.key(s), inShape: ex.inShape, dtype: 'float64' })
      const x = K.inputOf(ex, Rng.key(s + 1), 2, 'float64')
      const key = Rng.key(s + 2)
      const loss = (params: Tree.Tree) =>
        outputs(Net.apply(ex.net, { params, state: vars.state }, x, { train: true, key }).y)
          .map((y) => T.sum(T.mul(y, T.reshape(T.linspace(-1, 1, y.size, 'float64'), y.shape))))
          .reduce((a, b) => T.add(a, b))
      const ks = Rng.split(Rng.key(s + 3), Math.max(1, Tree.leaves(vars.params).length))
      let i = 0
      const v = Tree.map(vars.params, (p) => Rng.normal(ks[i++]!, p.shape, { dtype: 'float64' }))
      // ⟨∇f, v⟩ by the tape, f'·v by dual numbers
      const g = Tree.leaves(Ad.grad(loss)(vars.params))
      const reverse = Tree.leaves(v).reduce((acc, l, j) => acc + T.item(T.sum(T.mul(g[j]!.value, l.value))), 0)
      const [, t] = Ad.jvp(loss, [vars.params], [v]) as unknown as readonly [T.Tensor, T.Tensor]
      const forward = T.item(t)
      expect(Math.abs(forward - reverse), `${ex.name}: jvp ${forward}, ⟨grad, v⟩ ${reverse}`).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(forward) + Math.abs(reverse)))
    })
  }
})

describe('gradCheck passes on every layer kind, on its examples between learnable scales (dropout on, fixed key)', () => {
  for (const ex of K.KINDS.flatMap(K.examplesOf)) {
    test.prop([seed], { numRuns: 4 })(ex.name, (s) => {
      const report = gradCheckNetwork(ex.net, ex.inShape, K.inputOf(ex, Rng.key(s + 7), 3, 'float64'), s)
      expect(report.verdict, `${ex.name}\n${Ad.showGradCheck(report)}`).toBe('ok')
    })
  }
  test.prop([A.network(), A.width, seed], { numRuns: 30 })('and on random networks', (net, w, s) => {
    const report = gradCheckNetwork(net, [w], Rng.normal(Rng.key(s + 7), [3, w], { dtype: 'float64' }), s)
    // a network without parameters leaves nothing to compare: the check says so
    expect(report.verdict, Ad.showGradCheck(report)).toBe(report.parameters === 0 ? 'inconclusive' : 'ok')
  })
})
