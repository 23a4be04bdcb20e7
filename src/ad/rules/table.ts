/**
 * The derivative rules of every primitive: JVP, VJP and, where it has one, its kink (see `Rule.ts`).
 * Split by family for reading; the type below makes the compiler refuse a table that misses a
 * primitive or a rule.
 * @internal
 */
import type { RuleTable } from './Rule.js'
import { binaryRules } from './binary.js'
import { convRules } from './conv.js'
import { customRules } from './custom.js'
import { indexingRules } from './indexing.js'
import { layoutRules } from './layout.js'
import { linalgRules } from './linalg.js'
import { randomRules } from './random.js'
import { reduceRules } from './reduce.js'
import { unaryRules } from './unary.js'

export const rules: RuleTable = {
  ...unaryRules,
  ...binaryRules,
  ...reduceRules,
  ...layoutRules,
  ...indexingRules,
  ...linalgRules,
  ...convRules,
  ...customRules,
  ...randomRules,
}
