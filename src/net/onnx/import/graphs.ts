/**
 * ONNX graphs as `fromOnnx` reads them (the plain objects protobufjs decodes), and the reading
 * of their initialisers' values.
 * @internal
 */

export interface Attr {
  readonly name: string
  readonly type?: number
  readonly f?: number
  readonly i?: number
  readonly s?: Uint8Array
  readonly ints?: number[]
  readonly floats?: number[]
  readonly strings?: Uint8Array[]
}

export interface Node {
  readonly name?: string
  readonly opType?: string
  readonly input?: string[]
  readonly output?: string[]
  readonly attribute?: Attr[]
  readonly domain?: string
}

export interface Init {
  readonly name?: string
  readonly dims?: number[]
  readonly dataType?: number
  readonly rawData?: Uint8Array
  readonly floatData?: number[]
  readonly int32Data?: number[]
  readonly int64Data?: number[]
  readonly doubleData?: number[]
}

export interface ValueInfo {
  readonly name?: string
  readonly type?: { readonly tensorType?: { readonly elemType?: number; readonly shape?: { readonly dim?: Array<{ dimValue?: number; dimParam?: string }> } } }
}

export interface Graph {
  readonly node?: Node[]
  readonly initializer?: Init[]
  readonly input?: ValueInfo[]
  readonly output?: ValueInfo[]
}

export interface Model {
  readonly graph?: Graph
  readonly opsetImport?: Array<{ domain?: string; version?: number }>
  readonly metadataProps?: Array<{ key?: string; value?: string }>
}

export const FLOAT = 1

export const describeNode = (n: Node): string => `node ${JSON.stringify(n.name ?? '')} (${n.opType ?? '?'})`

/** The number of elements the dims of an initialiser give (NaN when they are not sizes). */
export const sizeOf = (t: Init): number => (t.dims ?? []).reduce((a, d) => (Number.isSafeInteger(d) && d >= 0 ? a * d : NaN), 1)

/** The float32 values of a FLOAT initialiser, from `raw_data` or `float_data`; undefined when they do not fill its dims. */
export const float32sOf = (t: Init): Float32Array | undefined => {
  const size = sizeOf(t)
  if ((t.dataType ?? 0) !== FLOAT || !Number.isSafeInteger(size)) return undefined
  if (t.rawData !== undefined && t.rawData.length > 0) {
    if (t.rawData.length !== size * 4) return undefined
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength)
    const out = new Float32Array(size)
    for (let i = 0; i < size; i++) out[i] = view.getFloat32(i * 4, true)
    return out
  }
  const f = t.floatData ?? []
  return f.length === size ? Float32Array.from(f) : undefined
}
