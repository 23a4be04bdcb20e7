/**
 * User-defined derivative rules: a function of tensors becomes a primitive of its own, so the
 * interpreters use the given rule instead of tracing its body. A mode whose rule is not given
 * traces the body as usual.
 */
import { checkFunction, checkRecord, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { type Tensor, checkTensor } from '../core/Tensor.js'
import { bind } from '../prims/bind.js'
import type { CustomRule } from '../prims/Prim.js'

/** Rules of a custom primitive. */
export interface CustomRules {
  /** tangent of the output from the inputs, their tangents (zeros where none flows) and the output */
  readonly jvp?: (primals: ReadonlyArray<Tensor>, tangents: ReadonlyArray<Tensor>, out: Tensor) => Tensor
  /** one cotangent per input (null for none) from the output cotangent, the inputs and the output */
  readonly vjp?: (ct: Tensor, primals: ReadonlyArray<Tensor>, out: Tensor) => ReadonlyArray<Tensor | null>
  /**
   * the batching rule under `vmap`: the output for a whole batch, from the inputs with their
   * batch axis first (`batched[i]`; an input every example shares, `batched[i]` false, comes as
   * it is) and the batch size; it returns the examples' outputs stacked along a first axis.
   * Without it, `vmap` calls the function once per example and stacks the results. With it,
   * transformations inside the map (`vmap(grad(f))`) use the derivative rules above, and those
   * outside it (`grad(vmap(f))`) differentiate the batch rule's own tensor operations.
   */
  readonly batch?: (xs: ReadonlyArray<Tensor>, batched: ReadonlyArray<boolean>, size: number) => Tensor
}

/**
 * Gives a function of tensors its own derivative rules, e.g. a numerically safer derivative
 * or a straight-through estimator. The rules must themselves use `Tensor` operations, so they
 * can be differentiated again. Under `vmap` the function runs once per example, unless a
 * `batch` rule says how to compute a whole batch at once.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * // straight-through rounding: rounds going forward, passes gradients unchanged going back
 * const roundST = Ad.custom('roundST', (x) => T.round(x), { jvp: (_, [t]) => t!, vjp: (g) => [g] })
 * const x = T.tensor([0.3, 1.6])
 * assert.deepStrictEqual(T.toArray(roundST(x)), [0, 2])
 * assert.deepStrictEqual(T.toArray(Ad.grad((x: T.Tensor) => T.sum(roundST(x)))(x)), [1, 1])
 * // a batch rule: under vmap, one call on the whole batch (an elementwise function is its own)
 * let calls = 0
 * const roundB = Ad.custom('roundB', (x) => T.round(x), { vjp: (g) => [g], batch: ([xs]) => (calls++, T.round(xs!)) })
 * assert.deepStrictEqual(T.toNested(Ad.vmap(roundB)(T.tensor([[0.3, 1.6], [2.4, 3.5]]))), [[0, 2], [2, 4]])
 * assert.strictEqual(calls, 1)
 * @category custom rules
 */
export const custom = (name: string, f: (...xs: Tensor[]) => Tensor, rules: CustomRules): ((...xs: Tensor[]) => Tensor) => customAs('custom', name, f, rules)

/** `custom` under the name of the public function called, refusing arguments of the wrong type when the primitive is made. */
const customAs = (op: string, name: string, f: (...xs: Tensor[]) => Tensor, rules: CustomRules): ((...xs: Tensor[]) => Tensor) => {
  if (typeof name !== 'string') fail('INVALID_ARGUMENT', op, `the name (argument 1) is ${describe(name)}; pass a string that names the primitive in messages, e.g. 'roundST'.`)
  checkFunction(op, `the function to wrap (argument 2) of ${JSON.stringify(name)}`, f)
  checkRecord(op, 'the rules (argument 3)', rules, 'a record { jvp?, vjp?, batch? } of derivative and batching rules')
  checkOptions(op, rules, ['jvp', 'vjp', 'batch'])
  if (rules.jvp !== undefined) checkFunction(op, 'the jvp rule', rules.jvp)
  if (rules.vjp !== undefined) checkFunction(op, 'the vjp rule', rules.vjp)
  if (rules.batch !== undefined) checkFunction(op, 'the batch rule', rules.batch)
  const rule: CustomRule = { name, f, jvp: rules.jvp, vjp: rules.vjp, batch: rules.batch }
  return (...xs) => {
    for (let i = 0; i < xs.length; i++) checkTensor(name, xs[i], `argument ${i + 1}`)
    return bind('custom', xs, { rule })
  }
}

/**
 * `custom` with a JVP rule only (reverse mode traces the body).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * // log(1 + eˣ) written so it never overflows; traced, its kinks at 0 give the derivative 0
 * const body = (x: T.Tensor) => T.add(T.relu(x), T.log1p(T.exp(T.neg(T.abs(x)))))
 * const softplus = Ad.customJvp('softplus', body, ([x], [t]) => T.mul(t!, T.sigmoid(x!)))
 * const x = T.tensor([0, 1000])
 * assert.deepStrictEqual(T.toArray(Ad.jvp(body, [x], [T.ones([2])])[1]), [0, 1])
 * assert.deepStrictEqual(T.toArray(Ad.jvp(softplus, [x], [T.ones([2])])[1]), [0.5, 1])
 * // reverse mode still traces the body: give both rules to `custom` to change it too
 * assert.deepStrictEqual(T.toArray(Ad.grad((x: T.Tensor) => T.sum(softplus(x)))(x)), [0, 1])
 * @category custom rules
 */
export const customJvp = (name: string, f: (...xs: Tensor[]) => Tensor, jvp: NonNullable<CustomRules['jvp']>): ((...xs: Tensor[]) => Tensor) =>
  customAs('customJvp', name, f, { jvp: checkFunction('customJvp', 'the jvp rule (argument 3)', jvp) })

/**
 * `custom` with a VJP rule only (forward mode traces the body).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * // the identity going forward; going back, the gradient is clipped to [-1, 1]
 * const clipGrad = Ad.customVjp('clipGrad', (x) => x, (g) => [T.clip(g, -1, 1)])
 * const f = (x: T.Tensor) => T.sum(T.mul(clipGrad(x), 5))
 * assert.deepStrictEqual(T.toArray(Ad.grad(f)(T.tensor([0, 1]))), [1, 1])
 * // forward mode traces the body, so the tangent is not clipped: 5·1 + 5·1
 * assert.strictEqual(T.item(Ad.jvp(f, [T.tensor([0, 1])], [T.ones([2])])[1]), 10)
 * @category custom rules
 */
export const customVjp = (name: string, f: (...xs: Tensor[]) => Tensor, vjp: NonNullable<CustomRules['vjp']>): ((...xs: Tensor[]) => Tensor) =>
  customAs('customVjp', name, f, { vjp: checkFunction('customVjp', 'the vjp rule (argument 3)', vjp) })
