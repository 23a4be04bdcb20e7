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
import { crc32 } from '../core/crc32.js'
import { type FloatDType, isDType, isFloat } from '../core/dtype.js'
import { PuregradError, checkRecord, error, fail, showShape } from '../core/errors.js'
import { type Budget, checkJsonDepth, resolveBudget } from '../core/limits.js'
import { sameShape, sizeOf } from '../core/shape.js'
import { type Tensor, dataOf, fromBuffer, isTensor } from '../core/Tensor.js'
import * as Tr from '../tree/index.js'
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
  checkRecord('encode', 'the model', model, 'a model { network, inShape, params, state }: the network, its per-example input shape and the variables from Net.init')
  checkLayer('encode', model.network, "the model's network")
  checkShapes('encode', model.inShape)
  for (const [what, tree] of [['params', model.params], ['state', model.state]] as const) {
    const checked = Tr.checkTree(tree)
    if (E.isLeft(checked)) throw error('INVALID_VALUE', 'encode', `the model's ${what} are not a parameter tree: ${checked.left.detail}`)
  }
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
const userKinds = (op: string, layers: unknown): E.Either<PuregradError, ReadonlyMap<string, Kind<Layer>>> => {
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
export const decode = (text: string, opts: DecodeOptions = {}): E.Either<PuregradError, Model> => {
  const op = 'decode'
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
    const extra = Object.keys(doc).filter((k) => !['format', 'version', 'network', 'inShape', 'params', 'state', 'checksum'].includes(k))
    if (extra.length > 0) invalid(`unexpected top-level field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}`)
    const network = E.getOrElse<PuregradError, Layer>((e) => (kept.has(e.code) ? fail(e.code, op, e.detail) : invalid(e.detail)))(validateNetwork(doc['network'], op, users.right))
    const inShape = doc['inShape'] as Shapes
    // one pass over the network: its layer count held to the budget, its shapes, and the sizes of
    // its variables from shapes alone, held to the budget, before any tensor exists; a budget or
    // nesting refusal keeps its code, any other is the saved input shape not fitting
    const prepared = E.tryCatch(() => prepare(op, network, { inShape, dtype: dtypeOfParams(doc['params']), budget: budget.right }), (e) => e)
    if (E.isLeft(prepared)) {
      const e = prepared.left
      if (e instanceof PuregradError && !kept.has(e.code)) invalid(`the network does not accept its saved input shape ${JSON.stringify(inShape)}: ${e.detail}`)
      throw e
    }
    const expected = prepared.right.structure
    const params = readTree(doc['params'], expected.params as Tr.Structure, '', 'params')
    const state = readTree(doc['state'], expected.state as Tr.Structure, '', 'state')
    // after the structure, so a structural problem gets its own message: damage that left the document well formed
    const { checksum, ...body } = doc
    if (typeof checksum !== 'string') invalid('the checksum is missing; the file was not written by encode, or was cut')
    if (checksum !== `crc32:${crc32(JSON.stringify(body))}`) invalid(`the checksum does not match (stored ${String(checksum)}): the file was changed or damaged after it was saved`)
    return E.right({ network, inShape, params: params(), state: state() })
  } catch (e) {
    if (e instanceof Invalid) return E.left(error('INVALID_VALUE', op, `${e.message}.`))
    if (e instanceof PuregradError) return E.left(kept.has(e.code) ? error(e.code, op, e.detail) : error('INVALID_VALUE', op, e.message))
    // the engine could not allocate, or ran out of stack: the document asks for more than the machine has
    if (e instanceof RangeError) return E.left(error('RESOURCE_LIMIT', op, `the model could not be read within the machine's resources (${e.message}); pass a smaller budget to refuse such documents early, or free memory.`))
    throw e
  }
}
