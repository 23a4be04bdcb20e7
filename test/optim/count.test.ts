/**
 * Step counts are int32 scalar tensors: a jitted update traces once however many steps run,
 * schedules trace as formulas equal to their number forms bit for bit, and states saved with
 * number counts still load.
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Ad, Data, Net, Loss, Optim, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import type { Schedule } from '../../src/optim/schedule.js'
import { tensorForm } from '../../src/optim/scheduleForm.js'
import { caught } from '../util.js'

const schedules: ReadonlyArray<[string, Schedule]> = [
  ['constant', Optim.constant(3e-4)],
  ['exponentialDecay', Optim.exponentialDecay(0.1, { decayRate: 0.96, transitionSteps: 7 })],
  ['exponentialDecay staircase floored', Optim.exponentialDecay(1, { decayRate: 0.5, transitionSteps: 3, staircase: true, transitionBegin: 5, endValue: 0.01 })],
  ['exponentialDecay growing', Optim.exponentialDecay(1, { decayRate: 1.5, endValue: 20 })],
  ['stepDecay', Optim.stepDecay(0.05, { stepSize: 30, gamma: 0.1 })],
  ['inverseTimeDecay', Optim.inverseTimeDecay(0.1, { decayRate: 0.5, decaySteps: 3 })],
  ['inverseTimeDecay staircase', Optim.inverseTimeDecay(0.1, { decayRate: 0.5, decaySteps: 3, staircase: true })],
  ['polynomialDecay', Optim.polynomialDecay(0.1, { endValue: 0.001, transitionSteps: 50, power: 2, transitionBegin: 10 })],
  ['cosineDecay', Optim.cosineDecay(0.1, { decaySteps: 60, alpha: 0.1, exponent: 1.5 })],
  ['warmupCosineDecay', Optim.warmupCosineDecay(1e-3, { warmupSteps: 10, decaySteps: 80, initValue: 1e-5, endValue: 1e-6 })],
  ['warmupCosineDecay no warmup', Optim.warmupCosineDecay(1e-3, { warmupSteps: 0, decaySteps: 80 })],
  ['piecewiseConstant', Optim.piecewiseConstant(0.1, { boundariesAndScales: { 20: 0.5, 45: 0.1, 70: 2 } })],
]

const params = { w: T.tensor([[0.5, -1], [2, 0.25]]), b: T.tensor([0.1, -0.2]) }
const gradsAt = (i: number) => Tree.map(params, (x) => T.mul(T.sin(T.add(x, i)), 0.5))

describe('step counts are tensors', () => {
  it.each(schedules)('%s: the tensor form equals the schedule at every step, bit for bit', (_, s) => {
    const form = tensorForm(s)!
    expect(form).toBeDefined()
    for (let t = 0; t < 100; t++) expect(Object.is(T.item(form(T.scalar(t, 'float64'))), s(t))).toBe(true)
  })

  it.each([
    ['adam', Optim.adam(1e-2)],
    ['adamax', Optim.adamax(1e-2)],
    ['nadam', Optim.nadam(1e-2)],
    ['adafactor', Optim.adafactor(1e-2)],
    ['adafactor with momentum, no relative step', Optim.adafactor(undefined, { momentum: 0.9, clippingThreshold: 0.5 })],
    ['sgd + warmupCosineDecay', Optim.sgd(Optim.warmupCosineDecay(0.1, { warmupSteps: 3, decaySteps: 20 }), { momentum: 0.9 })],
  ] as const)('%s: a jitted update traces once over many steps and equals the eager update bit for bit', (_, tx) => {
    let traces = 0
    const step = (g: Tree.Tree, s: unknown, p: Tree.Tree) => {
      traces++
      const [u, next] = tx.update(g, s as never, p)
      return [Optim.applyUpdates(p, u), next] as const
    }
    const fast = Ad.jit(step)
    let [pe, se]: readonly [Tree.Tree, unknown] = [params, tx.init(params)]
    let [pj, sj]: readonly [Tree.Tree, unknown] = [params, tx.init(params)]
    for (let i = 0; i < 8; i++) {
      ;[pe, se] = step(gradsAt(i), se, pe)
      ;[pj, sj] = fast(gradsAt(i), sj, pj)
    }
    expect(traces - 8).toBe(1)
    expect(Tree.leaves(pj).map((l) => Array.from(T.toArray(l.value)))).toEqual(Tree.leaves(pe).map((l) => Array.from(T.toArray(l.value))))
    expect(JSON.stringify(sj)).toBe(JSON.stringify(se))
  })

  it('a schedule written as a plain function cannot be read inside jit: TRACED_READ says what to use instead', () => {
    const tx = Optim.sgd((t: number) => 0.1 / (1 + t))
    const e = caught(() => Ad.jit((g: Tree.Tree, s: unknown) => tx.update(g, s as never, params)[0])(gradsAt(0), tx.init(params)))
    expect(e.code).toBe('TRACED_READ')
    expect(e.detail).toContain('schedules in Optim')
  })

  it('trainStep (jitted by default) runs an optimizer with such a schedule eagerly, equal to jit: false bit for bit', () => {
    const network = Net.serial(Net.dense(3), Net.relu, Net.dense(1))
    const batch = Data.dataset(Rng.normal(Rng.key(1), [16, 2]), Rng.normal(Rng.key(2), [16, 1]))
    const run = (jit: boolean) => {
      const trainer = { network, optimizer: Optim.sgd((t: number) => 0.1 / (1 + t)), loss: Loss.meanSquaredError, jit }
      const step = Train.trainStep(trainer)
      let s = Train.initTrainState(trainer, Rng.key(0), [2])
      for (let i = 0; i < 4; i++) s = step(s, batch)
      return [s.loss, Tree.leaves(s.params).map((l) => Array.from(T.toArray(l.value)))]
    }
    expect(run(true)).toEqual(run(false))
  })

  it.each([
    ['a schedule of Optim', Optim.adam(Optim.cosineDecay(0.05, { decaySteps: 10 }))],
    ['a schedule written as a plain function', Optim.sgd((t: number) => 0.05 / (1 + t))],
  ] as const)('an ensemble (states vmapped, counts batched) reads %s: each member steps as trainStep steps it alone', (_, optimizer) => {
    const trainer = { network: Net.serial(Net.dense(4), Net.relu, Net.dense(1)), optimizer: optimizer as Optim.GradientTransformation<unknown>, loss: Loss.meanSquaredError }
    const batch = Data.dataset(T.tensor([[1, 0], [0, 1], [1, 1]]), T.tensor([[1], [2], [3]]))
    const keys = Rng.split(Rng.key(4), 3)
    const step = Train.ensembleStep(trainer)
    const e = step(step(Train.initEnsemble(trainer, keys, [2]), batch), batch)
    const alone = Train.trainStep(trainer)
    keys.forEach((k, i) => {
      const s = alone(alone(Train.initTrainState(trainer, k, [2]), batch), batch)
      expect(Train.member(e, i).loss).toBe(s.loss)
    })
  })

  it('trainStep with Adam traces its update once, however many steps run', () => {
    let traces = 0
    const adam = Optim.adam(1e-3)
    const optimizer: typeof adam = { ...adam, update: (g, s, p) => (traces++, adam.update(g, s, p)) }
    const trainer = { network: Net.serial(Net.dense(4), Net.tanh, Net.dense(1)), optimizer, loss: Loss.meanSquaredError }
    const batch = Data.dataset(Rng.normal(Rng.key(1), [8, 3]), Rng.normal(Rng.key(2), [8, 1]))
    const step = Train.trainStep(trainer)
    let s = Train.initTrainState(trainer, Rng.key(0), [3])
    for (let i = 0; i < 6; i++) s = step(s, batch)
    expect(traces).toBe(1)
    expect(T.item(s.optState[1].count)).toBe(6)
  })

  it('an optimizer state saved with number counts (older files) loads and continues as the same run', () => {
    const tx = Optim.nadam(1e-2)
    const s0 = tx.init(params)
    const [, s1] = tx.update(gradsAt(0), s0, params)
    const json = JSON.parse(JSON.stringify(s1)) as Record<string, Record<string, unknown>>
    // what the file looked like when counts and Nadam's product were numbers
    const old = Object.assign([], json, { 1: { ...json[1], count: 1, muProduct: T.item(s1[1].muProduct) } })
    const back = Optim.stateFromJSON(old, s0)
    expect(E.isRight(back)).toBe(true)
    const [u1] = tx.update(gradsAt(1), (back as E.Right<typeof s1>).right, params)
    const [u2] = tx.update(gradsAt(1), s1, params)
    expect(JSON.stringify(u1)).toBe(JSON.stringify(u2))
    const bad = Optim.stateFromJSON(Object.assign([], json, { 1: { ...json[1], count: 1.5 } }), s0)
    expect(E.isLeft(bad) && bad.left.code).toBe('INVALID_VALUE')
  })
})
