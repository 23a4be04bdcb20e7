/**
 * Masks: which leaves of a parameter tree a transformation touches. A mask is either a
 * predicate on each leaf and its path, or a tree of booleans shaped like the parameters, where a
 * boolean may also stand for a whole subtree (`{ encoder: false, decoder: true }`).
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import { type Tensor, checkTensor } from '../core/Tensor.js'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { exercises } from './base.js'


// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A tree of booleans: `true` selects a leaf (or every leaf of the subtree it stands for).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const m: Optim.MaskTree = { layers: [{ W: true, b: false }], embed: false }
 * assert.strictEqual(typeof m, 'object')
 * @category model
 * @since 0.1.0
 */
export type MaskTree = boolean | ReadonlyArray<MaskTree> | { readonly [key: string]: MaskTree }

/**
 * Which leaves to select: a predicate on the leaf and its path, or a `MaskTree`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const notBiases: Optim.Mask = (_leaf, path) => !path.endsWith('b')
 * assert.ok(notBiases(T.zeros([2]), 'layers.0.W'))
 * @category model
 * @since 0.1.0
 */
export type Mask = MaskTree | ((leaf: Tensor, path: string) => boolean)

// -------------------------------------------------------------------------------------
// masks
// -------------------------------------------------------------------------------------

/**
 * Selects leaves of rank ≥ 2 (weight matrices and kernels), leaving out biases, scales and
 * other vectors: the default mask of weight decay, since the notes decay weights only.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * assert.ok(Optim.weightsOnly(T.zeros([3, 2]), 'W'))
 * assert.ok(!Optim.weightsOnly(T.zeros([2]), 'b'))
 * @category masks
 * @since 0.1.0
 */
export const weightsOnly = (leaf: Tensor, _path: string): boolean => checkTensor('weightsOnly', leaf, 'the leaf (argument 1)').rank >= 2

/**
 * Selects every leaf (PyTorch applies `weight_decay` to every parameter of a group).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * assert.ok(Optim.allLeaves(T.zeros([2]), 'b'))
 * @category masks
 * @since 0.1.0
 */
export const allLeaves = (_leaf: Tensor, _path: string): boolean => true

// -------------------------------------------------------------------------------------
// internals
// -------------------------------------------------------------------------------------

const isRecord = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === 'object' && u !== null && !Array.isArray(u) && !T.isTensor(u)

const at = (path: string, k: string | number): string => (path === '' ? String(k) : `${path}.${k}`)
const where = (path: string): string => (path === '' ? 'the root' : `'${path}'`)

/**
 * One flag per leaf of `tree`, in traversal order (record keys sorted, arrays by index).
 * Throws TREE_MISMATCH naming the first path where a mask tree does not fit. @internal
 */
export const leafFlags = (op: string, tree: Tree.Tree, mask: Mask): ReadonlyArray<boolean> => {
  if (typeof mask === 'function') {
    return Tree.leaves(tree).map((l) => {
      const r: unknown = mask(l.value, l.path)
      return typeof r === 'boolean'
        ? r
        : fail('INVALID_ARGUMENT', op, `the mask returned ${String(r)} for the leaf at ${where(l.path)}; a mask predicate must return true or false.`)
    })
  }
  const out: boolean[] = []
  const mismatch = (path: string, what: string): never =>
    fail(
      'TREE_MISMATCH',
      op,
      `the mask does not fit the parameters at ${where(path)}: ${what}. A mask tree has the parameters' keys and array lengths, with true or false at each leaf (or at a subtree, for all its leaves).`,
    )
  const go = (t: Tree.Tree, m: unknown, path: string): void => {
    if (typeof m === 'boolean') {
      const n = Tree.count(t)
      for (let i = 0; i < n; i++) out.push(m)
      return
    }
    if (T.isTensor(t)) return mismatch(path, `the parameters have a tensor, the mask has ${Array.isArray(m) ? 'an array' : typeof m === 'object' && m !== null ? 'a record' : String(m)}`)
    if (Array.isArray(t)) {
      if (!Array.isArray(m)) return mismatch(path, `the parameters have an array of length ${t.length}, the mask does not`)
      if (m.length !== t.length) return mismatch(path, `array lengths differ: ${t.length} in the parameters, ${m.length} in the mask`)
      t.forEach((c: Tree.Tree, i) => go(c, m[i], at(path, i)))
      return
    }
    if (!isRecord(m)) return mismatch(path, 'the parameters have a record, the mask does not')
    const r = t as { readonly [key: string]: Tree.Tree }
    const keys = Object.keys(r).sort()
    for (const k of Object.keys(m)) {
      if (!Object.hasOwn(r, k)) return mismatch(path, `the mask has a key ${JSON.stringify(k)} the parameters lack`)
    }
    for (const k of keys) {
      if (!Object.hasOwn(m, k)) return mismatch(path, `the mask has no key ${JSON.stringify(k)}`)
      go(r[k]!, m[k], at(path, k))
    }
  }
  go(tree, mask, '')
  return out
}

/** The placeholder of a leaf left out by a mask: a subtree without leaves. */
const HOLE: Tree.Tree = Object.freeze({})

/**
 * The tree with every unselected leaf replaced by the empty record `{}`, so a transformation
 * run on it sees (and keeps state for) the selected leaves only. @internal
 */
export const select = (tree: Tree.Tree, flags: ReadonlyArray<boolean>): Tree.Tree => {
  let k = 0
  const go = (t: Tree.Tree): Tree.Tree => {
    if (T.isTensor(t)) return flags[k++] === true ? t : HOLE
    if (Array.isArray(t)) return Object.freeze(t.map(go))
    const r = t as { readonly [key: string]: Tree.Tree }
    return Object.freeze(Object.fromEntries(Object.keys(r).sort().map((key) => [key, go(r[key]!)])))
  }
  return go(tree)
}

/**
 * `full` with each selected leaf replaced by the leaf at the same place in `part` (a tree made by
 * `select`). @internal
 */
export const merge = (full: Tree.Tree, part: Tree.Tree, flags: ReadonlyArray<boolean>): Tree.Tree => {
  let k = 0
  const go = (t: Tree.Tree, p: Tree.Tree): Tree.Tree => {
    if (T.isTensor(t)) return flags[k++] === true ? (p as Tensor) : t
    if (Array.isArray(t)) return Object.freeze(t.map((c: Tree.Tree, i) => go(c, (p as ReadonlyArray<Tree.Tree>)[i]!)))
    const r = t as { readonly [key: string]: Tree.Tree }
    const q = p as { readonly [key: string]: Tree.Tree }
    return Object.freeze(Object.fromEntries(Object.keys(r).sort().map((key) => [key, go(r[key]!, q[key]!)])))
  }
  return go(full, part)
}

/** This module builds no transformation: nothing for the optimizer laws to exercise (the compiler checks; see `exercises` in base.ts). */
export default exercises<typeof import('./mask.js')>(() => ({}))
