/**
 * A law states that two values are equivalent; whether they are is decided later, by a
 * comparator the runner picks (exact for structure, `allclose` for floating point, since
 * float addition is not associative). `holdsOrThrow` decides one and throws a readable
 * `LAW_FAILED` error when it does not hold, so a law works in any test runner.
 */
import { PuregradError } from '../core/errors.js'
import * as T from '../tensor/index.js'
import type { Tree } from '../tree/index.js'

/** Two sides of a sentence whose truth remains to be checked. @category laws */
export interface Equiv<A> {
  readonly lhs: A
  readonly rhs: A
}

/**
 * The sentence `lhs ≡ rhs`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { equiv, holds, deepEqual } from 'puregrad/testing'
 * assert.equal(holds(deepEqual, equiv([1, 2], [1, 2])), true)
 * ```
 * @category laws
 */
export const equiv = <A>(lhs: A, rhs: A): Equiv<A> => ({ lhs, rhs })

/** Decides an `Equiv`. @category laws */
export type Comparator<A> = (lhs: A, rhs: A) => boolean

/**
 * Same dtype, same shape, same bits (NaN equals NaN, 0 differs from −0).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { exact } from 'puregrad/testing'
 * assert.equal(exact(T.tensor([1, 2]), T.tensor([1, 2])), true)
 * assert.equal(exact(T.tensor([0]), T.tensor([-0])), false)
 * ```
 * @category laws
 */
export const exact: Comparator<T.Tensor> = (a, b) => T.equals(a, b)

/**
 * Same dtype and shape, values within atol + rtol·|b|.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { allclose } from 'puregrad/testing'
 * assert.equal(allclose({ atol: 1e-3 })(T.tensor([1]), T.tensor([1.0001])), true)
 * ```
 * @category laws
 */
export const allclose =
  (opts: { readonly rtol?: number; readonly atol?: number } = {}): Comparator<T.Tensor> =>
  (a, b) =>
    a.dtype === b.dtype && T.allclose(a, b, opts)

/**
 * Plain structural equality for JSON-like values.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { deepEqual } from 'puregrad/testing'
 * assert.equal(deepEqual({ a: [1] }, { a: [1] }), true)
 * ```
 * @category laws
 */
export const deepEqual: Comparator<unknown> = (a, b) => JSON.stringify(a) === JSON.stringify(b)

const isRec = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u) && !T.isTensor(u)

/**
 * Compares trees node by node (record keys as sets) and leaves with a tensor comparator.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { treeWith, allclose } from 'puregrad/testing'
 * assert.equal(treeWith(allclose({ atol: 0.1 }))({ w: T.tensor([1]) }, { w: T.tensor([1.05]) }), true)
 * ```
 * @category laws
 */
export const treeWith =
  (leafCmp: Comparator<T.Tensor>): Comparator<Tree> =>
  (a, b) => {
    const go = (x: unknown, y: unknown): boolean => {
      if (T.isTensor(x) || T.isTensor(y)) return T.isTensor(x) && T.isTensor(y) && leafCmp(x, y)
      if (Array.isArray(x) || Array.isArray(y)) {
        return Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => go(v, y[i]))
      }
      if (!isRec(x) || !isRec(y)) return false
      const kx = Object.keys(x).sort()
      const ky = Object.keys(y).sort()
      return kx.length === ky.length && kx.every((k, i) => k === ky[i] && go(x[k], y[k]))
    }
    return go(a, b)
  }

/**
 * Same structure; leaves with the same dtype, shape and bits (NaN equals NaN, 0 differs from −0).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { treeExact } from 'puregrad/testing'
 * assert.equal(treeExact({ b: T.tensor([1]), a: [] }, { a: [], b: T.tensor([1]) }), true)
 * ```
 * @category laws
 */
export const treeExact: Comparator<Tree> = treeWith((x, y) => T.equals(x, y))

/**
 * Same structure; leaves with the same dtype and shape and values within atol + rtol·|b|.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { treeAllclose } from 'puregrad/testing'
 * assert.equal(treeAllclose({ rtol: 1e-3 })([T.tensor([1000])], [T.tensor([1000.5])]), true)
 * ```
 * @category laws
 */
export const treeAllclose = (opts: { readonly rtol?: number; readonly atol?: number } = {}): Comparator<Tree> =>
  treeWith((x, y) => x.dtype === y.dtype && T.allclose(x, y, opts))

/**
 * Whether a law holds under a comparator.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { equiv, holds } from 'puregrad/testing'
 * assert.equal(holds((a, b) => a === b, equiv(1, 2)), false)
 * ```
 * @category laws
 */
export const holds = <A>(cmp: Comparator<A>, e: Equiv<A>): boolean => cmp(e.lhs, e.rhs)

/** A value as text for a failure message: tensors and objects by their own `toString` when they have one, else JSON. */
const showValue = (x: unknown): string => {
  if (T.isTensor(x)) return `${x.dtype}[${x.shape.join(',')}] ${JSON.stringify(T.toArray(x))}`
  if (typeof x === 'object' && x !== null) {
    if (Object.prototype.hasOwnProperty.call(x, 'toString')) return String(x)
    try {
      return JSON.stringify(x, (_, v: unknown) => (T.isTensor(v) ? `${v.dtype}[${v.shape.join(',')}] ${JSON.stringify(T.toArray(v))}` : v))
    } catch {
      return String(x)
    }
  }
  return typeof x === 'string' ? x : JSON.stringify(x)
}

/**
 * Decides a law and throws a `PuregradError` (code `LAW_FAILED`) naming it and showing both
 * sides when it does not hold; returns nothing when it holds.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { equiv, deepEqual, holdsOrThrow } from 'puregrad/testing'
 * holdsOrThrow(equiv([1], [1]), deepEqual, 'lists')
 * assert.throws(() => holdsOrThrow(equiv(1, 2), (a, b) => a === b, 'one is two'), /one is two/)
 * ```
 * @category laws
 */
export const holdsOrThrow = <A>(e: Equiv<A>, cmp: Comparator<A>, law = 'the law'): void => {
  if (cmp(e.lhs, e.rhs)) return
  throw new PuregradError(
    'LAW_FAILED',
    law,
    `does not hold:\n  lhs: ${showValue(e.lhs)}\n  rhs: ${showValue(e.rhs)}\nThe two sides must be equivalent: fix the code under test (or, if the difference is float rounding, compare with allclose).`,
  )
}
