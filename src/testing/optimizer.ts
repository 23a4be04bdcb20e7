/**
 * fast-check arbitraries for optimizers: optimizer configurations (an alias with random
 * hyperparameters), parameter trees with float leaves, gradient sequences, convex quadratics.
 */
import fc from 'fast-check'
import * as Optim from '../optim/index.js'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { tree, treeLike } from './tree.js'

const FLOATS: ReadonlyArray<T.DType> = ['float32', 'float64']

/** The dtypes of random parameter leaves. @category arbitraries */
export interface ParamOptions {
  /** dtypes of the leaves (default float32 and float64) */
  readonly dtypes?: ReadonlyArray<T.DType>
}

/**
 * A parameter tree with at least one leaf, float leaves only (rank 0–3, sizes 1–3), values in
 * [−10, 10]; keys include awkward ones ('__proto__', 'x.y', '').
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tree } from 'puregrad'
 * import { fc, params } from 'puregrad/testing'
 * for (const p of fc.sample(params({ dtypes: ['float32'] }), 10)) assert.ok(Tree.leaves(p).every((l) => l.value.dtype === 'float32'))
 * ```
 * @category arbitraries
 */
export const params = (o: ParamOptions = {}): fc.Arbitrary<Tree.Tree> =>
  tree({ dtypes: o.dtypes ?? FLOATS, minDim: 1, maxDim: 3, maxDepth: 2, maxChildren: 3 }).filter((t) => Tree.count(t) > 0)

/**
 * A tree shaped like `t` with values in [lo, hi].
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { fc, inRange } from 'puregrad/testing'
 * const [u] = fc.sample(inRange(T.zeros([5], 'float64'), 2, 3), 1)
 * assert.ok(T.toArray(u as T.Tensor).every((v) => v >= 2 && v <= 3))
 * ```
 * @category arbitraries
 */
export const inRange = (t: Tree.Tree, lo: number, hi: number): fc.Arbitrary<Tree.Tree> =>
  treeLike(t).map((g) => Tree.map(g, (x) => T.add(T.mul(T.add(x, 10), (hi - lo) / 20), lo)))

/**
 * Parameters and `n` gradient trees of their structure.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tree } from 'puregrad'
 * import { fc, paramsAndGrads } from 'puregrad/testing'
 * const [[p, gs]] = fc.sample(paramsAndGrads(3), 1) as [[Tree.Tree, Tree.Tree[]]]
 * assert.equal(gs.length, 3)
 * assert.deepEqual(Tree.paths(gs[0]!), Tree.paths(p))
 * ```
 * @category arbitraries
 */
export const paramsAndGrads = (n: number, o: ParamOptions = {}): fc.Arbitrary<[Tree.Tree, Tree.Tree[]]> =>
  params(o).chain((p) => fc.tuple(fc.constant(p), fc.array(treeLike(p), { minLength: n, maxLength: n })))

/** A convex quadratic f(θ) = ½ Σ a ⊙ (θ − c)², a ∈ [0.5, 2], with a start θ₀ (float64 leaves). @category arbitraries */
export interface Quadratic {
  readonly curvature: Tree.Tree
  readonly center: Tree.Tree
  readonly start: Tree.Tree
}

/**
 * f(θ) of a quadratic, in float64.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { quadraticValue } from 'puregrad/testing'
 * const q = { curvature: T.tensor([2], 'float64'), center: T.tensor([1], 'float64'), start: T.tensor([0], 'float64') }
 * assert.equal(quadraticValue(q, T.tensor([3], 'float64')), 4)
 * ```
 * @category arbitraries
 */
export const quadraticValue = (q: Quadratic, theta: Tree.Tree): number => {
  const a = Tree.flatten(q.curvature).theta
  const d = T.sub(Tree.flatten(theta).theta, Tree.flatten(q.center).theta)
  return 0.5 * T.item(T.sum(T.mul(a, T.square(d))))
}

/**
 * ∇f(θ) = a ⊙ (θ − c), leaf by leaf.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { quadraticGrad } from 'puregrad/testing'
 * const q = { curvature: T.tensor([2], 'float64'), center: T.tensor([1], 'float64'), start: T.tensor([0], 'float64') }
 * assert.deepEqual(T.toArray(quadraticGrad(q, T.tensor([3], 'float64')) as T.Tensor), [4])
 * ```
 * @category arbitraries
 */
export const quadraticGrad = (q: Quadratic, theta: Tree.Tree): Tree.Tree =>
  Tree.zipWith((x, a, c) => T.mul(a, T.sub(x, c)), theta, q.curvature, q.center)

/** Random convex quadratics with a start where f(θ₀) > 0.01 (see `Quadratic`). @category arbitraries */
export const quadratic: fc.Arbitrary<Quadratic> = params({ dtypes: ['float64'] }).chain((p) =>
  fc
    .tuple(inRange(p, 0.5, 2), inRange(p, -2, 2), inRange(p, -2, 2))
    .map(([curvature, center, start]) => ({ curvature, center, start }))
    .filter((q) => quadraticValue(q, q.start) > 1e-2),
)

/** An optimizer drawn by `optimizer`: its alias, learning rate and options, and the transformation they build. @category arbitraries */
export interface OptimizerConfig {
  readonly name: 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'nadam' | 'lion'
  readonly learningRate: number
  readonly options: Readonly<Record<string, number | boolean>>
  readonly tx: Optim.GradientTransformation<unknown>
}

const configOf = (name: OptimizerConfig['name'], learningRate: number, options: Readonly<Record<string, number | boolean>>): OptimizerConfig => {
  const tx = Optim[name](learningRate, options as never) as Optim.GradientTransformation<unknown>
  // fast-check prints this in counterexamples
  return { name, learningRate, options, tx, toString: () => `Optim.${name}(${learningRate}, ${JSON.stringify(options)})` } as OptimizerConfig
}

/**
 * A random optimizer configuration: one of sgd (with or without (Nesterov) momentum), adam,
 * adamw, rmsprop, adagrad, nadam or lion, with a learning rate in [1e-3, 0.1] and random
 * options, and the transformation built from them (its `toString` shows the call).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { fc, optimizer } from 'puregrad/testing'
 * for (const c of fc.sample(optimizer(), 10)) {
 *   const params = { w: T.tensor([1, 2]) }
 *   const [u] = c.tx.update({ w: T.tensor([1, 1]) }, c.tx.init(params), params)
 *   assert.deepEqual((u as { w: T.Tensor }).w.shape, [2])
 * }
 * ```
 * @category arbitraries
 */
export const optimizer = (): fc.Arbitrary<OptimizerConfig> => {
  const lr = fc.double({ min: 1e-3, max: 0.1, noNaN: true })
  const unit = (min: number, max: number) => fc.double({ min, max, noNaN: true })
  return fc.oneof(
    fc.tuple(lr, fc.record({ momentum: unit(0, 0.95), nesterov: fc.boolean() }, { requiredKeys: [] })).map(([r, o]) => configOf('sgd', r, o)),
    fc.tuple(lr, fc.record({ b1: unit(0.5, 0.95), b2: unit(0.9, 0.999), amsgrad: fc.boolean() }, { requiredKeys: [] })).map(([r, o]) => configOf('adam', r, o)),
    fc.tuple(lr, fc.record({ weightDecay: unit(0, 0.1) }, { requiredKeys: [] })).map(([r, o]) => configOf('adamw', r, o)),
    fc.tuple(lr, fc.record({ alpha: unit(0.8, 0.99), momentum: unit(0, 0.9), centered: fc.boolean() }, { requiredKeys: [] })).map(([r, o]) => configOf('rmsprop', r, o)),
    lr.map((r) => configOf('adagrad', r, {})),
    lr.map((r) => configOf('nadam', r, {})),
    fc.tuple(lr, fc.record({ b1: unit(0.5, 0.95), b2: unit(0.9, 0.999) }, { requiredKeys: [] })).map(([r, o]) => configOf('lion', r, o)),
  )
}
