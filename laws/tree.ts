/**
 * Laws of parameter trees, as pure functions returning `Equiv`s; `tree.laws.ts` runs them.
 *
 * - functor: `map` keeps identity and composition;
 * - zipping: `zipWith` projects, agrees with `map` on the diagonal, fuses with `map`;
 * - folding: `reduce`, `leaves`, `paths`, `count` and `size` agree, in traversal order;
 * - flattening: tree → θ → tree and θ → tree → θ are exact;
 * - order: insertion order of record keys changes nothing;
 * - structure: `map` keeps it, `checkSameStructure` is reflexive and symmetric and names the path;
 * - purity: no function changes its input.
 *
 * The comparators are written here without the module under test (comparing the code to itself
 * proves nothing).
 */
import * as E from 'fp-ts/lib/Either.js'
import { Tensor as T, Tree } from '../src/index.js'
import { type Comparator, type Equiv, equiv } from './Equiv.js'

type Fn = (leaf: T.Tensor, path: string) => T.Tensor

// -------------------------------------------------------------------------------------
// comparators

const isRec = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u) && !T.isTensor(u)

/** Trees compared node by node (record keys as sets), leaves with a tensor comparator: puregrad/testing's. */
export { treeAllclose, treeExact, treeWith } from '../src/testing/Equiv.js'

/** `Object.is` on numbers, booleans, strings. */
export const same: Comparator<unknown> = (a, b) => Object.is(a, b)

// -------------------------------------------------------------------------------------
// helpers (independent of the module under test)

/** Every value of a tree, with its insertion order of keys and the bits of each number, as text. */
export const snapshot = (t: unknown): string => {
  const num = (v: number): string => (Object.is(v, -0) ? '-0' : String(v))
  const go = (x: unknown): string => {
    if (T.isTensor(x)) return `${x.dtype}[${x.shape.join(',')}](${T.toArray(x).map(num).join(',')})`
    if (Array.isArray(x)) return `[${x.map(go).join(',')}]${Object.isFrozen(x) ? '!' : ''}`
    if (isRec(x)) return `{${Object.keys(x).map((k) => `${JSON.stringify(k)}:${go(x[k])}`).join(',')}}${Object.isFrozen(x) ? '!' : ''}`
    return `?${String(x)}`
  }
  return go(t)
}

/** The same tree with every record's keys inserted in reverse sorted order. */
export const reverseKeys = (t: Tree.Tree): Tree.Tree => {
  if (T.isTensor(t)) return t
  if (Array.isArray(t)) return t.map(reverseKeys)
  const r = t as Readonly<Record<string, Tree.Tree>>
  return Object.fromEntries(Object.keys(r).sort().reverse().map((k) => [k, reverseKeys(r[k]!)]))
}

/** The leaves of a tree in traversal order, computed without the module under test. */
export const referenceLeaves = (t: Tree.Tree): Array<{ path: string; value: T.Tensor }> => {
  const out: Array<{ path: string; value: T.Tensor }> = []
  const go = (x: Tree.Tree, path: string): void => {
    const at = (k: string | number) => (path === '' ? String(k) : `${path}.${k}`)
    if (T.isTensor(x)) out.push({ path, value: x })
    else if (Array.isArray(x)) x.forEach((c: Tree.Tree, i) => go(c, at(i)))
    else {
      const r = x as Readonly<Record<string, Tree.Tree>>
      for (const k of Object.keys(r).sort()) go(r[k]!, at(k))
    }
  }
  go(t, '')
  return out
}

// -------------------------------------------------------------------------------------
// functor

/** map(t, id) ≡ t */
export const identity = (t: Tree.Tree): Equiv<Tree.Tree> => equiv(Tree.map(t, (x) => x), t)

/** map(map(t, f), g) ≡ map(t, g ∘ f) (paths passed through) */
export const composition =
  (f: Fn, g: Fn) =>
  (t: Tree.Tree): Equiv<Tree.Tree> =>
    equiv(Tree.map(Tree.map(t, f), g), Tree.map(t, (x, p) => g(f(x, p), p)))

/** map calls f once per leaf, in traversal order (sorted keys, arrays by index). */
export const mapVisitsInOrder = (t: Tree.Tree): Equiv<string> => {
  const seen: string[] = []
  Tree.map(t, (x, p) => {
    seen.push(p)
    return x
  })
  return equiv(JSON.stringify(seen), JSON.stringify(referenceLeaves(t).map((l) => l.path)))
}

// -------------------------------------------------------------------------------------
// zipping

/** zipWith(a, b, (x, _) => x) ≡ a */
export const zipWithFirst = (a: Tree.Tree, b: Tree.Tree): Equiv<Tree.Tree> => equiv(Tree.zipWith(a, b, (x) => x), a)

/** zipWith(a, b, (_, y) => y) ≡ b */
export const zipWithSecond = (a: Tree.Tree, b: Tree.Tree): Equiv<Tree.Tree> => equiv(Tree.zipWith(a, b, (_, y) => y), b)

/** zipWith(t, t, (x, _, p) => f(x, p)) ≡ map(t, f) */
export const zipWithDiagonal =
  (f: Fn) =>
  (t: Tree.Tree): Equiv<Tree.Tree> =>
    equiv(Tree.zipWith(t, t, (x, _, p) => f(x, p)), Tree.map(t, f))

/** zipWith(map(a, f), b, (x, _, p) => g(x, p)) ≡ map(a, g ∘ f), for f keeping shapes and dtypes */
export const zipWithMapFusion =
  (f: Fn, g: Fn) =>
  (a: Tree.Tree, b: Tree.Tree): Equiv<Tree.Tree> =>
    equiv(Tree.zipWith(Tree.map(a, f), b, (x, _, p) => g(x, p)), Tree.map(a, (x, p) => g(f(x, p), p)))

/** The n-ary and ternary forms pick the right leaves: zipWith((x, y, z) => z, a, b, c) ≡ c, zipWith(a, b, c, (x, y) => y) ≡ b */
export const zipWith3Projections = (a: Tree.Tree, b: Tree.Tree, c: Tree.Tree): Equiv<ReadonlyArray<Tree.Tree>> =>
  equiv([Tree.zipWith((_x, _y, z) => z, a, b, c), Tree.zipWith(a, b, c, (_x, y) => y), Tree.zipWith((x) => x, a, b, c)], [c, b, a])

/** pipe(a, zipWith(b, f)) ≡ zipWith(a, b, f) */
export const zipWithDataLast =
  (f: (x: T.Tensor, y: T.Tensor, p: string) => T.Tensor) =>
  (a: Tree.Tree, b: Tree.Tree): Equiv<Tree.Tree> =>
    equiv(Tree.zipWith(b, f)(a), Tree.zipWith(a, b, f))

// -------------------------------------------------------------------------------------
// folding

/** reduce(t, init, f) ≡ the same fold over leaves(t) */
export const reduceMatchesLeaves =
  <B>(init: B, f: (acc: B, leaf: T.Tensor, path: string) => B) =>
  (t: Tree.Tree): Equiv<B> =>
    equiv(
      Tree.reduce(t, init, f),
      Tree.leaves(t).reduce((acc, l) => f(acc, l.value, l.path), init),
    )

/** leaves(t) ≡ the reference traversal (same paths, same tensor objects, same order) */
export const leavesMatchReference = (t: Tree.Tree): Equiv<boolean> => {
  const got = Tree.leaves(t)
  const want = referenceLeaves(t)
  return equiv(got.length === want.length && got.every((l, i) => l.path === want[i]!.path && l.value === want[i]!.value), true)
}

/** paths, count and size agree with leaves */
export const countsMatchLeaves = (t: Tree.Tree): Equiv<string> => {
  const ls = Tree.leaves(t)
  return equiv(
    JSON.stringify([Tree.paths(t), Tree.count(t), Tree.size(t)]),
    JSON.stringify([ls.map((l) => l.path), ls.length, ls.reduce((n, l) => n + l.value.size, 0)]),
  )
}

// -------------------------------------------------------------------------------------
// flattening

/** flatten(t).unflatten(flatten(t).theta) ≡ t, bit for bit */
export const flattenRoundTrip = (t: Tree.Tree): Equiv<Tree.Tree> => {
  const { theta, unflatten } = Tree.flatten(t)
  return equiv(unflatten(theta), t)
}

/** θ is float64 of shape [size(t)] and holds the leaves' values in traversal order */
export const flattenConcatenatesLeaves = (t: Tree.Tree): Equiv<T.Tensor> => {
  const values = referenceLeaves(t).flatMap((l) => T.toArray(l.value))
  return equiv(Tree.flatten(t).theta, T.fromArray(values, [values.length], 'float64'))
}

/** flatten(unflatten(θ)).theta ≡ θ, for θ whose values fit the leaves' dtypes */
export const thetaRoundTrip = (t: Tree.Tree, theta: T.Tensor): Equiv<T.Tensor> =>
  equiv(Tree.flatten(Tree.flatten(t).unflatten(theta)).theta, theta)

/** unflattenLike(t, θ) ≡ flatten(t).unflatten(θ), and the data-last form agrees */
export const unflattenLikeAgrees = (t: Tree.Tree, theta: T.Tensor): Equiv<ReadonlyArray<Tree.Tree>> => {
  const want = Tree.flatten(t).unflatten(theta)
  return equiv([Tree.unflattenLike(t, theta), Tree.unflattenLike(theta)(t)], [want, want])
}

/** the segments of flatten tile θ in traversal order */
export const segmentsTileTheta = (t: Tree.Tree): Equiv<string> => {
  let offset = 0
  const want = referenceLeaves(t).map((l) => {
    const s = { path: l.path, offset, size: l.value.size, shape: l.value.shape, dtype: l.value.dtype }
    offset += l.value.size
    return s
  })
  return equiv(JSON.stringify(Tree.flatten(t).segments), JSON.stringify(want))
}

// -------------------------------------------------------------------------------------
// order and structure

/** inserting record keys in another order changes neither the paths nor θ */
export const keyOrderIrrelevant = (t: Tree.Tree): Equiv<ReadonlyArray<unknown>> => {
  const r = reverseKeys(t)
  return equiv([Tree.paths(r).join('|'), Tree.flatten(r).theta, JSON.stringify(Tree.structure(r))], [
    Tree.paths(t).join('|'),
    Tree.flatten(t).theta,
    JSON.stringify(Tree.structure(t)),
  ])
}

/** structure(map(t, f)) ≡ structure(t), for f keeping shapes and dtypes */
export const structurePreservedByMap =
  (f: Fn) =>
  (t: Tree.Tree): Equiv<string> =>
    equiv(JSON.stringify(Tree.structure(Tree.map(t, f))), JSON.stringify(Tree.structure(t)))

/** paths(map(t, f)) ≡ paths(t), for any f */
export const pathsPreservedByMap =
  (f: Fn) =>
  (t: Tree.Tree): Equiv<string> =>
    equiv(Tree.paths(Tree.map(t, f)).join('|'), Tree.paths(t).join('|'))

/** checkSameStructure(t, map(t, f)) succeeds, for f keeping shapes and dtypes (and so for t, t) */
export const sameStructureReflexive =
  (f: Fn) =>
  (t: Tree.Tree): Equiv<boolean> =>
    equiv(E.isRight(Tree.checkSameStructure(t, Tree.map(t, f))), true)

/** checkSameStructure(a, b) succeeds exactly when checkSameStructure(b, a) does, and agrees with structure() */
export const sameStructureSymmetric = (a: Tree.Tree, b: Tree.Tree): Equiv<ReadonlyArray<boolean>> => {
  const ab = E.isRight(Tree.checkSameStructure(a, b))
  return equiv([ab, ab], [E.isRight(Tree.checkSameStructure(b, a)), JSON.stringify(Tree.structure(a)) === JSON.stringify(Tree.structure(b))])
}

/**
 * Changing the shape of the leaf at `path` (and nothing else) makes checkSameStructure fail with
 * TREE_MISMATCH, naming that path.
 */
export const mismatchNamesPath = (t: Tree.Tree, path: string): Equiv<string> => {
  const u = Tree.map(t, (x, p) => (p === path ? T.fromArray(T.toTypedArray(x), [...x.shape, 1], x.dtype) : x))
  const r = Tree.checkSameStructure(t, u)
  const shown = path === '' ? 'the root' : `'${path}'`
  return equiv(E.isLeft(r) ? `${r.left.code} ${r.left.message.includes(`differ at ${shown}`)}` : 'Right', 'TREE_MISMATCH true')
}

// -------------------------------------------------------------------------------------
// purity

/** run(t) leaves t as it was: same keys in the same order, same tensors, same bits */
export const doesNotMutate =
  (run: (t: Tree.Tree) => unknown) =>
  (t: Tree.Tree): Equiv<string> => {
    const before = snapshot(t)
    run(t)
    return equiv(snapshot(t), before)
  }
