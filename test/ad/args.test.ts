import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Rng, Tensor as T } from '../../src/index.js'
import { flatten, rebuild, rebuilder } from '../../src/ad/jit/args.js'

/** Trees of tensors, keys and plain data in arrays and records (some frozen, some with the key `__proto__`), as jitted functions return them. */
const tree = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -5, max: 5 }).map((v) => T.scalar(v)),
    fc.integer({ min: 0, max: 9 }).map((s) => Rng.key(s)),
    fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null)),
    fc.tuple(fc.array(tie('node'), { maxLength: 4 }), fc.boolean()).map(([xs, frozen]) => (frozen ? Object.freeze(xs) : xs)),
    fc
      .tuple(fc.dictionary(fc.constantFrom('a', 'b', 'W', 'z', '__proto__', '0'), tie('node'), { maxKeys: 4 }), fc.boolean())
      .map(([r, frozen]) => (frozen ? Object.freeze(r) : r)),
  ),
})).node

/** The structure of a value, with tensors by their values and keys by their words, for deep comparison (own field order and frozenness included). */
const shapeOf = (u: unknown): unknown =>
  T.isTensor(u)
    ? { tensor: T.toArray(u) }
    : Rng.isKey(u)
      ? { key: Array.from(T.toArray(Rng.keyData(u))) }
      : Array.isArray(u)
        ? { frozen: Object.isFrozen(u), items: u.map(shapeOf) }
        : typeof u === 'object' && u !== null
          ? { frozen: Object.isFrozen(u), fields: Object.keys(u).map((k) => [k, shapeOf((u as Record<string, unknown>)[k])]) }
          : u

describe('a planned rebuild', () => {
  test.prop([tree], { numRuns: 200 })('equals rebuild: the same leaves in the same places, fields in their order, frozen where the value was', (u) => {
    const { leaves } = flatten('test', u)
    const others = leaves.map((_, i) => T.scalar(100 + i, 'int32'))
    const planned = rebuilder(u)
    expect(shapeOf(planned(others))).toEqual(shapeOf(rebuild(u, others)))
    // parts without tensors are the same objects; a second call builds again
    expect(shapeOf(planned(leaves))).toEqual(shapeOf(u))
    if (leaves.length === 0) expect(planned(others)).toBe(u)
  })
})
