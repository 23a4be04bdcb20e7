/**
 * Every primitive's rules, checked on their own: a probe per primitive (`probes.ts`),
 * gradient-checked at random points in float64, with forward mode compared to reverse mode.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { Ad, Tensor as T } from '../src/index.js'
import { type Probe, inputsFor, probes } from './probes.js'

describe('every primitive passes gradCheck and forward = reverse', () => {
  for (const [name, probe] of Object.entries(probes) as Array<[string, Probe]>) {
    test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 8 })(name, (seed) => {
      const xs = inputsFor(probe, seed)
      // a fixed weighting turns the output into one number
      const loss = (ps: T.Tensor[]) => {
        const y = probe.f(...ps)
        return T.sum(T.mul(y, T.reshape(T.linspace(0.5, 1.5, y.size, 'float64'), y.shape)))
      }
      const report = Ad.gradCheck(loss, xs, probe.eps === undefined ? {} : { eps: probe.eps, kinks: 'skip' })
      expect(report.verdict, `${name}: ${Ad.showGradCheck(report)}`).toBe('ok')
      expect(report.forwardVsReverse, name).toBeLessThan(probe.modesAgreeTo ?? 1e-9)
    })
  }
  it('stopGradient passes nothing back (where finite differences see the value change)', () => {
    const x = T.tensor([1, -2, 3], 'float64')
    expect(T.toArray(Ad.grad((z: T.Tensor) => T.sum(T.mul(Ad.stopGradient(z), z)))(x))).toEqual([1, -2, 3])
    expect(T.toArray(Ad.jvp((z: T.Tensor) => Ad.stopGradient(T.square(z)), [x], [T.onesLike(x)])[1])).toEqual([0, 0, 0])
  })
})
