/**
 * The graph builder: unique value names, nodes in topological order (each node is added after
 * the nodes computing its inputs), and initialisers (weights and constants). Weights are
 * written as float32 and constants as int64, both as little-endian `raw_data` through a
 * DataView, so the bytes do not depend on the host's byte order.
 *
 * The builder is an exporter's only mutable object; it never leaves `Net.toOnnx` or `Ad.toOnnx`.
 * @internal
 */
import { type AttributeMsg, AttributeType, DataType, type NodeMsg, type TensorMsg } from './schema.js'

/** An attribute of a node. */
export const attr = {
  int: (name: string, i: number): AttributeMsg => ({ name, type: AttributeType.INT, i }),
  ints: (name: string, ints: ReadonlyArray<number>): AttributeMsg => ({ name, type: AttributeType.INTS, ints }),
  float: (name: string, f: number): AttributeMsg => ({ name, type: AttributeType.FLOAT, f }),
  floats: (name: string, floats: ReadonlyArray<number>): AttributeMsg => ({ name, type: AttributeType.FLOATS, floats }),
  string: (name: string, s: string): AttributeMsg => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) }),
  strings: (name: string, strings: ReadonlyArray<string>): AttributeMsg => ({ name, type: AttributeType.STRINGS, strings: strings.map((s) => new TextEncoder().encode(s)) }),
}

/** Little-endian float32 bytes of numbers (float64 values are rounded to float32). */
export const float32Bytes = (values: ArrayLike<number>): Uint8Array => {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true)
  return out
}

/** Little-endian float64 bytes of numbers. */
export const float64Bytes = (values: ArrayLike<number>): Uint8Array => {
  const out = new Uint8Array(values.length * 8)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true)
  return out
}

/** Little-endian int32 bytes of whole numbers. */
export const int32Bytes = (values: ArrayLike<number>): Uint8Array => {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i]!, true)
  return out
}

/** Little-endian int64 bytes of whole numbers. */
export const int64Bytes = (values: ArrayLike<number>): Uint8Array => {
  const out = new Uint8Array(values.length * 8)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]!), true)
  return out
}

/** Options of one node. */
export interface NodeOptions {
  readonly attrs?: ReadonlyArray<AttributeMsg>
  /** how many outputs to name (default 1) */
  readonly outputs?: number
  /** names for the outputs, reserved beforehand (default: fresh names) */
  readonly names?: ReadonlyArray<string>
  /** what the node is part of, e.g. `layer 3 (Conv2d(16, 3×3, same))` */
  readonly doc?: string
}

export class GraphBuilder {
  readonly #names = new Set<string>()
  readonly #nodes: NodeMsg[] = []
  readonly #initializers: TensorMsg[] = []

  /** Reserves `name` for a graph input or output. */
  reserve(name: string): string {
    this.#names.add(name)
    return name
  }

  /** A name not used yet: `base`, else `base_1`, `base_2`, … */
  fresh(base: string): string {
    let name = base
    for (let i = 1; this.#names.has(name); i++) name = `${base}_${i}`
    this.#names.add(name)
    return name
  }

  /** Adds a node `base/op`; returns the names of its outputs (the node's name, then `name:1`, …). */
  node(base: string, op: string, inputs: ReadonlyArray<string>, opts: NodeOptions = {}): string[] {
    const name = this.fresh(`${base}/${op}`)
    const output = opts.names !== undefined ? [...opts.names] : Array.from({ length: opts.outputs ?? 1 }, (_, i) => (i === 0 ? name : this.fresh(`${name}:${i}`)))
    this.#nodes.push({ name, opType: op, input: [...inputs], output, attribute: [...(opts.attrs ?? [])], ...(opts.doc === undefined ? {} : { docString: opts.doc }) })
    return output
  }

  /** Adds a node with one output and returns its name. */
  op(base: string, op: string, inputs: ReadonlyArray<string>, opts: Omit<NodeOptions, 'outputs'> = {}): string {
    return this.node(base, op, inputs, opts)[0]!
  }

  /** A float32 initialiser of the given dims. */
  floats(base: string, dims: ReadonlyArray<number>, values: ArrayLike<number>): string {
    const name = this.fresh(base)
    this.#initializers.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: float32Bytes(values) })
    return name
  }

  /** An initialiser of any element type this package writes (FLOAT, DOUBLE, INT32 or INT64). */
  tensor(base: string, dataType: number, dims: ReadonlyArray<number>, values: ArrayLike<number>): string {
    const name = this.fresh(base)
    const rawData =
      dataType === DataType.FLOAT ? float32Bytes(values) : dataType === DataType.DOUBLE ? float64Bytes(values) : dataType === DataType.INT32 ? int32Bytes(values) : int64Bytes(values)
    this.#initializers.push({ name, dims: [...dims], dataType, rawData })
    return name
  }

  /** An int64 initialiser (a shape or a list of axes). */
  int64s(base: string, values: ReadonlyArray<number>): string {
    const name = this.fresh(base)
    this.#initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: int64Bytes(values) })
    return name
  }

  /** An int64 scalar initialiser (an index). */
  int64Scalar(base: string, value: number): string {
    const name = this.fresh(base)
    this.#initializers.push({ name, dims: [], dataType: DataType.INT64, rawData: int64Bytes([value]) })
    return name
  }

  /** Renames a value everywhere it appears (to give the graph's output its public name). */
  rename(from: string, to: string): void {
    const swap = (names: ReadonlyArray<string>): string[] => names.map((n) => (n === from ? to : n))
    for (let i = 0; i < this.#nodes.length; i++) {
      const n = this.#nodes[i]!
      this.#nodes[i] = { ...n, input: swap(n.input), output: swap(n.output) }
    }
  }

  /** Whether a node computes `name` (so it is neither a graph input nor an initialiser). */
  computes(name: string): boolean {
    return this.#nodes.some((n) => n.output.includes(name))
  }

  get nodes(): ReadonlyArray<NodeMsg> {
    return this.#nodes
  }

  get initializers(): ReadonlyArray<TensorMsg> {
    return this.#initializers
  }
}
