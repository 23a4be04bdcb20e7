// Type-level tests, checked by `npm run typecheck` (each @ts-expect-error must stay an error,
// or the type check fails); the runtime part only keeps vitest from reporting an empty file.
import { describe, expect, it } from 'vitest'
import type { Primitive, PrimTable } from '../../src/prims/Prim.js'
import { primitives } from '../../src/prims/table.js'
import { unaryRules } from '../../src/prims/rules/unary.js'

const evalOnly: Primitive<'neg'>['eval'] = ([x]) => x!

// @ts-expect-error a primitive without a VJP rule does not compile
export const missingVjp: Primitive<'neg'> = { eval: evalOnly, jvp: () => null }

// @ts-expect-error a primitive without a JVP rule does not compile
export const missingJvp: Primitive<'neg'> = { eval: evalOnly, vjp: () => [null] }

// @ts-expect-error a table that leaves primitives out does not compile
export const incomplete: PrimTable = { ...unaryRules }

describe('the primitive table', () => {
  it('has an evaluation, a JVP and a VJP rule for every primitive', () => {
    for (const [name, rule] of Object.entries(primitives)) {
      expect([name, typeof rule.eval, typeof rule.jvp, typeof rule.vjp]).toEqual([name, 'function', 'function', 'function'])
    }
    expect(Object.keys(primitives).length).toBeGreaterThan(60)
  })
})
