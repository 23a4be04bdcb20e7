import { describe, expect, it } from 'vitest'
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { caught, right } from '../util.js'

// a small two-class problem: points inside or outside a circle
const circle = (key: Rng.Key, n: number) => {
  const x = Rng.uniform(key, [n, 2], { min: -1, max: 1 })
  const r = T.sum(T.square(x), 1)
  return Data.dataset(x, T.cast(T.less(r, 0.5), 'int32'))
}
const [train, dev] = [circle(Rng.key(1), 256), circle(Rng.key(2), 128)]
const network = Net.serial(Net.dense(16, { init: 'heNormal' }), Net.relu, Net.dropout(0.9), Net.dense(2))
const trainer = { network, optimizer: Optim.adam(0.02), loss: Loss.softmaxCrossEntropy, penalty: (p: Tree.Tree) => Loss.l2(p, 1e-4) }
const opts = { epochs: 6, batchSize: 32, dev }

describe('fit', () => {
  it('learns, reports events, and diagnoses the run', () => {
    const events: string[] = []
    const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [2]), train, opts, (e) => events.push(e.type))
    expect(s.done).toBe(false) // it ran its epochs; it did not stop early
    expect(s.train.step).toBe(6 * 8)
    expect(s.history).toHaveLength(6)
    expect(s.history.at(-1)!.dev!.accuracy).toBeGreaterThan(0.85)
    expect(events.filter((e) => e === 'batch')).toHaveLength(48)
    expect(events.filter((e) => e === 'epoch')).toHaveLength(6)
    expect(events.at(-1)).toBe('end')
    expect(Train.diagnoseFit(s)?.advice).toMatch(/variance|bias/)
  })
  it('gives the same parameters for the same seed, bit for bit', () => {
    const a = Train.fit(trainer, Train.initFit(trainer, Rng.key(3), [2]), train, { ...opts, epochs: 2 })
    const b = Train.fit(trainer, Train.initFit(trainer, Rng.key(3), [2]), train, { ...opts, epochs: 2 })
    expect(Tree.leaves(a.train.params).every((l, i) => T.equals(l.value, Tree.leaves(b.train.params)[i]!.value))).toBe(true)
  })
  it('continues a finished run when asked for more epochs, as if it had not stopped', () => {
    const start = Train.initFit(trainer, Rng.key(5), [2])
    const two = Train.fit(trainer, start, train, { ...opts, epochs: 2 })
    const more = Train.fit(trainer, two, train, { ...opts, epochs: 3 })
    expect(more.history.map((h) => h.epoch)).toEqual([0, 1, 2])
    expect(Train.encodeFit(more)).toBe(Train.encodeFit(Train.fit(trainer, start, train, { ...opts, epochs: 3 })))
  })
  it('resumes from the state of any event, the last batch of an epoch included', () => {
    const start = Train.initFit(trainer, Rng.key(6), [2])
    const o = { ...opts, epochs: 2, evaluateTrain: false }
    const events = [...Train.fitEvents(trainer, start, train, o)]
    const straight = Train.encodeFit(events.at(-1)!.state)
    for (const e of events) expect(Train.encodeFit(Train.fit(trainer, right(Train.decodeFit(Train.encodeFit(e.state))), train, o))).toBe(straight)
  })
  it('refuses a state meant for another model or optimizer, naming what differs', () => {
    const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(7), [2]), train, { ...opts, epochs: 1 })
    const wider = { ...trainer, network: Net.serial(Net.dense(32), Net.relu, Net.dense(2)) }
    expect(() => Train.fit(wider, s, train, opts)).toThrow(/parameters.*'layers\.0\.W'|'0\.W'/)
    const momentum = { ...trainer, optimizer: Optim.sgd(0.1, { momentum: 0.9 }) as Optim.GradientTransformation<unknown> }
    expect(() => Train.fit(momentum, s as Train.FitState<unknown>, train, opts)).toThrow(/does not fit this optimizer/)
    expect(() => Train.fit(trainer, s, train, { ...opts, batchSize: 1000 })).not.toThrow() // at an epoch boundary any batch size resumes
  })
  it('refuses damaged files with INVALID_VALUE, naming the field', () => {
    const text = Train.encodeFit(Train.initFit(trainer, Rng.key(8), [2]))
    const damaged = JSON.stringify({ ...JSON.parse(text), batch: -1 })
    expect(caught(() => Train.decodeFit(damaged)).message).toMatch(/batch should be a whole number/)
    expect(caught(() => Train.decodeFit(text.slice(0, 50))).message).toMatch(/not JSON/)
    expect(caught(() => Train.decodeFit(42 as unknown as string)).message).toMatch(/encodeFit wrote/)
  })
  it('keeps non-finite numbers through a save (JSON would turn them into null)', () => {
    const s = Train.initFit(trainer, Rng.key(9), [2])
    const odd = { ...s, epochLoss: Number.NaN, stopping: { ...Train.earlyStopping().init(), best: Infinity }, train: { ...s.train, loss: -Infinity } }
    const back = right(Train.decodeFit(Train.encodeFit(odd)))
    expect([back.epochLoss, back.stopping?.best, back.train.loss]).toEqual([Number.NaN, Infinity, -Infinity])
  })
  it('resumes from a saved state (even mid-epoch) with the same result as an unbroken run', () => {
    const start = Train.initFit(trainer, Rng.key(4), [2])
    const unbroken = Train.fit(trainer, start, train, { ...opts, epochs: 3 })
    // stop after 13 steps (inside epoch 1), save the state as text, load it, go on
    let saved = ''
    for (const e of Train.fitEvents(trainer, start, train, { ...opts, epochs: 3 })) {
      if (e.type === 'batch' && e.step === 13) {
        saved = Train.encodeFit(e.state)
        break
      }
    }
    const resumed = Train.fit(trainer, right(Train.decodeFit(saved)), train, { ...opts, epochs: 3 })
    expect(resumed.train.step).toBe(unbroken.train.step)
    expect(Tree.leaves(resumed.train.params).every((l, i) => T.equals(l.value, Tree.leaves(unbroken.train.params)[i]!.value))).toBe(true)
    expect(JSON.stringify(resumed.train.optState)).toBe(JSON.stringify(unbroken.train.optState))
    expect(resumed.history.map((h) => h.dev?.loss)).toEqual(unbroken.history.map((h) => h.dev?.loss))
  })
  it('never changes what it is given', () => {
    const start = Train.initFit(trainer, Rng.key(5), [2])
    const before = Train.encodeFit(start)
    const xBefore = T.toArray(train.x)
    Train.fit(trainer, start, train, { ...opts, epochs: 1 })
    expect(Train.encodeFit(start)).toBe(before)
    expect(T.toArray(train.x)).toEqual(xBefore)
  })
  it('stops early, restoring the best parameters', () => {
    const overfit = { ...trainer, optimizer: Optim.sgd(3) }
    const es = Train.earlyStopping({ patience: 1 })
    const s = Train.fit(overfit, Train.initFit(overfit, Rng.key(6), [2]), train, { ...opts, epochs: 30, earlyStopping: es })
    expect(s.stopping?.stop).toBe(true)
    expect(s.history.length).toBeLessThan(30)
    expect(s.train.params).toBe(s.stopping?.bestParams)
  })
})

describe('the sanity check of note 003: a small batch is driven to near-zero loss', () => {
  it('memorises 8 random examples', () => {
    const tiny = Data.dataset(Rng.normal(Rng.key(7), [8, 5]), Rng.integers(Rng.key(8), [8], 0, 3))
    const t = { network: Net.serial(Net.dense(32, { init: 'heNormal' }), Net.relu, Net.dense(3)), optimizer: Optim.adam(0.05), loss: Loss.softmaxCrossEntropy }
    const s = Train.fit(t, Train.initFit(t, Rng.key(9), [5]), tiny, { epochs: 200, batchSize: 8 })
    expect(s.history.at(-1)!.train.loss).toBeLessThan(1e-3)
    expect(s.history.at(-1)!.train.accuracy).toBe(1)
  })
})
