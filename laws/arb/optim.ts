/** fast-check arbitraries for optimizer laws: parameter trees with float leaves, gradient sequences, quadratics. */
import fc from 'fast-check'
import { Tensor as T, Tree } from '../../src/index.js'
import { leafOf, tree, treeLike } from './tree.js'

const FLOATS: ReadonlyArray<T.DType> = ['float32', 'float64']

export interface ParamOptions {
  /** dtypes of the leaves (default float32 and float64) */
  readonly dtypes?: ReadonlyArray<T.DType>
}

/**
 * A parameter tree with at least one leaf, float leaves only (rank 0–3, sizes 1–3), values in
 * [−10, 10]; keys include awkward ones ('__proto__', 'x.y', '').
 */
export const params = (o: ParamOptions = {}): fc.Arbitrary<Tree.Tree> =>
  tree({ dtypes: o.dtypes ?? FLOATS, minDim: 1, maxDim: 3, maxDepth: 2, maxChildren: 3 }).filter((t) => Tree.count(t) > 0)

/** A tree shaped like `t` whose values are all ≥ lo in magnitude (|v| ∈ [lo, 10 + lo]). */
export const awayFromZero = (t: Tree.Tree, lo: number): fc.Arbitrary<Tree.Tree> =>
  treeLike(t).map((g) => Tree.map(g, (x) => T.where(T.greaterEqual(x, 0), T.add(x, lo), T.sub(x, lo))))

/** A tree shaped like `t` with values in [lo, hi]. */
export const inRange = (t: Tree.Tree, lo: number, hi: number): fc.Arbitrary<Tree.Tree> =>
  treeLike(t).map((g) => Tree.map(g, (x) => T.add(T.mul(T.add(x, 10), (hi - lo) / 20), lo)))

/** Parameters and `n` gradient trees of their structure. */
export const paramsAndGrads = (n: number, o: ParamOptions = {}): fc.Arbitrary<[Tree.Tree, Tree.Tree[]]> =>
  params(o).chain((p) => fc.tuple(fc.constant(p), fc.array(treeLike(p), { minLength: n, maxLength: n })))

/** A convex quadratic f(θ) = ½ Σ a ⊙ (θ − c)², a ∈ [0.5, 2], with a start θ₀ (float64 leaves). */
export interface Quadratic {
  readonly curvature: Tree.Tree
  readonly center: Tree.Tree
  readonly start: Tree.Tree
}

export const quadratic: fc.Arbitrary<Quadratic> = params({ dtypes: ['float64'] }).chain((p) =>
  fc
    .tuple(inRange(p, 0.5, 2), inRange(p, -2, 2), inRange(p, -2, 2))
    .map(([curvature, center, start]) => ({ curvature, center, start }))
    .filter((q) => quadraticValue(q, q.start) > 1e-2),
)

/** f(θ) of a quadratic, in float64. */
export const quadraticValue = (q: Quadratic, theta: Tree.Tree): number => {
  const a = Tree.flatten(q.curvature).theta
  const d = T.sub(Tree.flatten(theta).theta, Tree.flatten(q.center).theta)
  return 0.5 * T.item(T.sum(T.mul(a, T.square(d))))
}

/** ∇f(θ) = a ⊙ (θ − c), leaf by leaf. */
export const quadraticGrad = (q: Quadratic, theta: Tree.Tree): Tree.Tree =>
  Tree.zipWith((x, a, c) => T.mul(a, T.sub(x, c)), theta, q.curvature, q.center)

/** A float tensor of a given shape with values in [−10, 10]. */
export const tensorOfShape = (shape: ReadonlyArray<number>, dtype: T.DType = 'float64'): fc.Arbitrary<T.Tensor> => leafOf(shape, dtype)

/** Steps at which to read a schedule (whole numbers, most below 2000). */
export const step: fc.Arbitrary<number> = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 1_000_000 }))
