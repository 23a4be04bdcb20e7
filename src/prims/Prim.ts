/**
 * The closed set of primitives: the operations every other operation is built from, and the
 * only ones the differentiation interpreters know about.
 *
 * `PrimParams` maps each primitive's name to its static parameters; `Prim` is its keys. The
 * evaluation table (`eval.ts`) is typed `{ [P in Prim]: Evaluation<P> }` and the derivative
 * rule table (`ad/rules/table.ts`) `{ [P in Prim]: Rule<P> }`, so adding a name here fails to
 * compile until the primitive has an evaluation and its rules.
 * @internal
 */
import type { DType } from '../core/dtype.js'
import type { Shape } from '../core/shape.js'
import type { Tensor } from '../core/Tensor.js'
import type { BinaryOp, Conv2dSpec, Pool2dSpec, UnaryOp } from '../kernels/Kernels.js'
import type { Dist } from '../kernels/random/convert.js'

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
  readonly batch?: ((xs: ReadonlyArray<Tensor>, batched: ReadonlyArray<boolean>, size: number) => Tensor) | undefined
}

/**
 * A convolution's geometry and its feature groups: the filter is [kH, kW, inC / groups, outC]
 * and output channel o reads the input channels of group ⌊o / (outC / groups)⌋ only.
 */
export interface ConvParams {
  readonly spec: Conv2dSpec
  readonly groups: number
}

/** The convolution and pooling primitives, which come in adjoint pairs. */
export type ConvPrim = 'conv2d' | 'conv2dGradInput' | 'conv2dGradFilter' | 'maxPool2d' | 'maxPool2dGrad' | 'maxPool2dSelect' | 'avgPool2d' | 'avgPool2dGrad'

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
  readonly conv2d: ConvParams
  readonly conv2dGradInput: ConvParams
  readonly conv2dGradFilter: ConvParams
  readonly maxPool2d: { readonly spec: Pool2dSpec }
  readonly maxPool2dGrad: { readonly spec: Pool2dSpec }
  readonly maxPool2dSelect: { readonly spec: Pool2dSpec }
  readonly avgPool2d: { readonly spec: Pool2dSpec }
  readonly avgPool2dGrad: { readonly spec: Pool2dSpec }
  readonly custom: { readonly rule: CustomRule }
  /**
   * The random primitives, over keys held as data: int32 tensors whose last axis holds a key's
   * two words (bit patterns of the unsigned words). `randomBits` gives the first words of each
   * key's stream, `threefry2x32` hashes keys with counters (how `split` and `foldIn` derive
   * keys), `fromBits` turns words into a distribution's values.
   */
  readonly randomBits: { readonly shape: Shape }
  readonly threefry2x32: NoParams
  readonly fromBits: Dist
}

/** The random primitives: no derivatives, evaluated by the JavaScript kernels only. */
export type RandomPrim = 'randomBits' | 'threefry2x32' | 'fromBits'

export type Prim = keyof PrimParams

/** Computes a primitive on concrete tensors (inputs already validated by the public op). */
export type Evaluation<P extends Prim> = (inputs: ReadonlyArray<Tensor>, params: PrimParams[P]) => Tensor

export type EvalTable = { readonly [P in Prim]: Evaluation<P> }
