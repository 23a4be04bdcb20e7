/** The type of parameter trees, apart so every module of the folder can name it. */
import type { Tensor } from '../core/Tensor.js'

/**
 * A tensor, a readonly array of trees, or a readonly record of trees. Empty arrays and records
 * are trees too: a layer without parameters has `{}`.
 *
 * Declare record shapes with `type`, not `interface`: only type literals get the implicit index
 * signature that makes `{ W: Tensor; b: Tensor }` a `Tree`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const params: Tree.Tree = { layers: [{ W: T.zeros([2, 3]), b: T.zeros([3]) }, {}] }
 * assert.strictEqual(Tree.count(params), 2)
 * @category model
 * @since 0.1.0
 */
export type Tree = Tensor | ReadonlyArray<Tree> | { readonly [key: string]: Tree }
