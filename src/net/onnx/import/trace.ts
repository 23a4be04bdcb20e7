/**
 * Where `toOnnx` puts each variable: the network is exported twice with probe variables whose
 * elements carry their own number k (the first export holds ⌊k/4096⌋ + 1, the second
 * −(k mod 4096 + 1), both exact in float32 for k < 2³⁶). An element of an initialiser that
 * holds a positive whole number in the first export and a negative one in the second is a
 * copy of variable element k; one the same in both is a constant of the lowering (a shape, an
 * epsilon); anything else is computed from variables (a folded batch norm) and read no value.
 * The variables of the model are then read off its initialisers at the places of the copies.
 * An element copied nowhere is 0: either the lowering never reads it (the rows of a positional
 * embedding beyond the exported sequence length, which `Net.apply` never reads for that input
 * shape either) or it reads it only through a computation, and then the export of the variables
 * read differs from the model, which the last check of import/marked.ts refuses.
 * @internal
 */
import { fromBuffer } from '../../../core/Tensor.js'
import * as Tree from '../../../tree/Tree.js'
import type { Vars } from '../../Kind.js'

const BASE = 4096

/** Variables shaped like `vars` (float32) whose elements hold their codes for `pass` 0 or 1. */
export const probeVars = (vars: Vars, pass: 0 | 1): Vars => {
  let offset = 0
  const code = (t: { readonly size: number; readonly shape: ReadonlyArray<number> }) => {
    const out = new Float32Array(t.size)
    for (let j = 0; j < t.size; j++) {
      const k = offset + j
      out[j] = pass === 0 ? Math.floor(k / BASE) + 1 : -((k % BASE) + 1)
    }
    offset += t.size
    return fromBuffer(out, t.shape)
  }
  return { params: Tree.map(vars.params, code), state: Tree.map(vars.state, code) }
}

/** One initialiser in the two probe exports and in the model. */
export interface Traced {
  readonly first: Float32Array
  readonly second: Float32Array
  readonly model: Float32Array
}

/** The variables (shaped like `vars`) the model holds, 0 where it holds no copy. */
export const readVars = (vars: Vars, traced: ReadonlyArray<Traced>): Vars => {
  const total = Tree.size(vars.params) + Tree.size(vars.state)
  const values = new Float32Array(total)
  const found = new Uint8Array(total)
  for (const { first, second, model } of traced) {
    for (let j = 0; j < first.length; j++) {
      const [a, b] = [first[j]!, second[j]!]
      if (!(Number.isInteger(a) && a >= 1 && Number.isInteger(b) && b <= -1 && b >= -BASE)) continue
      const k = (a - 1) * BASE - b - 1
      if (k < total && found[k] === 0) {
        values[k] = model[j]!
        found[k] = 1
      }
    }
  }
  let offset = 0
  const read = (t: { readonly size: number; readonly shape: ReadonlyArray<number> }) => {
    const out = values.slice(offset, offset + t.size)
    offset += t.size
    return fromBuffer(out, t.shape)
  }
  return { params: Tree.map(vars.params, read), state: Tree.map(vars.state, read) }
}
