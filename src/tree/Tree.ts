/**
 * Parameter trees: nested readonly records and arrays whose leaves are tensors, the shape that
 * parameters, gradients and optimizer states share (JAX's pytrees).
 *
 * Every function here walks a tree in one fixed order, whatever order its keys were inserted in:
 * record keys sorted (as JAX sorts dict keys), arrays by index, depth first. A leaf is named by
 * its path, the keys and indices from the root joined with dots (`layers.2.W`; a tree that is a
 * single tensor has the path `''`).
 *
 * Anything else found in a tree (numbers, null, strings, typed arrays, class instances other
 * than tensors, cycles) is refused with an `INVALID_VALUE` error naming its path. Trees built
 * by this module are frozen; the inputs are never changed.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { type PuregradError, fail } from '../core/errors.js'
import { type Tensor, isTensor } from '../core/Tensor.js'
import { asPuregradError, describe, dual, fold, forEachLeaf, record, showPath } from './internal.js'
import { compareTrees } from './structure.js'
import type { Tree } from './types.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export type { Tree } from './types.js'

/**
 * One leaf and where it sits.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const [leaf] = Tree.leaves({ W: T.zeros([2]) })
 * assert.strictEqual(leaf?.path, 'W')
 * @category model
 * @since 0.1.0
 */
export interface Leaf {
  /** Keys and indices from the root, joined with dots; `''` for a root leaf. */
  readonly path: string
  /** The tensor. */
  readonly value: Tensor
}

/**
 * The leaf arguments a function given to an n-ary `zipWith` receives: one tensor per tree.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const args: Tree.LeafArgs<[Tree.Tree, Tree.Tree]> = [T.zeros([1]), T.ones([1])]
 * assert.strictEqual(args.length, 2)
 * @category model
 * @since 0.1.0
 */
export type LeafArgs<Ts extends ReadonlyArray<Tree>> = { -readonly [K in keyof Ts]: Tensor }

// -------------------------------------------------------------------------------------
// guards
// -------------------------------------------------------------------------------------

/**
 * Checks that a value is a tree: tensors, arrays and plain records all the way down, no cycles.
 * Returns the first offending path in the error.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * import * as E from 'fp-ts/lib/Either.js'
 * assert.ok(E.isRight(Tree.checkTree({ W: T.zeros([2]) })))
 * assert.ok(E.isLeft(Tree.checkTree({ W: T.zeros([2]), lr: 0.1 })))
 * @category guards
 * @since 0.1.0
 */
export const checkTree = (u: unknown): E.Either<PuregradError, Tree> =>
  E.tryCatch(() => {
    forEachLeaf('Tree.checkTree', u, () => undefined)
    return u as Tree
  }, asPuregradError)

/**
 * True when a value is a tree (see `checkTree` for the reason when it is not).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * assert.ok(Tree.isTree([T.zeros([2]), {}]))
 * assert.ok(!Tree.isTree({ W: null }))
 * @category guards
 * @since 0.1.0
 */
export const isTree = (u: unknown): u is Tree => E.isRight(checkTree(u))

// -------------------------------------------------------------------------------------
// mapping
// -------------------------------------------------------------------------------------

const needFunction = (op: string, f: unknown, shape: string): void => {
  if (typeof f !== 'function') {
    fail('INVALID_ARGUMENT', op, `expected a function ${shape}; got ${describe(f)}.`)
  }
}

const checkResult = (op: string, r: unknown, path: string): Tensor =>
  isTensor(r)
    ? r
    : fail(
        'INVALID_VALUE',
        op,
        `the function returned ${describe(r)} for the leaf at ${showPath(path)}; ` +
          'it must return a Tensor (leaves map to leaves, so the result has the same structure as the input).',
      )

/** Rebuilds a tree with new leaves (frozen), calling `f` in traversal order. */
const rebuild = (op: string, tree: unknown, f: (leaf: Tensor, path: string) => unknown): Tree =>
  fold<Tree>(op, tree, {
    leaf: (t, path) => checkResult(op, f(t, path), path),
    array: (items) => Object.freeze(items.slice()),
    record: (keys, items) => Object.freeze(record(keys, items)),
  })

/**
 * Applies `f` to every leaf, in traversal order, and returns a new tree of the same type and
 * structure. `f` also receives the leaf's path (`'layers.0.W'`).
 *
 * Data-first `map(tree, f)` or data-last `pipe(tree, map(f))`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * import { pipe } from 'fp-ts/lib/function.js'
 * const params = { W: T.ones([2, 2]), b: T.ones([2]) }
 * const zeros = pipe(params, Tree.map(T.zerosLike))
 * assert.deepStrictEqual(T.toArray(zeros.b), [0, 0])
 * @category mapping
 * @since 0.1.0
 */
export const map: {
  (f: (leaf: Tensor, path: string) => Tensor): <T extends Tree>(tree: T) => T
  <T extends Tree>(tree: T, f: (leaf: Tensor, path: string) => Tensor): T
} = dual(2, <T extends Tree>(tree: T, f: (leaf: Tensor, path: string) => Tensor): T => {
  needFunction('Tree.map', f, '(leaf, path) => Tensor')
  return rebuild('Tree.map', tree, f) as T
})

const ordinal = (i: number): string => ['first', 'second', 'third', 'fourth', 'fifth'][i] ?? `tree number ${i + 1}`

const zipTrees = (op: string, f: (...args: unknown[]) => unknown, trees: ReadonlyArray<unknown>): Tree => {
  needFunction(op, f, '(...leaves, path) => Tensor')
  if (trees.length === 0) fail('INVALID_ARGUMENT', op, 'expected at least one tree after the function; got none.')
  const [first, ...rest] = trees
  rest.forEach((t, i) => {
    const err = compareTrees(op, first, t, ordinal(0), ordinal(i + 1))
    if (err !== undefined) throw err
  })
  const others = rest.map((t) => leaves(t as Tree))
  let k = 0
  return rebuild(op, first, (leaf, path) => {
    const args: unknown[] = [leaf]
    for (const o of others) args.push(o[k]!.value)
    k++
    args.push(path)
    return f(...args)
  })
}

/**
 * Combines trees of the same structure leaf by leaf: `f` receives the leaves at one path, in
 * the order of the trees, then the path. The result has the type of the first tree.
 *
 * Forms:
 * - binary, data-first `zipWith(a, b, f)` or data-last `pipe(a, zipWith(b, f))`;
 * - ternary `zipWith(a, b, c, f)`;
 * - n-ary, function first: `zipWith(f, a, b, c, …)`.
 *
 * The trees must have the same structure (keys, array lengths, leaf shapes and dtypes); if not,
 * it throws the `TREE_MISMATCH` error of `checkSameStructure`, naming the first path where they
 * differ, before calling `f` at all.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const params = { W: T.tensor([1, 2]) }
 * const grads = { W: T.tensor([10, 20]) }
 * const sum = Tree.zipWith(params, grads, (p, g) => T.add(p, g))
 * assert.deepStrictEqual(T.toArray(sum.W), [11, 22])
 * const last = Tree.zipWith((g, m, p) => p, grads, grads, params)
 * assert.deepStrictEqual(T.toArray(last.W), [1, 2])
 * @category combining
 * @since 0.1.0
 */
export const zipWith: {
  <Ts extends readonly [Tree, ...Tree[]]>(f: (...args: [...LeafArgs<Ts>, string]) => Tensor, ...trees: Ts): Ts[0]
  (b: Tree, f: (a: Tensor, b: Tensor, path: string) => Tensor): <T extends Tree>(a: T) => T
  <T extends Tree>(a: T, b: Tree, f: (a: Tensor, b: Tensor, path: string) => Tensor): T
  <T extends Tree>(a: T, b: Tree, c: Tree, f: (a: Tensor, b: Tensor, c: Tensor, path: string) => Tensor): T
} = ((...args: unknown[]): unknown => {
  const op = 'Tree.zipWith'
  if (typeof args[0] === 'function') return zipTrees(op, args[0] as (...a: unknown[]) => unknown, args.slice(1))
  const f = args[args.length - 1] as (...a: unknown[]) => unknown
  if (args.length === 2) return (a: unknown) => zipTrees(op, f, [a, args[0]])
  if (args.length < 2) {
    return fail('INVALID_ARGUMENT', op, 'expected zipWith(a, b, f), zipWith(b, f) or zipWith(f, a, b, …); got a single argument.')
  }
  return zipTrees(op, f, args.slice(0, -1))
}) as never

// -------------------------------------------------------------------------------------
// folding
// -------------------------------------------------------------------------------------

/**
 * Folds the leaves in traversal order: `f(…f(f(init, leaf₀, path₀), leaf₁, path₁)…)`.
 *
 * Data-first `reduce(tree, init, f)` or data-last `pipe(tree, reduce(init, f))`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const params = { b: T.zeros([3]), W: T.zeros([2, 3]) }
 * assert.strictEqual(Tree.reduce(params, '', (acc, _, path) => acc + path), 'Wb')
 * @category folding
 * @since 0.1.0
 */
export const reduce: {
  <B>(init: B, f: (acc: B, leaf: Tensor, path: string) => B): (tree: Tree) => B
  <B>(tree: Tree, init: B, f: (acc: B, leaf: Tensor, path: string) => B): B
} = dual(3, <B>(tree: Tree, init: B, f: (acc: B, leaf: Tensor, path: string) => B): B => {
  needFunction('Tree.reduce', f, '(acc, leaf, path) => acc')
  let acc = init
  forEachLeaf('Tree.reduce', tree, (t, path) => {
    acc = f(acc, t, path)
  })
  return acc
})

/**
 * The leaves with their paths, in traversal order (record keys sorted, arrays by index).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const params = { layers: [{ W: T.zeros([2, 2]), b: T.zeros([2]) }], a: T.zeros([]) }
 * assert.deepStrictEqual(Tree.leaves(params).map((l) => l.path), ['a', 'layers.0.W', 'layers.0.b'])
 * @category folding
 * @since 0.1.0
 */
export const leaves = (tree: Tree): ReadonlyArray<Leaf> => {
  const out: Leaf[] = []
  forEachLeaf('Tree.leaves', tree, (value, path) => {
    out.push(Object.freeze({ path, value }))
  })
  return Object.freeze(out)
}

/**
 * The paths of the leaves, in traversal order.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * assert.deepStrictEqual(Tree.paths({ layers: [{ W: T.zeros([1]) }, {}, { W: T.zeros([1]) }] }), ['layers.0.W', 'layers.2.W'])
 * @category folding
 * @since 0.1.0
 */
export const paths = (tree: Tree): ReadonlyArray<string> => {
  const out: string[] = []
  forEachLeaf('Tree.paths', tree, (_, path) => {
    out.push(path)
  })
  return Object.freeze(out)
}

/**
 * The total number of scalars: the sum of the leaves' sizes.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * assert.strictEqual(Tree.size({ W: T.zeros([784, 128]), b: T.zeros([128]) }), 100480)
 * @category folding
 * @since 0.1.0
 */
export const size = (tree: Tree): number => {
  let n = 0
  forEachLeaf('Tree.size', tree, (t) => {
    n += t.size
  })
  return n
}

/**
 * The number of leaves (tensors).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * assert.strictEqual(Tree.count({ W: T.zeros([784, 128]), b: T.zeros([128]), relu: {} }), 2)
 * @category folding
 * @since 0.1.0
 */
export const count = (tree: Tree): number => {
  let n = 0
  forEachLeaf('Tree.count', tree, () => {
    n++
  })
  return n
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * Freezes every array and record of a tree, in place, and returns the same tree (tensors are
 * frozen already). Law runners freeze their inputs to prove that no operation writes to them.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const params = Tree.deepFreeze({ layers: [{ W: T.zeros([2]) }] })
 * assert.ok(Object.isFrozen(params.layers[0]))
 * @category utils
 * @since 0.1.0
 */
export const deepFreeze = <T extends Tree>(tree: T): T => {
  fold<void>('Tree.deepFreeze', tree, {
    leaf: () => undefined,
    array: (_, __, node) => {
      Object.freeze(node)
    },
    record: (_, __, ___, node) => {
      Object.freeze(node)
    },
  })
  return tree
}
