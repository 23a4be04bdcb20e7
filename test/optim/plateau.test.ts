/**
 * Reduce-on-plateau against PyTorch's ReduceLROnPlateau, written out here as the imperative
 * scheduler it documents (one learning rate, min_lr scaled), over random metric sequences; and
 * the plateau inside an optimizer chain.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { Optim, Tensor as T } from '../../src/index.js'

/** PyTorch's ReduceLROnPlateau.step, as its documentation states it, for a learning rate of 1. */
class TorchPlateau {
  lr = 1
  best: number
  numBadEpochs = 0
  cooldownCounter = 0
  constructor(
    readonly mode: 'min' | 'max',
    readonly factor: number,
    readonly patience: number,
    readonly threshold: number,
    readonly thresholdMode: 'rel' | 'abs',
    readonly cooldown: number,
    readonly minLr: number,
    readonly eps: number,
  ) {
    this.best = mode === 'min' ? Infinity : -Infinity
  }
  isBetter(a: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < this.best * (1 - this.threshold)
    if (this.mode === 'min') return a < this.best - this.threshold
    if (this.thresholdMode === 'rel') return a > this.best * (1 + this.threshold)
    return a > this.best + this.threshold
  }
  step(metric: number): void {
    if (this.isBetter(metric)) {
      this.best = metric
      this.numBadEpochs = 0
    } else this.numBadEpochs += 1
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1
      this.numBadEpochs = 0
    }
    if (this.numBadEpochs > this.patience) {
      const newLr = Math.max(this.lr * this.factor, this.minLr)
      if (this.lr - newLr > this.eps) this.lr = newLr
      this.cooldownCounter = this.cooldown
      this.numBadEpochs = 0
    }
  }
}

describe('reduceOnPlateau ≡ torch.optim.lr_scheduler.ReduceLROnPlateau', () => {
  test.prop(
    [
      fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { maxLength: 80 }),
      fc.constantFrom('min' as const, 'max' as const),
      fc.double({ min: 0, max: 0.9, noNaN: true }),
      fc.integer({ min: 0, max: 5 }),
      fc.constantFrom(0, 1e-4, 0.1),
      fc.constantFrom('rel' as const, 'abs' as const),
      fc.integer({ min: 0, max: 3 }),
      fc.constantFrom(0, 1e-3, 0.05),
    ],
    { numRuns: 300 },
  )('same scale, best and counters after every metric', (metrics, mode, factor, patience, threshold, thresholdMode, cooldown, minScale) => {
    const torch = new TorchPlateau(mode, factor, patience, threshold, thresholdMode, cooldown, minScale, 1e-8)
    const p = Optim.reduceOnPlateau({ mode, factor, patience, threshold, thresholdMode, cooldown, minScale })
    let s = p.init()
    for (const m of metrics) {
      torch.step(m)
      s = p.update(s, m)
      expect([s.scale, s.best, s.badSteps, s.cooldownCounter]).toEqual([torch.lr, torch.best, torch.numBadEpochs, torch.cooldownCounter])
    }
  })

  it('PyTorch’s documented example of patience: reduce after the third bad epoch with patience 2', () => {
    const p = Optim.reduceOnPlateau({ patience: 2, factor: 0.5 })
    const scales = [1, 1, 1, 1, 1].reduce<Optim.PlateauState[]>((acc, m) => [...acc, p.update(acc[acc.length - 1]!, m)], [p.init()]).map((s) => s.scale)
    expect(scales).toEqual([1, 1, 1, 1, 0.5, 0.5])
  })

  it('a NaN metric counts as no improvement', () => {
    const p = Optim.reduceOnPlateau({ patience: 0 })
    expect(p.update(p.update(p.init(), 1), Number.NaN).scale).toBeCloseTo(0.1, 15)
    expect(p.update(p.init(), Number.NaN).best).toBe(null)
  })

  it('the state is plain JSON (no Infinity for the best before the first metric)', () => {
    const s = Optim.reduceOnPlateau().init()
    expect(JSON.parse(JSON.stringify(s))).toEqual(s)
  })
})

describe('scaleByPlateau and observeMetric', () => {
  const params = { w: T.tensor([1], 'float64') }
  const g = { w: T.tensor([1], 'float64') }

  it('scales the chain’s updates by the plateau’s scale, reduced by observed metrics', () => {
    const tx = Optim.chain(Optim.sgd(0.1), Optim.scaleByPlateau({ patience: 1, factor: 0.5 }))
    let s = tx.init(params)
    const [u0] = tx.update(g, s, params)
    s = [3, 3, 3].reduce(Optim.observeMetric, s)
    const [u1] = tx.update(g, s, params)
    expect([T.item((u0 as typeof g).w), T.item((u1 as typeof g).w)]).toEqual([-0.1, -0.05])
    expect(s[1]).toMatchObject({ _tag: 'PlateauState', scale: 0.5, best: 3 })
  })

  it('finds plateaus nested in masked, applyIfFinite and chains, and leaves the rest untouched', () => {
    const tx = Optim.applyIfFinite(Optim.chain(Optim.adam(1e-3), Optim.masked(Optim.chain(Optim.scaleByPlateau({ patience: 0 })), () => true)), 2)
    const s0 = tx.init(params)
    const s1 = Optim.observeMetric(Optim.observeMetric(s0, 1), 2)
    expect(s1.inner[1].inner[0].scale).toBeCloseTo(0.1, 15)
    expect(s1.inner[0]).toBe(s0.inner[0])
    expect(s0.inner[1].inner[0].scale).toBe(1)
  })

  it('a state without plateaus comes back as the same object', () => {
    const s = Optim.adam(1e-3).init(params)
    expect(Optim.observeMetric(s, 1)).toBe(s)
  })
})
