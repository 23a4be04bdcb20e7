/**
 * User-defined derivative rules: a function of tensors becomes a primitive of its own, so the
 * interpreters use the given rule instead of tracing its body. A mode whose rule is not given
 * traces the body as usual.
 */
import { fail } from '../core/errors.js'
import type { Tensor } from '../core/Tensor.js'
import { bind } from '../prims/bind.js'
import type { CustomRule } from '../prims/Prim.js'

/** Rules of a custom primitive. */
export interface CustomRules {
  /** tangent of the output from the inputs, their tangents (zeros where none flows) and the output */
  readonly jvp?: (primals: ReadonlyArray<Tensor>, tangents: ReadonlyArray<Tensor>, out: Tensor) => Tensor
  /** one cotangent per input (null for none) from the output cotangent, the inputs and the output */
  readonly vjp?: (ct: Tensor, primals: ReadonlyArray<Tensor>, out: Tensor) => ReadonlyArray<Tensor | null>
}

/**
 * Gives a function of tensors its own derivative rules, e.g. a numerically safer derivative
 * or a straight-through estimator. The rules must themselves use `Tensor` operations, so they
 * can be differentiated again.
 *
 * @example
 * // straight-through rounding: rounds going forward, passes gradients unchanged going back
 * const roundST = custom('roundST', (x) => Tensor.round(x), { jvp: (_, [t]) => t!, vjp: (g) => [g] })
 * assert.deepStrictEqual(Tensor.toArray(grad((x: Tensor.Tensor) => Tensor.sum(roundST(x)))(Tensor.tensor([0.3]))), [1])
 * @category custom rules
 */
export const custom = (name: string, f: (...xs: Tensor[]) => Tensor, rules: CustomRules): ((...xs: Tensor[]) => Tensor) => {
  if (typeof f !== 'function') fail('INVALID_ARGUMENT', 'custom', `${name}: the function to wrap is missing.`)
  const rule: CustomRule = { name, f, jvp: rules.jvp, vjp: rules.vjp }
  return (...xs) => bind('custom', xs, { rule })
}

/** `custom` with a JVP rule only (reverse mode traces the body). @category custom rules */
export const customJvp = (name: string, f: (...xs: Tensor[]) => Tensor, jvp: NonNullable<CustomRules['jvp']>): ((...xs: Tensor[]) => Tensor) =>
  custom(name, f, { jvp })

/** `custom` with a VJP rule only (forward mode traces the body). @category custom rules */
export const customVjp = (name: string, f: (...xs: Tensor[]) => Tensor, vjp: NonNullable<CustomRules['vjp']>): ((...xs: Tensor[]) => Tensor) =>
  custom(name, f, { vjp })
