/**
 * The marker `toOnnx` writes into a model's `metadata_props`: the network it exported (as the
 * JSON `Net.encode` writes for it, without weights), its input shape and whether batch norms
 * were folded. `fromOnnx` reads it to know which node pattern to expect: a model is imported
 * only when its graph is, node for node, what `toOnnx` writes for that network with the weights
 * the graph holds (see import/marked.ts), so the marker names a pattern and never stands in
 * for the graph.
 * @internal
 */
import type { Layer, Shapes } from '../Layer.js'

/** The metadata key of the marker. */
export const MARKER_KEY = 'puregrad.network'

/** What the marker says. */
export interface Marker {
  readonly network: Layer
  readonly inShape: Shapes
  readonly foldBatchNorm: boolean
}

/** The marker as a metadata entry. */
export const markerEntry = (m: Marker): { readonly key: string; readonly value: string } => ({
  key: MARKER_KEY,
  value: JSON.stringify({ network: m.network, inShape: m.inShape, foldBatchNorm: m.foldBatchNorm }),
})
