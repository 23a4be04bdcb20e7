/**
 * Reliability of training (src/train): a diverging run never hands back non-finite parameters,
 * early stopping restores the model state with the parameters, misspelt options and modes are
 * refused, and the states given to users are frozen.
 */
import { describe, expect, it } from 'vitest'
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { caught, right } from '../util.js'

const allFinite = (t: Tree.Tree): boolean => Tree.leaves(t).every((l) => T.toArray(l.value).every(Number.isFinite))
const sameTree = (a: Tree.Tree, b: Tree.Tree): boolean => {
  const [la, lb] = [Tree.leaves(a), Tree.leaves(b)]
  return la.length === lb.length && la.every((l, i) => l.path === lb[i]!.path && Object.is(JSON.stringify(T.toArray(l.value)), JSON.stringify(T.toArray(lb[i]!.value))))
}

/** The run's events and its end event. */
const run = <O>(trainer: Train.Trainer<O>, start: Train.FitState<O>, data: Data.Dataset, opts: Train.FitOptions) => {
  const events: Train.FitEvent<O>[] = []
  const state = Train.fit(trainer, start, data, opts, (e) => events.push(e))
  const end = events.at(-1)!
  if (end.type !== 'end') throw new Error('the last event is not the end')
  return { state, events, end }
}

const regression = Data.dataset(Rng.normal(Rng.key(1), [32, 4]), Rng.normal(Rng.key(2), [32, 1], { std: 100 }))

describe('fit on a diverging run, the numeric guard off', () => {
  it('stops at the first non-finite loss and returns the last state whose parameters are finite, with a report', () => {
    const trainer = { network: Net.serial(Net.dense(8), Net.relu, Net.dense(1)), optimizer: Optim.sgd(1e6), loss: Loss.meanSquaredError }
    const start = Train.initFit(trainer, Rng.key(3), [4])
    const { state, events, end } = run(trainer, start, regression, { epochs: 50, batchSize: 8 })
    expect(end.reason).toBe('diverged')
    expect(state.done).toBe(true)
    expect(allFinite(state.train.params)).toBe(true)
    const d = end.divergence!
    expect(d).toBeDefined()
    expect(Number.isFinite(d.loss!)).toBe(false)
    expect(d.issue.path).toBe('loss')
    expect(end.issue).toBe(d.issue)
    expect(d.kept).toBe(state.train.step)
    expect(d.step).toBeGreaterThan(d.kept)
    // the report names the step, the epoch and the loss, and says what to try
    expect(d.message).toMatch(new RegExp(`epoch ${d.epoch + 1}, batch ${d.batch + 1} \\(the loss of step ${d.step} is (NaN|-?Infinity)\\)`))
    expect(d.message).toMatch(/Lower the learning rate/)
    // no event carries the diverged step
    expect(events.some((e) => e.type === 'batch' && !Number.isFinite(e.loss))).toBe(false)
    // the state returned is one the run passed through (or the start)
    const seen = [start, ...events.map((e) => e.state)]
    expect(seen.some((s) => s.train.step === state.train.step && sameTree(s.train.params, state.train.params))).toBe(true)
  })

  it('catches parameters that went non-finite while the loss stayed finite, once per epoch', () => {
    // an optimizer that writes NaN into row 9 of the embedding table: no example looks that row
    // up, so every loss stays finite while the parameters are not
    const network = Net.serial(Net.embedding(10, 2), Net.flatten, Net.dense(1))
    const sgd = Optim.sgd(0.1)
    const poison = T.tensor(Array.from({ length: 10 }, (_, i) => (i === 9 ? [Number.NaN, Number.NaN] : [0, 0])))
    const optimizer: Optim.GradientTransformation<unknown> = {
      init: (p) => sgd.init(p),
      update: (g, s, p) => {
        const [u, next] = sgd.update(g, s as never, p)
        return [Tree.map(u, (t, path) => (path === '0.W' ? T.add(t, poison) : t)) as typeof g, next]
      },
    }
    const trainer = { network, optimizer, loss: Loss.meanSquaredError }
    const data = Data.dataset(T.tensor([[0], [1], [2], [3]], 'int32'), T.tensor([[1], [2], [3], [4]]))
    const start = Train.initFit(trainer, Rng.key(0), [1])
    const { state, events, end } = run(trainer, start, data, { epochs: 3, batchSize: 2 })
    expect(events.filter((e) => e.type === 'batch').every((e) => e.type === 'batch' && Number.isFinite(e.loss))).toBe(true)
    expect(end.reason).toBe('diverged')
    expect(end.divergence?.issue.path).toBe('params.0.W')
    expect(allFinite(state.train.params)).toBe(true)
    expect(state.train.step).toBe(0) // every step wrote NaN: only the start is good
    expect(events.some((e) => e.type === 'epoch')).toBe(false) // the NaN model was never evaluated
  })

  it('refuses to continue from non-finite parameters', () => {
    const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.1), loss: Loss.meanSquaredError }
    const s = Train.initFit(trainer, Rng.key(0), [4])
    const bad = { ...s, train: { ...s.train, params: Tree.map(s.train.params, (t) => T.fullLike(t, Number.NaN)) } }
    const e = caught(() => Train.fit(trainer, bad, regression, { epochs: 1, batchSize: 8 }))
    expect(e.code).toBe('INVALID_VALUE')
    expect(e.message).toMatch(/start state's parameters are not finite.*'params\.W'/)
    // asked not to stop, it goes on whatever the numbers
    expect(() => Train.fit(trainer, bad, regression, { epochs: 1, batchSize: 8, stopOnDivergence: false })).not.toThrow()
  })
})

describe('early stopping', () => {
  it('restores the batch-norm statistics of the best epoch with its parameters', () => {
    const circle = (key: Rng.Key, n: number) => {
      const x = Rng.uniform(key, [n, 2], { min: -1, max: 1 })
      return Data.dataset(x, T.cast(T.less(T.sum(T.square(x), 1), 0.5), 'int32'))
    }
    const [train, dev] = [circle(Rng.key(1), 64), circle(Rng.key(2), 64)]
    const network = Net.serial(Net.dense(32, { init: 'heNormal' }), Net.batchNorm(), Net.relu, Net.dense(2))
    const trainer = { network, optimizer: Optim.sgd(2), loss: Loss.softmaxCrossEntropy }
    const { state, events } = run(trainer, Train.initFit(trainer, Rng.key(6), [2]), train, { epochs: 40, batchSize: 16, dev, earlyStopping: Train.earlyStopping({ patience: 2 }) })
    expect(state.stopping?.stop).toBe(true)
    const best = state.stopping!.bestEpoch
    expect(best).toBeLessThan(state.history.length - 1)
    const atBest = events.find((e) => e.type === 'epoch' && e.record.epoch === best)!.state
    expect(sameTree(state.train.params, atBest.train.params)).toBe(true)
    expect(Tree.leaves(state.train.modelState).length).toBeGreaterThan(0)
    expect(sameTree(state.train.modelState, atBest.train.modelState)).toBe(true)
    // so the returned model scores the best dev loss seen
    const scored = Train.evaluate(network, { params: state.train.params, state: state.train.modelState }, dev, trainer.loss)
    expect(scored.loss).toBe(state.stopping!.best)
    // and a saved run keeps them
    expect(Train.encodeFit(right(Train.decodeFit(Train.encodeFit(state)))) === Train.encodeFit(state)).toBe(true)
  })
})

describe('training options', () => {
  const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.1), loss: Loss.meanSquaredError }
  const start = Train.initFit(trainer, Rng.key(0), [4])
  const refused = (f: () => unknown, ...words: string[]) => {
    const e = caught(f)
    expect(e.code).toBe('INVALID_ARGUMENT')
    for (const w of words) expect(e.message).toContain(w)
  }
  it('refuses unknown keys of fit options, naming the key and the accepted ones', () => {
    refused(() => Train.fit(trainer, start, regression, { epochs: 1, batchSize: 8, stopOnDivergance: false } as Train.FitOptions), '"stopOnDivergance"', '"stopOnDivergence"', '"epochs"')
    refused(() => [...Train.fitEvents(trainer, start, regression, { epochs: 1, batchSize: 8, earlystopping: Train.earlyStopping() } as Train.FitOptions)], '"earlystopping"')
    refused(() => Train.fit(trainer, start, regression, { epochs: 1, batchSize: 8, evaluateTrain: 'no' as unknown as boolean }), 'evaluateTrain')
    refused(() => Train.fit(trainer, start, regression, { epochs: 1, batchSize: 8, earlyStopping: { patience: 2 } as unknown as Train.EarlyStopping }), 'Train.earlyStopping')
  })
  it('refuses unknown trainer keys and guard modes in trainStep, initFit and fit', () => {
    const s = Train.initTrainState(trainer, Rng.key(0), [4])
    refused(() => Train.trainStep({ ...trainer, guard: 'opps' } as unknown as Train.Trainer)(s, regression), '"opps"', "'off', 'boundary', 'ops'")
    refused(() => Train.trainStep({ ...trainer, gaurd: 'ops' } as unknown as Train.Trainer), '"gaurd"', '"guard"')
    refused(() => Train.initFit({ ...trainer, guard: true } as unknown as Train.Trainer, Rng.key(0), [4]), 'guard')
    refused(() => Train.fit({ ...trainer, penalti: () => T.scalar(0) } as unknown as Train.Trainer, start, regression, { epochs: 1, batchSize: 8 }), '"penalti"')
  })
  it('refuses unknown keys, monitors and modes of early stopping', () => {
    refused(() => Train.earlyStopping({ monitor: 'devAcc' } as unknown as Train.EarlyStoppingOptions), '"devAcc"', "'devLoss' or 'devAccuracy'")
    refused(() => Train.earlyStopping({ patiance: 2 } as Train.EarlyStoppingOptions), '"patiance"', '"patience"')
    refused(() => Train.earlyStopping({ mode: 'maximum' } as unknown as Train.EarlyStoppingOptions), '"maximum"')
  })
  it('refuses unknown keys and modes of search, restarts, diagnose, evaluate and the reports', () => {
    const space = { lr: Train.choice(1, 2) }
    refused(() => Train.search(space, () => 0, { strategy: 'grid', mode: 'maximum' } as unknown as Train.SearchOptions), '"maximum"', "'min'", "'max'")
    refused(() => Train.search(space, () => 0, { strategy: 'grid', gridpoints: 5 } as Train.SearchOptions), '"gridpoints"', '"gridPoints"')
    refused(() => Train.search(space, () => 0, { strategy: 'grid', gridPoints: 0 }), 'gridPoints')
    refused(() => Train.restarts([Rng.key(0)], () => 1, (r) => r, 'best' as 'min'), '"best"')
    refused(() => Train.diagnose(0.1, 0.2, { bayes: 0.05 } as Train.DiagnoseOptions), '"bayes"', '"bayesError"')
    refused(() => Train.diagnoseFit(start, { tolerence: 0.1 } as { tolerance?: number }), '"tolerence"')
    refused(() => Train.textChart([{ name: 'a', values: [1, 2] }], { heigth: 4 } as { height?: number }), '"heigth"')
    refused(() => Train.htmlReport({ title: 't', history: [], results: [], note: [] } as unknown as Train.ReportData), '"note"')
    const vars = Net.init(trainer.network, { key: Rng.key(0), inShape: [4] })
    refused(() => Train.evaluate(trainer.network, vars, regression, trainer.loss, 0), 'batchSize')
  })
})

describe('the states handed to users are frozen', () => {
  it('TrainState, FitState, their history, records and early-stopping state', () => {
    const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.01), loss: Loss.meanSquaredError }
    const dev = Data.dataset(Rng.normal(Rng.key(5), [8, 4]), Rng.normal(Rng.key(6), [8, 1]))
    const s0 = Train.initTrainState(trainer, Rng.key(0), [4])
    const s1 = Train.trainStep(trainer)(s0, regression)
    const start = Train.initFit(trainer, Rng.key(0), [4])
    const { state, events } = run(trainer, start, regression, { epochs: 2, batchSize: 16, dev, earlyStopping: Train.earlyStopping() })
    const decoded = right(Train.decodeFit(Train.encodeFit(state)))
    for (const s of [s0, s1, start.train, state.train, decoded.train]) expect(Object.isFrozen(s)).toBe(true)
    for (const f of [start, state, decoded, ...events.map((e) => e.state)]) {
      expect(Object.isFrozen(f)).toBe(true)
      expect(Object.isFrozen(f.history)).toBe(true)
      for (const r of f.history) expect([r, r.train, r.dev].every((x) => Object.isFrozen(x))).toBe(true)
      if (f.stopping !== undefined) expect(Object.isFrozen(f.stopping)).toBe(true)
    }
    expect(state.stopping).toBeDefined()
    expect(() => {
      ;(state as { done: boolean }).done = true
    }).toThrow(TypeError)
  })
})
