/**
 * The safetensors format, for exchanging parameter trees with PyTorch, JAX and Hugging Face
 * tools: 8 bytes holding N (unsigned, little-endian), N bytes of a UTF-8 JSON header mapping
 * each tensor's name to `{ dtype, shape, data_offsets: [begin, end] }` (offsets into the data
 * that follows the header) and an optional `__metadata__` map of strings, then the raw
 * little-endian data. Tensors are named by their tree paths (`layers.0.W`).
 *
 * Reading trusts nothing and follows the reference implementation's rules: the header at most
 * `MAX_HEADER_BYTES` and inside the buffer, valid UTF-8 JSON starting with `{`, known dtypes,
 * shapes whose size matches their byte range, ranges that cover the data region exactly (in
 * order, no gap, no overlap, nothing after), no name twice. Every tensor is held by bytes of the
 * input, so reading allocates at most twice the input's size (float16 widened to float32).
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DType } from '../core/dtype.js'
import { PuregradError, error, showShape } from '../core/errors.js'
import { MAX_DEPTH, tooDeep } from '../core/limits.js'
import { checkOptions } from '../core/options.js'
import { type Tensor, dataOf, fromBuffer, isTensor } from '../core/Tensor.js'
import { child, isPlainRecord, record } from './internal.js'
import type { LeafStructure, Structure } from './structure.js'
import { leaves } from './Tree.js'
import type { Tree } from './types.js'

/**
 * The largest header read: 100,000,000 bytes, the reference implementation's limit. A header
 * announcing more is refused (RESOURCE_LIMIT) before anything is read.
 * @category safetensors
 * @since 0.1.0
 */
export const MAX_HEADER_BYTES = 100_000_000

/** The dtypes of the format and the bytes per element of each. */
const FORMAT_DTYPES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
}

/** What each dtype puregrad reads becomes. */
const READ_AS: Readonly<Record<string, DType>> = { F64: 'float64', F32: 'float32', F16: 'float32', BF16: 'float32', I32: 'int32', I64: 'int32' }

const WRITE_AS: Readonly<Record<DType, string>> = { float64: 'F64', float32: 'F32', int32: 'I32' }

/** One tensor of a safetensors file, as read: its name, its stored dtype and the tensor. */
export interface SafetensorsEntry {
  readonly name: string
  /** the dtype stored in the file (`F16`, `BF16`, `I64` … before conversion) */
  readonly stored: string
  readonly value: Tensor
}

/**
 * The contents of a safetensors file: its tensors in the order of their data, and its metadata.
 * @category safetensors
 * @since 0.1.0
 */
export interface Safetensors {
  readonly tensors: ReadonlyArray<SafetensorsEntry>
  readonly metadata: { readonly [key: string]: string }
}

/** Options of `toSafetensors`. */
export interface ToSafetensorsOptions {
  /** the `__metadata__` map (strings to strings), e.g. `{ format: 'pt' }` */
  readonly metadata?: { readonly [key: string]: string }
  /** a prefix for every name, e.g. `'params.'` */
  readonly prefix?: string
}

const utf8 = new TextEncoder()

/**
 * The tree as the bytes of a safetensors file: each leaf under its path (`layers.0.W`), float32,
 * float64 and int32 stored as F32, F64 and I32, little-endian, in traversal order; the header
 * padded with spaces to a multiple of 8 bytes. Throws INVALID_VALUE for something that is not a
 * tree, two leaves with the same path (a record key holding a dot), or metadata that is not a
 * map of strings.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Tensor as T, Tree } from 'puregrad'
 * const params = { layers: [{ W: T.tensor([[1, 2]]), b: T.tensor([0.5]) }] }
 * const bytes = Tree.toSafetensors(params, { metadata: { format: 'pt' } })
 * assert.strictEqual(new DataView(bytes.buffer).getUint32(0, true) % 8, 0) // header length, padded
 * const back = Tree.fromSafetensors(bytes, params)
 * assert.ok(E.isRight(back) && T.equals(back.right.layers[0]!.W, params.layers[0]!.W))
 * @category safetensors
 * @since 0.1.0
 */
export const toSafetensors = (tree: Tree, options: ToSafetensorsOptions = {}): Uint8Array => {
  const op = 'Tree.toSafetensors'
  checkOptions(op, options, ['metadata', 'prefix'])
  const prefix = options.prefix ?? ''
  if (typeof prefix !== 'string') throw error('INVALID_ARGUMENT', op, `prefix must be a string; got ${typeof prefix}.`)
  const entries = leaves(tree).map((l) => ({ name: prefix + l.path, value: l.value }))
  return writeSafetensors(op, entries, options.metadata)
}

/** The bytes of a file holding `entries` in order, with `metadata`. @internal */
export const writeSafetensors = (op: string, entries: ReadonlyArray<{ readonly name: string; readonly value: Tensor }>, metadata?: unknown): Uint8Array => {
  const header: Record<string, unknown> = {}
  if (metadata !== undefined) {
    if (!isPlainRecord(metadata) || Object.values(metadata).some((v) => typeof v !== 'string'))
      throw error('INVALID_VALUE', op, 'metadata must be a record of strings to strings (safetensors stores only strings there); convert numbers with String().')
    header['__metadata__'] = { ...metadata }
  }
  let at = 0
  for (const { name, value } of entries) {
    if (Object.hasOwn(header, name))
      throw error('INVALID_VALUE', op, `two tensors are named '${name}' (a record key with a dot in it makes the same path as a nested record); rename one of them.`)
    const n = value.size * (value.dtype === 'float64' ? 8 : 4)
    header[name] = { dtype: WRITE_AS[value.dtype], shape: [...value.shape], data_offsets: [at, at + n] }
    at += n
  }
  let json = JSON.stringify(header)
  let head = utf8.encode(json)
  const padded = Math.ceil(head.length / 8) * 8
  if (padded !== head.length) {
    json += ' '.repeat(padded - head.length)
    head = utf8.encode(json)
  }
  const out = new Uint8Array(8 + head.length + at)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(head.length), true)
  out.set(head, 8)
  let o = 8 + head.length
  for (const { value } of entries) {
    const d = dataOf(value)
    if (d instanceof Float64Array) for (let i = 0; i < d.length; i++, o += 8) view.setFloat64(o, d[i]!, true)
    else if (d instanceof Float32Array) for (let i = 0; i < d.length; i++, o += 4) view.setFloat32(o, d[i]!, true)
    else for (let i = 0; i < d.length; i++, o += 4) view.setInt32(o, d[i]!, true)
  }
  return out
}

// -------------------------------------------------------------------------------------
// reading
// -------------------------------------------------------------------------------------

class Invalid extends Error {
  constructor(
    readonly code: 'INVALID_VALUE' | 'RESOURCE_LIMIT',
    detail: string,
  ) {
    super(detail)
  }
}
const invalid = (detail: string): never => {
  throw new Invalid('INVALID_VALUE', detail)
}

/**
 * The names of the members of the JSON object `text` (which JSON.parse has accepted), in order,
 * read without recursion: JSON.parse keeps the last of two equal names, the format refuses them.
 */
const topLevelNames = (text: string): string[] => {
  const names: string[] = []
  let depth = 0
  let expectName = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      let j = i + 1
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1
      if (depth === 1 && expectName) {
        names.push(JSON.parse(text.slice(i, j + 1)) as string)
        expectName = false
      }
      i = j
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++
      expectName = depth === 1
    } else if (c === 0x7d || c === 0x5d) depth--
    else if (c === 0x2c /* , */ && depth === 1) expectName = true
  }
  return names
}

interface Planned {
  readonly name: string
  readonly stored: string
  readonly shape: ReadonlyArray<number>
  readonly begin: number
  readonly end: number
}

const showName = (name: string): string => JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)

/** Checks the header and the layout of the data, allocating nothing but the header's text. */
const plan = (bytes: Uint8Array, maxHeader: number): { readonly tensors: ReadonlyArray<Planned>; readonly metadata: Record<string, string>; readonly start: number } => {
  if (bytes.length < 8) invalid(`the file holds ${bytes.length} bytes, fewer than the 8 bytes of the header length; it is empty or cut`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const n64 = view.getBigUint64(0, true)
  if (n64 > BigInt(maxHeader))
    throw new Invalid('RESOURCE_LIMIT', `the header announces ${n64} bytes, more than the limit of ${maxHeader} (the reference implementation's); the file is damaged or not a safetensors file`)
  const n = Number(n64)
  if (8 + n > bytes.length) invalid(`the header announces ${n} bytes but only ${bytes.length - 8} follow the length; the file is cut or not a safetensors file`)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n))
  } catch {
    return invalid('the header is not valid UTF-8; the file is damaged or not a safetensors file')
  }
  if (!text.startsWith('{')) invalid(`the header must be a JSON object starting with '{'; it starts with ${JSON.stringify(text.slice(0, 8))}`)
  let header: unknown
  try {
    header = JSON.parse(text)
  } catch (e) {
    return invalid(`the header is not JSON (${(e as Error).message}); the file is damaged`)
  }
  if (!isPlainRecord(header)) return invalid('the header must be a JSON object mapping names to tensors')
  const names = topLevelNames(text)
  const seen = new Set<string>()
  for (const name of names) {
    if (seen.has(name)) invalid(`the name ${showName(name)} appears twice in the header; every tensor must have its own name`)
    seen.add(name)
  }
  let metadata: Record<string, string> = {}
  const tensors: Planned[] = []
  for (const name of names) {
    const info = header[name]
    if (name === '__metadata__') {
      if (!isPlainRecord(info) || Object.values(info).some((v) => typeof v !== 'string')) invalid('__metadata__ must be an object of strings to strings')
      metadata = { ...(info as Record<string, string>) }
      continue
    }
    const at = `tensor ${showName(name)}`
    if (!isPlainRecord(info)) return invalid(`${at}: expected { dtype, shape, data_offsets }`)
    const { dtype, shape, data_offsets: offsets } = info
    const extra = Object.keys(info).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets')
    if (extra.length > 0) invalid(`${at}: unexpected field ${showName(extra[0]!)}; a tensor has only dtype, shape and data_offsets`)
    if (typeof dtype !== 'string' || !Object.hasOwn(FORMAT_DTYPES, dtype))
      invalid(`${at}: unknown dtype ${JSON.stringify(dtype)}; the format's dtypes are ${Object.keys(FORMAT_DTYPES).join(', ')}`)
    if (!Object.hasOwn(READ_AS, dtype as string))
      invalid(`${at}: dtype ${dtype as string} cannot be read; puregrad reads F64, F32, F16 and BF16 (as float32), I32 and I64 (as int32): convert it before saving`)
    if (!Array.isArray(shape) || shape.length > 64 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      invalid(`${at}: shape must be a list of at most 64 whole numbers ≥ 0; got ${JSON.stringify(shape)?.slice(0, 60)}`)
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0))
      invalid(`${at}: data_offsets must be [begin, end], two whole numbers ≥ 0; got ${JSON.stringify(offsets)?.slice(0, 60)}`)
    const [begin, end] = offsets as [number, number]
    if (end < begin) invalid(`${at}: data_offsets [${begin}, ${end}] end before they begin`)
    const dims = shape as number[]
    // the size, stopped as soon as it passes the range (no overflow for absurd shapes)
    const per = FORMAT_DTYPES[dtype as string]!
    let count = dims.includes(0) ? 0 : 1
    for (const d of dims) if (count > 0 && (count *= d) * per > end - begin) break
    if (count * per !== end - begin)
      invalid(`${at}: shape ${showShape(dims)} of ${dtype as string} needs ${dims.includes(0) ? 0 : dims.reduce((a, b) => a * b, 1) * per} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`)
    tensors.push({ name, stored: dtype as string, shape: dims, begin, end })
  }
  const size = bytes.length - 8 - n
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end)
  let covered = 0
  for (const t of sorted) {
    if (t.end > size) invalid(`tensor ${showName(t.name)}: data_offsets [${t.begin}, ${t.end}] reach past the ${size} bytes of data; the file is cut or damaged`)
    if (t.begin < covered) invalid(`tensor ${showName(t.name)}: data_offsets [${t.begin}, ${t.end}] overlap the tensor before it, which ends at ${covered}; each byte of data belongs to one tensor`)
    if (t.begin > covered) invalid(`tensor ${showName(t.name)}: data_offsets [${t.begin}, ${t.end}] leave bytes ${covered} to ${t.begin} unused; the data must be covered without holes`)
    covered = t.end
  }
  if (covered !== size) invalid(`the tensors cover ${covered} bytes of data but ${size} follow the header; the file has trailing bytes or lost a tensor's entry`)
  return { tensors: sorted, metadata, start: 8 + n }
}

/** Little-endian IEEE half precision to a number. */
const fromF16 = (h: number): number => {
  const e = (h >> 10) & 0x1f
  const m = h & 0x3ff
  const s = h & 0x8000 ? -1 : 1
  return e === 0 ? s * m * 2 ** -24 : e === 31 ? (m === 0 ? s * Infinity : NaN) : s * (1 + m / 1024) * 2 ** (e - 15)
}

/** The tensor held by `t`'s bytes, converted to the dtype puregrad reads it as. */
const tensorOf = (bytes: Uint8Array, start: number, t: Planned): Tensor => {
  const view = new DataView(bytes.buffer, bytes.byteOffset + start + t.begin, t.end - t.begin)
  switch (t.stored) {
    case 'F64': {
      const out = new Float64Array((t.end - t.begin) / 8)
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true)
      return fromBuffer(out, t.shape)
    }
    case 'F32': {
      const out = new Float32Array((t.end - t.begin) / 4)
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true)
      return fromBuffer(out, t.shape)
    }
    case 'F16': {
      const out = new Float32Array((t.end - t.begin) / 2)
      for (let i = 0; i < out.length; i++) out[i] = fromF16(view.getUint16(i * 2, true))
      return fromBuffer(out, t.shape)
    }
    case 'BF16': {
      const out = new Float32Array((t.end - t.begin) / 2)
      const bits = new Uint32Array(out.buffer)
      for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(i * 2, true) << 16
      return fromBuffer(out, t.shape)
    }
    case 'I32': {
      const out = new Int32Array((t.end - t.begin) / 4)
      for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true)
      return fromBuffer(out, t.shape)
    }
    default: {
      // I64: kept when every value fits in int32, puregrad's only integer dtype
      const out = new Int32Array((t.end - t.begin) / 8)
      for (let i = 0; i < out.length; i++) {
        const v = view.getBigInt64(i * 8, true)
        if (v > 2147483647n || v < -2147483648n)
          invalid(`tensor ${showName(t.name)}: the I64 value ${v} at index ${i} does not fit in int32, puregrad's integer dtype; store it as F64 or as I32 values in range`)
        out[i] = Number(v)
      }
      return fromBuffer(out, t.shape)
    }
  }
}

/** Options of `readSafetensors` and `fromSafetensors`. */
export interface ReadSafetensorsOptions {
  /** the largest header read, in bytes (default and at most `MAX_HEADER_BYTES`) */
  readonly maxHeaderBytes?: number
}

const run = <A>(op: string, f: () => A): E.Either<PuregradError, A> => {
  try {
    return E.right(f())
  } catch (e) {
    if (e instanceof Invalid) return E.left(error(e.code, op, `${e.message}.`))
    if (e instanceof RangeError) return E.left(error('RESOURCE_LIMIT', op, `the tensors could not be allocated (${e.message}); free memory or read a smaller file.`))
    throw e
  }
}

const checkBytes = (op: string, bytes: unknown, options: unknown, known: ReadonlyArray<string>): E.Either<PuregradError, number> => {
  try {
    checkOptions(op, options, known)
  } catch (e) {
    if (e instanceof PuregradError) return E.left(e)
    throw e
  }
  if (!(bytes instanceof Uint8Array)) return E.left(error('INVALID_ARGUMENT', op, `the file must be given as a Uint8Array of its bytes (readFileSync returns one); got ${bytes === null ? 'null' : typeof bytes}.`))
  const max = (options as ReadSafetensorsOptions | undefined)?.maxHeaderBytes ?? MAX_HEADER_BYTES
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 2 || max > MAX_HEADER_BYTES)
    return E.left(error('INVALID_ARGUMENT', op, `maxHeaderBytes must be a whole number from 2 to ${MAX_HEADER_BYTES}; got ${String(max)}.`))
  return E.right(max)
}

/**
 * Reads the bytes of a safetensors file: every tensor (F64 as float64; F32, F16 and BF16 as
 * float32; I32, and I64 whose values fit, as int32) and the metadata, or a Left saying what
 * breaks the format: INVALID_VALUE for a header past the end of the file, not UTF-8, not JSON
 * or not an object, an unknown or unreadable dtype, a shape that does not match its byte range,
 * ranges out of bounds, overlapping or leaving holes, a name given twice; RESOURCE_LIMIT for a
 * header longer than `maxHeaderBytes` (default `MAX_HEADER_BYTES`). Nothing is allocated for
 * tensors until the whole header has been checked.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Tensor as T, Tree } from 'puregrad'
 * const bytes = Tree.toSafetensors({ W: T.tensor([1, 2, 3]) }, { metadata: { source: 'test' } })
 * const r = Tree.readSafetensors(bytes)
 * assert.ok(E.isRight(r) && r.right.tensors[0]!.name === 'W' && r.right.metadata['source'] === 'test')
 * const cut = Tree.readSafetensors(bytes.subarray(0, bytes.length - 1))
 * assert.ok(E.isLeft(cut) && cut.left.code === 'INVALID_VALUE')
 * @category safetensors
 * @since 0.1.0
 */
export const readSafetensors = (bytes: Uint8Array, options: ReadSafetensorsOptions = {}): E.Either<PuregradError, Safetensors> => {
  const op = 'Tree.readSafetensors'
  const max = checkBytes(op, bytes, options, ['maxHeaderBytes'])
  if (E.isLeft(max)) return max
  return run(op, () => {
    const p = plan(bytes, max.right)
    return { tensors: p.tensors.map((t) => ({ name: t.name, stored: t.stored, value: tensorOf(bytes, p.start, t) })), metadata: p.metadata }
  })
}

const isLeafStructure = (u: unknown): u is LeafStructure =>
  isPlainRecord(u) && typeof u['dtype'] === 'string' && Array.isArray(u['shape']) && Object.keys(u).length === 2

/** The leaves (path, dtype, shape) of a tree or a structure, in traversal order. */
const expectedLeaves = (op: string, like: unknown, prefix: string): Array<{ readonly path: string; readonly name: string; readonly want: LeafStructure }> => {
  const out: Array<{ path: string; name: string; want: LeafStructure }> = []
  const go = (u: unknown, path: string, depth: number): void => {
    if (isTensor(u)) out.push({ path, name: prefix + path, want: { dtype: u.dtype, shape: u.shape } })
    else if (isLeafStructure(u)) out.push({ path, name: prefix + path, want: u })
    else if (depth >= MAX_DEPTH) throw tooDeep(op, 'the tree', path)
    else if (Array.isArray(u)) u.forEach((c, i) => go(c, child(path, i), depth + 1))
    else if (isPlainRecord(u)) for (const k of Object.keys(u).sort()) go(u[k], child(path, k), depth + 1)
    else throw error('INVALID_ARGUMENT', op, `like holds ${u === null ? 'null' : typeof u} at '${path}'; pass the tree to fill (e.g. the params from Net.init) or its structure (Tree.structure, Net.initStructure).`)
  }
  go(like, '', 0)
  return out
}

/** `like` rebuilt with the tensors of `found`, by path. */
const rebuild = (like: unknown, found: ReadonlyMap<string, Tensor>): Tree => {
  const go = (u: unknown, path: string): Tree =>
    isTensor(u) || isLeafStructure(u)
      ? found.get(path)!
      : Array.isArray(u)
        ? Object.freeze(u.map((c, i) => go(c, child(path, i))))
        : Object.freeze(record(Object.keys(u as object).sort(), Object.keys(u as object).sort().map((k) => go((u as Record<string, unknown>)[k], child(path, k)))))
  return go(like, '')
}

const cast = (t: Tensor, to: DType): Tensor => {
  if (t.dtype === to) return t
  const src = dataOf(t)
  return fromBuffer(to === 'float64' ? Float64Array.from(src) : Float32Array.from(src), t.shape)
}

/** Options of `fromSafetensors`. */
export interface FromSafetensorsOptions extends ReadSafetensorsOptions {
  /** the prefix of the names to read (e.g. `'params.'`); names without it are ignored */
  readonly prefix?: string
}

/**
 * Reads a safetensors file into a tree shaped like `like` (a tree, e.g. the params of
 * `Net.init`, or its structure from `Tree.structure` or `Net.initStructure`): every leaf is
 * looked up by its path and must have the same shape; a float tensor takes the leaf's float
 * dtype (F16/BF16/F32/F64 widened or rounded to it), an int32 leaf needs I32 or I64. The file's
 * format is checked as by `readSafetensors`; then any missing, extra or misshapen tensor
 * refuses the whole file (TREE_MISMATCH), all of them named: a tree is never half-loaded.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const net = Net.serial(Net.dense(3), Net.relu, Net.dense(2))
 * const { params } = Net.init(net, { key: Rng.key(0), inShape: [4] })
 * const bytes = Tree.toSafetensors(params)
 * const back = Tree.fromSafetensors(bytes, Net.initStructure(net, { inShape: [4] }).params)
 * assert.ok(E.isRight(back) && T.equals(Tree.leaves(back.right)[0]!.value, Tree.leaves(params)[0]!.value))
 * const other = Tree.fromSafetensors(bytes, Net.init(Net.dense(2), { key: Rng.key(0), inShape: [4] }).params)
 * assert.ok(E.isLeft(other) && other.left.code === 'TREE_MISMATCH')
 * assert.match(other.left.message, /missing 'W', 'b'.*extra '0\.W'/)
 * @category safetensors
 * @since 0.1.0
 */
export const fromSafetensors: {
  <T extends Tree>(bytes: Uint8Array, like: T, options?: FromSafetensorsOptions): E.Either<PuregradError, T>
  (bytes: Uint8Array, like: Structure, options?: FromSafetensorsOptions): E.Either<PuregradError, Tree>
} = (bytes: Uint8Array, like: Tree | Structure, options: FromSafetensorsOptions = {}): E.Either<PuregradError, never> => {
  const op = 'Tree.fromSafetensors'
  const max = checkBytes(op, bytes, options, ['maxHeaderBytes', 'prefix'])
  if (E.isLeft(max)) return max
  const prefix = options.prefix ?? ''
  if (typeof prefix !== 'string') return E.left(error('INVALID_ARGUMENT', op, `prefix must be a string; got ${typeof prefix}.`))
  let expected: ReturnType<typeof expectedLeaves>
  try {
    expected = expectedLeaves(op, like, prefix)
  } catch (e) {
    if (e instanceof PuregradError) return E.left(e)
    throw e
  }
  return E.flatten(
    run(op, () => {
      const p = plan(bytes, max.right)
      const byName = new Map(p.tensors.filter((t) => t.name.startsWith(prefix)).map((t) => [t.name, t]))
      const wanted = new Set(expected.map((e) => e.name))
      const missing = expected.filter((e) => !byName.has(e.name)).map((e) => `'${e.name}'`)
      const extra = [...byName.keys()].filter((k) => !wanted.has(k)).map((k) => `'${k}'`)
      const wrong: string[] = []
      for (const { name, want } of expected) {
        const t = byName.get(name)
        if (t === undefined) continue
        const intFile = t.stored === 'I32' || t.stored === 'I64'
        if (t.shape.length !== want.shape.length || t.shape.some((d, i) => d !== want.shape[i])) wrong.push(`'${name}' has shape ${showShape(t.shape)} where ${showShape(want.shape)} is needed`)
        else if (intFile !== (want.dtype === 'int32')) wrong.push(`'${name}' is ${t.stored} where ${want.dtype} is needed`)
      }
      if (missing.length + extra.length + wrong.length > 0) {
        const parts = [missing.length > 0 ? `missing ${missing.join(', ')}` : '', extra.length > 0 ? `extra ${extra.join(', ')}` : '', ...wrong].filter((s) => s !== '')
        return E.left(error('TREE_MISMATCH', op, `the file does not fit the tree: ${parts.join('; ')}. Load it into the network it was saved from, or rename its tensors to the tree's paths (Tree.paths).`))
      }
      const found = new Map(expected.map(({ path, name, want }) => [path, cast(tensorOf(bytes, p.start, byName.get(name)!), want.dtype)]))
      return E.right(rebuild(like, found) as never)
    }),
  )
}
