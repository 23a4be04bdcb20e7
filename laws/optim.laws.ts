/**
 * Runs the optimizer laws of `optim.ts` over every row of `OPTIMIZERS_UNDER_TEST` (each alias
 * and transformation), on random parameter trees (float32 and float64 leaves of random shapes,
 * awkward keys) and random gradients. Inputs are deep-frozen, so a write to them throws.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Optim } from '../src/index.js'
import * as Arb from './arb/optim.js'
import { type Comparator, deepEqual } from './Equiv.js'
import * as Laws from './optim.js'
import { treeAllclose, treeExact } from './tree.js'

const each =
  <A>(cmp: Comparator<A>): Comparator<ReadonlyArray<A>> =>
  (a, b) =>
    a.length === b.length && a.every((x, i) => cmp(x, b[i]!))

const rows = Laws.OPTIMIZERS_UNDER_TEST

describe('every optimizer is under test', () => {
  // a module's exercises cover each transformation it builds (the compiler checks); here, every
  // module Optim re-exports declares them, so a new module cannot go unexercised
  test.each(Laws.publicModules().map(([f, m]) => [f, m] as const))('%s declares its exercises', (_, m) => {
    expect(typeof m.default).toBe('function')
  })
  test('and the rows have distinct names', () => {
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length)
  })
})
const runs = { numRuns: 8 }
const threeSteps = Arb.paramsAndGrads(3)

describe.each(rows.map((r) => [r.name, r] as const))('%s', (_, row) => {
  test.prop([threeSteps], runs)('update never changes its (deep-frozen) inputs', ([p, gs]) => {
    expect(Laws.updateDoesNotMutate(row.tx)(p, gs)).toHold(deepEqual)
  })

  test.prop([threeSteps], runs)('the same inputs give the same updates and states', ([p, gs]) => {
    expect(Laws.deterministic(() => row.tx)(p, gs)).toHold(Laws.sameValue)
  })

  test.prop([threeSteps], runs)('the state keeps its structure across steps; updates keep the gradients\'', ([p, gs]) => {
    expect(Laws.stateStructureStable(row.tx)(p, gs)).toHold(deepEqual)
    expect(Laws.updatesShapedLikeGrads(row.tx)(p, gs)).toHold(deepEqual)
  })

  test.prop([threeSteps], runs)('a state saved as JSON resumes the same run, bit for bit', ([p, gs]) => {
    expect(Laws.resumesFromJSON(row.tx)(p, gs)).toHold(each(treeExact))
  })

  test.prop([Arb.paramsAndGrads(2, { dtypes: ['float32'] })], runs)('float32 parameters get float32 updates and state', ([p, gs]) => {
    expect(Laws.keepsDtype(row.tx)(p, gs)).toHold(deepEqual)
  })

  test.prop([threeSteps], runs)('chain(identity, tx) ≡ tx ≡ chain(tx, identity) ≡ chain(tx)', ([p, gs]) => {
    expect(Laws.chainIdentity(row.tx)(p, gs)).toHold(each(each(treeExact)))
  })

  test.prop([threeSteps], { numRuns: 4 })('masked(tx, everything) ≡ tx; masked(tx, nothing) ≡ identity', ([p, gs]) => {
    expect(Laws.maskedExtremes(row.tx)(p, gs)).toHold(each(each(treeExact)))
  })

  test.prop([Arb.paramsAndGrads(1)], { numRuns: 4 })('applyIfFinite(tx) skips a NaN step, keeping the inner state', ([p, gs]) => {
    expect(Laws.applyIfFiniteSkips(row.tx)(p, gs[0]!)).toHold(Laws.sameValue)
  })

  const d = row.descent
  if (d !== undefined) {
    test.prop([Arb.quadratic], { numRuns: 6 })(`decreases a random convex quadratic in ${d.quadraticSteps ?? 30} steps`, (q) => {
      expect(Laws.descendsOnQuadratic(d.optimizer, d.quadraticSteps ?? 30)(q)).toHold(deepEqual)
    })
    test(`brings Rosenbrock's function from 24.2 below ${d.target} in ${d.steps} steps`, () => {
      expect(Laws.reachesRosenbrockTarget(d)).toHold(deepEqual)
    })
  }
})

describe('chain', () => {
  const tx = fc.constantFrom(...rows.map((r) => r.tx))
  test.prop([tx, tx, tx, threeSteps], { numRuns: 40 })('is associative: chain(chain(a, b), c) ≡ chain(a, chain(b, c))', (a, b, c, [p, gs]) => {
    expect(Laws.chainAssociative(a, b, c)(p, gs)).toHold(each(treeExact))
  })
  test.prop([threeSteps], { numRuns: 20 })('chain() is the identity', ([p, gs]) => {
    expect(Laws.emptyChainIsIdentity(p, gs)).toHold(each(treeExact))
  })
})

describe('fixed points and first steps', () => {
  const lr = fc.double({ min: 1e-4, max: 1, noNaN: true })
  test.prop([Arb.params(), lr, fc.integer({ min: 1, max: 5 })], { numRuns: 30 })('zero gradients leave plain SGD where it is', (p, rate, steps) => {
    expect(Laws.zeroGradsFixSgd(Optim.sgd(rate), steps)(p)).toHold(treeExact)
  })
  test.prop([Arb.params(), lr], { numRuns: 30 })('zero gradients leave SGD with (Nesterov) momentum at rest', (p, rate) => {
    expect(Laws.zeroGradsFixSgd(Optim.sgd(rate, { momentum: 0.9 }), 3)(p)).toHold(treeExact)
    expect(Laws.zeroGradsFixSgd(Optim.sgd(rate, { momentum: 0.99, nesterov: true }), 3)(p)).toHold(treeExact)
  })
  test.prop([Arb.params({ dtypes: ['float64'] }).filter((p) => Laws.norm(p) > 1e-3), lr, fc.double({ min: 1e-3, max: 0.5, noNaN: true })], { numRuns: 30 })(
    'decoupled weight decay with zero gradients shrinks ‖θ‖ by the factor 1 − ηλ',
    (p, rate, wd) => {
      const e = Laws.decoupledDecayShrinks(rate, wd)(p)
      expect(e.lhs[0]).toBe(true)
      expect(Math.abs(e.lhs[1] - e.rhs[1])).toBeLessThanOrEqual(1e-12 * e.rhs[1] + 1e-300)
    },
  )
  test.prop([Arb.params().chain((p) => fc.tuple(fc.constant(p), Arb.awayFromZero(p, 1e-2))), fc.double({ min: 1e-5, max: 1, noNaN: true })], { numRuns: 40 })(
    "Adam's first step has magnitude η per coordinate",
    ([p, g], rate) => {
      expect(Laws.adamFirstStepIsLr(rate)(p, g)).toHold(treeAllclose({ rtol: 1e-5, atol: 0 }))
    },
  )
  test.prop([Arb.params({ dtypes: ['float64'] }).chain((p) => fc.tuple(fc.constant(p), fc.array(Arb.awayFromZero(p, 1e-2), { minLength: 3, maxLength: 3 }))), fc.double({ min: 0.1, max: 100, noNaN: true })], { numRuns: 30 })(
    "Adam's updates do not depend on the gradients' scale",
    ([p, gs], c) => {
      expect(Laws.adamScaleInvariant(c)(p, gs)).toHold(each(treeAllclose({ rtol: 1e-4, atol: 1e-12 })))
    },
  )
  test.prop([Arb.params(), fc.double({ min: 1e-3, max: 100, noNaN: true })], { numRuns: 60 })("clipByGlobalNorm's output norm is at most the bound", (g, c) => {
    expect(Laws.clipByGlobalNormBound(c)(g)).toHold(deepEqual)
  })
})

describe('schedules', () => {
  const cases: ReadonlyArray<readonly [string, Optim.Schedule, number, number, 'nonincreasing' | 'nondecreasing' | undefined]> = [
    ['constant', Optim.constant(0.1), 0.1, 0.1, 'nonincreasing'],
    ['exponentialDecay', Optim.exponentialDecay(0.1, { decayRate: 0.9, transitionSteps: 10 }), 0, 0.1, 'nonincreasing'],
    ['exponentialDecay staircase, begin, floor', Optim.exponentialDecay(0.1, { decayRate: 0.5, transitionSteps: 7, staircase: true, transitionBegin: 20, endValue: 1e-3 }), 1e-3, 0.1, 'nonincreasing'],
    ['exponentialDecay growing to a ceiling', Optim.exponentialDecay(1e-3, { decayRate: 1.5, transitionSteps: 10, endValue: 0.1 }), 1e-3, 0.1, 'nondecreasing'],
    ['stepDecay', Optim.stepDecay(0.1, { stepSize: 30 }), 0, 0.1, 'nonincreasing'],
    ['inverseTimeDecay', Optim.inverseTimeDecay(0.1, { decayRate: 0.5, decaySteps: 10 }), 0, 0.1, 'nonincreasing'],
    ['inverseTimeDecay staircase', Optim.inverseTimeDecay(0.1, { decayRate: 0.5, decaySteps: 10, staircase: true }), 0, 0.1, 'nonincreasing'],
    ['polynomialDecay', Optim.polynomialDecay(0.1, { endValue: 1e-4, transitionSteps: 500, power: 2, transitionBegin: 10 }), 1e-4, 0.1, 'nonincreasing'],
    ['polynomialDecay warmup (rising)', Optim.polynomialDecay(0, { endValue: 0.1, transitionSteps: 100 }), 0, 0.1, 'nondecreasing'],
    ['cosineDecay', Optim.cosineDecay(0.1, { decaySteps: 1000, alpha: 0.01 }), 1e-3, 0.1, 'nonincreasing'],
    ['cosineDecay exponent', Optim.cosineDecay(0.1, { decaySteps: 1000, exponent: 2 }), 0, 0.1, 'nonincreasing'],
    ['warmupCosineDecay', Optim.warmupCosineDecay(0.1, { warmupSteps: 100, decaySteps: 1000, initValue: 0.01, endValue: 0.001 }), 0.001, 0.1, undefined],
    ['piecewiseConstant', Optim.piecewiseConstant(0.1, { boundariesAndScales: { 100: 0.5, 300: 0.1, 200: 0.5 } }), 0.00025, 0.1, 'nonincreasing'],
  ]
  describe.each(cases.map((c) => [c[0], c] as const))('%s', (_, [, s, lo, hi, dir]) => {
    test.prop([Arb.step], { numRuns: 200 })(`stays within [${lo}, ${hi}]`, (t) => {
      expect(Laws.scheduleBounded(s, lo, hi)(t)).toHold(deepEqual)
    })
    if (dir !== undefined) {
      test.prop([Arb.step, Arb.step], { numRuns: 200 })(`is ${dir}`, (a, b) => {
        expect(Laws.scheduleMonotone(s, dir)(a, b)).toHold(deepEqual)
      })
    }
  })
  const w = Optim.warmupCosineDecay(0.1, { warmupSteps: 100, decaySteps: 1000, initValue: 0.01, endValue: 0.001 })
  test.prop([fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })], { numRuns: 100 })('warmupCosineDecay rises during the warmup', (a, b) => {
    expect(Laws.scheduleMonotone(w, 'nondecreasing')(a, b)).toHold(deepEqual)
  })
  test.prop([fc.integer({ min: 100, max: 5000 }), fc.integer({ min: 100, max: 5000 })], { numRuns: 100 })('warmupCosineDecay falls after the warmup', (a, b) => {
    expect(Laws.scheduleMonotone(w, 'nonincreasing')(a, b)).toHold(deepEqual)
  })
  test.prop(
    [
      fc.array(fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constant(Number.NaN)), { maxLength: 60 }),
      fc.record({ mode: fc.constantFrom('min' as const, 'max' as const), factor: fc.double({ min: 0, max: 0.99, noNaN: true }), patience: fc.integer({ min: 0, max: 4 }), cooldown: fc.integer({ min: 0, max: 3 }), minScale: fc.double({ min: 0, max: 0.5, noNaN: true }), thresholdMode: fc.constantFrom('rel' as const, 'abs' as const) }),
    ],
    { numRuns: 100 },
  )('reduce-on-plateau: the scale never rises and stays in [minScale, 1]', (metrics, opts) => {
    expect(Laws.plateauScaleFalls(opts)(metrics)).toHold(deepEqual)
  })
})

describe('L-BFGS', () => {
  test.prop([Arb.quadratic], { numRuns: 20 })('never raises the value of a convex quadratic and lowers it', (q) => {
    expect(Laws.lbfgsDescends(5)(q)).toHold(deepEqual)
  })
})
