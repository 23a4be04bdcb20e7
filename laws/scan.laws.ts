import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Tensor as T } from '../src/index.js'
import * as P from './arb/program.js'
import { allclose, exact } from './Equiv.js'
import * as L from './scan.js'

/**
 * A body from two random programs over [3, 4]: the next carry tanh(p(c·w + x)) (bounded, so
 * the loop stays finite however many steps), the output q(c) + x.
 */
const stepOf =
  (p: P.Program, q: P.Program): L.Step =>
  (w) =>
  (c, x) =>
    [T.tanh(P.run(p, T.add(T.mul(c, w), x))), T.add(P.run(q, c), x)] as const

const steps = (n: number) => fc.array(P.input(), { minLength: n, maxLength: n }).map((xs) => T.stack(xs, 0))
const runs = { numRuns: 25 }
const tol = allclose({ rtol: 1e-10, atol: 1e-12 })

describe('scan of random bodies', () => {
  test.prop([P.program({ maxDepth: 3 }), P.program({ maxDepth: 3 }), P.input(), P.input(), steps(3), fc.boolean()], runs)('equals the unrolled loop, bit for bit', (p, q, w, c0, xs, reverse) => {
    expect(L.scanEqualsLoop(stepOf(p, q), w, c0, xs, reverse), `${P.show(p)}; ${P.show(q)}`).toHold(exact)
  })
  test.prop([P.program({ maxDepth: 3 }), P.program({ maxDepth: 3 }), P.input(), P.input(), steps(3), fc.boolean()], runs)('its gradient equals the unrolled loop’s', (p, q, w, c0, xs, reverse) => {
    expect(L.scanGradEqualsLoop(stepOf(p, q), w, c0, xs, reverse), `${P.show(p)}; ${P.show(q)}`).toHold(tol)
  })
  test.prop([P.program({ maxDepth: 3 }), P.program({ maxDepth: 3 }), P.input(), P.input(), steps(3), P.input(), P.input(), steps(3), fc.boolean()], runs)(
    'forward and reverse mode agree through it',
    (p, q, w, c0, xs, uw, uc, ux, reverse) => {
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * (1 + Math.abs(a) + Math.abs(b))
      expect(L.scanForwardEqualsReverse(stepOf(p, q), w, c0, xs, [uw, uc, ux], reverse), `${P.show(p)}; ${P.show(q)}`).toHold(close)
    },
  )
  test.prop([P.program({ maxDepth: 3 }), P.program({ maxDepth: 3 }), P.input(), P.input(), fc.array(steps(3), { minLength: 2, maxLength: 2 }).map((b) => T.stack(b, 0))], runs)(
    'vmap over a batch of xs equals the loop over the batch',
    (p, q, w, c0, batch) => {
      expect(L.vmapOfScanEqualsLoop(stepOf(p, q), w, c0, batch, false), `${P.show(p)}; ${P.show(q)}`).toHold(exact)
    },
  )
  test.prop([P.program({ maxDepth: 3 }), P.program({ maxDepth: 3 }), steps(2), P.input(), steps(3)], runs)('vmap over closed-over weights equals the loop over them', (p, q, ws, c0, xs) => {
    expect(L.vmapOfScanEqualsLoop(stepOf(p, q), ws, c0, xs, true), `${P.show(p)}; ${P.show(q)}`).toHold(exact)
  })
})

describe('checkpoint of random programs', () => {
  test.prop([P.program(), P.input()], { numRuns: 40 })('has the value and gradient of the program, bit for bit', (p, x) => {
    expect(L.checkpointEqualsF((z) => P.run(p, z), x), P.show(p)).toHold(exact)
  })
})
