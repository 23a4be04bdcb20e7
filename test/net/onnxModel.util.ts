/**
 * Editing exported ONNX models, as another tool would: the marker `toOnnx` writes taken out, or
 * any part of the decoded model changed. Shared by test/net/fromOnnx.test.ts and
 * laws/net.fromOnnx.laws.ts.
 */
import { MARKER_KEY } from '../../src/net/onnx/marker.js'
import { type ModelMsg, decodeModel, encodeModel } from '../../src/onnx/schema.js'

/** A decoded model, loosely typed for editing. */
export type Decoded = any

/** The bytes of the model after `edit` changed its decoded form. */
export const editModel = (bytes: Uint8Array, edit: (m: Decoded) => void): Uint8Array => {
  const m = decodeModel(bytes)
  edit(m)
  return encodeModel(m as unknown as ModelMsg)
}

/** The model without toOnnx's marker: a model as another writer (or a tool that drops metadata) leaves it. */
export const withoutMarker = (bytes: Uint8Array): Uint8Array =>
  editModel(bytes, (m) => {
    m.metadataProps = (m.metadataProps ?? []).filter((p: { key: string }) => p.key !== MARKER_KEY)
  })
