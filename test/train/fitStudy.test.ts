// fit and a study's trial: dev metrics reported after each epoch, pruning stops the run; and
// reduce-on-plateau states in the optimizer are fed the same dev metric.
import { describe, expect, it } from 'vitest'
import { Data, Loss, Net, Optim, Rng, Study, Tensor as T, Train } from '../../src/index.js'

const train = Data.dataset(T.tensor([[1], [2], [3], [4]]), T.tensor([[2], [4], [6], [8]]))
const dev = Data.dataset(T.tensor([[5], [6]]), T.tensor([[10], [12]]))
const trainerWith = (optimizer: Optim.GradientTransformation<unknown>) => ({ network: Net.dense(1), optimizer, loss: Loss.meanSquaredError })

describe('fit with a trial', () => {
  it('reports the dev loss at steps 1, 2, … and stops (done, reason pruned) when the trial should be pruned', () => {
    const reports: Array<readonly [number, number]> = []
    const trial = { report: (step: number, value: number) => reports.push([step, value]), shouldPrune: () => reports.length >= 2 }
    const trainer = trainerWith(Optim.sgd(0.01))
    let end: Train.FitEvent | undefined
    const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, { epochs: 5, batchSize: 2, dev, trial }, (e) => (end = e))
    expect(reports.map(([step]) => step)).toEqual([1, 2])
    expect(reports.map(([, v]) => v)).toEqual(s.history.map((r) => r.dev!.loss))
    expect([s.history.length, s.done, end?.type === 'end' && end.reason]).toEqual([2, true, 'pruned'])
    expect(() => Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, { epochs: 1, batchSize: 2, trial })).toThrow(/needs a dev set/)
  })

  it('fitStream feeds its trial and reduce-on-plateau states the same way (one loop serves both)', async () => {
    const reports: Array<readonly [number, number]> = []
    const trial = { report: (step: number, value: number) => reports.push([step, value]), shouldPrune: () => reports.length >= 2 }
    const trainer = trainerWith(Optim.chain(Optim.sgd(0), Optim.scaleByPlateau({ patience: 0, factor: 0.5 })))
    const p = Data.pipeline(Data.fromDataset(train), [Data.batch(2)])
    let end: Train.FitEvent | undefined
    const s = await Train.fitStream(trainer, Train.initFit(trainer, Rng.key(0), [1]), p, { epochs: 5, dev, trial }, (e) => (end = e))
    expect(reports.map(([step]) => step)).toEqual([1, 2])
    expect([s.history.length, s.done, end?.type === 'end' && end.reason]).toEqual([2, true, 'pruned'])
    expect((s.train.optState as unknown as [unknown, Optim.PlateauState])[1].scale).toBe(0.5) // the second epoch did not improve
    await expect(Train.fitStream(trainer, Train.initFit(trainer, Rng.key(0), [1]), p, { epochs: 1, trial })).rejects.toThrow(/needs a dev set/)
  })

  it('lets a study prune a hopeless learning rate from its epoch dev losses', async () => {
    const study = await Study.open({ name: 'lr', space: { lr: Train.choice(0.01, 1e-6) }, sampler: Study.gridSampler(), pruner: Study.medianPruner({ startupTrials: 1 }) })
    await study.optimize((t) => {
      const trainer = trainerWith(Optim.sgd(t.params['lr'] as number))
      const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, { epochs: 4, batchSize: 2, dev, trial: t })
      return t.shouldPrune() ? t.prune() : s.history.at(-1)!.dev!.loss
    }, { trials: 2 })
    const [good, bad] = await study.trials()
    expect([good!.state, good!.intermediate.length, bad!.state, bad!.intermediate.length]).toEqual(['complete', 4, 'pruned', 1])
  })
})

describe('fit feeds reduce-on-plateau', () => {
  it('observes the dev loss after each epoch, so the scale falls when it stalls', () => {
    const trainer = trainerWith(Optim.chain(Optim.sgd(0), Optim.scaleByPlateau({ patience: 0, factor: 0.5 }))) // lr 0: the dev loss never improves
    const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, { epochs: 3, batchSize: 4, dev })
    const plateau = (s.train.optState as unknown as [unknown, Optim.PlateauState])[1]
    expect(plateau.best).toBe(s.history[0]!.dev!.loss)
    expect(plateau.scale).toBe(0.25) // two epochs without improvement, patience 0
  })

  it('observes the dev accuracy when monitor is devAccuracy', () => {
    const trainer = { network: Net.dense(2), optimizer: Optim.chain(Optim.sgd(0.1), Optim.scaleByPlateau({ mode: 'max' })), loss: Loss.softmaxCrossEntropy }
    const x = Data.dataset(T.tensor([[1], [-1]]), T.tensor([1, 0], 'int32'))
    const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), x, { epochs: 1, batchSize: 2, dev: x, monitor: 'devAccuracy' })
    expect((s.train.optState as unknown as [unknown, Optim.PlateauState])[1].best).toBe(s.history[0]!.dev!.accuracy)
  })
})
