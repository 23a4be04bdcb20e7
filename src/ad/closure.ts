/**
 * Closure conversion for the bodies of compound operations (`scan`, `checkpoint`).
 *
 * A body is an ordinary function that may use tensors from outside it: weights it closes over,
 * possibly traced by the transformations running around the compound. Interpreters need those
 * values as explicit inputs of the compound (a gradient must reach the weights an RNN cell
 * closes over), and each compound rule must be able to run the body with them replaced (by
 * their primals, duals of a new level, a batch). So:
 *
 * - `probe` runs the body once on concrete stand-ins, with every traced value from outside
 *   that reaches an operation replaced by a stand-in too, and returns those values: the
 *   body's hidden inputs (its constants);
 * - `within(consts)` runs the body with each constant replaced by a given value, wherever an
 *   operation meets it: a substitution installed in `bind` for the duration of the call.
 *
 * A body is run under the substitution that was in force where it was made (an enclosing
 * body's), so bodies nest, and a pullback that runs a body later still sees the values it
 * closed over. The body must not read the values of its inputs (with `toArray`, `item`…): as
 * under `vmap`, they are not the values of every step.
 * @internal
 */
import { sameShape } from '../core/shape.js'
import { type Tensor, viewOf } from '../core/Tensor.js'
import { type Rewrite, concrete, currentRewrite, liveBox, newLevelId, withRewrite } from '../prims/bind.js'

/**
 * A concrete tensor of `x`'s shape holding `x`'s values where `x` has them: its concrete value
 * under differentiation, the elements its buffer shows under `vmap`.
 */
export const standIn = (x: Tensor): Tensor => {
  const c = concrete(x)
  return sameShape(c.shape, x.shape) ? c : viewOf(x, x.shape)
}

/** Runs `g` with the body's constants replaced; `sub` applies the same replacement to values the body returns. */
export type Within = <R>(ks: ReadonlyArray<Tensor>, g: (sub: Rewrite) => R) => R

export interface Probed<R> {
  readonly result: R
  /** the traced values from outside that the body used, in the order it met them */
  readonly consts: ReadonlyArray<Tensor>
  /** their stand-ins, one per constant */
  readonly standIns: ReadonlyArray<Tensor>
  /** the substitution in force where the body was made */
  readonly ambient: Rewrite | undefined
}

/**
 * Runs `g` (the body on stand-in inputs) recording the traced values from outside it that
 * reach an operation or its result; `g` receives the replacement to apply to what it returns.
 */
export const probe = <R>(op: string, g: (sub: Rewrite) => R): Probed<R> => {
  const ambient = currentRewrite()
  // levels started inside the body have higher numbers; their values are the body's own
  const outside = newLevelId()
  const found = new Map<Tensor, Tensor>()
  const lift: Rewrite = (x) => {
    const y = ambient === undefined ? x : ambient(x)
    const b = liveBox(op, y)
    if (b === undefined || b.level.id > outside) return y
    let s = found.get(y)
    if (s === undefined) found.set(y, (s = standIn(y)))
    return s
  }
  const result = withRewrite(lift, () => g(lift))
  return { result, consts: [...found.keys()], standIns: [...found.values()], ambient }
}

/** Runs bodies with the constants `consts` (found by `probe`) replaced by given values. */
export const within =
  (ambient: Rewrite | undefined, consts: ReadonlyArray<Tensor>): Within =>
  (ks, g) => {
    if (consts.length === 0) return withRewrite(ambient, () => g(ambient ?? ((x) => x)))
    const map = new Map<Tensor, Tensor>()
    consts.forEach((c, i) => map.set(c, ks[i]!))
    const sub: Rewrite = ambient === undefined ? (x) => map.get(x) ?? x : (x) => {
      const y = ambient(x)
      return map.get(y) ?? y
    }
    return withRewrite(sub, () => g(sub))
  }
