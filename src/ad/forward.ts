/**
 * Forward mode: dual numbers over tensors. While a `jvp` call runs, its inputs are traced
 * tensors carrying a primal and a tangent; every primitive applied to them returns a new dual
 * whose tangent its JVP rule computes. Nothing is recorded.
 * @internal
 */
import { sameShape } from '../core/shape.js'
import { type Tensor, boxOf, traced } from '../core/Tensor.js'
import { type Level, type LevelBox, bind, customBody, newLevelId, primalAt } from '../prims/bind.js'
import type { Compound } from '../prims/Compound.js'
import type { Prim, PrimParams } from '../prims/Prim.js'
import type { Linear } from './rules/Rule.js'
import { rules } from './rules/table.js'
import * as T from '../tensor/index.js'

interface DualBox extends LevelBox {
  readonly tangent: Tensor
}

export interface Forward {
  readonly level: Level
  /** A dual standing for `primal` with direction `tangent`. */
  readonly dual: (primal: Tensor, tangent: Tensor) => Tensor
  /** The tangent of `x` at this level (null when `x` does not depend on the inputs). */
  readonly tangentOf: (x: Tensor) => Linear
  /** Ends the call: its duals may no longer be used. */
  readonly close: () => void
}

export const forward = (name: string): Forward => {
  let active = true
  const level: Level = {
    id: newLevelId(),
    name,
    isActive: () => active,
    process: <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]): Tensor => {
      const body = customBody(prim, inputs, params, 'jvp')
      if (body !== undefined) return body
      const primals = inputs.map((x) => primalAt(level, x))
      const tangents = inputs.map(tangentOf)
      const out = bind(prim, primals, params)
      const t = rules[prim].jvp(primals, tangents, out, params)
      if (t === null) return out
      // the one place where tangents meet the output's shape (broadcast inputs)
      return dual(out, sameShape(t.shape, out.shape) ? t : T.broadcastTo(t, out.shape))
    },
    // a compound pushes the tangents through its own transformed body, one level down
    compound: (c: Compound, inputs: ReadonlyArray<Tensor>): ReadonlyArray<Tensor> => {
      const [outs, tangents] = c.jvp(inputs.map((x) => primalAt(level, x)), inputs.map(tangentOf))
      return outs.map((o, i) => {
        const t = tangents[i]
        return t === null || t === undefined ? o : dual(o, t)
      })
    },
  }
  const dual = (primal: Tensor, tangent: Tensor): Tensor => traced({ level, primal, tangent } satisfies DualBox)
  const tangentOf = (x: Tensor): Linear => {
    const b = boxOf(x) as DualBox | undefined
    return b !== undefined && b.level === level ? b.tangent : null
  }
  return { level, dual, tangentOf, close: () => (active = false) }
}
