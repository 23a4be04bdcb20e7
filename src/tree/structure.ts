/**
 * The structure of a tree: its keys, array lengths, and each leaf's shape and dtype, as a JSON
 * value; and the check that two trees share it, which names the first path where they differ.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DType } from '../core/dtype.js'
import { type PuregradError, error, showShape } from '../core/errors.js'
import { MAX_DEPTH, tooDeep } from '../core/limits.js'
import { sameShape } from '../core/shape.js'
import type { Tensor } from '../core/Tensor.js'
import { type Node, asPuregradError, child, classify, dual, fold, record, showPath } from './internal.js'
import type { Tree } from './types.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What `structure` puts in place of a tensor.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const s: Tree.LeafStructure = { dtype: 'float32', shape: [2, 3] }
 * assert.deepStrictEqual(Tree.structure(T.zeros([2, 3])), s)
 * @category model
 * @since 0.1.0
 */
export interface LeafStructure {
  readonly dtype: DType
  readonly shape: ReadonlyArray<number>
}

/**
 * The skeleton of a tree: arrays and records as in the tree (record keys in sorted order), each
 * tensor replaced by its `{ dtype, shape }`. A plain JSON value, so `JSON.stringify` of two
 * structures is equal exactly when the structures are.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const s: Tree.Structure = Tree.structure([T.zeros([2])])
 * assert.deepStrictEqual(s, [{ dtype: 'float32', shape: [2] }])
 * @category model
 * @since 0.1.0
 */
export type Structure = LeafStructure | ReadonlyArray<Structure> | { readonly [key: string]: Structure }

/**
 * The structure type of a tree type: each `Tensor` replaced by `LeafStructure` (and the wide
 * `Tree` by `Structure`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const params = { W: T.zeros([2, 2]) }
 * const s: Tree.StructureOf<typeof params> = Tree.structure(params)
 * assert.deepStrictEqual(s.W.shape, [2, 2])
 * @category model
 * @since 0.1.0
 */
export type StructureOf<T> = Tree extends T
  ? Structure
  : T extends Tensor
    ? LeafStructure
    : { readonly [K in keyof T]: StructureOf<T[K]> }

// -------------------------------------------------------------------------------------
// destructors
// -------------------------------------------------------------------------------------

/**
 * The structure of a tree as a frozen JSON value (see `Structure`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const params = { W: T.zeros([784, 128]), b: T.zeros([128], 'float64'), relu: {} }
 * assert.deepStrictEqual(Tree.structure(params), {
 *   W: { dtype: 'float32', shape: [784, 128] },
 *   b: { dtype: 'float64', shape: [128] },
 *   relu: {},
 * })
 * @category destructors
 * @since 0.1.0
 */
export const structure = <T extends Tree>(tree: T): StructureOf<T> =>
  fold<Structure>('Tree.structure', tree, {
    leaf: (t) => Object.freeze({ dtype: t.dtype, shape: Object.freeze([...t.shape]) }),
    array: (items) => Object.freeze(items.slice()),
    record: (keys, items) => Object.freeze(record(keys, items)),
  }) as StructureOf<T>

// -------------------------------------------------------------------------------------
// checkers
// -------------------------------------------------------------------------------------

const MAX_KEYS_SHOWN = 12

const showKeys = (keys: ReadonlyArray<string>): string => {
  const shown = keys.slice(0, MAX_KEYS_SHOWN).map((k) => JSON.stringify(k))
  return `[${shown.join(', ')}${keys.length > MAX_KEYS_SHOWN ? `, … (${keys.length} keys)` : ''}]`
}

const showNode = (n: Node): string => {
  switch (n.kind) {
    case 'tensor':
      return `a ${n.value.dtype} tensor of shape ${showShape(n.value.shape)}`
    case 'array':
      return `an array of length ${n.value.length}`
    case 'record':
      return n.keys.length === 0 ? 'an empty record {}' : `a record with keys ${showKeys(n.keys)}`
  }
}

const HINT =
  'Trees combined leaf by leaf need the same record keys, array lengths, and leaf shapes and dtypes; ' +
  'derive one from the other (e.g. Tree.map(params, Tensor.zerosLike)) so they always agree.'

/**
 * Compares two trees in traversal order and returns the `TREE_MISMATCH` error for the first
 * path where they differ (or undefined). Throws `INVALID_VALUE` if either is not a tree.
 * @internal
 */
export const compareTrees = (
  op: string,
  a: unknown,
  b: unknown,
  nameA: string,
  nameB: string,
): PuregradError | undefined => {
  const ancA = new Map<object, string>()
  const ancB = new Map<object, string>()
  const mismatch = (path: string, what: string): PuregradError =>
    error('TREE_MISMATCH', op, `the ${nameA} and ${nameB} trees differ at ${showPath(path)}: ${what}. ${HINT}`)
  const go = (x: unknown, y: unknown, path: string, depth: number): PuregradError | undefined => {
    const nx = classify(op, x, path, ancA)
    const ny = classify(op, y, path, ancB)
    if (depth >= MAX_DEPTH && (nx.kind !== 'tensor' || ny.kind !== 'tensor')) throw tooDeep(op, `the ${nx.kind === 'tensor' ? nameB : nameA} tree`, showPath(path))
    if (nx.kind !== ny.kind) {
      return mismatch(path, `the ${nameA} has ${showNode(nx)}, the ${nameB} has ${showNode(ny)}`)
    }
    if (nx.kind === 'tensor' && ny.kind === 'tensor') {
      if (!sameShape(nx.value.shape, ny.value.shape)) {
        return mismatch(path, `shapes differ: ${showShape(nx.value.shape)} in the ${nameA}, ${showShape(ny.value.shape)} in the ${nameB}`)
      }
      if (nx.value.dtype !== ny.value.dtype) {
        return mismatch(
          path,
          `dtypes differ: ${nx.value.dtype} in the ${nameA}, ${ny.value.dtype} in the ${nameB} (use Tensor.cast to convert one)`,
        )
      }
      return undefined
    }
    if (nx.kind === 'array' && ny.kind === 'array') {
      const xs = nx.value
      const ys = ny.value
      ancA.set(xs, path)
      ancB.set(ys, path)
      const n = Math.min(xs.length, ys.length)
      for (let i = 0; i < n; i++) {
        const e = go(xs[i], ys[i], child(path, i), depth + 1)
        if (e !== undefined) return e
      }
      ancA.delete(xs)
      ancB.delete(ys)
      return xs.length === ys.length
        ? undefined
        : mismatch(path, `array lengths differ: ${xs.length} in the ${nameA}, ${ys.length} in the ${nameB}`)
    }
    if (nx.kind === 'record' && ny.kind === 'record') {
      ancA.set(nx.value, path)
      ancB.set(ny.value, path)
      const inB = new Set(ny.keys)
      const inA = new Set(nx.keys)
      const all = [...new Set([...nx.keys, ...ny.keys])].sort()
      for (const k of all) {
        if (!inB.has(k)) {
          return mismatch(
            path,
            `the ${nameB} has no key ${JSON.stringify(k)}, which the ${nameA} has ` +
              `(keys of the ${nameA}: ${showKeys(nx.keys)}; of the ${nameB}: ${showKeys(ny.keys)})`,
          )
        }
        if (!inA.has(k)) {
          return mismatch(
            path,
            `the ${nameB} has an extra key ${JSON.stringify(k)}, which the ${nameA} lacks ` +
              `(keys of the ${nameA}: ${showKeys(nx.keys)}; of the ${nameB}: ${showKeys(ny.keys)})`,
          )
        }
        const e = go(nx.value[k], ny.value[k], child(path, k), depth + 1)
        if (e !== undefined) return e
      }
      ancA.delete(nx.value)
      ancB.delete(ny.value)
      return undefined
    }
    return undefined
  }
  return go(a, b, '', 0)
}

/**
 * Checks that two trees have the same structure: the same record keys, array lengths, and at
 * each leaf the same shape and dtype. The `TREE_MISMATCH` error names the first path, in
 * traversal order, where they differ and what differs (a missing or extra key, an array length,
 * a leaf against a branch, a shape, a dtype). A value that is not a tree gives `INVALID_VALUE`.
 *
 * Data-first `checkSameStructure(a, b)` or data-last `pipe(a, checkSameStructure(b))`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * import * as E from 'fp-ts/lib/Either.js'
 * const a = { layers: [{ W: T.zeros([2, 2]) }] }
 * assert.ok(E.isRight(Tree.checkSameStructure(a, { layers: [{ W: T.ones([2, 2]) }] })))
 * const r = Tree.checkSameStructure(a, { layers: [{ W: T.zeros([2, 3]) }] })
 * assert.ok(E.isLeft(r) && r.left.code === 'TREE_MISMATCH' && r.left.message.includes("'layers.0.W'"))
 * @category checkers
 * @since 0.1.0
 */
export const checkSameStructure: {
  (b: Tree): (a: Tree) => E.Either<PuregradError, void>
  (a: Tree, b: Tree): E.Either<PuregradError, void>
} = dual(2, (a: Tree, b: Tree): E.Either<PuregradError, void> => {
  const r = E.tryCatch(() => compareTrees('Tree.checkSameStructure', a, b, 'first', 'second'), asPuregradError)
  return E.isLeft(r) ? r : r.right === undefined ? E.right(undefined) : E.left(r.right)
})
