import { describe, expect, it } from 'vitest'
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { caught } from '../util.js'

const trainer = { network: Net.serial(Net.dense(4), Net.relu, Net.dense(1)), optimizer: Optim.sgd(0.05, { momentum: 0.9 }), loss: Loss.meanSquaredError }
const batch = Data.dataset(T.tensor([[1, 0], [0, 1], [1, 1]]), T.tensor([[1], [2], [3]]))
const keys = Rng.split(Rng.key(4), 3)

describe('ensembles', () => {
  it('each member steps exactly as trainStep steps it alone, the optimizer state included', () => {
    const step = Train.ensembleStep(trainer)
    const e = step(step(Train.initEnsemble(trainer, keys, [2]), batch), batch)
    keys.forEach((k, i) => {
      const s = Train.trainStep(trainer)
      const alone = s(s(Train.initTrainState(trainer, k, [2]), batch), batch)
      const m = Train.member(e, i)
      expect(m.loss).toBe(alone.loss)
      const pairs = (a: unknown, b: unknown) => Tree.leaves(a as Tree.Tree).map((l, j) => [l.value, Tree.leaves(b as Tree.Tree)[j]!.value] as const)
      for (const [a, b] of [...pairs(m.params, alone.params), ...pairs((m.optState as unknown as Array<{ trace: unknown }>)[1]!.trace, (alone.optState as unknown as Array<{ trace: unknown }>)[1]!.trace)]) expect(T.equals(a, b)).toBe(true)
    })
    expect(e.step).toBe(2)
  })
  it('refuses a guard, what is not an ensemble, keys that are not keys and a member out of range', () => {
    expect(caught(() => Train.ensembleStep({ ...trainer, guard: 'ops' })).detail).toContain('leave it out')
    expect(caught(() => Train.ensembleStep(trainer)(Train.initTrainState(trainer, keys[0]!, [2]) as never, batch)).detail).toContain('not an EnsembleState')
    expect(caught(() => Train.initEnsemble(trainer, [], [2])).code).toBe('INVALID_KEY')
    const e = Train.initEnsemble(trainer, keys, [2])
    expect(caught(() => Train.member(e, 3)).code).toBe('INDEX_OUT_OF_RANGE')
  })
})
