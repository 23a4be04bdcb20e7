// fitAsync runs the same fold as fit, with every read of the device answered asynchronously and the
// next step queued before a step's loss is awaited: on the CPU its events and final state must be
// fit's, bit for bit, wherever the run ends (its epochs, early stopping, a divergence, the guard).
import { describe, expect, it } from 'vitest'
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train, type Tree } from '../../src/index.js'

const circle = (key: Rng.Key, n: number) => {
  const x = Rng.uniform(key, [n, 2], { min: -1, max: 1 })
  return Data.dataset(x, T.cast(T.less(T.sum(T.square(x), 1), 0.5), 'int32'))
}
const [train, dev] = [circle(Rng.key(1), 200), circle(Rng.key(2), 64)]
const network = Net.serial(Net.dense(12, { init: 'heNormal' }), Net.relu, Net.dropout(0.9), Net.dense(2))
const trainer = { network, optimizer: Optim.adam(0.02), loss: Loss.softmaxCrossEntropy, penalty: (p: Tree.Tree) => Loss.l2(p, 1e-4) }

/** An event as a comparable value: its fields, with the state encoded (every tensor's bits). */
const show = (e: Train.FitEvent<unknown>): unknown => ({ ...e, state: Train.encodeFit(e.state) })

const line = Data.dataset(T.reshape(T.linspace(-2, 2, 40), [40, 1]), T.reshape(T.linspace(-4, 4, 40), [40, 1])) // y = 2x

const both = async (t: Train.Trainer<unknown>, start: Train.FitState<unknown>, opts: Train.FitOptions, data = train): Promise<[unknown[], unknown[]]> => {
  const sync: unknown[] = []
  const end = Train.fit(t, start, data, opts, (e) => sync.push(show(e)))
  sync.push(Train.encodeFit(end))
  const async: unknown[] = []
  const run = Train.fitAsync(t, start, data, opts, 3)
  let r = await run.next()
  for (; r.done !== true; r = await run.next()) async.push(show(r.value))
  async.push(Train.encodeFit(r.value))
  return [async, sync]
}

describe('fitAsync', () => {
  it('gives fit’s events and final state bit for bit: a run with a dev set and early stopping', async () => {
    const t = trainer as Train.Trainer<unknown>
    const [a, s] = await both(t, Train.initFit(t, Rng.key(0), [2]), { epochs: 4, batchSize: 32, dev, earlyStopping: Train.earlyStopping({ patience: 1 }) })
    expect(a.length).toBeGreaterThan(10)
    expect(a).toEqual(s)
  })
  it('resumes mid-epoch alike, with the running training loss', async () => {
    const t = trainer as Train.Trainer<unknown>
    const opts = { epochs: 2, batchSize: 48, evaluateTrain: false }
    const mid = [...Train.fitEvents(t, Train.initFit(t, Rng.key(4), [2]), train, opts)][2]!.state
    const [a, s] = await both(t, mid, opts)
    expect(a).toEqual(s)
  })
  it('stops a diverging run at the same step, keeping the same state (the step queued ahead is dropped)', async () => {
    const wild = { network: Net.dense(1), optimizer: Optim.sgd(1e6), loss: Loss.meanSquaredError } as Train.Trainer<unknown>
    const [a, s] = await both(wild, Train.initFit(wild, Rng.key(0), [1]), { epochs: 20, batchSize: 8 }, line)
    const end = a.at(-2) as { type: string; reason: string; divergence: { step: number; kept: number } }
    expect([end.type, end.reason]).toEqual(['end', 'diverged'])
    expect(end.divergence.step).toBeGreaterThan(end.divergence.kept)
    expect(a).toEqual(s)
  })
  it('stops alike when the ops guard refuses a step (a step taken ahead that throws is raised when reached)', async () => {
    const guarded = { network: Net.dense(1), optimizer: Optim.sgd(1e6), loss: Loss.meanSquaredError, guard: 'ops' as const } as Train.Trainer<unknown>
    const [a, s] = await both(guarded, Train.initFit(guarded, Rng.key(0), [1]), { epochs: 20, batchSize: 8 }, line)
    expect((a.at(-2) as { reason: string }).reason).toBe('diverged')
    expect(a).toEqual(s)
  })
})
