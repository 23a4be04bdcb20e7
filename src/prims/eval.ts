/**
 * How each primitive is computed on concrete tensors: kernels only, no derivatives (those are
 * in `ad/rules`). Split by family for reading; the type makes the compiler refuse a table that
 * misses a primitive. @internal
 */
import type { EvalTable } from './Prim.js'
import { binaryEval } from './eval/binary.js'
import { convEval } from './eval/conv.js'
import { customEval } from './eval/custom.js'
import { indexingEval } from './eval/indexing.js'
import { layoutEval } from './eval/layout.js'
import { linalgEval } from './eval/linalg.js'
import { randomEval } from './eval/random.js'
import { reduceEval } from './eval/reduce.js'
import { unaryEval } from './eval/unary.js'

export const evaluations: EvalTable = {
  ...unaryEval,
  ...binaryEval,
  ...reduceEval,
  ...layoutEval,
  ...indexingEval,
  ...linalgEval,
  ...convEval,
  ...customEval,
  ...randomEval,
}
