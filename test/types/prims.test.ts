// Type-level tests, checked by `npm run typecheck` (each @ts-expect-error must stay an error,
// or the type check fails); the runtime part only keeps vitest from reporting an empty file.
import { describe, expect, it } from 'vitest'
import type { Rule, RuleTable } from '../../src/ad/rules/Rule.js'
import { rules } from '../../src/ad/rules/table.js'
import { unaryRules } from '../../src/ad/rules/unary.js'
import type { EvalTable } from '../../src/prims/Prim.js'
import { evaluations } from '../../src/prims/eval.js'
import { unaryEval } from '../../src/prims/eval/unary.js'

// @ts-expect-error a primitive without a VJP rule does not compile
export const missingVjp: Rule<'neg'> = { jvp: () => null }

// @ts-expect-error a primitive without a JVP rule does not compile
export const missingJvp: Rule<'neg'> = { vjp: () => [null] }

// @ts-expect-error a rule table that leaves primitives out does not compile
export const incomplete: RuleTable = { ...unaryRules }

// @ts-expect-error an evaluation table that leaves primitives out does not compile
export const incompleteEval: EvalTable = { ...unaryEval }

describe('the primitive tables', () => {
  it('have an evaluation, a JVP and a VJP rule for every primitive, and nothing else', () => {
    expect(Object.keys(rules).sort()).toEqual(Object.keys(evaluations).sort())
    for (const [name, rule] of Object.entries(rules)) {
      expect([name, typeof evaluations[name as keyof EvalTable], typeof rule.jvp, typeof rule.vjp]).toEqual([name, 'function', 'function', 'function'])
    }
    expect(Object.keys(rules).length).toBeGreaterThan(60)
  })
})
