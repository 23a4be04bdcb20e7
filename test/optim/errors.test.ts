/** Every refusal of the optimizer module: the code, the hyperparameter or path it names, and the fix it suggests. */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Optim, Tensor as T } from '../../src/index.js'
import { caught } from '../util.js'

const refuses = (f: () => unknown, code: string, ...patterns: RegExp[]): void => {
  const e = caught(f)
  expect(e.code).toBe(code)
  for (const p of patterns) expect(e.message).toMatch(p)
}

const params = { layers: [{ W: T.zeros([2, 2]), b: T.zeros([2]) }] }

describe('learning rates', () => {
  it.each([
    ['negative', () => Optim.sgd(-0.1), /sgd: the learning rate is -0\.1, which is negative.*finite value ≥ 0/],
    ['NaN', () => Optim.adam(Number.NaN), /adam: the learning rate is NaN; it must be a finite number.*1e-3/],
    ['Infinity', () => Optim.rmsprop(Infinity), /rmsprop: the learning rate is Infinity/],
    ['-Infinity', () => Optim.adamw(-Infinity), /adamw: the learning rate is -Infinity/],
    ['not a number', () => Optim.lion('0.1' as unknown as number), /lion: the learning rate is "0\.1"/],
    ['transform, negative', () => Optim.scaleByLearningRate(-1e-3), /scaleByLearningRate: the learning rate is -0\.001/],
  ])('%s is refused, naming the value', (_, f, re) => refuses(f, 'INVALID_ARGUMENT', re))

  it('a schedule that returns a negative rate is refused at the step it does so', () => {
    const tx = Optim.sgd((t) => (3 - t) / 10)
    const g = { w: T.ones([1]) }
    let s = tx.init(g)
    for (let k = 0; k < 4; k++) s = tx.update(g, s, g)[1]
    refuses(() => tx.update(g, s, g), 'INVALID_ARGUMENT', /sgd|scaleByLearningRate/, /the learning rate the schedule returned at step 4 is -0\.1, which is negative/)
  })

  it('a schedule that returns NaN is refused by scaleBySchedule', () => {
    const tx = Optim.scaleBySchedule(() => Number.NaN)
    refuses(() => tx.update({ w: T.ones([1]) }, tx.init({})), 'INVALID_ARGUMENT', /scaleBySchedule: the schedule's value at step 0 is NaN/)
  })
})

describe('decay rates: betas, momentum, alpha, rho in [0, 1)', () => {
  it.each([
    ['b1 = 1', () => Optim.adam(1e-3, { b1: 1 }), /adam: b1 is 1, outside \[0, 1\).*such as 0\.9/],
    ['b1 = 1.5', () => Optim.scaleByAdam({ b1: 1.5 }), /scaleByAdam: b1 is 1\.5, outside \[0, 1\)/],
    ['b2 < 0', () => Optim.adamw(1e-3, { b2: -0.1 }), /adamw: b2 is -0\.1, outside \[0, 1\).*0\.999/],
    ['b2 NaN', () => Optim.adamax(1e-3, { b2: Number.NaN }), /adamax: b2 is NaN/],
    ['nadam b1', () => Optim.nadam(1e-3, { b1: 1 }), /nadam: b1 is 1/],
    ['lion b2', () => Optim.lion(1e-4, { b2: 2 }), /lion: b2 is 2/],
    ['rmsprop alpha', () => Optim.rmsprop(1e-3, { alpha: 1 }), /rmsprop: decay \(alpha\) is 1, outside \[0, 1\)/],
    ['adadelta rho', () => Optim.adadelta(1, { rho: -0.5 }), /adadelta: rho is -0\.5/],
    ['momentum = 1', () => Optim.sgd(0.1, { momentum: 1 }), /sgd: the momentum \(decay\) is 1, outside \[0, 1\).*0\.9/],
    ['momentum < 0', () => Optim.sgd(0.1, { momentum: -0.9 }), /sgd: the momentum \(decay\) is -0\.9/],
    ['rmsprop momentum', () => Optim.rmsprop(0.1, { momentum: 1.2 }), /rmsprop: the momentum \(decay\) is 1\.2/],
    ['trace', () => Optim.trace(1), /trace: the momentum \(decay\) is 1/],
  ])('%s is refused', (_, f, re) => refuses(f, 'INVALID_ARGUMENT', re))

  it('Nesterov without momentum is refused (as PyTorch does)', () => {
    refuses(() => Optim.sgd(0.1, { nesterov: true }), 'INVALID_ARGUMENT', /nesterov is true but momentum is 0.*such as 0\.9/)
  })
})

describe('eps and other positive or non-negative hyperparameters', () => {
  it.each([
    ['adam eps 0', () => Optim.adam(1e-3, { eps: 0 }), /adam: eps is 0, which is not positive.*1e-8/],
    ['adam eps < 0', () => Optim.adam(1e-3, { eps: -1e-8 }), /eps is -1e-8/],
    ['rmsprop eps 0', () => Optim.rmsprop(1e-3, { eps: 0 }), /rmsprop: eps is 0/],
    ['adagrad eps < 0', () => Optim.adagrad(1e-2, { eps: -1 }), /adagrad: eps is -1/],
    ['adadelta eps NaN', () => Optim.scaleByAdadelta({ eps: Number.NaN }), /scaleByAdadelta: eps is NaN/],
    ['epsRoot < 0', () => Optim.scaleByAdam({ epsRoot: -1 }), /epsRoot is -1, which is negative/],
    ['weight decay < 0', () => Optim.adamw(1e-3, { weightDecay: -0.01 }), /adamw: the weight decay is -0\.01, which is negative/],
    ['initial accumulator < 0', () => Optim.adagrad(1e-2, { initialAccumulatorValue: -0.1 }), /initialAccumulatorValue is -0\.1/],
    ['momentumDecay < 0', () => Optim.nadam(1e-3, { momentumDecay: -1 }), /nadam: momentumDecay is -1/],
    ['clip 0', () => Optim.clip(0), /clip: maxDelta is 0/],
    ['clipByGlobalNorm < 0', () => Optim.clipByGlobalNorm(-1), /clipByGlobalNorm: maxNorm is -1/],
    ['scale NaN', () => Optim.scale(Number.NaN), /scale: stepSize is NaN/],
    ['maxConsecutiveErrors', () => Optim.applyIfFinite(Optim.identity(), 1.5), /applyIfFinite: maxConsecutiveErrors is 1\.5.*whole number ≥ 0/],
    ['lrDecay with a schedule', () => Optim.adagrad(Optim.constant(0.1), { lrDecay: 0.1 }), /adagrad: lrDecay needs a constant learning rate/],
  ])('%s is refused', (_, f, re) => refuses(f, 'INVALID_ARGUMENT', re))

  it('unknown options are refused, listing the known ones (a typo such as beta1)', () => {
    refuses(() => Optim.adam(1e-3, { beta1: 0.9 } as never), 'INVALID_ARGUMENT', /adam: unknown option "beta1"; the options of adam are "b1", "b2", "eps"/)
    refuses(() => Optim.scaleByRms({ alpha: 0.9 } as never), 'INVALID_ARGUMENT', /unknown option "alpha".*"decay"/)
  })
})

describe('trees that do not match', () => {
  const tx = Optim.adam(1e-3)
  const s = tx.init(params)

  it('gradients of another shape: TREE_MISMATCH naming the first path, telling to re-init', () => {
    const g = { layers: [{ W: T.zeros([2, 3]), b: T.zeros([2]) }] }
    refuses(() => tx.update(g, s, params), 'TREE_MISMATCH', /scaleByAdam: the gradients and first moment \(state\.mu\) trees differ at 'layers\.0\.W': shapes differ: \[2, 3\].*\[2, 2\]/, /init\(params\)/)
  })
  it('gradients with a missing key', () => {
    refuses(() => tx.update({ layers: [{ W: T.zeros([2, 2]) }] }, s, params), 'TREE_MISMATCH', /differ at 'layers\.0': the first moment \(state\.mu\) has an extra key "b"/)
  })
  it('gradients of another dtype', () => {
    const g = { layers: [{ W: T.zeros([2, 2], 'float64'), b: T.zeros([2]) }] }
    refuses(() => tx.update(g, s, params), 'TREE_MISMATCH', /'layers\.0\.W': dtypes differ: float64 in the gradients, float32/)
  })
  it('every stateful transformation checks its state', () => {
    const g = { w: T.zeros([3]) }
    const p = { w: T.zeros([2]) }
    for (const t of [Optim.trace(0.9), Optim.scaleByRms(), Optim.scaleByAdagrad(), Optim.scaleByAdadelta(), Optim.scaleByAdamax(), Optim.scaleByNadam(), Optim.scaleByLion()] as Optim.GradientTransformation<unknown>[]) {
      refuses(() => t.update(g, t.init(p)), 'TREE_MISMATCH', /differ at 'w': shapes differ: \[3\] in the gradients, \[2\]/)
    }
  })
  it('parameters that do not match the gradients (weight decay, applyUpdates)', () => {
    const wd = Optim.addDecayedWeights(0.1)
    refuses(() => wd.update({ w: T.zeros([2]) }, Optim.emptyState, { v: T.zeros([2]) }), 'TREE_MISMATCH', /addDecayedWeights: the gradients and parameters trees differ at the root/)
    refuses(() => Optim.applyUpdates({ w: T.zeros([2]) }, { w: T.zeros([2], 'float64') }), 'TREE_MISMATCH', /applyUpdates: .* differ at 'w': dtypes differ/)
  })
  it('a mask tree that does not fit the parameters', () => {
    refuses(() => Optim.masked(Optim.scale(0), { layers: [{ W: true }] }).init(params), 'TREE_MISMATCH', /masked: the mask does not fit the parameters at 'layers\.0': the mask has no key "b"/)
    refuses(() => Optim.masked(Optim.scale(0), { layers: [true, false] }).init(params), 'TREE_MISMATCH', /at 'layers': array lengths differ: 1 in the parameters, 2 in the mask/)
    refuses(() => Optim.masked(Optim.scale(0), () => 1 as unknown as boolean).init(params), 'INVALID_ARGUMENT', /the mask returned 1 for the leaf at 'layers\.0\.W'/)
  })
  it('weight decay without parameters', () => {
    const w = Optim.adamw(1e-3)
    refuses(() => w.update(params, w.init(params)), 'INVALID_ARGUMENT', /addDecayedWeights: this transform needs the current parameters: call update\(grads, state, params\)/)
  })
  it("another transformation's state is refused, naming both", () => {
    const p = { w: T.zeros([2]) }
    refuses(() => Optim.trace(0.9).update(p, Optim.scaleByAdam().init(p) as never), 'INVALID_ARGUMENT', /trace: the state is a ScaleByAdamState, not a TraceState; pass the state that init\(params\) of this same transformation returned/)
    refuses(() => Optim.sgd(0.1, { momentum: 0.9 }).update(p, Optim.adam(0.1).init(p) as never, p), 'INVALID_ARGUMENT', /the state is a ScaleByAdamState, not a TraceState/)
    refuses(() => Optim.scaleByRms().update(p, undefined as never), 'INVALID_ARGUMENT', /scaleByRms: the state is undefined, not a ScaleByRmsState/)
  })
  it('a chain given a state of another length', () => {
    refuses(() => tx.update(params, [s[0], s[1]] as never, params), 'INVALID_ARGUMENT', /chain: the state has 2 parts but the chain has 3 transformations; pass the state that init\(params\) of this same chain returned/)
    refuses(() => Optim.chain({} as never), 'INVALID_ARGUMENT', /chain: argument 0 is not a gradient transformation/)
  })
})

describe('schedules', () => {
  it.each([
    ['transitionSteps 0', () => Optim.exponentialDecay(0.1, { decayRate: 0.9, transitionSteps: 0 }), /exponentialDecay: transitionSteps is 0, which is not positive/],
    ['decayRate < 0', () => Optim.exponentialDecay(0.1, { decayRate: -0.9 }), /decayRate is -0\.9/],
    ['decayRate missing', () => Optim.exponentialDecay(0.1, {} as never), /decayRate is undefined/],
    ['stepSize 0', () => Optim.stepDecay(0.1, { stepSize: 0 }), /stepDecay: stepSize is 0\. stepSize must be a whole number ≥ 1/],
    ['decaySteps 0', () => Optim.cosineDecay(0.1, { decaySteps: 0 }), /cosineDecay: decaySteps is 0/],
    ['power 0', () => Optim.polynomialDecay(0.1, { endValue: 0, transitionSteps: 10, power: 0 }), /power is 0/],
    ['decaySteps ≤ warmupSteps', () => Optim.warmupCosineDecay(0.1, { warmupSteps: 100, decaySteps: 100 }), /warmupCosineDecay: decaySteps is 100\. decaySteps must be a whole number ≥ 101/],
    ['negative scale', () => Optim.piecewiseConstant(0.1, { boundariesAndScales: { 10: -1 } }), /the scale at 10 is -1/],
    ['init NaN', () => Optim.constant(Number.NaN), /constant: value is NaN/],
  ])('%s is refused', (_, f, re) => refuses(f, 'INVALID_ARGUMENT', re))

  it('a step that is negative, fractional NaN or infinite is refused', () => {
    const s = Optim.cosineDecay(0.1, { decaySteps: 10 })
    refuses(() => s(-1), 'INVALID_ARGUMENT', /cosineDecay: the step is -1; a schedule is called with the step count/)
    refuses(() => s(Number.NaN), 'INVALID_ARGUMENT', /the step is NaN/)
    refuses(() => s(Infinity), 'INVALID_ARGUMENT', /the step is Infinity/)
  })
})

describe('reduce-on-plateau', () => {
  it.each([
    ['factor 1', () => Optim.reduceOnPlateau({ factor: 1 }), /reduceOnPlateau: factor is 1, outside \[0, 1\)/],
    ['patience -1', () => Optim.reduceOnPlateau({ patience: -1 }), /patience is -1/],
    ['mode', () => Optim.reduceOnPlateau({ mode: 'avg' as never }), /mode is "avg"; use 'min' \(for a loss\) or 'max'/],
    ['thresholdMode', () => Optim.scaleByPlateau({ thresholdMode: 'pct' as never }), /scaleByPlateau: thresholdMode is "pct"/],
  ])('%s is refused', (_, f, re) => refuses(f, 'INVALID_ARGUMENT', re))
  it('a metric that is not a number, or a state that is not a plateau, is refused', () => {
    refuses(() => Optim.observeMetric([], '1' as never), 'INVALID_ARGUMENT', /observeMetric: the metric is 1; pass the number/)
    refuses(() => Optim.observePlateau({} as never, 1), 'INVALID_ARGUMENT', /not a PlateauState/)
  })
})

describe('L-BFGS', () => {
  const f = (p: { x: T.Tensor }) => [T.item(T.sum(T.square(p.x))), { x: T.mul(p.x, 2) }] as const
  const p0 = { x: T.tensor([1, 2], 'float64') }
  it.each([
    ['historySize 0', () => Optim.lbfgs({ historySize: 0 }), /lbfgs: historySize is 0/],
    ['c1 ≥ c2', () => Optim.lbfgs({ lineSearch: { c1: 0.9, c2: 0.5 } }), /c1 = 0\.9 and c2 = 0\.5 must satisfy 0 < c1 < c2 < 1/],
    ['maxIterations 0', () => Optim.minimize(f, p0, { maxIterations: 0 }), /minimize: maxIterations is 0/],
    ['toleranceGrad < 0', () => Optim.minimize(f, p0, { toleranceGrad: -1 }), /toleranceGrad is -1/],
  ])('%s is refused', (_, g, re) => refuses(g, 'INVALID_ARGUMENT', re))
  it('an objective whose gradient does not match the parameters is refused, naming the path', () => {
    refuses(() => Optim.minimize(() => [1, { x: T.zeros([3], 'float64') }] as const, p0), 'TREE_MISMATCH', /minimize: the gradients returned by valueAndGrad and parameters trees differ at 'x': shapes differ/)
    refuses(() => Optim.minimize(() => 1 as never, p0), 'INVALID_ARGUMENT', /valueAndGrad must return \[value, grads\]/)
  })
  it('a start where the objective is not finite is refused', () => {
    refuses(() => Optim.minimize(() => [Number.NaN, { x: T.zeros([2], 'float64') }] as const, p0), 'INVALID_ARGUMENT', /the objective is NaN at the initial parameters/)
  })
  it('the line search refuses an ascent direction', () => {
    refuses(() => Optim.strongWolfe((a) => [a, 1], 0, 1, 1), 'INVALID_ARGUMENT', /φ'\(0\) is 1; the direction must be a descent direction/)
  })
})

describe('serialization', () => {
  /** stateFromJSON reads untrusted files: it returns its refusal, it never throws. */
  const left = (u: unknown, like?: unknown): Error & { code: string } => {
    let r: E.Either<Error & { code: string }, unknown> | undefined
    expect(() => (r = Optim.stateFromJSON(u, like))).not.toThrow()
    if (r === undefined || E.isRight(r)) return expect.fail('stateFromJSON accepted a damaged state')
    return r.left
  }
  const refusesState = (u: unknown, like: unknown, code: string, re: RegExp): void => {
    const e = left(u, like)
    expect(e.code).toBe(code)
    expect(e.message).toMatch(re)
  }
  it('tensor data that are not numbers are refused, naming where', () => {
    refusesState([{ mu: { dtype: 'float32', shape: [1], data: ['x'] } }], undefined, 'INVALID_VALUE', /stateFromJSON: the tensor at the root\[0\]\.mu holds "x"/)
  })
  it('a tensor whose data do not fill its shape is refused, naming where', () => {
    refusesState({ mu: { dtype: 'float64', shape: [2, 2], data: [1, 2, 3] } }, undefined, 'INVALID_VALUE', /stateFromJSON: the tensor at the root\.mu is damaged: /)
    refusesState({ mu: { dtype: 'float64', shape: [-1], data: [] } }, undefined, 'INVALID_VALUE', /the tensor at the root\.mu is damaged/)
  })
  it('a state for another optimizer is refused, naming the path where it differs', () => {
    const p = { w: T.zeros([2]) }
    const saved = JSON.parse(JSON.stringify(Optim.adam(1e-3).init(p))) as unknown
    refusesState(saved, Optim.sgd(0.1, { momentum: 0.9 }).init(p), 'INVALID_VALUE', /stateFromJSON: the saved state does not fit this optimizer at '\[1\]\._tag': it has "ScaleByAdamState" where the optimizer's fresh state has "TraceState"/)
    const amsgrad = JSON.parse(JSON.stringify(Optim.adam(1e-3, { amsgrad: true }).init(p))) as unknown
    refusesState(amsgrad, Optim.adam(1e-3).init(p), 'INVALID_VALUE', /at '\[1\]': it has the keys "_tag", "count", "mu", "nu", "nuMax" where the optimizer's fresh state has "_tag", "count", "mu", "nu"\./)
  })
  it('a good state comes back as a Right, non-finite numbers included', () => {
    const s = { _tag: 'X', t: T.tensor([Number.NaN, Infinity, -Infinity, 1]) }
    const r = Optim.stateFromJSON(JSON.parse(JSON.stringify(s)))
    expect(E.isRight(r) && JSON.stringify(r.right)).toBe(JSON.stringify(s))
  })
})
