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
import { decodeBase64, encodeBase64 } from '../core/base64.js'
import { crc32 } from '../core/crc32.js'
import { type FloatDType, isDType, isFloat } from '../core/dtype.js'
import { PuregradError, error, showShape } from '../core/errors.js'
import { sameShape } from '../core/shape.js'
import { type Tensor, dataOf, fromBuffer, isTensor } from '../core/Tensor.js'
import { key } from '../rng/index.js'
import * as Tr from '../tree/index.js'
import { init, shape } from './interpret.js'
import type { Layer, Shapes } from './Layer.js'
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

/** Rebuilds a tree shaped like `expected` from its JSON, checking every branch and leaf. */
const treeFromJson = (u: unknown, expected: Tr.Tree, path: string, what: string): Tr.Tree => {
  const at = `${what}${path === '' ? '' : ` at '${path}'`}`
  const sub = (k: string | number): string => (path === '' ? String(k) : `${path}.${k}`)
  if (isTensor(expected)) {
    if (!isRecord(u)) return invalid(`${at}: expected a tensor { dtype, shape, data }, got ${JSON.stringify(u)?.slice(0, 40) ?? String(u)}`)
    const { dtype, shape: s, data } = u
    const keys = Object.keys(u).sort().join(',')
    if (keys !== 'data,dtype,shape') invalid(`${at}: a tensor has exactly the fields dtype, shape and data; got ${Object.keys(u).join(', ')}`)
    if (!isDType(dtype) || dtype !== expected.dtype) invalid(`${at}: dtype ${JSON.stringify(dtype)} where the network needs ${expected.dtype}`)
    if (!Array.isArray(s) || !sameShape(s as number[], expected.shape)) invalid(`${at}: shape ${Array.isArray(s) ? `[${s.map((d) => JSON.stringify(d)).join(', ')}]` : JSON.stringify(s)} where the network needs ${showShape(expected.shape)}`)
    if (typeof data !== 'string') return invalid(`${at}: data must be a base64 string`)
    const buf = decodeBase64(data, expected.dtype, expected.size)
    if (typeof buf === 'string') return invalid(`${at}: data ${buf}`)
    return fromBuffer(buf, expected.shape)
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(u) || u.length !== expected.length) return invalid(`${at}: expected a list of ${expected.length}, got ${Array.isArray(u) ? `a list of ${u.length}` : typeof u}`)
    return Object.freeze(expected.map((e, i) => treeFromJson(u[i], e, sub(i), what)))
  }
  if (!isRecord(u)) return invalid(`${at}: expected an object, got ${JSON.stringify(u)?.slice(0, 40) ?? String(u)}`)
  const want = Object.keys(expected)
  const extra = Object.keys(u).filter((k) => !want.includes(k))
  const missing = want.filter((k) => !Object.hasOwn(u, k))
  if (missing.length > 0) invalid(`${at}: missing ${missing.map((k) => `'${k}'`).join(', ')}`)
  if (extra.length > 0) invalid(`${at}: unexpected ${extra.map((k) => `'${k}'`).join(', ')}`)
  return Object.freeze(Object.fromEntries(want.map((k) => [k, treeFromJson(u[k], (expected as Record<string, Tr.Tree>)[k]!, sub(k), what)])))
}

const dtypeOfParams = (u: unknown): FloatDType => {
  const found = (v: unknown): unknown =>
    isRecord(v) && typeof v['dtype'] === 'string' && 'data' in v ? v['dtype'] : Array.isArray(v) ? v.map(found).find((d) => d !== undefined) : isRecord(v) ? Object.values(v).map(found).find((d) => d !== undefined) : undefined
  const d = found(u)
  return typeof d === 'string' && isDType(d) && isFloat(d) ? d : 'float32'
}

/**
 * Reads a model saved by `encode`, or says what is wrong with the document (code
 * `INVALID_VALUE`): not JSON, another format or version, an unknown layer or field, a bad
 * hyperparameter, an input shape the network refuses, a missing, extra or misshapen tensor,
 * corrupt data.
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
 * @category codec
 */
export const decode = (text: string): E.Either<PuregradError, Model> => {
  const op = 'decode'
  try {
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch (e) {
      return invalid(`the document is not JSON (${(e as Error).message}); it may be truncated`)
    }
    if (!isRecord(doc)) return invalid('the document must be a JSON object')
    if (doc['format'] !== FORMAT) invalid(`this is not a puregrad model (format ${JSON.stringify(doc['format'])}, expected ${JSON.stringify(FORMAT)})`)
    if (doc['version'] !== VERSION) invalid(`model format version ${JSON.stringify(doc['version'])} is not supported; this puregrad reads version ${VERSION}`)
    const extra = Object.keys(doc).filter((k) => !['format', 'version', 'network', 'inShape', 'params', 'state', 'checksum'].includes(k))
    if (extra.length > 0) invalid(`unexpected top-level field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}`)
    const network = E.getOrElse<PuregradError, Layer>((e) => invalid(e.detail))(validateNetwork(doc['network'], op))
    const inShape = doc['inShape'] as Shapes
    const out = shape(network, inShape)
    if (E.isLeft(out)) invalid(`the network does not accept its saved input shape ${JSON.stringify(inShape)}: ${out.left.detail}`)
    const expected = init(network, { key: key(0), inShape, dtype: dtypeOfParams(doc['params']) })
    const model: Model = {
      network,
      inShape,
      params: treeFromJson(doc['params'], expected.params, '', 'params'),
      state: treeFromJson(doc['state'], expected.state, '', 'state'),
    }
    // last, so a structural problem gets its own message: damage that left the document well formed
    const { checksum, ...body } = doc
    if (typeof checksum !== 'string') invalid('the checksum is missing; the file was not written by encode, or was cut')
    if (checksum !== `crc32:${crc32(JSON.stringify(body))}`) invalid(`the checksum does not match (stored ${String(checksum)}): the file was changed or damaged after it was saved`)
    return E.right(model)
  } catch (e) {
    if (e instanceof Invalid) return E.left(error('INVALID_VALUE', op, `${e.message}.`))
    if (e instanceof PuregradError) return E.left(error('INVALID_VALUE', op, e.message))
    throw e
  }
}
