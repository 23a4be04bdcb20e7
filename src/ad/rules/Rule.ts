/**
 * The derivative rules of a primitive, keyed by its name in one table (`table.ts`) whose type
 * the compiler checks complete. Rules are written with the public tensor operations, so they
 * are differentiable themselves (that is what makes `jvp(grad(f))` and `hessian` work).
 * @internal
 */
import type { Tensor } from '../../core/Tensor.js'
import type { Prim, PrimParams } from '../../prims/Prim.js'

/** A tangent or cotangent; `null` is a symbolic zero (nothing flows). */
export type Linear = Tensor | null

/**
 * How derivatives flow through one primitive.
 *
 * - `jvp` maps input tangents to the output tangent (forward mode).
 * - `vjp` maps the output cotangent to one cotangent per input (reverse mode), each at the
 *   input's shape or at a shape that broadcasts to it: the reverse interpreter sums cotangents
 *   over broadcast axes in one place, and the forward interpreter broadcasts tangents to the
 *   output shape in one place.
 */
export interface Rule<P extends Prim> {
  readonly jvp: (primals: ReadonlyArray<Tensor>, tangents: ReadonlyArray<Linear>, out: Tensor, params: PrimParams[P]) => Linear
  /**
   * `needs[i]` says whether input i wants a cotangent (it does not when it is a constant of the
   * differentiation); rules may return null for the others instead of computing them.
   */
  readonly vjp: (ct: Tensor, primals: ReadonlyArray<Tensor>, out: Tensor, params: PrimParams[P], needs: ReadonlyArray<boolean>) => ReadonlyArray<Linear>
  /**
   * Where the primitive is not differentiable (a kink or a jump), its signed kink coordinate:
   * a tensor whose sign says on which side of a kink each element lies and whose magnitude
   * says how far it is. Gradient checking uses it to move points off kinks and to skip finite
   * differences that straddle one. At a kink the rules return a declared subgradient.
   */
  readonly kink?: (primals: ReadonlyArray<Tensor>, params: PrimParams[P]) => Tensor
  /**
   * True when nothing ever flows through the output (comparisons, argmax, stopGradient…):
   * interpreters then return the plain value, untraced, instead of recording it.
   */
  readonly constant?: true
  /**
   * The batching rule (`vmap`): given the primals, each with its batch axis (null for an input
   * that is the same for every example) and the batch size, the output and its batch axis.
   * Rules move batch axes to the front where they must and apply the primitive once, with one
   * more leading axis (see `batch.ts` for the shared forms).
   */
  readonly batch: BatchRule<P>
}

/** A batch axis, or null for a value shared by every example. */
export type Axis = number | null

/** What a batching rule knows besides the primals: the batch size and the primitive it batches. */
export interface BatchContext<P extends Prim> {
  readonly size: number
  readonly prim: P
}

export type BatchRule<P extends Prim> = (primals: ReadonlyArray<Tensor>, axes: ReadonlyArray<Axis>, params: PrimParams[P], cx: BatchContext<P>) => readonly [Tensor, Axis]

export type RuleTable = { readonly [P in Prim]: Rule<P> }
