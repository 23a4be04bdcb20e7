import { describe, expect, it } from 'vitest'
import { Study, Train } from '../../src/index.js'

const space = { x: Train.uniformParam(-2, 2), act: Train.choice('relu', 'tanh') }
const f = (c: Train.Config) => ((c['x'] as number) - 0.5) ** 2 + (c['act'] === 'tanh' ? 0 : 1)

describe('a study, ask and tell', () => {
  it('numbers trials in order, records values, intermediate values and failures', async () => {
    const study = await Study.open({ name: 's', space, sampler: Study.randomSampler({ seed: 1 }) })
    const a = await study.ask()
    const b = await study.ask()
    a.report(1, 3)
    a.report(2, 2)
    expect(() => a.report(2, 1)).toThrow(/already reported step 2/)
    expect((await study.tell(b, new Error('out of memory'))).reason).toBe('out of memory')
    const ra = await study.tell(a, 1.5)
    expect([ra.number, ra.state, ra.value, ra.intermediate]).toEqual([0, 'complete', 1.5, [[1, 3], [2, 2]]])
    await expect(study.tell(a, 1)).rejects.toThrow(/already been told/)
    expect((await study.trials()).map((t) => t.state)).toEqual(['complete', 'failed'])
    expect((await study.tell(await study.ask(), Number.NaN)).state).toBe('failed')
  })

  it('awaits async objectives, several at once, and finds a good point', async () => {
    const study = await Study.open({ name: 'b', space, sampler: Study.bayesianSampler({ seed: 0 }) })
    let running = 0
    let most = 0
    const records = await study.optimize(async (t) => {
      most = Math.max(most, ++running)
      await new Promise((r) => setTimeout(r, 2))
      running--
      return f(t.params)
    }, { trials: 20, workers: 3 })
    expect(records.map((r) => r.number)).toEqual([...Array(20).keys()])
    expect(records.every((r) => r.state === 'complete' && typeof r.value === 'number')).toBe(true)
    expect(most).toBe(3)
    expect((await study.best())!.value).toBeLessThan(0.2)
  })

  it('fails the trial and throws when the objective throws or returns no number', async () => {
    const study = await Study.open({ name: 'e', space, sampler: Study.randomSampler({ seed: 0 }) })
    await expect(study.optimize(() => { throw new Error('boom') }, { trials: 5 })).rejects.toThrow('boom')
    await expect(study.optimize((() => 'x') as never, { trials: 5 })).rejects.toThrow(/returned the string "x"/)
    expect((await study.trials()).map((t) => t.state)).toEqual(['failed', 'failed'])
  })

  it('a reopened study suggests what the unbroken one would have (same seed, same suggestions)', async () => {
    for (const sampler of [Study.randomSampler({ seed: 3 }), Study.bayesianSampler({ seed: 3 }), Study.gridSampler({ points: 4 })]) {
      const whole = await Study.open({ name: 'w', space, sampler })
      await whole.optimize((t) => f(t.params), { trials: 8 })
      const storage = Study.memoryStorage()
      const first = await Study.open({ name: 'r', space, sampler, storage })
      await first.optimize((t) => f(t.params), { trials: 5 })
      await first.close()
      const again = await Study.open({ name: 'r', storage }) // space and sampler from storage
      await again.optimize((t) => f(t.params), { trials: 3 })
      expect((await again.trials()).map((t) => t.params)).toEqual((await whole.trials()).map((t) => t.params))
    }
  })

  it('refuses to reopen a study with another space, direction or sampler', async () => {
    const storage = Study.memoryStorage()
    await Study.open({ name: 'r', space, sampler: Study.randomSampler({ seed: 3 }), storage })
    await expect(Study.open({ name: 'r', space, sampler: Study.randomSampler({ seed: 4 }), storage })).rejects.toThrow(/exists with sampler .*"seed":3/)
    await expect(Study.open({ name: 'r', direction: 'max', storage })).rejects.toThrow(/exists with direction "min"/)
    await expect(Study.open({ name: 'none', storage })).rejects.toThrow(/no study 'none'.*give its space and sampler/)
  })

  it('a grid study ends when the grid is used up', async () => {
    const study = await Study.open({ name: 'g', space, sampler: Study.gridSampler({ points: 2 }) })
    expect(await study.optimize((t) => f(t.params), { trials: 100, workers: 3 })).toHaveLength(4)
    await expect(study.ask()).rejects.toThrow(/the grid has 4 points and all have been asked for/)
  })
})

describe('pruners', () => {
  const curve = (final: number) => (step: number) => final + 1 / step
  it('the median rule prunes trials worse than the median at the same step', async () => {
    const study = await Study.open({ name: 'm', space, sampler: Study.randomSampler({ seed: 0 }), pruner: Study.medianPruner({ startupTrials: 2 }) })
    const pruned: number[] = []
    await study.optimize((t) => {
      const c = curve(t.number === 0 ? 0 : t.number === 1 ? 1 : t.number % 2 === 0 ? 5 : 0.1)
      for (let step = 1; step <= 5; step++) {
        t.report(step, c(step))
        if (t.shouldPrune()) {
          pruned.push(t.number)
          return t.prune()
        }
      }
      return c(5)
    }, { trials: 6 })
    expect(pruned).toEqual([2, 4])
    const rec = (await study.trials())[2]!
    expect([rec.state, rec.value, rec.intermediate.length]).toEqual(['pruned', 6, 1])
  })

  it('successive halving keeps about 1/η of the trials at each rung', async () => {
    const study = await Study.open({ name: 'h', space, sampler: Study.randomSampler({ seed: 0 }), pruner: Study.successiveHalving({ reductionFactor: 2 }) })
    const reached: number[] = []
    // trial n's curve is n-th in a fixed shuffled order of qualities, so rungs see mixed arrivals
    const quality = [5, 2, 7, 0, 3, 6, 1, 4]
    await study.optimize((t) => {
      const c = curve(quality[t.number]!)
      let step = 1
      for (; step <= 8; step++) {
        t.report(step, c(step))
        if (t.shouldPrune()) return t.prune()
      }
      reached.push(t.number)
      return c(8)
    }, { trials: 8 })
    const states = (await study.trials()).map((t) => t.state)
    expect(states.filter((s) => s === 'pruned').length).toBeGreaterThanOrEqual(4)
    expect(reached).toContain(3) // the best trial (quality 0) is never pruned
  })

  it('successive halving judges a trial only at its first report at or past a rung (steps 1, 3, 9 with η = 3)', () => {
    const asha = Study.successiveHalving() // minResource 1, η 3
    const other = (v: number): Study.TrialRecord => ({ number: 0, state: 'complete', params: {}, value: v, intermediate: Array.from({ length: 9 }, (_, i) => [i + 1, v] as const) })
    const others = [other(1), other(2), other(3), other(4), other(5)] // with the trial, 6 values at each rung: the best 2 go on
    const own = (values: number[]) => values.map((v, i) => [i + 1, v] as const)
    expect(asha.prune(own([2.5]), others, 'min')).toBe(true) // rung 0 (step 1): third of 6
    expect(asha.prune(own([1.5]), others, 'min')).toBe(false) // second of 6
    expect(asha.prune(own([1.5, 9]), others, 'min')).toBe(false) // step 2 is not a rung
    expect(asha.prune(own([1.5, 9, 9]), others, 'min')).toBe(true) // rung 1 (step 3)
    expect(asha.prune(own([1.5, 9, 0.5, 9, 9, 9, 9, 9]), others, 'min')).toBe(false) // between rungs 1 and 2
    expect(asha.prune([[1, 1.5], [10, 9]], others, 'min')).toBe(true) // first report past rung 2 (step 9), worst
    expect(asha.prune(own([1.5]), others, 'max')).toBe(true) // for 'max', 1.5 is fifth of 6
    expect(() => Study.successiveHalving({ reductionFactor: 1 })).toThrow(/reductionFactor must be a whole number ≥ 2/)
  })
})
