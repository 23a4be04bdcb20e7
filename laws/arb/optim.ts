/** fast-check arbitraries for optimizer laws: those of puregrad/testing, and the few only these laws use. */
import fc from 'fast-check'
import { Tensor as T, Tree } from '../../src/index.js'
import { leafOf, treeLike } from './tree.js'

export { type ParamOptions, type Quadratic, inRange, params, paramsAndGrads, quadratic, quadraticGrad, quadraticValue } from '../../src/testing/optimizer.js'

/** A tree shaped like `t` whose values are all ≥ lo in magnitude (|v| ∈ [lo, 10 + lo]). */
export const awayFromZero = (t: Tree.Tree, lo: number): fc.Arbitrary<Tree.Tree> =>
  treeLike(t).map((g) => Tree.map(g, (x) => T.where(T.greaterEqual(x, 0), T.add(x, lo), T.sub(x, lo))))

/** A float tensor of a given shape with values in [−10, 10]. */
export const tensorOfShape = (shape: ReadonlyArray<number>, dtype: T.DType = 'float64'): fc.Arbitrary<T.Tensor> => leafOf(shape, dtype)

/** Steps at which to read a schedule (whole numbers, most below 2000). */
export const step: fc.Arbitrary<number> = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 1_000_000 }))
