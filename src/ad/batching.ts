/**
 * Batching: the interpreter of `vmap`. While a `vmap` call runs, each mapped input is a traced
 * tensor that looks like ONE example (its shape lacks the batch axis) and carries the whole
 * batch underneath with the position of its batch axis. Every primitive applied to such values
 * goes to its batching rule, which applies the primitive once to the whole batch and says
 * where the output's batch axis is. Nothing is recorded.
 *
 * A traced example shares its buffer with the batch (the first `size` elements of it), so making
 * one allocates nothing; its elements are not the example's values unless the batch axis is
 * first, so reading them (`toArray`, `item`, `equals`, …) is refused, inside the call and after
 * it. Read values after `vmap` returns, not inside it.
 * @internal
 */
import { fail } from '../core/errors.js'
import { type Tensor, boxOf, dataOf, tracedAs } from '../core/Tensor.js'
import { type Level, type LevelBox, newLevelId } from '../prims/bind.js'
import type { Compound } from '../prims/Compound.js'
import type { Prim, PrimParams } from '../prims/Prim.js'
import type { Axis } from './rules/Rule.js'
import { rules } from './rules/table.js'

/** `primal` is the whole batch; `axis` is where its batch axis is. */
interface BatchBox extends LevelBox {
  readonly axis: number
}

export interface Batching {
  readonly level: Level
  readonly size: number
  /** A traced example standing for the batch `value`, whose batch axis is `axis`. */
  readonly example: (value: Tensor, axis: number) => Tensor
  /** The batch behind `x` and its batch axis, or `x` with null when it is the same for every example. */
  readonly batchOf: (x: Tensor) => readonly [Tensor, Axis]
  /** Ends the call: its traced examples may no longer be used. */
  readonly close: () => void
}

export const batching = (name: string, size: number): Batching => {
  let active = true
  /** A read of a traced example: refused, inside the call and after it. */
  const refuseRead = (op: string): never =>
    active
      ? fail(
          'INVALID_ARGUMENT',
          op,
          `the tensor is one example of a batch inside ${name}: its values differ between examples, so they cannot be read inside the mapped function. ` +
            'Compute with tensor operations instead (T.where in place of an if on a value, T.max in place of Math.max), and read the results after vmap returns.',
        )
      : fail(
          'ESCAPED_TRACER',
          op,
          `the tensor is one example of a batch of ${name}, which has returned: the value leaked out of the mapped function (through a closure, a global or a returned object). ` +
            'Return it from the function instead; vmap stacks it along the batch axis.',
        )
  const example = (value: Tensor, axis: number): Tensor => {
    const shape = value.shape.filter((_, i) => i !== axis)
    let n = 1
    for (const d of shape) n *= d
    return tracedAs({ level, primal: value, axis, refuseRead } satisfies BatchBox, dataOf(value).subarray(0, n), shape)
  }
  const batchOf = (x: Tensor): readonly [Tensor, Axis] => {
    const b = boxOf(x) as BatchBox | undefined
    return b !== undefined && b.level === level ? [b.primal, b.axis] : [x, null]
  }
  const level: Level = {
    id: newLevelId(),
    name,
    isActive: () => active,
    leakAdvice:
      'It is one example of a batch: the mapped function leaked it (through a closure, a global or a returned object); ' +
      'return it from the function instead, and vmap stacks it along the batch axis.',
    process: <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]): Tensor => {
      const primals: Tensor[] = []
      const axes: Axis[] = []
      for (const x of inputs) {
        const [v, a] = batchOf(x)
        primals.push(v)
        axes.push(a)
      }
      const [out, axis] = rules[prim].batch(primals, axes, params, { size, prim })
      return axis === null ? out : example(out, axis)
    },
    // a compound maps its own body over the batch, once
    compound: (c: Compound, inputs: ReadonlyArray<Tensor>): ReadonlyArray<Tensor> => {
      const batches = inputs.map(batchOf)
      const [outs, axes] = c.batch(batches.map(([v]) => v), batches.map(([, a]) => a), size)
      return outs.map((o, i) => {
        const a = axes[i]
        return a === null || a === undefined ? o : example(o, a)
      })
    },
  }
  return { level, size, example, batchOf, close: () => (active = false) }
}
