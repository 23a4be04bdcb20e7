/** Schedules at chosen steps, against values worked out by hand; and schedules inside optimizers. */
import { describe, expect, it } from 'vitest'
import { Optim, Tensor as T } from '../../src/index.js'

const near = (a: number, b: number, tol = 1e-12): void => {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)))
}

describe('schedules', () => {
  it('constant', () => {
    expect([0, 1, 1e6].map(Optim.constant(3e-4))).toEqual([3e-4, 3e-4, 3e-4])
  })
  it('exponentialDecay: smooth, staircase, delayed, floored', () => {
    const s = Optim.exponentialDecay(0.1, { decayRate: 0.96, transitionSteps: 100 })
    near(s(0), 0.1)
    near(s(50), 0.1 * 0.96 ** 0.5)
    near(s(250), 0.1 * 0.96 ** 2.5)
    const st = Optim.exponentialDecay(0.1, { decayRate: 0.96, transitionSteps: 100, staircase: true })
    near(st(250), 0.1 * 0.96 ** 2)
    const d = Optim.exponentialDecay(1, { decayRate: 0.5, transitionBegin: 10 })
    expect([d(0), d(10), d(11), d(13)]).toEqual([1, 1, 0.5, 0.125])
    const f = Optim.exponentialDecay(1, { decayRate: 0.5, endValue: 0.2 })
    expect([f(1), f(2), f(3), f(100)]).toEqual([0.5, 0.25, 0.2, 0.2])
  })
  it('stepDecay (StepLR)', () => {
    const s = Optim.stepDecay(0.05, { stepSize: 30, gamma: 0.1 })
    near(s(0), 0.05)
    near(s(29), 0.05)
    near(s(30), 0.005)
    near(s(89), 0.0005)
    near(s(90), 0.00005)
  })
  it('inverseTimeDecay, smooth and staircase', () => {
    const s = Optim.inverseTimeDecay(0.1, { decayRate: 0.5, decaySteps: 10 })
    near(s(5), 0.1 / 1.25)
    near(s(20), 0.05)
    const st = Optim.inverseTimeDecay(0.1, { decayRate: 0.5, decaySteps: 10, staircase: true })
    near(st(19), 0.1 / 1.5)
  })
  it('polynomialDecay', () => {
    const s = Optim.polynomialDecay(1, { endValue: 0.1, transitionSteps: 10, power: 2, transitionBegin: 5 })
    near(s(0), 1)
    near(s(5), 1)
    near(s(10), 0.9 * 0.25 + 0.1)
    near(s(15), 0.1)
    near(s(1000), 0.1)
  })
  it('cosineDecay with a floor and an exponent', () => {
    const s = Optim.cosineDecay(2, { decaySteps: 100, alpha: 0.1 })
    near(s(0), 2)
    near(s(50), 2 * (0.9 * 0.5 + 0.1))
    near(s(25), 2 * (0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)) + 0.1))
    near(s(100), 0.2)
    near(s(500), 0.2)
    const e = Optim.cosineDecay(1, { decaySteps: 100, exponent: 2 })
    near(e(50), 0.25)
  })
  it('warmupCosineDecay: linear warmup, then cosine to the end value', () => {
    const s = Optim.warmupCosineDecay(1, { warmupSteps: 10, decaySteps: 110, initValue: 0.1, endValue: 0.01 })
    near(s(0), 0.1)
    near(s(5), 0.55)
    near(s(10), 1)
    near(s(60), 0.01 + 0.99 * 0.5)
    near(s(110), 0.01)
    near(s(10000), 0.01)
    const noWarmup = Optim.warmupCosineDecay(1, { warmupSteps: 0, decaySteps: 10 })
    near(noWarmup(0), 1)
  })
  it('piecewiseConstant: scales accumulate from each boundary on, whatever the key order', () => {
    const s = Optim.piecewiseConstant(0.1, { boundariesAndScales: { 200: 0.1, 100: 0.5 } })
    near(s(99), 0.1)
    near(s(100), 0.05)
    near(s(199), 0.05)
    near(s(200), 0.005)
  })
})

describe('schedules in optimizers', () => {
  it('the schedule is read at 0, 1, 2, … on successive updates (optax count convention)', () => {
    const seen: number[] = []
    const tx = Optim.sgd((t) => {
      seen.push(t)
      return 1
    })
    const p = { w: T.zeros([1]) }
    let s = tx.init(p)
    for (let k = 0; k < 3; k++) s = tx.update(p, s, p)[1]
    expect(seen).toEqual([0, 1, 2])
    expect(T.item(s[2].count)).toBe(3)
  })
  it('adagrad lrDecay is the inverse-time schedule η/(1 + t·lrDecay)', () => {
    const a = Optim.adagrad(0.1, { lrDecay: 0.5 })
    const b = Optim.chain(Optim.identity(), Optim.scaleByAdagrad(), Optim.scaleByLearningRate(Optim.inverseTimeDecay(0.1, { decayRate: 0.5 })))
    const p = { w: T.tensor([1, 2], 'float64') }
    let [sa, sb] = [a.init(p), b.init(p)]
    for (const g of [[1, -2], [0.5, 3], [-1, 1]]) {
      const grads = { w: T.tensor(g, 'float64') }
      const [ua, na] = a.update(grads, sa, p)
      const [ub, nb] = b.update(grads, sb, p)
      expect(T.equals((ua as typeof p).w, (ub as typeof p).w)).toBe(true)
      ;[sa, sb] = [na, nb]
    }
  })
  it('a constant rate and a constant schedule give the same state type and the same updates', () => {
    const p = { w: T.tensor([1, 2], 'float64') }
    const g = { w: T.tensor([0.3, -0.1], 'float64') }
    const a = Optim.adam(1e-2)
    const b = Optim.adam(Optim.constant(1e-2))
    const [ua, sa] = a.update(g, a.init(p), p)
    const [ub, sb] = b.update(g, b.init(p), p)
    expect(T.equals((ua as typeof p).w, (ub as typeof p).w)).toBe(true)
    expect(JSON.stringify(sa)).toBe(JSON.stringify(sb))
  })
})
