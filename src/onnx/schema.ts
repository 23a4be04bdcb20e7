/**
 * The part of the ONNX protobuf schema (onnx.proto) that the exporter writes, as a protobufjs
 * JSON descriptor: no `.proto` parser is shipped, so the writer also runs in browsers. Message
 * and field numbers are those of upstream onnx.proto; fields the exporter never writes are left
 * out, which keeps the bytes readable by any ONNX reader (unknown fields are simply absent).
 * @internal
 */
import protobuf from 'protobufjs/light.js'

const field = (type: string, id: number) => ({ type, id })
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id })

/** The descriptor of the `onnx` package subset. */
export const onnxDescriptor = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: field('string', 1),
            f: field('float', 2),
            i: field('int64', 3),
            s: field('bytes', 4),
            t: field('TensorProto', 5),
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
            type: field('AttributeType', 20),
          },
          nested: {
            AttributeType: { values: { UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } },
          },
        },
        ValueInfoProto: { fields: { name: field('string', 1), type: field('TypeProto', 2), docString: field('string', 3) } },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: field('string', 3),
            opType: field('string', 4),
            attribute: repeated('AttributeProto', 5),
            docString: field('string', 6),
            domain: field('string', 7),
          },
        },
        ModelProto: {
          fields: {
            irVersion: field('int64', 1),
            producerName: field('string', 2),
            producerVersion: field('string', 3),
            domain: field('string', 4),
            modelVersion: field('int64', 5),
            docString: field('string', 6),
            graph: field('GraphProto', 7),
            opsetImport: repeated('OperatorSetIdProto', 8),
            metadataProps: repeated('StringStringEntryProto', 14),
          },
        },
        StringStringEntryProto: { fields: { key: field('string', 1), value: field('string', 2) } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: field('string', 2),
            initializer: repeated('TensorProto', 5),
            docString: field('string', 10),
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            dataType: field('int32', 2),
            floatData: repeated('float', 4),
            int32Data: repeated('int32', 5),
            int64Data: repeated('int64', 7),
            name: field('string', 8),
            rawData: field('bytes', 9),
            doubleData: repeated('double', 10),
            docString: field('string', 12),
          },
          nested: {
            DataType: { values: { UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } },
          },
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: field('int64', 1), dimParam: field('string', 2), denotation: field('string', 3) },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: { tensorType: field('Tensor', 1), denotation: field('string', 6) },
          nested: { Tensor: { fields: { elemType: field('int32', 1), shape: field('TensorShapeProto', 2) } } },
        },
        OperatorSetIdProto: { fields: { domain: field('string', 1), version: field('int64', 2) } },
      },
    },
  },
} satisfies protobuf.INamespace

/** ONNX element types used here (TensorProto.DataType). */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const

/** ONNX attribute types used here (AttributeProto.AttributeType). */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const

// Plain message shapes, in protobufjs' camelCase field names.

export interface AttributeMsg {
  readonly name: string
  readonly type: number
  readonly f?: number
  readonly i?: number
  readonly s?: Uint8Array
  readonly floats?: ReadonlyArray<number>
  readonly ints?: ReadonlyArray<number>
  readonly strings?: ReadonlyArray<Uint8Array>
}

export interface NodeMsg {
  readonly name: string
  readonly opType: string
  readonly input: ReadonlyArray<string>
  readonly output: ReadonlyArray<string>
  readonly attribute: ReadonlyArray<AttributeMsg>
  readonly docString?: string
}

export interface TensorMsg {
  readonly name: string
  readonly dims: ReadonlyArray<number>
  readonly dataType: number
  readonly rawData: Uint8Array
  readonly docString?: string
}

/** A dimension: a fixed size, or a symbolic one such as the batch size `N`. */
export type DimMsg = { readonly dimValue: number } | { readonly dimParam: string }

export interface ValueInfoMsg {
  readonly name: string
  readonly type: { readonly tensorType: { readonly elemType: number; readonly shape: { readonly dim: ReadonlyArray<DimMsg> } } }
  readonly docString?: string
}

export interface GraphMsg {
  readonly name: string
  readonly node: ReadonlyArray<NodeMsg>
  readonly initializer: ReadonlyArray<TensorMsg>
  readonly input: ReadonlyArray<ValueInfoMsg>
  readonly output: ReadonlyArray<ValueInfoMsg>
  readonly docString?: string
}

export interface ModelMsg {
  readonly irVersion: number
  readonly producerName: string
  readonly producerVersion: string
  readonly docString?: string
  readonly graph: GraphMsg
  readonly opsetImport: ReadonlyArray<{ readonly domain: string; readonly version: number }>
  /** key–value pairs about the model; `toOnnx` writes the network it exported (see net/onnx/marker.ts) */
  readonly metadataProps?: ReadonlyArray<{ readonly key: string; readonly value: string }>
}

let modelType: protobuf.Type | undefined

/** The ModelProto message type, built from the descriptor on first use. */
export const modelProto = (): protobuf.Type => (modelType ??= protobuf.Root.fromJSON(onnxDescriptor).lookupType('onnx.ModelProto'))

/**
 * The bytes of a model (an ONNX file), in a Uint8Array of their own (in Node, protobufjs writes
 * into a slice of a shared Buffer pool, whose `.buffer` holds other data).
 */
export const encodeModel = (model: ModelMsg): Uint8Array => {
  const type = modelProto()
  return Uint8Array.from(type.encode(type.fromObject(model as unknown as Record<string, unknown>)).finish())
}

/** A model read back from its bytes, as plain objects (64-bit integers as numbers, bytes as Uint8Array). */
export const decodeModel = (bytes: Uint8Array): Record<string, unknown> => {
  const type = modelProto()
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: true }) as Record<string, unknown>
}
