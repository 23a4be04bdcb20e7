import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Tensor as T } from '../src/index.js'
import * as P from './arb/program.js'
import { exact } from './Equiv.js'
import * as L from './jacobians.js'

/** A program reduced to one number by a fixed weighting. */
const scalarOf =
  (p: P.Program) =>
  (x: T.Tensor): T.Tensor =>
    T.sum(T.mul(P.run(p, x), T.reshape(T.linspace(-1, 1, 12, 'float64'), [...P.SHAPE])))

/**
 * Bit for bit: the batching rules apply each primitive to the same elements in the same order,
 * one more leading axis, so each column (row) of the batched Jacobian is computed exactly as the
 * loop computes it (with the TypeScript kernels, which the suite runs on).
 */
describe('the Jacobians and the Hessian, mapped by vmap, equal the loops they replace', () => {
  test.prop([P.program(), P.input()], { numRuns: 40 })('jacfwd equals one jvp per input element', (p, x) => {
    expect(L.jacfwdEqualsLoop((z) => P.run(p, z), x), P.show(p)).toHold(exact)
  })
  test.prop([P.program(), P.input()], { numRuns: 40 })('jacrev equals one backward pass per output element', (p, x) => {
    expect(L.jacrevEqualsLoop((z) => P.run(p, z), x), P.show(p)).toHold(exact)
  })
  test.prop([P.program(), P.input()], { numRuns: 20 })('jacrev of a function to one number equals its gradient', (p, x) => {
    expect(L.jacrevEqualsLoop(scalarOf(p), x), P.show(p)).toHold(exact)
  })
  test.prop([P.program({ maxDepth: 3 }), P.input()], { numRuns: 20 })('hessian equals the forward loop over the reverse loop', (p, x) => {
    expect(L.hessianEqualsLoop(scalarOf(p), x), P.show(p)).toHold(exact)
  })
  test.prop([fc.constantFrom<number[]>([0], [2, 0], [0, 3])])('empty inputs and outputs give empty Jacobians', (shape) => {
    const x = T.zeros(shape, 'float64')
    expect(L.jacfwdEqualsLoop((z) => T.mul(z, 2), x)).toHold(exact)
    expect(L.jacrevEqualsLoop((z) => T.mul(z, 2), x)).toHold(exact)
    expect(L.jacrevEqualsLoop((z) => T.sum(z), x)).toHold(exact)
  })
})
