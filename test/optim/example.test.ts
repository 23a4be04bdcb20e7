import { describe, expect, it } from 'vitest'
import { Optim } from '../../src/index.js'
import { fit, loss, optimizers, results } from '../../examples/optim.js'

describe('examples/optim', () => {
  it('every optimizer of the example reaches the least-squares loss that L-BFGS finds', () => {
    const best = Optim.minimize(loss, { W: fit(Optim.identity(), 0).params.W, b: fit(Optim.identity(), 0).params.b }, { toleranceChange: 0 })
    expect(best.converged).toBe(true)
    for (const [name, value] of results()) {
      expect([name, value < 1.01 * best.value + 1e-4]).toEqual([name, true])
    }
    expect(optimizers.length).toBeGreaterThanOrEqual(6)
  })
})
