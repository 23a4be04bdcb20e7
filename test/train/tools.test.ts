import { describe, expect, it } from 'vitest'
import { Rng, Tensor as T, Train } from '../../src/index.js'

describe('metrics', () => {
  it('accuracy and the confusion matrix', () => {
    const scores = T.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    expect(Train.accuracy(scores, [0, 1, 1])).toBeCloseTo(2 / 3, 15)
    expect(T.toNested(Train.confusionMatrix(scores, [0, 1, 1], 2))).toEqual([[1, 0], [1, 1]])
    expect(() => Train.accuracy(scores, [0, 1])).toThrow(/2 labels for 3 predictions/)
  })
})

describe('the bias/variance diagnosis follows the notes’ four cases', () => {
  it.each([
    [0.01, 0.11, 'low', 'high'],
    [0.15, 0.16, 'high', 'low'],
    [0.15, 0.3, 'high', 'high'],
    [0.005, 0.01, 'low', 'low'],
  ] as const)('train %f, dev %f → bias %s, variance %s', (train, dev, bias, variance) => {
    const d = Train.diagnose(train, dev)
    expect([d.bias, d.variance]).toEqual([bias, variance])
  })
  it('measures bias against the Bayes error', () => {
    expect(Train.diagnose(0.15, 0.16, { bayesError: 0.14 }).bias).toBe('low')
  })
})

describe('early stopping', () => {
  it('waits `patience` epochs and keeps the best', () => {
    const es = Train.earlyStopping({ patience: 2, minDelta: 0.01 })
    let s = es.init<T.Tensor>()
    const seen: number[] = []
    ;[1, 0.5, 0.495, 0.6, 0.4].forEach((v, epoch) => {
      if (s.stop) return
      seen.push(epoch)
      s = es.update(s, epoch, v, T.scalar(epoch))
    })
    expect(seen).toEqual([0, 1, 2, 3])
    expect([s.stop, s.bestEpoch, T.item(s.bestParams!)]).toEqual([true, 1, 1])
  })
  it('counts a NaN like any value that fails to improve (it used to wait one epoch longer)', () => {
    const stopsAfter = (values: number[]): number => {
      const es = Train.earlyStopping({ patience: 2 })
      let s = es.init<T.Tensor>()
      values.forEach((v, epoch) => (s = es.update(s, epoch, v, T.scalar(epoch))))
      return s.stop ? s.wait : -1
    }
    expect(stopsAfter([1, 2, 2])).toBe(2)
    expect(stopsAfter([1, Number.NaN, Number.NaN])).toBe(2)
    expect(stopsAfter([1, Number.NaN])).toBe(-1)
  })
  it('refuses bad settings', () => {
    expect(() => Train.earlyStopping({ patience: -1 })).toThrow(/patience/)
  })
})

describe('hyperparameter search', () => {
  const space = { lr: Train.logUniform(1e-4, 1), layers: Train.choice(1, 2, 3) }
  const score = (c: Train.Config) => (Math.log10(c['lr'] as number) + 2) ** 2 + ((c['layers'] as number) - 2) ** 2
  it('by grid: every combination, best first', () => {
    const trials = Train.search(space, score, { strategy: 'grid', gridPoints: 5 })
    expect(trials).toHaveLength(15)
    expect(trials[0]!.config['layers']).toBe(2)
    expect(trials[0]!.config['lr']).toBeCloseTo(0.01, 12)
    expect(Train.showTrials(trials.slice(0, 2)).split('\n')[0]).toMatch(/lr\s+layers\s+score/)
  })
  it('by random sampling, deterministic for a key', () => {
    const a = Train.search(space, score, { strategy: 'random', trials: 20, key: Rng.key(1) })
    const b = Train.search(space, score, { strategy: 'random', trials: 20, key: Rng.key(1) })
    expect(a).toEqual(b)
    expect(() => Train.search(space, score, { strategy: 'random' })).toThrow(/needs a key/)
  })
  it('by Bayesian optimisation, beating random search on the same budget', () => {
    const budget = 15
    const best = (strategy: 'random' | 'bayesian', seed: number) => Train.search(space, score, { strategy, trials: budget, key: Rng.key(seed) })[0]!.score
    const seeds = [1, 2, 3, 4, 5, 6]
    const bayes = seeds.map((s) => best('bayesian', s)).reduce((a, b) => a + b, 0)
    const random = seeds.map((s) => best('random', s)).reduce((a, b) => a + b, 0)
    expect(bayes).toBeLessThan(random)
  })
  it('refuses an evaluate that returns a Promise instead of scoring it, and points to a study', () => {
    const asyncScore = async (c: Train.Config) => score(c)
    expect(() => Train.search(space, asyncScore as never, { strategy: 'grid' })).toThrow(/returned a Promise.*study\.optimize/)
    expect(() => Train.search(space, (() => 'low') as never, { strategy: 'grid' })).toThrow(/returned the string "low".*as a number/)
  })
  it('keeps the best of several random restarts', () => {
    const { best, scores } = Train.restarts([Rng.key(1), Rng.key(2), Rng.key(3)], (k) => T.item(Rng.uniform(k, [])), (v) => v)
    expect(best).toBe(Math.min(...scores))
  })
})
