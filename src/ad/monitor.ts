/**
 * A kink monitor: an interpreter that evaluates a function as usual while recording, for every
 * non-smooth primitive it applies, that primitive's signed kink coordinate (see `Prim.kink`).
 * Two evaluations whose records differ in sign lie on different sides of some kink.
 * @internal
 */
import { type Tensor, boxOf, dataOf, traced } from '../core/Tensor.js'
import { type Level, type LevelBox, bind, newLevelId, primalAt } from '../prims/bind.js'
import type { Prim, PrimParams } from '../prims/Prim.js'
import { rules } from './rules/table.js'
import { cast } from '../tensor/create.js'

export interface KinkRecord {
  /** the sign (−1, 0, 1) of every kink coordinate met, in evaluation order */
  readonly sides: Int8Array
  /** the smallest distance to a kink met (Infinity when none) */
  readonly nearest: number
}

/** Runs `f(x)` with every operation on `x` watched for kinks. */
export const watchKinks = <A>(f: (x: A) => Tensor, x: A, wrap: (x: A, lift: (t: Tensor) => Tensor) => A): readonly [number, KinkRecord] => {
  const sides: number[] = []
  let nearest = Infinity
  let active = true
  const level: Level = {
    id: newLevelId(),
    name: 'gradCheck',
    isActive: () => active,
    process: <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]): Tensor => {
      const primals = inputs.map((t) => primalAt(level, t))
      const out = bind(prim, primals, params)
      const kink = rules[prim].kink
      if (kink !== undefined) {
        const k = dataOf(cast(kink(primals, params), 'float64'))
        for (let i = 0; i < k.length; i++) {
          const v = k[i]!
          sides.push(v > 0 ? 1 : v < 0 ? -1 : 0)
          nearest = Math.min(nearest, Math.abs(v))
        }
      }
      return traced({ level, primal: out } satisfies LevelBox)
    },
  }
  try {
    const y = f(wrap(x, (t) => traced({ level, primal: t } satisfies LevelBox)))
    const b = boxOf(y) as LevelBox | undefined
    const value = dataOf(b !== undefined && b.level === level ? b.primal : y)[0]!
    return [value, { sides: Int8Array.from(sides), nearest }]
  } finally {
    active = false
  }
}

/** Whether two records lie on the same side of every kink (a 0 side matches nothing but 0). */
export const sameSide = (a: KinkRecord, b: KinkRecord): boolean => {
  if (a.sides.length !== b.sides.length) return false
  for (let i = 0; i < a.sides.length; i++) if (a.sides[i] !== b.sides[i]) return false
  return true
}
