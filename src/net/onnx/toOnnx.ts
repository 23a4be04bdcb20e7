/**
 * Export to ONNX: a network and its variables as the bytes of an `.onnx` file, computing what
 * `Net.apply` computes in evaluation mode, for servers, GPUs and other runtimes.
 */
import { type ErrorCode, PuregradError, fail, orThrow } from '../../core/errors.js'
import { shape } from '../interpret.js'
import type { Vars } from '../Kind.js'
import { type Layer, type Shapes, isTuple, showShapes } from '../Layer.js'
import { kindOf } from '../registry.js'
import { GraphBuilder } from '../../onnx/graph.js'
import { checkOpset, irVersion } from '../../onnx/model.js'
import { type Session, inLayout, lowerAt } from './lowering.js'
import { DataType, type ModelMsg, type ValueInfoMsg, encodeModel } from '../../onnx/schema.js'
import { type SymValue, leavesOf } from './symbols.js'
import { varsMismatch } from '../vars.js'
import { markerEntry } from './marker.js'

/** Options of `toOnnx`. */
export interface OnnxOptions {
  /** per-example input shape, as given to `Net.init` (e.g. `[784]` or `[28, 28, 1]`); the batch axis is the symbolic `N` */
  readonly inShape: Shapes
  /** name of the ONNX graph, default `'puregrad'` */
  readonly graphName?: string
  /** ONNX opset version, from 13 (the default) to 21 */
  readonly opset?: number
  /** the model's doc string, default a line naming the network and its input shape */
  readonly docString?: string
  /** fold each batch norm that directly follows a dense or convolution layer into its weights (default true); otherwise batch norms are exported as BatchNormalization (channels moved to axis 1 when needed) */
  readonly foldBatchNorm?: boolean
}


const bad = (code: ErrorCode, message: string): never => fail(code, 'toOnnx', message)

interface Settled {
  readonly inShape: Shapes
  readonly graphName: string
  readonly opset: number
  readonly docString: string | undefined
  readonly foldBatchNorm: boolean
}

const settle = (options: unknown): Settled => {
  if (typeof options !== 'object' || options === null) return bad('INVALID_ARGUMENT', `options must be an object such as { inShape: [784] }; got ${String(options)}.`)
  const o = options as Partial<Record<keyof OnnxOptions, unknown>>
  if (o.inShape === undefined) return bad('INVALID_ARGUMENT', 'options.inShape is missing: pass the per-example input shape the network was initialised with, e.g. { inShape: [28, 28, 1] }.')
  const opset = checkOpset('toOnnx', o.opset)
  const graphName = o.graphName ?? 'puregrad'
  if (typeof graphName !== 'string' || graphName === '') return bad('INVALID_ARGUMENT', `graphName must be a non-empty string; got ${JSON.stringify(graphName)}.`)
  if (o.docString !== undefined && typeof o.docString !== 'string') return bad('INVALID_ARGUMENT', `docString must be a string; got ${JSON.stringify(o.docString)}.`)
  if (o.foldBatchNorm !== undefined && typeof o.foldBatchNorm !== 'boolean') return bad('INVALID_ARGUMENT', `foldBatchNorm must be true or false; got ${JSON.stringify(o.foldBatchNorm)}.`)
  return { inShape: o.inShape as Shapes, graphName, opset, docString: o.docString, foldBatchNorm: o.foldBatchNorm ?? true }
}

/** Refuses variables that are not those of this network for this input shape, naming the first difference. */
const checkVars = (net: Layer, vars: unknown, inShape: Shapes): Vars => {
  if (typeof vars !== 'object' || vars === null || !('params' in vars) || !('state' in vars)) {
    return bad('INVALID_ARGUMENT', 'the variables must be { params, state }, as made by Net.init and returned by training.')
  }
  const v = vars as Vars
  const problem = varsMismatch('toOnnx', net, inShape, v, 'given')
  if (problem !== undefined) bad('TREE_MISMATCH', `the variables do not fit the network for input shape ${showShapes(inShape)}: ${problem.detail}`)
  return v
}

/** Graph inputs for an input shape: `input`, or `input.0`, `input.1`, … for a tuple. */
const inputsOf = (g: GraphBuilder, s: Shapes, name: string): SymValue =>
  isTuple(s) ? s.tuple.map((c, i) => inputsOf(g, c, `${name}.${i}`)) : { name: g.reserve(name), shape: s, layout: 'natural', type: 'open' }

const valueInfo = (name: string, type: 'float32' | 'int32', dims: ReadonlyArray<number>): ValueInfoMsg => ({
  name,
  type: { tensorType: { elemType: type === 'int32' ? DataType.INT32 : DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, ...dims.map((d) => ({ dimValue: d }))] } } },
})

/**
 * The network as an ONNX model (the bytes of an `.onnx` file) that computes what
 * `Net.apply(net, vars, x)` computes in evaluation mode, for a batch of any size `N`: dropout is
 * left out, batch norm uses its running statistics (folded into the dense or convolution layer
 * before it when there is one), and NHWC images are moved to ONNX's NCHW around convolutions
 * and pooling, and back. Parameters are written as float32 (float64 ones are rounded), so
 * outputs agree with puregrad's to float32 precision. Every layer kind is exported (recurrent
 * layers as ONNX RNN and LSTM, except simple RNNs with gelu or softplus, which are unrolled
 * over their time steps, which then take no mask); a recurrent layer's sequence mask and an
 * attention's key mask may have their padding anywhere, as in `Net.apply` (ONNX's sequence
 * lengths stand for padding at the end, so the real steps are moved first, in order, and the
 * outputs moved back); a network with a tuple input or output gets the inputs
 * `input.0`, `input.1`, … (else `input`) and outputs `output.0`, … (else `output`). An input
 * read by an embedding is int32, every other one float32.
 *
 * The model's metadata (`metadata_props`) holds the network exported under `puregrad.network`
 * (its JSON, without weights), from which `Net.fromOnnx` knows the node pattern to read back.
 *
 * Nothing is written to disk: save the bytes with `saveOnnxFile` from `puregrad/node`, or hand
 * them to a runtime such as onnxruntime. The same network, variables and options always give
 * the same bytes.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng } from 'puregrad'
 * const net = Net.serial(Net.dense(8), Net.relu, Net.dropout(0.5), Net.dense(3), Net.softmax)
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [4] })
 * const bytes = Net.toOnnx(net, vars, { inShape: [4], graphName: 'classifier' })
 * assert.ok(bytes instanceof Uint8Array && bytes.length > 4 * (4 * 8 + 8 * 3))
 * assert.deepStrictEqual(Net.toOnnx(net, vars, { inShape: [4], graphName: 'classifier' }), bytes)
 * @category codec
 */
export const toOnnx = (net: Layer, vars: Vars, options: OnnxOptions): Uint8Array => {
  const o = settle(options)
  orThrow(shape(net, o.inShape))
  const sizes = (sh: Shapes): ReadonlyArray<number> => (isTuple(sh) ? sh.tuple.flatMap(sizes) : sh)
  if (sizes(o.inShape).some((d) => d < 1)) bad('INVALID_ARGUMENT', `the input shape ${showShapes(o.inShape)} has an axis of size 0; ONNX export needs every per-example size ≥ 1: pass the shape of real examples.`)
  const checked = checkVars(net, vars, o.inShape)
  const g = new GraphBuilder()
  const session: Session = { g, settings: { opset: o.opset, foldBatchNorm: o.foldBatchNorm }, inputTypes: new Map(), transposed: new Map() }
  const input = inputsOf(g, o.inShape, 'input')
  const result = lowerAt(session, net, '', checked, input)

  // outputs: back to puregrad's layout, under their public names
  const outputs: ValueInfoMsg[] = []
  const renamed = new Map<string, string>()
  for (const [position, leaf] of leavesOf(result)) {
    const name = g.reserve(position === '' ? 'output' : `output.${position}`)
    const natural = inLayout(session, leaf, 'natural')
    if (g.computes(natural.name) && !renamed.has(natural.name)) {
      g.rename(natural.name, name)
      renamed.set(natural.name, name)
    } else g.node('output', 'Identity', [renamed.get(natural.name) ?? natural.name], { names: [name], doc: `the network's ${position === '' ? 'output' : `output ${position}`}` })
    const type = natural.type === 'open' ? (session.inputTypes.get(natural.origin ?? natural.name) ?? 'float32') : natural.type
    outputs.push(valueInfo(name, type, natural.shape))
  }
  const inputs = leavesOf(input).map(([, s]) => valueInfo(s.name, session.inputTypes.get(s.name) ?? 'float32', s.shape))
  const model: ModelMsg = {
    irVersion: irVersion(o.opset),
    producerName: 'puregrad',
    producerVersion: '0.1.0',
    docString: o.docString ?? `${kindOf(net).label(net)} exported by puregrad; input ${showShapes(o.inShape)} per example, batch axis N first.`,
    graph: { name: o.graphName, node: g.nodes, initializer: g.initializers, input: inputs, output: outputs },
    opsetImport: [{ domain: '', version: o.opset }],
    // the network exported, so that `fromOnnx` knows the node pattern to expect
    metadataProps: [markerEntry({ network: net, inShape: o.inShape, foldBatchNorm: o.foldBatchNorm })],
  }
  return encodeModel(model)
}
