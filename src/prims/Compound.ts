/**
 * A compound operation: one that interpreters see whole instead of primitive by primitive
 * (`scan`, `checkpoint`). Its inputs and outputs are lists of tensors, and it brings its own
 * rules, each written with the transformations of its body, so that it stays one operation
 * under every interpreter: forward mode pushes tangents through a transformed body, reverse
 * mode records one node whose pullback the compound decides (a backward scan, a
 * recomputation), batching maps the body. An interpreter without a compound rule runs the
 * compound on its traced inputs, which is always correct (the body is unrolled under it).
 * @internal
 */
import type { Tensor } from '../core/Tensor.js'

/** A tangent or cotangent, `null` for a symbolic zero. */
type Linear = Tensor | null

/** The pullback of a compound and what it keeps alive to run. */
export interface CompoundVjp {
  readonly outs: ReadonlyArray<Tensor>
  /** cotangents of the outputs (null: none flows) to cotangents of the inputs */
  readonly back: (cts: ReadonlyArray<Linear>) => ReadonlyArray<Linear>
  /** the tensors `back` holds besides the inputs (for memory accounting) */
  readonly residuals: ReadonlyArray<Tensor>
}

export interface Compound {
  readonly name: string
  /** The outputs from the inputs, by running the body (concrete inputs, or traced by an interpreter without a compound rule). */
  readonly run: (inputs: ReadonlyArray<Tensor>) => ReadonlyArray<Tensor>
  /** Outputs and their tangents from the inputs (one level down) and their tangents. */
  readonly jvp: (primals: ReadonlyArray<Tensor>, tangents: ReadonlyArray<Linear>) => readonly [ReadonlyArray<Tensor>, ReadonlyArray<Linear>]
  /** Outputs and the pullback; `needs[i]` says whether input i wants a cotangent. */
  readonly vjp: (primals: ReadonlyArray<Tensor>, needs: ReadonlyArray<boolean>) => CompoundVjp
  /** Outputs of the whole batch and their batch axes, from batched inputs (null: shared by every example). */
  readonly batch: (primals: ReadonlyArray<Tensor>, axes: ReadonlyArray<number | null>, size: number) => readonly [ReadonlyArray<Tensor>, ReadonlyArray<number | null>]
}
