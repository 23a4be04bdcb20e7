/**
 * Weight penalties (source notes 000, 004). By default they cover the weights only, not the
 * biases: the leaves of rank ≥ 2 (dense and convolution kernels, embeddings), leaving out
 * biases and batch-norm scales and offsets. A selector chooses otherwise.
 */
import { fail } from '../core/errors.js'
import { type Tensor, checkTensor } from '../core/Tensor.js'
import * as T from '../tensor/index.js'
import * as Tr from '../tree/index.js'

/** Chooses the leaves a penalty covers, by path and value. */
export type Selector = (path: string, leaf: Tensor) => boolean

/**
 * The default selector of the penalties: weights, i.e. leaves of rank ≥ 2 (biases left out).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Loss, Tensor as T } from 'puregrad'
 * assert.ok(Loss.weightsOnly('layers.0.W', T.zeros([3, 2])))
 * assert.ok(!Loss.weightsOnly('layers.0.b', T.zeros([2])))
 */
export const weightsOnly: Selector = (_, leaf) => checkTensor('weightsOnly', leaf, 'the leaf (argument 2)').rank >= 2

const total = (op: string, params: Tr.Tree, lambda: number, select: Selector, term: (w: Tensor) => Tensor): Tensor => {
  if (!(lambda >= 0 && Number.isFinite(lambda))) fail('INVALID_ARGUMENT', op, `lambda must be a finite number ≥ 0; got ${lambda}.`)
  const terms = Tr.leaves(params).filter(({ path, value }) => select(path, value)).map(({ value }) => T.sum(term(value)))
  if (terms.length === 0) return T.scalar(0, Tr.leaves(params)[0]?.value.dtype ?? 'float32')
  return T.mul(terms.reduce((a, b) => T.add(a, b)), lambda)
}

/**
 * L2 penalty (λ/2)·Σ‖W‖²_F over the selected leaves. For the notes' λ/(2m)·‖W‖²_F, with m the
 * number of examples, pass λ/m.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Loss, Tensor as T } from 'puregrad'
 * // (0.1 / 2)·(1² + 2²); the bias b is left out
 * const p = { W: T.tensor([[1, 2]]), b: T.tensor([5]) }
 * assert.strictEqual(T.item(Loss.l2(p, 0.1)), 0.25)
 * @category penalties
 */
export const l2 = (params: Tr.Tree, lambda: number, select: Selector = weightsOnly): Tensor =>
  T.mul(total('l2', params, lambda, select, T.square), 0.5)

/**
 * L1 penalty λ·Σ|W| over the selected leaves (its subgradient at 0 is 0).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Loss, Tensor as T } from 'puregrad'
 * const p = { W: T.tensor([[1, -2]]), b: T.tensor([5]) }
 * assert.ok(Math.abs(T.item(Loss.l1(p, 0.1)) - 0.3) < 1e-6)
 * // a selector that takes every leaf includes the bias: 0.1·(1 + 2 + 5)
 * assert.ok(Math.abs(T.item(Loss.l1(p, 0.1, () => true)) - 0.8) < 1e-6)
 * @category penalties
 */
export const l1 = (params: Tr.Tree, lambda: number, select: Selector = weightsOnly): Tensor => total('l1', params, lambda, select, T.abs)
