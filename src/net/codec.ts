/**
 * Saving and loading: a model (network, input shape, variables) as one versioned JSON
 * document. Decoding trusts nothing: it checks the format and version, rebuilds and checks the
 * network, and checks every parameter and state tensor against what the network needs for
 * that input shape, refusing the whole document with a message naming the first problem. A
 * model is never half-loaded.
 *
 * Tensors are stored as `{ dtype, shape, data }` with `data` the base64 of their little-endian
 * bytes, so values round-trip bit for bit; a CRC-32 of the document is stored beside it and
 * checked on loading.
 */
import * as E from 'fp-ts/lib/Either.js'
import { base64LengthProblem, decodeBase64, encodeBase64 } from '../core/base64.js'
import { crc32, crc32Bytes } from '../core/crc32.js'
import { type FloatDType, isDType, isFloat } from '../core/dtype.js'
import { PuregradError, checkRecord, error, fail, showShape } from '../core/errors.js'
import { type Budget, checkJsonDepth, resolveBudget } from '../core/limits.js'
import { sameShape, sizeOf } from '../core/shape.js'
import { type Tensor, dataOf, fromBuffer, isTensor } from '../core/Tensor.js'
import * as Tr from '../tree/index.js'
import { fromSafetensors, writeSafetensors } from '../tree/safetensors.js'
import { checkLayer } from './check.js'
import { checkShapes, prepare } from './interpret.js'
import type { Layer, Shapes } from './Layer.js'
import { type LayerConstructor, kindOfConstructor } from './define.js'
import type { Kind } from './Kind.js'
import { validateNetwork } from './validate.js'

/** A network with everything needed to run it. @category model */
export interface Model {
  readonly network: Layer
  /** per-example input shape */
  readonly inShape: Shapes
  readonly params: Tr.Tree
  readonly state: Tr.Tree
}

export const FORMAT = 'puregrad/model'
export const VERSION = 1

const tensorToJson = (t: Tensor): unknown => ({ dtype: t.dtype, shape: [...t.shape], data: encodeBase64(dataOf(t)) })

const treeToJson = (tree: Tr.Tree): unknown =>
  isTensor(tree) ? tensorToJson(tree) : Array.isArray(tree) ? tree.map(treeToJson) : Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, treeToJson(v as Tr.Tree)]))

const checkModel = (op: string, model: Model): void => {
  checkRecord(op, 'the model', model, 'a model { network, inShape, params, state }: the network, its per-example input shape and the variables from Net.init')
  checkLayer(op, model.network, "the model's network")
  checkShapes(op, model.inShape)
  for (const [what, tree] of [['params', model.params], ['state', model.state]] as const) {
    const checked = Tr.checkTree(tree)
    if (E.isLeft(checked)) throw error('INVALID_VALUE', op, `the model's ${what} are not a parameter tree: ${checked.left.detail}`)
  }
}

/**
 * The model as JSON text.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const network = Net.serial(Net.dense(2), Net.sigmoid)
 * const { params, state } = Net.init(network, { key: Rng.key(0), inShape: [3] })
 * const text = Net.encode({ network, inShape: [3], params, state })
 * const back = Net.decode(text)
 * assert.ok(E.isRight(back) && T.equals(Tree.leaves(back.right.params)[0]!.value, Tree.leaves(params)[0]!.value))
 * @category codec
 */
export const encode = (model: Model): string => {
  checkModel('encode', model)
  const body = {
    format: FORMAT,
    version: VERSION,
    network: model.network,
    inShape: model.inShape,
    params: treeToJson(model.params),
    state: treeToJson(model.state),
  }
  return JSON.stringify({ ...body, checksum: `crc32:${crc32(JSON.stringify(body))}` })
}

/** A model saved as two files: a small JSON document and its weights in safetensors. @category codec */
export interface SplitModel {
  /** the JSON document: network, input shape, and the name and checksum of the weights file */
  readonly document: string
  /** the safetensors bytes: each parameter under `params.<path>`, each state tensor under `state.<path>` */
  readonly weights: Uint8Array
}

/** Whether `name` is a plain file name, to be found beside the document (no directory part). */
const plainFileName = (name: unknown): name is string =>
  typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && name.length <= 255 && !/[/\\\0]/.test(name)

/**
 * The model as two files: a JSON document holding the network, the input shape and a
 * reference to `weightsFile` (its name, size and CRC-32), and the weights in safetensors
 * (`params.<path>` and `state.<path>`, little-endian, bit-exact), a third smaller than
 * `encode`'s base64 and readable by other tools. Read them back with `decodeSplit` (or
 * `saveModelFile`/`loadModelFile` with `{ weights: 'safetensors' }` in Node).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const network = Net.serial(Net.dense(4), Net.batchNorm(), Net.dense(2))
 * const { params, state } = Net.init(network, { key: Rng.key(0), inShape: [3] })
 * const { document, weights } = Net.encodeSplit({ network, inShape: [3], params, state }, 'model.safetensors')
 * assert.ok(document.length < 1000 && weights instanceof Uint8Array)
 * const back = Net.decodeSplit(document, weights)
 * assert.ok(E.isRight(back) && T.equals(Tree.leaves(back.right.params)[0]!.value, Tree.leaves(params)[0]!.value))
 * const plain = Net.decode(document) // the document alone has no weights
 * assert.ok(E.isLeft(plain) && /model\.safetensors/.test(plain.left.message))
 * @category codec
 */
export const encodeSplit = (model: Model, weightsFile: string): SplitModel => {
  const op = 'encodeSplit'
  checkModel(op, model)
  if (!plainFileName(weightsFile))
    throw error('INVALID_ARGUMENT', op, `weightsFile must be a plain file name (no directory part), found beside the document; got ${JSON.stringify(weightsFile)}.`)
  const entries = [
    ...Tr.leaves(model.params).map((l) => ({ name: `params.${l.path}`, value: l.value })),
    ...Tr.leaves(model.state).map((l) => ({ name: `state.${l.path}`, value: l.value })),
  ]
  const weights = writeSafetensors(op, entries, { format: FORMAT })
  const body = {
    format: FORMAT,
    version: VERSION,
    network: model.network,
    inShape: model.inShape,
    weights: { format: 'safetensors', file: weightsFile, dtype: dtypeOfTrees(model.params), bytes: weights.length, checksum: `crc32:${crc32Bytes(weights)}` },
  }
  return { document: JSON.stringify({ ...body, checksum: `crc32:${crc32(JSON.stringify(body))}` }), weights }
}

/** The float dtype of a model's params (float32 for a model without float parameters). */
const dtypeOfTrees = (params: Tr.Tree): FloatDType => {
  const leaf = Tr.leaves(params).find((l) => isFloat(l.value.dtype))
  return leaf === undefined ? 'float32' : (leaf.value.dtype as FloatDType)
}

class Invalid extends Error {}
const invalid = (detail: string): never => {
  throw new Invalid(detail)
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u)

const isLeaf = (s: Tr.Structure): s is Tr.LeafStructure => !Array.isArray(s) && typeof (s as { dtype?: unknown }).dtype === 'string' && Array.isArray((s as { shape?: unknown }).shape)

/**
 * Checks the JSON of a tree against the structure the network needs (every branch, and every
 * tensor's fields, dtype, shape and the length of its data), allocating nothing, and returns
 * the function that then decodes its tensors.
 */
const readTree = (u: unknown, expected: Tr.Structure, path: string, what: string): (() => Tr.Tree) => {
  const at = `${what}${path === '' ? '' : ` at '${path}'`}`
  const sub = (k: string | number): string => (path === '' ? String(k) : `${path}.${k}`)
  if (isLeaf(expected)) {
    if (!isRecord(u)) return invalid(`${at}: expected a tensor { dtype, shape, data }, got ${JSON.stringify(u)?.slice(0, 40) ?? String(u)}`)
    const { dtype, shape: s, data } = u
    const keys = Object.keys(u).sort().join(',')
    if (keys !== 'data,dtype,shape') invalid(`${at}: a tensor has exactly the fields dtype, shape and data; got ${Object.keys(u).join(', ')}`)
    if (!isDType(dtype) || dtype !== expected.dtype) invalid(`${at}: dtype ${JSON.stringify(dtype)} where the network needs ${expected.dtype}`)
    if (!Array.isArray(s) || !sameShape(s as number[], expected.shape)) invalid(`${at}: shape ${Array.isArray(s) ? `[${s.map((d) => JSON.stringify(d)).join(', ')}]` : JSON.stringify(s)} where the network needs ${showShape(expected.shape)}`)
    if (typeof data !== 'string') return invalid(`${at}: data must be a base64 string`)
    const size = sizeOf(expected.shape)
    const problem = base64LengthProblem(data, expected.dtype, size)
    if (problem !== undefined) invalid(`${at}: data ${problem}`)
    return () => {
      const buf = decodeBase64(data, expected.dtype, size)
      return typeof buf === 'string' ? invalid(`${at}: data ${buf}`) : fromBuffer(buf, expected.shape)
    }
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(u) || u.length !== expected.length) return invalid(`${at}: expected a list of ${expected.length}, got ${Array.isArray(u) ? `a list of ${u.length}` : typeof u}`)
    const items = expected.map((e, i) => readTree(u[i], e, sub(i), what))
    return () => Object.freeze(items.map((f) => f()))
  }
  if (!isRecord(u)) return invalid(`${at}: expected an object, got ${JSON.stringify(u)?.slice(0, 40) ?? String(u)}`)
  const want = Object.keys(expected)
  const extra = Object.keys(u).filter((k) => !want.includes(k))
  const missing = want.filter((k) => !Object.hasOwn(u, k))
  if (missing.length > 0) invalid(`${at}: missing ${missing.map((k) => `'${k}'`).join(', ')}`)
  if (extra.length > 0) invalid(`${at}: unexpected ${extra.map((k) => `'${k}'`).join(', ')}`)
  const fields = want.map((k) => [k, readTree(u[k], (expected as { readonly [k: string]: Tr.Structure })[k]!, sub(k), what)] as const)
  return () => Object.freeze(Object.fromEntries(fields.map(([k, f]) => [k, f()])))
}

const dtypeOfParams = (u: unknown): FloatDType => {
  const found = (v: unknown): unknown =>
    isRecord(v) && typeof v['dtype'] === 'string' && 'data' in v ? v['dtype'] : Array.isArray(v) ? v.map(found).find((d) => d !== undefined) : isRecord(v) ? Object.values(v).map(found).find((d) => d !== undefined) : undefined
  const d = found(u)
  return typeof d === 'string' && isDType(d) && isFloat(d) ? d : 'float32'
}

/** Options of `decode`. */
export interface DecodeOptions {
  /**
   * limits on the network the document describes, checked before any tensor is allocated;
   * default `defaultBudget` (100 million values, 1 GiB, 100,000 layers)
   */
  readonly budget?: Budget
  /**
   * the constructors (from `Net.defineLayer`) of the user's layers the document may hold; a
   * layer of another kind is refused, by its name
   */
  readonly layers?: ReadonlyArray<LayerConstructor<object>>
}

/** The user's kinds by name, from `opts.layers`, or the reason they cannot be used. */
/** The user's kinds by tag, from the constructors given to a reader (`layers`). @internal */
export const userKinds = (op: string, layers: unknown): E.Either<PuregradError, ReadonlyMap<string, Kind<Layer>>> => {
  if (layers === undefined) return E.right(new Map())
  if (!Array.isArray(layers)) return E.left(error('INVALID_ARGUMENT', op, `layers must be an array of the constructors Net.defineLayer returned; got ${String(layers)}.`))
  const kinds = new Map<string, Kind<Layer>>()
  for (const c of layers) {
    const kind = kindOfConstructor(c)
    if (kind === undefined) return E.left(error('INVALID_ARGUMENT', op, `layers must hold the constructors Net.defineLayer returned; got ${typeof c === 'function' ? 'another function' : String(c)}.`))
    const other = kinds.get(kind.tag)
    if (other !== undefined && other !== kind) return E.left(error('INVALID_ARGUMENT', op, `layers holds two definitions named ${kind.tag}; pass the one the document was saved with.`))
    kinds.set(kind.tag, kind)
  }
  return E.right(kinds)
}

/** Codes that keep their meaning through `decode` (others become INVALID_VALUE). */
const kept: ReadonlySet<string> = new Set(['RESOURCE_LIMIT', 'TOO_DEEP'])

/**
 * Reads a model saved by `encode`, or says what is wrong with the document (code
 * `INVALID_VALUE`): not JSON, another format or version, an unknown layer or field, a bad
 * hyperparameter, an input shape the network refuses (a layer defined with `Net.defineLayer` is
 * known only when its constructor is passed in `opts.layers`), a missing, extra or misshapen tensor,
 * data of the wrong length, a checksum that does not match.
 *
 * The document is untrusted, so everything is checked before anything is allocated: the
 * nesting (`TOO_DEEP` past `MAX_DEPTH`), the network against the budget (`opts.budget`,
 * default `defaultBudget`: 100 million parameter and state values, 1 GiB of them, 100,000
 * layers; `RESOURCE_LIMIT` beyond it), every tensor's dtype, shape and data length against
 * what the network needs (computed from shapes alone), and the checksum. Only then are the
 * tensors decoded. A model is never half-loaded.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng } from 'puregrad'
 * const network = Net.dense(2)
 * const { params, state } = Net.init(network, { key: Rng.key(0), inShape: [3] })
 * const text = Net.encode({ network, inShape: [3], params, state })
 * assert.ok(E.isRight(Net.decode(text)))
 * const changed = Net.decode(text.replace('"units":2', '"units":3'))
 * assert.ok(E.isLeft(changed) && changed.left.code === 'INVALID_VALUE')
 * assert.match(changed.left.message, /params at 'W': shape/) // W no longer fits the network
 * // a budget smaller than the model refuses it
 * const small = Net.decode(text, { budget: { maxParams: 5 } })
 * assert.ok(E.isLeft(small) && small.left.code === 'RESOURCE_LIMIT')
 * @category codec
 */
export const decode = (text: string, opts: DecodeOptions = {}): E.Either<PuregradError, Model> => decodeWith('decode', text, opts, undefined)

/**
 * Reads a model saved by `encodeSplit`: its JSON document and the bytes of its weights file.
 * Everything `decode` checks is checked, and the weights too: their size and CRC-32 against
 * the document's, their safetensors format (see `Tree.readSafetensors`), and every tensor
 * against what the network needs, all missing, extra or misshapen ones named (`INVALID_VALUE`).
 * A model is never half-loaded.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng } from 'puregrad'
 * const network = Net.dense(2)
 * const vars = Net.init(network, { key: Rng.key(0), inShape: [3] })
 * const { document, weights } = Net.encodeSplit({ network, inShape: [3], ...vars }, 'w.safetensors')
 * assert.ok(E.isRight(Net.decodeSplit(document, weights)))
 * const other = Net.encodeSplit({ network, inShape: [3], ...Net.init(network, { key: Rng.key(1), inShape: [3] }) }, 'w.safetensors')
 * const mixed = Net.decodeSplit(document, other.weights) // the weights of another save
 * assert.ok(E.isLeft(mixed) && /checksum/.test(mixed.left.message))
 * @category codec
 */
export const decodeSplit = (document: string, weights: Uint8Array, opts: DecodeOptions = {}): E.Either<PuregradError, Model> =>
  weights instanceof Uint8Array
    ? decodeWith('decodeSplit', document, opts, () => E.right(weights))
    : E.left(error('INVALID_ARGUMENT', 'decodeSplit', `weights must be the bytes of the weights file as a Uint8Array; got ${weights === null ? 'null' : typeof weights}.`))

/** Where a document's weights file is read from: its name in, its bytes (or why not) out. @internal */
export type WeightsReader = (file: string) => E.Either<PuregradError, Uint8Array>

const TOP_FIELDS = ['format', 'version', 'network', 'inShape', 'params', 'state', 'checksum']
const SPLIT_FIELDS = ['format', 'version', 'network', 'inShape', 'weights', 'checksum']

/** The weights descriptor of a split document, checked. */
const weightsOfDoc = (u: unknown): { file: string; dtype: FloatDType; bytes: number; checksum: string } => {
  if (!isRecord(u)) return invalid('weights must be { format, file, dtype, bytes, checksum }')
  const keys = Object.keys(u).sort().join(',')
  if (keys !== 'bytes,checksum,dtype,file,format') invalid(`weights has exactly the fields format, file, dtype, bytes and checksum; got ${Object.keys(u).join(', ')}`)
  if (u['format'] !== 'safetensors') invalid(`weights format ${JSON.stringify(u['format'])} is not supported; this puregrad reads "safetensors"`)
  if (!plainFileName(u['file'])) invalid(`the weights file ${JSON.stringify(u['file'])} must be a plain file name beside the document, without a directory part`)
  if (u['dtype'] !== 'float32' && u['dtype'] !== 'float64') invalid(`weights dtype ${JSON.stringify(u['dtype'])} must be float32 or float64`)
  if (!Number.isSafeInteger(u['bytes']) || (u['bytes'] as number) < 8) invalid(`weights bytes ${JSON.stringify(u['bytes'])} must be a whole number ≥ 8`)
  if (typeof u['checksum'] !== 'string') invalid('weights checksum must be a string')
  return u as { file: string; dtype: FloatDType; bytes: number; checksum: string }
}

/**
 * `decode` and `decodeSplit` in one: a document holds its tensors (`params`, `state`) or names a
 * weights file, read with `readWeights` (a document naming one is refused without it). @internal
 */
export const decodeWith = (op: string, text: string, opts: DecodeOptions, readWeights: WeightsReader | undefined): E.Either<PuregradError, Model> => {
  const budget = E.tryCatch(() => resolveBudget(op, (opts as DecodeOptions | undefined)?.budget), (e) => e)
  if (E.isLeft(budget)) {
    if (budget.left instanceof PuregradError) return E.left(budget.left)
    throw budget.left
  }
  const users = userKinds(op, (opts as DecodeOptions | undefined)?.layers)
  if (E.isLeft(users)) return users
  try {
    if (typeof text !== 'string') return invalid(`the document must be JSON text; got ${typeof text}`)
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch (e) {
      return invalid(`the document is not JSON (${(e as Error).message}); it may be truncated`)
    }
    const deep = checkJsonDepth(op, 'the document', doc)
    if (E.isLeft(deep)) return deep
    if (!isRecord(doc)) return invalid('the document must be a JSON object')
    if (doc['format'] !== FORMAT) invalid(`this is not a puregrad model (format ${JSON.stringify(doc['format'])}, expected ${JSON.stringify(FORMAT)})`)
    if (doc['version'] !== VERSION) invalid(`model format version ${JSON.stringify(doc['version'])} is not supported; this puregrad reads version ${VERSION}`)
    const split = Object.hasOwn(doc, 'weights') && !Object.hasOwn(doc, 'params') && !Object.hasOwn(doc, 'state')
    const extra = Object.keys(doc).filter((k) => !(split ? SPLIT_FIELDS : TOP_FIELDS).includes(k))
    if (extra.length > 0) invalid(`unexpected top-level field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}`)
    const described = split ? weightsOfDoc(doc['weights']) : undefined
    if (described !== undefined && readWeights === undefined)
      invalid(`the document keeps its weights in the file ${JSON.stringify(described.file)}; read both with Net.decodeSplit(document, weights), or with loadModelFile in Node`)
    if (described === undefined && readWeights !== undefined && op === 'decodeSplit') invalid('the document holds its own tensors (it was saved by encode, not encodeSplit); read it with Net.decode')
    const network = E.getOrElse<PuregradError, Layer>((e) => (kept.has(e.code) ? fail(e.code, op, e.detail) : invalid(e.detail)))(validateNetwork(doc['network'], op, users.right))
    const inShape = doc['inShape'] as Shapes
    // one pass over the network: its layer count held to the budget, its shapes, and the sizes of
    // its variables from shapes alone, held to the budget, before any tensor exists; a budget or
    // nesting refusal keeps its code, any other is the saved input shape not fitting
    const dtype = described?.dtype ?? dtypeOfParams(doc['params'])
    const prepared = E.tryCatch(() => prepare(op, network, { inShape, dtype, budget: budget.right }), (e) => e)
    if (E.isLeft(prepared)) {
      const e = prepared.left
      if (e instanceof PuregradError && !kept.has(e.code)) invalid(`the network does not accept its saved input shape ${JSON.stringify(inShape)}: ${e.detail}`)
      throw e
    }
    const expected = prepared.right.structure
    const params = described === undefined ? readTree(doc['params'], expected.params as Tr.Structure, '', 'params') : undefined
    const state = described === undefined ? readTree(doc['state'], expected.state as Tr.Structure, '', 'state') : undefined
    // after the structure, so a structural problem gets its own message: damage that left the document well formed
    const { checksum, ...body } = doc
    if (typeof checksum !== 'string') invalid('the checksum is missing; the file was not written by encode, or was cut')
    if (checksum !== `crc32:${crc32(JSON.stringify(body))}`) invalid(`the checksum does not match (stored ${String(checksum)}): the file was changed or damaged after it was saved`)
    if (described === undefined) return E.right({ network, inShape, params: params!(), state: state!() })
    const bytes = readWeights!(described.file)
    if (E.isLeft(bytes)) return bytes
    const w = bytes.right
    if (w.length !== described.bytes) invalid(`the weights file ${JSON.stringify(described.file)} holds ${w.length} bytes where the document expects ${described.bytes}: it belongs to another save, or was cut`)
    if (`crc32:${crc32Bytes(w)}` !== described.checksum) invalid(`the checksum of the weights file ${JSON.stringify(described.file)} does not match the document's: it belongs to another save or was changed after it`)
    const vars = fromSafetensors(w, { params: expected.params as Tr.Structure, state: expected.state as Tr.Structure })
    if (E.isLeft(vars)) return invalid(`the weights file ${JSON.stringify(described.file)}: ${vars.left.detail.replace(/\.$/, '')}`)
    const v = vars.right as { readonly params: Tr.Tree; readonly state: Tr.Tree }
    return E.right({ network, inShape, params: v.params, state: v.state })
  } catch (e) {
    if (e instanceof Invalid) return E.left(error('INVALID_VALUE', op, `${e.message}.`))
    if (e instanceof PuregradError) return E.left(kept.has(e.code) ? error(e.code, op, e.detail) : error('INVALID_VALUE', op, e.message))
    // the engine could not allocate, or ran out of stack: the document asks for more than the machine has
    if (e instanceof RangeError) return E.left(error('RESOURCE_LIMIT', op, `the model could not be read within the machine's resources (${e.message}); pass a smaller budget to refuse such documents early, or free memory.`))
    throw e
  }
}
