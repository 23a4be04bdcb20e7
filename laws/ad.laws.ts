import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Tensor as T } from '../src/index.js'
import * as L from './ad.js'
import * as P from './arb/program.js'
import { allclose } from './Equiv.js'

/** A program reduced to one number by a fixed weighting. */
const scalarOf =
  (p: P.Program) =>
  (x: T.Tensor): T.Tensor =>
    T.sum(T.mul(P.run(p, x), T.reshape(T.linspace(-1, 1, 12, 'float64'), [...P.SHAPE])))

const close = (rtol: number, atol = 1e-12) => (a: number, b: number) => Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b))

const runs = { numRuns: 60 }

describe('differentiation of random programs', () => {
  test.prop([P.program(), P.input(), P.input()], runs)('reverse mode equals forward mode', (p, x, u) => {
    expect(L.forwardEqualsReverse(scalarOf(p), x, u), P.show(p)).toHold(close(1e-9))
  })
  test.prop([P.program(), P.input(), P.input(), P.input()], runs)('⟨vjp(c), u⟩ = ⟨c, jvp(u)⟩', (p, x, u, c) => {
    expect(L.vjpIsAdjointOfJvp((z) => P.run(p, z), x, u, c), P.show(p)).toHold(close(1e-9))
  })
  test.prop([P.program(), P.input(), P.input(), P.input(), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true })], runs)(
    'jvp is linear in the tangent',
    (p, x, u, v, a, b) => {
      expect(L.jvpIsLinear((z) => P.run(p, z), x, u, v, a, b), P.show(p)).toHold(allclose({ rtol: 1e-9, atol: 1e-9 }))
    },
  )
  test.prop([P.program(), P.input()], runs)('a zero cotangent gives a zero gradient', (p, x) => {
    expect(L.zeroCotangentGivesZero((z) => P.run(p, z), x), P.show(p)).toHold(allclose({ atol: 0, rtol: 0 }))
  })
  test.prop([P.program({ maxDepth: 3 }), P.program({ maxDepth: 3 }), P.input(), P.input()], runs)('the chain rule holds through composition', (f, g, x, c) => {
    expect(L.chainRule((z) => P.run(f, z), (z) => P.run(g, z), x, c), `${P.show(f)} ∘ ${P.show(g)}`).toHold(allclose({ rtol: 1e-9, atol: 1e-10 }))
  })
  test.prop([P.program(), P.input({ awayFromZero: true })], { numRuns: 40 })('away from kinks, gradients match two-sided finite differences to 1e-7', (p, x) => {
    const law = L.matchesFiniteDifferences(scalarOf(p), x)
    fc.pre(law !== undefined)
    expect(law, P.show(p)).toHold((err) => err <= 1e-7)
  })
  test.prop([P.program({ smooth: true, maxDepth: 3 }), P.input(), P.input()], { numRuns: 30 })('hvp equals the finite difference of gradients', (p, x, v) => {
    expect(L.hvpMatchesDifferenceOfGradients(scalarOf(p), x, v), P.show(p)).toHold(allclose({ rtol: 1e-5, atol: 1e-6 }))
  })
  test.prop([P.program({ smooth: true, maxDepth: 3 }), P.input()], { numRuns: 15 })('the Hessian is symmetric', (p, x) => {
    expect(L.hessianIsSymmetric(scalarOf(p), x), P.show(p)).toHold(allclose({ rtol: 1e-8, atol: 1e-10 }))
  })
})
