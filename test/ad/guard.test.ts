import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Ad, Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { caught } from '../util.js'

const issue = (r: E.Either<Error, unknown>): Ad.NumericIssue => {
  if (E.isRight(r)) throw new Error('expected a report')
  return Ad.issueOf(r.left)!
}

describe('the numeric guard', () => {
  it('names the primitive that created a NaN or Inf, with counts, shape and first index', () => {
    const i = issue(Ad.checkFinite((x: T.Tensor) => T.sum(T.log(x)))(T.tensor([1, 0, -1])))
    expect(i).toMatchObject({ primitive: 'log', phase: 'forward', origin: 'created', nan: 1, posInf: 0, negInf: 1, dtype: 'float32', shape: [3], firstIndex: [1] })
  })
  it('tells a primitive that only passed a bad value on, and names the layer', () => {
    const net = Net.serial(Net.dense(3), Net.relu, Net.dense(2))
    const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
    const bad = Tree.map(vars.params, (t, p) => (p === '2.W' ? T.mul(t, Infinity) : t))
    const i = issue(Ad.checkFinite((p: Tree.Tree) => Net.predict(net, { params: p, state: vars.state }, T.ones([4, 2])))(bad))
    expect(i).toMatchObject({ primitive: 'matmul', origin: 'propagated', layer: 'layer 2 (Dense(2))' })
  })
  it('checks the backward pass when the gradient is computed inside', () => {
    const i = issue(Ad.checkFinite((x: T.Tensor) => Ad.grad((z: T.Tensor) => T.sum(T.sqrt(z)))(x))(T.tensor([0, 1])))
    expect(i).toMatchObject({ phase: 'backward', origin: 'created', posInf: 1, primitive: 'div', rule: 'sqrt' })
    expect(Ad.showIssue(i)).toMatch(/^div \(backward, in the derivative of sqrt\) holds 1 \+Inf/)
  })
  it('names the layer of a backward step, where its forward step ran', () => {
    // forward: the hidden units are 0, so y = 0 and the loss is finite; backward: a cotangent of
    // 1e30 meets weights of 1e10 in the last layer's matmul rule and overflows float32 there,
    // though neither is derived from the guarded input (every evaluation is checked)
    const net = Net.serial(Net.dense(3), Net.relu, Net.dense(1))
    const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
    const W = Tree.map(vars.params, (t, p) => (p === '2.W' ? T.fullLike(t, 1e10) : t))
    const loss = (x: T.Tensor) => T.mul(T.sum(Net.predict(net, { params: W, state: vars.state }, x) as T.Tensor), 1e30)
    const i = issue(Ad.checkFinite((x: T.Tensor) => Ad.grad(loss)(x))(T.zeros([1, 2])))
    expect(i).toMatchObject({ primitive: 'matmul', phase: 'backward', layer: 'layer 2 (Dense(1))', rule: 'matmul', origin: 'created' })
    expect(Ad.showIssue(i)).toMatch(/^matmul \(backward\) in layer 2 \(Dense\(1\)\) holds 3 \+Inf/)
  })
  it('in boundary mode checks only the result, naming the leaf', () => {
    const i = issue(Ad.checkFinite(() => ({ params: { W: T.tensor([1, NaN]) } }), 'boundary')())
    expect(i).toMatchObject({ phase: 'result', path: 'params.W', nan: 1, firstIndex: [1] })
  })
  it('passes finite computations through unchanged, and throws from the wrapper', () => {
    const f = (z: T.Tensor) => Loss.softmaxCrossEntropy(z, [0, 1])
    const z = T.tensor([[1000, -1000], [-1000, 1000]])
    const r = Ad.checkFinite(f)(z)
    expect(E.isRight(r) && Math.abs(T.item(r.right))).toBe(0)
    const e = caught(() => Ad.guarded((x: T.Tensor) => T.div(1, x))(T.zeros([2])))
    expect(e.code).toBe('NON_FINITE')
    expect(e.message).toMatch(/^guard: div \(forward\) holds 2 \+Inf .*created it from finite inputs. Keep its input in the function’s domain/)
  })
  it('stops a diverging training run with the report', () => {
    const network = Net.serial(Net.dense(8), Net.relu, Net.dense(1))
    const trainer = { network, optimizer: Optim.sgd(1e6), loss: Loss.meanSquaredError, guard: 'ops' as const }
    const data = Data.dataset(Rng.normal(Rng.key(1), [32, 4]), Rng.normal(Rng.key(2), [32, 1], { std: 100 }))
    let end: Train.FitEvent | undefined
    const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(3), [4]), data, { epochs: 50, batchSize: 8 }, (e) => {
      if (e.type === 'end') end = e
    })
    expect(s.done).toBe(true)
    expect(end?.type === 'end' && end.reason).toBe('diverged')
    expect(end?.type === 'end' && end.issue?.nan !== undefined).toBe(true)
    expect(s.train.step).toBeLessThan(200)
  })
})
