/**
 * What flows between layers while a network is lowered: named ONNX values standing for the
 * tensors `Net.apply` would compute, or tuples of them.
 *
 * Images are NHWC in puregrad and NCHW in ONNX's Conv and pooling operators. A value therefore
 * carries its layout: `natural` (puregrad's, NHWC for images) or `channelsFirst` (NCHW, only for
 * images). Layers that work on any layout (activations, batch norm, sums) keep it, and a
 * Transpose is inserted only where a layer needs the other one, so a stack of convolutions
 * runs in NCHW from the first to the flatten after the last.
 * @internal
 */
import type { Shapes } from '../Layer.js'

export type Layout = 'natural' | 'channelsFirst'

/**
 * Element type of a value. A graph input starts `open`: its type is set by the first layer
 * that reads it (int32 for an embedding's token indices, float32 for everything else).
 */
export type SymType = 'float32' | 'int32' | 'open'

export interface Sym {
  readonly name: string
  /** per-example shape in puregrad's (natural) order, whatever the layout */
  readonly shape: ReadonlyArray<number>
  readonly layout: Layout
  readonly type: SymType
  /** for an `open` value, the graph input whose type it follows */
  readonly origin?: string
}

export type SymValue = Sym | ReadonlyArray<SymValue>

export const isSym = (x: SymValue): x is Sym => !Array.isArray(x)

/** The per-example shapes of a value, as `Net.shape` writes them. */
export const shapesOf = (x: SymValue): Shapes => (isSym(x) ? x.shape : { tuple: x.map(shapesOf) })

/** The leaves of a value in order, with their tuple positions (`''`, `'0'`, `'1.0'`, …). */
export const leavesOf = (x: SymValue, path = ''): ReadonlyArray<readonly [string, Sym]> =>
  isSym(x) ? [[path, x]] : x.flatMap((c, i) => leavesOf(c, path === '' ? String(i) : `${path}.${i}`))

/** Batched ONNX axis of a per-example axis of an image, in each layout (height, width, channels). */
export const imageAxis = (layout: Layout, axis: number): number => (layout === 'natural' ? axis + 1 : ([2, 3, 1] as const)[axis]!)

/** Transpose permutations between the layouts of batched images. */
export const toChannelsFirst = [0, 3, 1, 2] as const
export const toChannelsLast = [0, 2, 3, 1] as const
