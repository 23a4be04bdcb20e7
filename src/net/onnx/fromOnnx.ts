/**
 * Import from ONNX: the models `toOnnx` writes, read back as a network and its variables. The
 * graph is walked from its input to its output as one chain of values, and each run of nodes is
 * recognised as the layer `toOnnx` lowers that way (Gemm, or MatMul and Add, is a dense layer;
 * Conv a convolution; MaxPool, AveragePool, the global pools, Flatten, Reshape,
 * BatchNormalization and the activations their layers, LSTM and RNN recurrent layers; the
 * Transposes around NCHW operators only change the layout). What cannot be mapped back to a layer with certainty is refused,
 * naming the node: an operator outside the subset, a branch other than a residual's (parallel
 * networks), a batch norm exported as Mul and Add, attributes the exporter never writes.
 */
import * as E from 'fp-ts/lib/Either.js'
import { PuregradError, error, showShape } from '../../core/errors.js'
import { fromBuffer, type Tensor } from '../../core/Tensor.js'
import { type Padding2d, convSpec, poolSpec } from '../../tensor/geometry.js'
import type { Tree } from '../../tree/types.js'
import { decodeModel } from '../../onnx/schema.js'
import { readMarked } from './import/marked.js'
import { type Attr, FLOAT, type Init, type Model, type Node, type ValueInfo } from './import/graphs.js'
import { userKinds } from '../codec.js'
import type { LayerConstructor } from '../define.js'
import type { UserKinds } from '../validate.js'
import { shape as shapeOf } from '../interpret.js'
import type { Layer, Shapes } from '../Layer.js'
import { activation } from '../kinds/activation.js'
import { batchNorm } from '../kinds/batchNorm.js'
import { conv2d } from '../kinds/conv2d.js'
import { dense } from '../kinds/dense.js'
import { depthwiseConv2d } from '../kinds/depthwiseConv2d.js'
import { flatten } from '../kinds/flatten.js'
import { globalAvgPool, globalMaxPool } from '../kinds/globalPool.js'
import { identity } from '../kinds/identity.js'
import { lstm } from '../kinds/lstm.js'
import { simpleRnn } from '../kinds/simpleRnn.js'
import { avgPool2d, maxPool2d } from '../kinds/pool2d.js'
import { reshape } from '../kinds/reshape.js'
import { residual } from '../kinds/residual.js'
import { serial } from '../kinds/serial.js'

/** A model read from ONNX: the network, its variables and its per-example input shape. @category codec */
export interface Imported {
  readonly network: Layer
  readonly params: Tree
  readonly state: Tree
  readonly inShape: Shapes
}

const OP = 'fromOnnx'

class Refused extends Error {}
const refuse = (detail: string): never => {
  throw new Refused(detail)
}

const INT64 = 7

/** The shortest decimal that float32 rounds to `f` (the exporter writes float attributes as float32: 1e-3 comes back as 1e-3). */
const shortest = (f: number): number => {
  for (let p = 1; p <= 9; p++) {
    const d = Number(f.toPrecision(p))
    if (Math.fround(d) === f) return d
  }
  return f
}

const describeNode = (n: Node): string => `node ${JSON.stringify(n.name ?? '')} (${n.opType ?? '?'})`

/** Reads the protobuf; what fails to parse is a coded refusal. */
const decoded = (bytes: Uint8Array): Record<string, unknown> => {
  try {
    return decodeModel(bytes)
  } catch (e) {
    return refuse(`the bytes are not an ONNX model (the protobuf does not parse: ${(e as Error).message}); pass the contents of an .onnx file`)
  }
}

/** Checks the graph of a decoded model. */
const parse = (m: Record<string, unknown>): { nodes: Node[]; inits: Map<string, Init>; input: ValueInfo; output: ValueInfo; opset: number } => {
  const graph = m['graph'] as { node?: Node[]; initializer?: Init[]; input?: ValueInfo[]; output?: ValueInfo[] } | undefined
  if (graph === undefined) return refuse('the model has no graph; the bytes are not an ONNX model, or it is empty')
  const opsets = (m['opsetImport'] as Array<{ domain?: string; version?: number }> | undefined) ?? []
  const opset = opsets.find((o) => (o.domain ?? '') === '')?.version ?? 0
  const inits = new Map<string, Init>()
  for (const t of graph.initializer ?? []) inits.set(t.name ?? '', t)
  const inputs = (graph.input ?? []).filter((v) => !inits.has(v.name ?? ''))
  if (inputs.length !== 1) refuse(`the graph has ${inputs.length} inputs; only networks of one input are imported (a tuple input comes from parallel branches)`)
  if ((graph.output ?? []).length !== 1) refuse(`the graph has ${(graph.output ?? []).length} outputs; only networks of one output are imported`)
  return { nodes: graph.node ?? [], inits, input: inputs[0]!, output: graph.output![0]!, opset }
}

/** The float32 values of an initialiser, checked against the dims. */
const floatsOf = (t: Init, dims: ReadonlyArray<number> | undefined, what: string): { values: Float32Array; dims: number[] } => {
  const d = t.dims ?? []
  if (!d.every((x) => Number.isSafeInteger(x) && x >= 0)) refuse(`${what} has dims ${JSON.stringify(d)}`)
  if (dims !== undefined && (d.length !== dims.length || d.some((x, i) => x !== dims[i]))) refuse(`${what} has dims ${showShape(d)} where ${showShape(dims)} are needed`)
  const size = d.reduce((a, b) => a * b, 1)
  if ((t.dataType ?? 0) !== FLOAT) refuse(`${what} has ONNX data type ${t.dataType ?? 0}; float32 (1) is needed`)
  const out = new Float32Array(size)
  if (t.rawData !== undefined && t.rawData.length > 0) {
    if (t.rawData.length !== size * 4) refuse(`${what} holds ${t.rawData.length} bytes for ${size} float32 values`)
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength)
    for (let i = 0; i < size; i++) out[i] = view.getFloat32(i * 4, true)
  } else {
    const f = t.floatData ?? []
    if (f.length !== size) refuse(`${what} holds ${f.length} values for dims ${showShape(d)}`)
    out.set(f)
  }
  return { values: out, dims: d }
}

const int64sOf = (t: Init, what: string): number[] => {
  if ((t.dataType ?? 0) !== INT64) refuse(`${what} has ONNX data type ${t.dataType ?? 0}; int64 (7) is needed`)
  if (t.rawData !== undefined && t.rawData.length > 0) {
    if (t.rawData.length % 8 !== 0 || t.rawData.length > 8 * 64) refuse(`${what} holds ${t.rawData.length} bytes, not a short list of int64 values`)
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength)
    return Array.from({ length: t.rawData.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)))
  }
  return [...(t.int64Data ?? [])]
}

const attrsOf = (n: Node, allowed: ReadonlyArray<string>): Map<string, Attr> => {
  const out = new Map<string, Attr>()
  for (const a of n.attribute ?? []) {
    if (!allowed.includes(a.name)) refuse(`${describeNode(n)} has the attribute ${JSON.stringify(a.name)}, which the exporter never writes; it cannot be mapped back to a layer with certainty`)
    out.set(a.name, a)
  }
  return out
}

const intOf = (a: Map<string, Attr>, name: string, fallback: number): number => a.get(name)?.i ?? fallback
const intsOf = (a: Map<string, Attr>, name: string): number[] | undefined => a.get(name)?.ints

/** The padding of puregrad that gives ONNX `pads` [top, left, bottom, right]: 'valid', 'same' or explicit. */
const paddingOf = (pads: ReadonlyArray<number>, same: () => ReadonlyArray<number> | undefined): Padding2d => {
  if (pads.every((p) => p === 0)) return 'valid'
  const s = same()
  if (s !== undefined && s.every((p, i) => p === pads[i])) return 'same'
  return [
    [pads[0]!, pads[2]!],
    [pads[1]!, pads[3]!],
  ]
}

/** The ONNX pads puregrad's geometry gives a window operator with padding 'same'. */
const samePads = (spec: { outH: number; outW: number; padTop: number; padLeft: number }, size: readonly [number, number], kernel: readonly [number, number], strides: readonly [number, number], dil: readonly [number, number]): number[] => {
  const after = (out: number, n: number, k: number, s: number, d: number, before: number): number => Math.max((out - 1) * s + (k - 1) * d + 1 - n, 0) - before
  return [spec.padTop, spec.padLeft, after(spec.outH, size[0], kernel[0], strides[0], dil[0], spec.padTop), after(spec.outW, size[1], kernel[1], strides[1], dil[1], spec.padLeft)]
}

type Layout = 'natural' | 'channelsFirst'

interface Step {
  readonly layer: Layer
  readonly params: Tree
  readonly state: Tree
}

/** Options of `fromOnnx`. @category codec */
export interface FromOnnxOptions {
  /** the constructors (from `Net.defineLayer`) of the user's layers the model may hold, as for `Net.decode` */
  readonly layers?: ReadonlyArray<LayerConstructor<object>>
}

/**
 * Reads an ONNX model written by `Net.toOnnx` back as a network, its variables and its input
 * shape, such that `Net.apply` of the result computes what the exported network computed: bit
 * for bit when it was exported from float32 variables without folding batch norms
 * (`foldBatchNorm: false`); a folded batch norm comes back inside the dense or convolution
 * layer's weights, and dropout, which ONNX leaves out, does not come back.
 *
 * Every layer kind is read, combinators and tuples included (parallel branches, fan-in and
 * fan-out, attention, transformer blocks, embeddings, recurrent layers, masks): `toOnnx` writes
 * the network it exported into the model's metadata (`puregrad.network`), which names the node
 * pattern to expect, and the model is imported only when its graph is exactly that pattern,
 * node for node, with the weights read from its initialisers: exporting the imported network
 * and variables gives the same graph, numbers included, bit for bit. Rows of a positional
 * embedding beyond the exported sequence length, which the graph does not hold, come back as 0.
 * The user's layers of the network need their constructors (`options.layers`).
 *
 * A model without that metadata (written by another tool, or whose graph is not the pattern it
 * names) is read as a chain of the layers whose lowering maps back to one layer for certain:
 * dense (Gemm, or MatMul and Add), conv2d and depthwiseConv2d (Conv), pooling, flatten,
 * reshape, batchNorm (BatchNormalization), the activations (gelu from its formula), lstm and
 * simpleRnn (LSTM and RNN between their Transposes and Squeezes), and residuals of such chains.
 * Anything else is refused (code `INVALID_VALUE`) naming the first node that cannot be read and
 * its operator type; so are bytes that are not an ONNX protobuf.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const net = Net.serial(Net.dense(8), Net.relu, Net.dense(3), Net.softmax)
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [4] })
 * const back = Net.fromOnnx(Net.toOnnx(net, vars, { inShape: [4] }))
 * assert.ok(E.isRight(back))
 * const x = Rng.normal(Rng.key(1), [2, 4])
 * assert.ok(T.equals(Net.predict(back.right.network, back.right, x), Net.predict(net, vars, x)))
 * // a transformer block over 5 steps of 8 features, bit for bit
 * const block = Net.serial(Net.transformerBlock(8, 2, { mlpDim: 16, causal: true, keep: 0.9 }), Net.layerNorm())
 * const bv = Net.init(block, { key: Rng.key(2), inShape: [5, 8] })
 * const read = Net.fromOnnx(Net.toOnnx(block, bv, { inShape: [5, 8] }))
 * const s = Rng.normal(Rng.key(3), [2, 5, 8])
 * assert.ok(E.isRight(read) && T.equals(Net.predict(read.right.network, read.right, s), Net.predict(block, bv, s)))
 * // bytes that are not a whole model are refused with a code
 * const cut = Net.fromOnnx(Net.toOnnx(net, vars, { inShape: [4] }).subarray(0, 40))
 * assert.ok(E.isLeft(cut) && cut.left.code === 'INVALID_VALUE')
 * @category codec
 */
export const fromOnnx = (bytes: Uint8Array, options: FromOnnxOptions = {}): E.Either<PuregradError, Imported> => {
  if (!(bytes instanceof Uint8Array)) return E.left(error('INVALID_ARGUMENT', OP, `pass the bytes of an ONNX model as a Uint8Array (readFileSync returns one); got ${bytes === null ? 'null' : typeof bytes}.`))
  const users = userKinds(OP, (options as FromOnnxOptions | undefined)?.layers)
  if (E.isLeft(users)) return users
  try {
    return E.right(read(bytes, users.right))
  } catch (e) {
    if (e instanceof Refused) return E.left(error('INVALID_VALUE', OP, `${e.message}.`))
    if (e instanceof PuregradError) return E.left(error(e.code === 'RESOURCE_LIMIT' || e.code === 'TOO_DEEP' ? e.code : 'INVALID_VALUE', OP, `the model describes a network puregrad refuses: ${e.detail}`))
    if (e instanceof RangeError) return E.left(error('RESOURCE_LIMIT', OP, `the model could not be read within the machine's resources (${e.message}).`))
    throw e
  }
}

/**
 * A model carrying toOnnx's marker is read through it (import/marked.ts); one without it, or
 * whose graph is not the marked pattern, as a chain of layers; a refusal of both names the
 * marked pattern's first difference.
 */
const read = (bytes: Uint8Array, users: UserKinds): Imported => {
  const model = decoded(bytes)
  const marked = readMarked(model as Model, users)
  if (marked !== undefined && !('refused' in marked)) return marked
  try {
    return readChain(model)
  } catch (e) {
    if (e instanceof Refused && marked !== undefined) refuse(marked.refused)
    throw e
  }
}

const readChain = (model: Record<string, unknown>): Imported => {
  const { nodes, inits, input, output } = parse(model)
  const tt = input.type?.tensorType
  if (tt?.elemType !== FLOAT) refuse(`the input ${JSON.stringify(input.name)} has ONNX element type ${tt?.elemType ?? 'none'}; only float32 inputs are imported (an embedding's int32 token input is outside the subset)`)
  const dims = tt?.shape?.dim ?? []
  if (dims.length < 2 || dims[0]?.dimParam === undefined) refuse(`the input ${JSON.stringify(input.name)} must have a symbolic batch axis first and fixed sizes after, as toOnnx writes`)
  const inShape = dims.slice(1).map((d) => (Number.isSafeInteger(d.dimValue) && (d.dimValue as number) >= 1 ? (d.dimValue as number) : refuse(`the input ${JSON.stringify(input.name)} has a per-example size ${JSON.stringify(d)}; sizes must be fixed whole numbers ≥ 1`)))

  const consumers = new Map<string, Node[]>()
  for (const n of nodes) {
    if ((n.domain ?? '') !== '') refuse(`${describeNode(n)} is in the operator domain ${JSON.stringify(n.domain)}; only the standard ONNX operators are imported`)
    for (const i of n.input ?? []) if (!inits.has(i)) consumers.set(i, [...(consumers.get(i) ?? []), n])
  }
  const used = new Set<Node>()
  const steps: Step[] = []
  let cur = input.name ?? ''
  let layout: Layout = 'natural'
  let shape: ReadonlyArray<number> = inShape
  const init = (n: Node, k: number, what: string): Init => {
    const name = (n.input ?? [])[k]
    const t = name === undefined ? undefined : inits.get(name)
    return t ?? refuse(`${describeNode(n)} reads ${what} from ${JSON.stringify(name)}, which is not a constant of the model; only weights stored as initialisers are imported`)
  }
  // nodes a pattern has already accounted for (the Add of a residual, the second Mul of a gelu)
  const claimed = new Set<Node>()
  const readers = (name: string): Node[] => (consumers.get(name) ?? []).filter((c) => !claimed.has(c))
  const only = (name: string): Node | undefined => {
    const c = readers(name)
    if (c.length > 1) refuse(`the value ${JSON.stringify(name)} is read by ${c.length} nodes (${c.map(describeNode).join(', ')}): the network branches there (a residual or parallel network), which is outside the subset imported`)
    return c[0]
  }
  const push = (layer: Layer, params: Tree = {}, state: Tree = {}): void => {
    const s = shapeOf(layer, shape)
    if (E.isLeft(s)) throw s.left
    steps.push({ layer, params, state })
    shape = s.right as ReadonlyArray<number>
  }
  const take = (n: Node): string => {
    used.add(n)
    return (n.output ?? [])[0] ?? refuse(`${describeNode(n)} has no output`)
  }
  const needLayout = (n: Node, want: Layout, why: string): void => {
    if (layout !== want) refuse(`${describeNode(n)} reads ${layout === 'natural' ? 'NHWC' : 'NCHW'} values where ${why}; toOnnx never writes this`)
  }

  const walk = (end: string): void => {
  for (let guard = 0; cur !== end; guard++) {
    if (guard > nodes.length) refuse('the graph has a cycle')
    const branch = readers(cur)
    if (branch.length > 1) {
      cur = branchFrom(branch)
      continue
    }
    const n = only(cur) ?? refuse(`the value ${JSON.stringify(cur)} is read by no node, so the output ${JSON.stringify(output.name)} cannot be reached from the input along one chain`)
    if ((n.input ?? [])[0] !== cur) refuse(`${describeNode(n)} reads the chain's value as its input ${(n.input ?? []).indexOf(cur)}, where toOnnx's layers read it first`)
    const op = n.opType ?? ''
    const rank = shape.length + 1
    switch (op) {
      case 'Identity':
        attrsOf(n, [])
        cur = take(n)
        break
      case 'Transpose': {
        const perm = intsOf(attrsOf(n, ['perm']), 'perm') ?? []
        if (rank === 3 && layout === 'natural' && perm.join() === '1,0,2') {
          cur = recurrentFrom(n)
          break
        }
        if (rank === 4 && layout === 'natural' && perm.join() === '0,3,1,2') layout = 'channelsFirst'
        else if (rank === 4 && layout === 'channelsFirst' && perm.join() === '0,2,3,1') layout = 'natural'
        else {
          // a global pooling over a sequence (rank ≠ 4): channels moved to axis 1, pooled, flattened
          const pool = only(take(n))
          if (!(layout === 'natural' && rank !== 4 && perm.join() === [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)].join() && pool !== undefined && (pool.opType === 'GlobalAveragePool' || pool.opType === 'GlobalMaxPool')))
            refuse(`${describeNode(n)} has the permutation [${perm.join(', ')}], which matches no layer toOnnx writes`)
          cur = globalPool(pool!)
          break
        }
        cur = take(n)
        break
      }
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
        needLayout(n, rank === 4 ? 'channelsFirst' : 'natural', 'global pooling reads NCHW images')
        cur = globalPool(n)
        break
      case 'Gemm': {
        const a = attrsOf(n, ['alpha', 'beta', 'transA', 'transB'])
        if ((a.get('alpha')?.f ?? 1) !== 1 || (a.get('beta')?.f ?? 1) !== 1 || intOf(a, 'transA', 0) !== 0 || intOf(a, 'transB', 0) !== 0 || rank !== 2)
          refuse(`${describeNode(n)} has attributes or an input rank a dense layer never gives (alpha, beta 1, no transposes, vectors in)`)
        cur = denseFrom(n, (n.input ?? []).length > 2 ? init(n, 2, 'its bias') : undefined)
        break
      }
      case 'MatMul': {
        attrsOf(n, [])
        needLayout(n, 'natural', 'a dense layer reads the natural layout')
        const y = (n.output ?? [])[0] ?? ''
        const next = only(y)
        const bias = next?.opType === 'Add' && (next.input ?? [])[0] === y && inits.has((next.input ?? [])[1] ?? '') ? next : undefined
        if (bias !== undefined) used.add(n)
        cur = denseFrom(bias ?? n, bias === undefined ? undefined : init(bias, 1, 'its bias'), n)
        break
      }
      case 'Conv': {
        needLayout(n, 'channelsFirst', 'Conv reads NCHW images')
        const a = attrsOf(n, ['kernel_shape', 'strides', 'dilations', 'pads', 'group'])
        const [inH, inW, inC] = shape as [number, number, number]
        const group = intOf(a, 'group', 1)
        if (group !== 1 && group !== inC) refuse(`${describeNode(n)} is a grouped convolution of ${group} groups over ${inC} channels; only group 1 (conv2d) and one group per channel (depthwiseConv2d) are imported`)
        const w = floatsOf(init(n, 1, 'its kernel'), undefined, `the kernel of ${describeNode(n)}`)
        if (w.dims.length !== 4 || w.dims[1] !== (group === 1 ? inC : 1) || (group !== 1 && w.dims[0]! % inC !== 0)) refuse(`the kernel of ${describeNode(n)} has dims ${showShape(w.dims)}; [out, ${group === 1 ? inC : 1}, kH, kW] are needed`)
        const [cout, , kH, kW] = w.dims as [number, number, number, number]
        const kernel = intsOf(a, 'kernel_shape')
        if (kernel !== undefined && (kernel[0] !== kH || kernel[1] !== kW)) refuse(`${describeNode(n)} has kernel_shape [${kernel.join(', ')}] but a ${kH}×${kW} kernel`)
        const strides = pair(n, intsOf(a, 'strides'), 'strides')
        const dil = pair(n, intsOf(a, 'dilations'), 'dilations')
        const pads = intsOf(a, 'pads') ?? [0, 0, 0, 0]
        if (pads.length !== 4 || !pads.every((p) => Number.isSafeInteger(p) && p >= 0)) refuse(`${describeNode(n)} has pads [${pads.join(', ')}]`)
        const depthwise = group !== 1
        const padding = paddingOf(pads, () =>
          samePads(convSpec(OP, [1, inH, inW, inC], depthwise ? [kH, kW, 1, cout] : [kH, kW, inC, cout], { strides, dilations: dil, padding: 'same', ...(depthwise ? { groups: inC } : {}) }), [inH, inW], [kH, kW], strides, dil),
        )
        const hwio = new Float32Array(w.values.length)
        if (depthwise) for (let h = 0; h < kH; h++) for (let x = 0; x < kW; x++) for (let i = 0; i < cout; i++) hwio[(h * kW + x) * cout + i] = w.values[(i * kH + h) * kW + x]!
        else for (let h = 0; h < kH; h++) for (let x = 0; x < kW; x++) for (let i = 0; i < inC; i++) for (let o = 0; o < cout; o++) hwio[((h * kW + x) * inC + i) * cout + o] = w.values[((o * inC + i) * kH + h) * kW + x]!
        const hasBias = (n.input ?? []).length > 2
        const params: Record<string, Tensor> = { W: fromBuffer(hwio, depthwise ? [kH, kW, inC, cout / inC] : [kH, kW, inC, cout]) }
        if (hasBias) params['b'] = fromBuffer(floatsOf(init(n, 2, 'its bias'), [cout], `the bias of ${describeNode(n)}`).values, [cout])
        const opts = { strides, dilations: dil, padding, useBias: hasBias }
        push(depthwise ? depthwiseConv2d([kH, kW], { ...opts, depthMultiplier: cout / inC }) : conv2d(cout, [kH, kW], opts), params)
        cur = take(n)
        break
      }
      case 'MaxPool':
      case 'AveragePool': {
        needLayout(n, 'channelsFirst', 'pooling reads NCHW images')
        const a = attrsOf(n, op === 'MaxPool' ? ['kernel_shape', 'strides', 'pads', 'ceil_mode'] : ['kernel_shape', 'strides', 'pads', 'ceil_mode', 'count_include_pad'])
        if (intOf(a, 'ceil_mode', 0) !== 0 || intOf(a, 'count_include_pad', 0) !== 0) refuse(`${describeNode(n)} uses ceil_mode or count_include_pad, which puregrad's pooling never does`)
        const [inH, inW, c] = shape as [number, number, number]
        const size = pair(n, intsOf(a, 'kernel_shape'), 'kernel_shape', true)
        const strides = pair(n, intsOf(a, 'strides'), 'strides')
        const pads = intsOf(a, 'pads') ?? [0, 0, 0, 0]
        if (pads.length !== 4 || !pads.every((p) => Number.isSafeInteger(p) && p >= 0)) refuse(`${describeNode(n)} has pads [${pads.join(', ')}]`)
        const padding = paddingOf(pads, () => samePads(poolSpec(OP, [1, inH, inW, c], { size, strides, padding: 'same' }), [inH, inW], size, strides, [1, 1]))
        push((op === 'MaxPool' ? maxPool2d : avgPool2d)(size, { strides, padding }))
        cur = take(n)
        break
      }
      case 'Flatten': {
        const a = attrsOf(n, ['axis'])
        if (intOf(a, 'axis', 1) !== 1) refuse(`${describeNode(n)} flattens from axis ${intOf(a, 'axis', 1)}; a flatten layer keeps only the batch axis (axis 1)`)
        needLayout(n, 'natural', 'a flatten layer reads the natural layout')
        push(flatten)
        cur = take(n)
        break
      }
      case 'Reshape': {
        attrsOf(n, ['allowzero'])
        needLayout(n, 'natural', 'a reshape layer reads the natural layout')
        const to = int64sOf(init(n, 1, 'its shape'), `the shape of ${describeNode(n)}`)
        if (to[0] !== 0 || to.slice(1).some((d) => !(Number.isSafeInteger(d) && d >= 1))) refuse(`${describeNode(n)} reshapes to [${to.join(', ')}]; a reshape layer keeps the batch axis (0) and gives fixed sizes`)
        push(reshape(to.slice(1)))
        cur = take(n)
        break
      }
      case 'BatchNormalization': {
        const a = attrsOf(n, ['epsilon', 'momentum', 'training_mode'])
        if (intOf(a, 'training_mode', 0) !== 0 || (n.output ?? []).length !== 1) refuse(`${describeNode(n)} runs in training mode; toOnnx writes evaluation-mode batch norms`)
        if (!(rank === 2 || (rank === 4 && layout === 'channelsFirst'))) refuse(`${describeNode(n)} normalises axis 1 of a rank-${rank} ${layout === 'natural' ? 'NHWC' : 'NCHW'} value, not puregrad's channel axis`)
        const c = shape[shape.length - 1]!
        const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((k, i) => fromBuffer(floatsOf(init(n, k, ['its scale', 'its bias', 'its mean', 'its variance'][i]!), [c], `input ${k} of ${describeNode(n)}`).values, [c]))
        const eps = shortest(a.get('epsilon')?.f ?? 1e-5)
        push(batchNorm({ eps }), { gamma: gamma!, beta: beta! }, { mean: mean!, variance: variance! })
        cur = take(n)
        break
      }
      case 'Relu':
      case 'Tanh':
      case 'Sigmoid':
      case 'Softplus': {
        attrsOf(n, [])
        push(activation(({ Relu: 'relu', Tanh: 'tanh', Sigmoid: 'sigmoid', Softplus: 'softplus' } as const)[op]))
        cur = take(n)
        break
      }
      case 'LeakyRelu':
      case 'Elu': {
        const a = attrsOf(n, ['alpha'])
        push(activation(op === 'Elu' ? 'elu' : 'leakyRelu', shortest(a.get('alpha')?.f ?? (op === 'Elu' ? 1 : 0.01))))
        cur = take(n)
        break
      }
      case 'Softmax':
      case 'LogSoftmax': {
        const axis = intOf(attrsOf(n, ['axis']), 'axis', -1)
        const last = layout === 'channelsFirst' ? axis === 1 : axis === -1 || axis === rank - 1
        if (!last) refuse(`${describeNode(n)} normalises axis ${axis}, not puregrad's last axis`)
        push(activation(op === 'Softmax' ? 'softmax' : 'logSoftmax'))
        cur = take(n)
        break
      }
      default:
        refuse(`${describeNode(n)}: the operator ${op} is outside the subset imported (the chains of dense, conv2d, pooling, flatten, reshape, batchNorm, activation, lstm and simpleRnn layers, and residuals of them, that toOnnx writes)`)
    }
  }
  }
  walk(output.name ?? '')
  if (layout !== 'natural') refuse('the output is left in NCHW layout; toOnnx moves it back')
  const unused = nodes.filter((n) => !used.has(n))
  if (unused.length > 0) refuse(`${describeNode(unused[0]!)} is not on the chain from the input to the output; such graphs are outside the subset imported`)
  if (steps.length === 1) return { network: steps[0]!.layer, params: steps[0]!.params, state: steps[0]!.state, inShape }
  if (steps.length === 0) return { network: identity, params: {}, state: {}, inShape }
  return { network: serial(...steps.map((s) => s.layer)), params: Object.freeze(steps.map((s) => s.params)), state: Object.freeze(steps.map((s) => s.state)), inShape }

  function pair(n: Node, v: number[] | undefined, what: string, required = false): [number, number] {
    if (v === undefined && !required) return [1, 1]
    if (v === undefined || v.length !== 2 || !v.every((x) => Number.isSafeInteger(x) && x >= 1)) return refuse(`${describeNode(n)} has ${what} ${JSON.stringify(v)}; two whole numbers ≥ 1 are needed`)
    return [v[0]!, v[1]!]
  }

  function squeezeAxes(n: Node): number[] {
    attrsOf(n, [])
    return int64sOf(init(n, 1, 'its axes'), `the axes of ${describeNode(n)}`)
  }

  /** Transpose to time first, LSTM or RNN, Squeeze (and Transpose back for sequences): an lstm or simpleRnn layer. */
  function recurrentFrom(t: Node): string {
    const n = only(take(t)) ?? refuse(`${describeNode(t)} is read by no node`)
    const op = n.opType ?? ''
    if (op !== 'LSTM' && op !== 'RNN') return refuse(`${describeNode(t)} has the permutation [1, 0, 2], which toOnnx writes only before LSTM and RNN, but ${describeNode(n)} reads it`)
    const a = attrsOf(n, op === 'LSTM' ? ['hidden_size'] : ['hidden_size', 'activations', 'activation_alpha'])
    const ins = n.input ?? []
    if (ins.length !== 4 || ins.slice(4).some((i) => i !== '')) refuse(`${describeNode(n)} has ${ins.length} inputs; toOnnx writes X, W, R and B only`)
    const gates = op === 'LSTM' ? 4 : 1
    const order = op === 'LSTM' ? [0, 3, 1, 2] : [0]
    const [, features] = shape as [number, number]
    const u = intOf(a, 'hidden_size', 0)
    if (!(Number.isSafeInteger(u) && u >= 1)) refuse(`${describeNode(n)} has hidden_size ${u}`)
    const W = floatsOf(init(n, 1, 'its input weights'), [1, gates * u, features], `the input weights of ${describeNode(n)}`).values
    const R = floatsOf(init(n, 2, 'its recurrent weights'), [1, gates * u, u], `the recurrent weights of ${describeNode(n)}`).values
    const B = floatsOf(init(n, 3, 'its biases'), [1, 2 * gates * u], `the biases of ${describeNode(n)}`).values
    if (B.subarray(gates * u).some((v) => v !== 0)) refuse(`${describeNode(n)} has a recurrent bias (Rb), which puregrad's recurrent layers do not have`)
    // ONNX gate g, unit j, input k ← puregrad's W[k, order[g]·u + j]
    const back = (w: Float32Array, rows: number): Float32Array => {
      const out = new Float32Array(w.length)
      for (let g = 0; g < gates; g++) for (let j = 0; j < u; j++) for (let k = 0; k < rows; k++) out[k * gates * u + order[g]! * u + j] = w[(g * u + j) * rows + k]!
      return out
    }
    const b = new Float32Array(gates * u)
    for (let g = 0; g < gates; g++) for (let j = 0; j < u; j++) b[order[g]! * u + j] = B[g * u + j]!
    let fn: 'tanh' | 'relu' | 'sigmoid' | 'leakyRelu' | 'elu' = 'tanh'
    if (op === 'RNN') {
      const names = (a.get('activations')?.strings ?? []).map((x) => new TextDecoder().decode(x))
      const alpha = a.get('activation_alpha')?.floats ?? []
      const known = { Tanh: 'tanh', Relu: 'relu', Sigmoid: 'sigmoid', LeakyRelu: 'leakyRelu', Elu: 'elu' } as const
      if (names.length > 1 || (names.length === 1 && !Object.hasOwn(known, names[0]!)) || alpha.some((x) => x !== 0) || (alpha.length > 0 && names[0] !== 'LeakyRelu' && names[0] !== 'Elu'))
        refuse(`${describeNode(n)} has the activations ${JSON.stringify(names)} with alpha ${JSON.stringify(alpha)}, which no simple RNN layer writes`)
      if (names.length === 1) fn = known[names[0] as keyof typeof known]
    }
    const [Y, Yh] = [(n.output ?? [])[0] ?? '', (n.output ?? [])[1] ?? '']
    used.add(n)
    const ys = consumers.get(Y) ?? []
    const hs = consumers.get(Yh) ?? []
    let out: string
    let sequences: boolean
    if (ys.length === 0 && hs.length === 1 && hs[0]!.opType === 'Squeeze' && squeezeAxes(hs[0]!).join() === '0') {
      sequences = false
      out = take(hs[0]!)
    } else if (hs.length === 0 && ys.length === 1 && ys[0]!.opType === 'Squeeze' && squeezeAxes(ys[0]!).join() === '1') {
      const tr = only(take(ys[0]!))
      if (tr?.opType !== 'Transpose' || (intsOf(attrsOf(tr, ['perm']), 'perm') ?? []).join() !== '1,0,2') return refuse(`${describeNode(ys[0]!)} is not followed by a Transpose back to batch first, as toOnnx writes a recurrent layer returning sequences`)
      sequences = true
      out = take(tr)
    } else return refuse(`the outputs of ${describeNode(n)} are read in a way toOnnx never writes (one of Y or Y_h, squeezed)`)
    const params = { W: fromBuffer(back(W, features), [features, gates * u]), U: fromBuffer(back(R, u), [u, gates * u]), b: fromBuffer(b, [gates * u]) }
    push(op === 'LSTM' ? lstm(u, { returnSequences: sequences }) : simpleRnn(u, { activation: fn, returnSequences: sequences }), params)
    return out
  }

  function scalarInit(name: string | undefined): number | undefined {
    const t = name === undefined ? undefined : inits.get(name)
    if (t === undefined || (t.dims ?? []).length !== 0 || (t.dataType ?? 0) !== FLOAT) return undefined
    return floatsOf(t, [], 'a constant').values[0]
  }

  /**
   * A value read by several nodes: gelu's formula (x·½ and x/√2 → Erf → +1, multiplied), or a
   * residual (an Add of the value, or its transpose, and the output of a chain starting at it).
   */
  function branchFrom(readersOf: Node[]): string {
    const x = cur
    const [a, b] = readersOf as [Node, Node]
    // residual: the Add reads the value (or its transpose into the body's layout) first, the body's output second
    const isAdd = (n: Node, from: string): boolean => n.opType === 'Add' && (n.input ?? [])[0] === from && !inits.has((n.input ?? [])[1] ?? '')
    // the last such Add is the outermost residual (nodes are in topological order)
    let add = [...readersOf].reverse().find((n) => isAdd(n, x))
    let skip: Node | undefined
    if (add === undefined) {
      skip = readersOf.find((n) => n.opType === 'Transpose' && readers((n.output ?? [])[0] ?? '').some((m) => isAdd(m, (n.output ?? [])[0] ?? '')))
      add = skip === undefined ? undefined : readers((skip.output ?? [])[0] ?? '').find((m) => isAdd(m, (skip!.output ?? [])[0] ?? ''))
    }
    if (add === undefined) {
      // gelu: Mul(x, √½) → Erf → Add(·, 1) and Mul(x, ½), multiplied together
      if (readersOf.length === 2 && a.opType === 'Mul' && b.opType === 'Mul') {
        const byConst = (k: number): Node | undefined => readersOf.find((m) => Math.abs((scalarInit((m.input ?? [])[1]) ?? NaN) - k) < 1e-7 && (m.input ?? [])[0] === x)
        const scaled = byConst(Math.SQRT1_2)
        const half = byConst(0.5)
        const erf = scaled === undefined ? undefined : readers((scaled.output ?? [])[0] ?? '')[0]
        const plus = erf?.opType === 'Erf' ? readers((erf.output ?? [])[0] ?? '')[0] : undefined
        const prod = half === undefined ? undefined : readers((half.output ?? [])[0] ?? '')[0]
        if (scaled !== undefined && half !== undefined && scaled !== half && plus?.opType === 'Add' && scalarInit((plus.input ?? [])[1]) === 1 && prod?.opType === 'Mul' && (prod.input ?? [])[1] === (plus.output ?? [])[0]) {
          for (const m of [scaled, half, erf!, plus, prod]) used.add(m)
          push(activation('gelu'))
          return (prod.output ?? [])[0] ?? ''
        }
      }
      return refuse(`the value ${JSON.stringify(x)} is read by ${readersOf.length} nodes (${readersOf.map(describeNode).join(', ')}): the network branches there in a way other than a residual (parallel branches), which is outside the subset imported`)
    }
    claimed.add(add)
    if (skip !== undefined) claimed.add(skip)
    const [outer, startShape, startLayout] = [steps.splice(0), shape, layout]
    const end = (add.input ?? [])[1] ?? ''
    if (end !== x) walk(end)
    const body = steps.splice(0)
    steps.push(...outer)
    if (shape.join() !== startShape.join()) refuse(`${describeNode(add)} adds values of per-example shapes ${showShape(startShape)} and ${showShape(shape)}`)
    if (skip !== undefined) {
      const perm = (intsOf(attrsOf(skip, ['perm']), 'perm') ?? []).join()
      if (!(startLayout === 'natural' && layout === 'channelsFirst' && perm === '0,3,1,2') && !(startLayout === 'channelsFirst' && layout === 'natural' && perm === '0,2,3,1')) refuse(`${describeNode(skip)} does not move the residual's input into its body's layout`)
      used.add(skip)
    } else if (layout !== startLayout) refuse(`${describeNode(add)} adds values in different layouts`)
    const inner = body.length === 0 ? { layer: identity as Layer, params: {}, state: {} } : body.length === 1 ? body[0]! : { layer: serial(...body.map((s) => s.layer)), params: Object.freeze(body.map((s) => s.params)), state: Object.freeze(body.map((s) => s.state)) }
    shape = startShape
    const outLayout = layout
    push(residual(inner.layer), { body: inner.params }, { body: inner.state })
    layout = outLayout
    return take(add)
  }

  function globalPool(n: Node): string {
    attrsOf(n, [])
    const y = take(n)
    const f = only(y)
    if (f?.opType !== 'Flatten' || intOf(attrsOf(f, ['axis']), 'axis', 1) !== 1) refuse(`${describeNode(n)} is not followed by Flatten, as toOnnx writes a global pooling layer`)
    push(n.opType === 'GlobalAveragePool' ? globalAvgPool : globalMaxPool)
    layout = 'natural'
    return take(f!)
  }

  function denseFrom(last: Node, bias: Init | undefined, first: Node = last): string {
    if (layout !== 'natural') refuse(`${describeNode(first)} reads NCHW values; a dense layer reads the natural layout`)
    const nIn = shape[shape.length - 1]!
    const w = floatsOf(init(first, 1, 'its weights'), undefined, `the weights of ${describeNode(first)}`)
    if (w.dims.length !== 2 || w.dims[0] !== nIn) refuse(`the weights of ${describeNode(first)} have dims ${showShape(w.dims)}; [${nIn}, units] are needed`)
    const units = w.dims[1]!
    const params: Record<string, Tensor> = { W: fromBuffer(w.values, [nIn, units]) }
    if (bias !== undefined) params['b'] = fromBuffer(floatsOf(bias, [units], `the bias of ${describeNode(last)}`).values, [units])
    push(dense(units, { useBias: bias !== undefined }), params)
    used.add(first)
    return take(last)
  }
}
