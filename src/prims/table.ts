/**
 * The table of primitives: for each one its evaluation, JVP rule and VJP rule (see `Prim.ts`).
 * Split by family for reading; the type below makes the compiler refuse a table that misses a
 * primitive or a rule.
 * @internal
 */
import type { PrimTable } from './Prim.js'
import { binaryRules } from './rules/binary.js'
import { convRules } from './rules/conv.js'
import { customRules } from './rules/custom.js'
import { indexingRules } from './rules/indexing.js'
import { layoutRules } from './rules/layout.js'
import { linalgRules } from './rules/linalg.js'
import { reduceRules } from './rules/reduce.js'
import { unaryRules } from './rules/unary.js'

export const primitives: PrimTable = {
  ...unaryRules,
  ...binaryRules,
  ...reduceRules,
  ...layoutRules,
  ...indexingRules,
  ...linalgRules,
  ...convRules,
  ...customRules,
}
