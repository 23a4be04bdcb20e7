/** fast-check arbitraries for parameter trees and their leaves. */
import fc from 'fast-check'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { fail } from '../core/errors.js'
import { type ShapeOptions, shape } from './tensor.js'

const DTYPES: ReadonlyArray<T.DType> = ['float32', 'float64', 'int32']
const I32_MIN = -2147483648
const I32_MAX = 2147483647

/** The shapes, dtypes and values of random leaves. @category arbitraries */
export interface LeafOptions extends ShapeOptions {
  /** dtypes to draw from (default all three) */
  readonly dtypes?: ReadonlyArray<T.DType>
  /**
   * Draw from every value the dtype holds: NaN, ±Infinity, −0, subnormals, the extremes
   * (default false: finite values in [−10, 10], small integers).
   */
  readonly special?: boolean
}

/**
 * One value of a dtype: finite in [−10, 10] (small integers for int32), or any value it holds when `special` (NaN, ±Infinity, −0, extremes).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { fc, valueOf } from 'puregrad/testing'
 * for (const v of fc.sample(valueOf('int32'), 20)) assert.ok(Number.isInteger(v) && Math.abs(v) <= 100)
 * ```
 * @category arbitraries
 */
export const valueOf = (dtype: T.DType, special = false): fc.Arbitrary<number> => {
  switch (dtype) {
    case 'float64':
      return special ? fc.double() : fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true })
    case 'float32':
      return special ? fc.float() : fc.float({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true })
    case 'int32':
      return special ? fc.integer({ min: I32_MIN, max: I32_MAX }) : fc.integer({ min: -100, max: 100 })
  }
}

/**
 * A tensor of a given shape and dtype.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { fc, leafOf } from 'puregrad/testing'
 * const [x] = fc.sample(leafOf([2], 'int32'), 1)
 * assert.deepEqual([x!.shape, x!.dtype], [[2], 'int32'])
 * ```
 * @category arbitraries
 */
export const leafOf = (s: ReadonlyArray<number>, dtype: T.DType, special = false): fc.Arbitrary<T.Tensor> => {
  const n = T.sizeOf(s)
  return fc.array(valueOf(dtype, special), { minLength: n, maxLength: n }).map((vs) => T.fromArray(vs, s, dtype))
}

/**
 * A tensor of a random shape (rank ≤ 3, sizes 0…3 by default, so empty tensors occur) and dtype.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { fc, leaf } from 'puregrad/testing'
 * for (const x of fc.sample(leaf({ dtypes: ['float64'] }), 10)) assert.equal(x.dtype, 'float64')
 * ```
 * @category arbitraries
 */
export const leaf = (o: LeafOptions = {}): fc.Arbitrary<T.Tensor> =>
  fc
    .tuple(
      shape({ minRank: o.minRank ?? 0, maxRank: o.maxRank ?? 3, minDim: o.minDim ?? 0, maxDim: o.maxDim ?? 3 }),
      fc.constantFrom(...(o.dtypes ?? DTYPES)),
    )
    .chain(([s, d]) => leafOf(s, d, o.special ?? false))

/** Record keys: parameter-like names, keys that sort differently as strings and as numbers, and awkward ones. */
export const key: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('W', 'b', 'layers', 'mu', 'nu', 'gamma', 'beta', 'a', 'Z', '0', '9', '10'),
  fc.constantFrom('', 'x.y', '__proto__', 'constructor', 'é'),
  fc.string({ maxLength: 3 }),
)

/** The leaves, depth and width of random trees. @category arbitraries */
export interface TreeOptions extends LeafOptions {
  /** deepest nesting of arrays and records (default 3) */
  readonly maxDepth?: number
  /** most children of an array or record (default 4) */
  readonly maxChildren?: number
}

/**
 * A random parameter tree: nested arrays and records of random tensors, with awkward keys ('__proto__', 'x.y', '').
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tree } from 'puregrad'
 * import { fc, tree } from 'puregrad/testing'
 * for (const t of fc.sample(tree({ maxDepth: 2 }), 10)) assert.equal(Tree.leaves(t).length, Tree.count(t))
 * ```
 * @category arbitraries
 */
export const tree = (o: TreeOptions = {}): fc.Arbitrary<Tree.Tree> => {
  const depthIdentifier = fc.createDepthIdentifier()
  const maxLength = o.maxChildren ?? 4
  const { node } = fc.letrec<{ node: Tree.Tree; array: ReadonlyArray<Tree.Tree>; record: Readonly<Record<string, Tree.Tree>> }>(
    (tie) => ({
      node: fc.oneof(
        { maxDepth: o.maxDepth ?? 3, withCrossShrink: true, depthIdentifier },
        { arbitrary: leaf(o), weight: 1 },
        { arbitrary: tie('array'), weight: 1 },
        { arbitrary: tie('record'), weight: 2 },
      ),
      array: fc.array(tie('node'), { maxLength, depthIdentifier }),
      record: fc.dictionary(key, tie('node'), { maxKeys: maxLength, depthIdentifier }),
    }),
  )
  return node
}

/**
 * A tree with at least one leaf.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tree } from 'puregrad'
 * import { fc, nonEmptyTree } from 'puregrad/testing'
 * for (const t of fc.sample(nonEmptyTree(), 10)) assert.ok(Tree.count(t) > 0)
 * ```
 * @category arbitraries
 */
export const nonEmptyTree = (o: TreeOptions = {}): fc.Arbitrary<Tree.Tree> => tree(o).filter((t) => Tree.count(t) > 0)

const isRecord = (u: Tree.Tree): u is { readonly [key: string]: Tree.Tree } => !T.isTensor(u) && !Array.isArray(u)

/**
 * A tree with the same structure as `t` (keys, lengths, shapes, dtypes) and fresh values.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * import { fc, treeLike } from 'puregrad/testing'
 * const [u] = fc.sample(treeLike({ w: T.zeros([2, 2]), b: [T.zeros([2])] }), 1)
 * assert.deepEqual(Tree.paths(u!), ['b.0', 'w'])
 * ```
 * @category arbitraries
 */
export const treeLike = (t: Tree.Tree, special = false): fc.Arbitrary<Tree.Tree> => {
  if (T.isTensor(t)) return leafOf(t.shape, t.dtype, special)
  if (Array.isArray(t)) return fc.tuple(...t.map((c: Tree.Tree) => treeLike(c, special)))
  if (!isRecord(t)) return fail('INVALID_ARGUMENT', 'treeLike', `expected a parameter tree (tensors in nested arrays and records); got ${String(t)}.`)
  const keys = Object.keys(t)
  return fc
    .tuple(...keys.map((k) => treeLike(t[k]!, special)))
    .map((vs) => Object.fromEntries(keys.map((k, i) => [k, vs[i]!])) as Tree.Tree)
}

/**
 * Two, three… trees of the same structure.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tree } from 'puregrad'
 * import { fc, sameStructure } from 'puregrad/testing'
 * for (const [a, b] of fc.sample(sameStructure(2), 5)) assert.deepEqual(Tree.paths(a!), Tree.paths(b!))
 * ```
 * @category arbitraries
 */
export const sameStructure = (n: number, o: TreeOptions = {}): fc.Arbitrary<Tree.Tree[]> =>
  tree(o).chain((t) => fc.tuple(fc.constant(t), ...Array.from({ length: n - 1 }, () => treeLike(t, o.special ?? false))))

/**
 * A θ that `flatten(t).unflatten` accepts: for each leaf, values its dtype holds exactly.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { fc, thetaFor } from 'puregrad/testing'
 * const [theta] = fc.sample(thetaFor({ w: T.zeros([2, 3], 'float64') }), 1)
 * assert.deepEqual(theta!.shape, [6])
 * ```
 * @category arbitraries
 */
export const thetaFor = (t: Tree.Tree, special = false): fc.Arbitrary<T.Tensor> =>
  treeLike(t, special).map((u) => Tree.flatten(u).theta)
