/**
 * The closed set of primitives: the operations every other operation is built from, and the
 * only ones the differentiation interpreters know about.
 *
 * `PrimParams` maps each primitive's name to its static parameters; `Prim` is its keys. The
 * rule table (`table.ts`) is typed `{ [P in Prim]: Primitive<P> }`, so adding a name here
 * fails to compile until the primitive has an evaluation, a JVP rule and a VJP rule.
 * @internal
 */
import type { DType } from '../core/dtype.js'
import type { Shape } from '../core/shape.js'
import type { Tensor } from '../core/Tensor.js'
import type { BinaryOp, Conv2dSpec, Pool2dSpec, UnaryOp } from '../kernels/Kernels.js'

type NoParams = Record<string, never>

export interface Reduction {
  /** sorted, normalised axes */
  readonly axes: ReadonlyArray<number>
  readonly keepdims: boolean
}

/** A user-defined primitive (see `Ad.custom`). */
export interface CustomRule {
  readonly name: string
  readonly f: (...xs: Tensor[]) => Tensor
  readonly jvp?: ((primals: ReadonlyArray<Tensor>, tangents: ReadonlyArray<Tensor>, out: Tensor) => Tensor) | undefined
  readonly vjp?: ((ct: Tensor, primals: ReadonlyArray<Tensor>, out: Tensor) => ReadonlyArray<Tensor | null>) | undefined
}

export type PrimParams = { readonly [P in UnaryOp | BinaryOp | 'where' | 'stopGradient']: NoParams } & {
  readonly matmul: { readonly transA: boolean; readonly transB: boolean }
  readonly sum: Reduction
  readonly mean: Reduction
  readonly max: Reduction
  readonly min: Reduction
  readonly argmax: { readonly axis: number; readonly keepdims: boolean }
  readonly argmin: { readonly axis: number; readonly keepdims: boolean }
  readonly reshape: { readonly shape: Shape }
  readonly transpose: { readonly perm: ReadonlyArray<number> }
  readonly broadcastTo: { readonly shape: Shape }
  readonly slice: { readonly begin: ReadonlyArray<number>; readonly size: Shape }
  readonly pad: { readonly paddings: ReadonlyArray<readonly [number, number]>; readonly value: number }
  readonly concat: { readonly axis: number }
  readonly gather: { readonly axis: number }
  readonly scatterAdd: { readonly axis: number; readonly shape: Shape }
  readonly oneHot: { readonly depth: number; readonly dtype: DType; readonly on: number; readonly off: number }
  readonly cast: { readonly dtype: DType }
  readonly conv2d: { readonly spec: Conv2dSpec }
  readonly conv2dGradInput: { readonly spec: Conv2dSpec }
  readonly conv2dGradFilter: { readonly spec: Conv2dSpec }
  readonly maxPool2d: { readonly spec: Pool2dSpec }
  readonly maxPool2dGrad: { readonly spec: Pool2dSpec }
  readonly maxPool2dSelect: { readonly spec: Pool2dSpec }
  readonly avgPool2d: { readonly spec: Pool2dSpec }
  readonly avgPool2dGrad: { readonly spec: Pool2dSpec }
  readonly custom: { readonly rule: CustomRule }
}

export type Prim = keyof PrimParams

/** A tangent or cotangent; `null` is a symbolic zero (nothing flows). */
export type Linear = Tensor | null

/**
 * Everything the library knows about one primitive.
 *
 * - `eval` computes it on concrete tensors (inputs already validated by the public op).
 * - `jvp` maps input tangents to the output tangent (forward mode).
 * - `vjp` maps the output cotangent to one cotangent per input (reverse mode), each at the
 *   input's shape or at a shape that broadcasts to it: the reverse interpreter sums cotangents
 *   over broadcast axes in one place, and the forward interpreter broadcasts tangents to the
 *   output shape in one place.
 *
 * Rules are written with the public tensor operations, so they are differentiable themselves
 * (that is what makes `jvp(grad(f))` and `hessian` work).
 */
export interface Primitive<P extends Prim> {
  readonly eval: (inputs: ReadonlyArray<Tensor>, params: PrimParams[P]) => Tensor
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
}

export type PrimTable = { readonly [P in Prim]: Primitive<P> }
