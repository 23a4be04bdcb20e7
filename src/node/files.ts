/**
 * Model files: puregrad's own JSON format, and ONNX for other runtimes. Saving is atomic and
 * durable: the file is written to a temporary file beside the target, synced to the disk and
 * renamed over it, so a crash mid-save never leaves a half-written model where the old one was.
 * Every failure is a PuregradError naming the file and what to do (FILE_ERROR for the file
 * system's refusals), and leaves the old file as it was.
 */
import { basename, dirname, extname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { type PuregradError, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { type DecodeOptions, type Model, decodeWith, encode, encodeSplit } from '../net/codec.js'
import { type OnnxOptions, toOnnx } from '../net/onnx/toOnnx.js'
import { validateNetwork } from '../net/validate.js'
import { varsMismatch } from '../net/vars.js'
import { writeAtomically } from './atomicWrite.js'
import { readBounded, readBoundedBytes } from './readBounded.js'

/** The largest model file `loadModelFile` reads unless told otherwise: 256 MiB. */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024

/**
 * Writes a model file atomically: to a temporary file beside `path`, synced to the disk, then
 * renamed over it, so a crash mid-save leaves the old file whole. The model is checked first:
 * its network must be valid and its params and state must be those the network makes for its
 * input shape (TREE_MISMATCH otherwise), so a file that could not be loaded never replaces a
 * good one. A file-system failure (a missing directory, no permission, a full disk, …) is a
 * FILE_ERROR naming the path and what to do. Temporary files of this target left by a process
 * that died mid-save are removed.
 *
 * With `{ weights: 'safetensors' }` the tensors go to a safetensors file beside the document
 * (`model.json` → `model.safetensors`, see `Net.encodeSplit`), written first; the document then
 * holds the network, the input shape and the weights file's name, size and checksum, and
 * `loadModelFile` reads both.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * import { Net, Rng } from 'puregrad'
 * import { loadModelFile, saveModelFile } from 'puregrad/node'
 * const network = Net.serial(Net.dense(4), Net.relu, Net.dense(2))
 * const { params, state } = Net.init(network, { key: Rng.key(0), inShape: [3] })
 * const dir = mkdtempSync(join(tmpdir(), 'puregrad-'))
 * saveModelFile(join(dir, 'model.json'), { network, inShape: [3], params, state })
 * assert.deepStrictEqual(readdirSync(dir), ['model.json']) // no temporary file left behind
 * const back = loadModelFile(join(dir, 'model.json'))
 * assert.ok(back._tag === 'Right' && JSON.stringify(back.right.inShape) === '[3]')
 * saveModelFile(join(dir, 'small.json'), { network, inShape: [3], params, state }, { weights: 'safetensors' })
 * assert.deepStrictEqual(readdirSync(dir).sort(), ['model.json', 'small.json', 'small.safetensors'])
 * assert.strictEqual(loadModelFile(join(dir, 'small.json'))._tag, 'Right')
 * rmSync(dir, { recursive: true })
 * @category files
 */
export const saveModelFile = (path: string, model: Model, options: SaveModelFileOptions = {}): void => {
  const op = 'saveModelFile'
  checkOptions(op, options, ['weights'])
  const weights = options.weights ?? 'json'
  if (weights !== 'json' && weights !== 'safetensors') fail('INVALID_ARGUMENT', op, `weights must be 'json' (one file) or 'safetensors' (a JSON document and a .safetensors file beside it); got ${JSON.stringify(weights)}.`)
  if (typeof path !== 'string' || path === '') fail('INVALID_ARGUMENT', op, `path must be the path of the file to write; got ${JSON.stringify(path)}.`)
  const split = weights === 'safetensors' ? encodeSplit(model, basename(weightsPath(path))) : undefined
  const text = split?.document ?? encode(model) // refuses what is not a tree of tensors
  const network = validateNetwork(model.network, op)
  if (E.isLeft(network)) throw network.left
  const mismatch = varsMismatch(op, model.network, model.inShape, model, 'given')
  if (mismatch !== undefined) throw mismatch
  // the weights first: a crash between the two writes leaves the old document, which refuses the
  // new weights by their checksum rather than loading a mixture
  if (split !== undefined) writeAtomically(op, weightsPath(path), split.weights)
  writeAtomically(op, path, text)
}

/** Options of `saveModelFile`. @category files */
export interface SaveModelFileOptions {
  /**
   * where the tensors go: `'json'` (default) inside the one JSON file, as base64; `'safetensors'`
   * in a safetensors file beside it (`model.json` → `model.safetensors`), the JSON then holding
   * the network, the input shape and the weights file's name, size and checksum
   */
  readonly weights?: 'json' | 'safetensors'
}

/** The weights file beside a model document: its extension replaced by `.safetensors`. */
const weightsPath = (path: string): string => {
  const ext = extname(path)
  const stem = ext === '' || ext === '.safetensors' ? basename(path) : basename(path, ext)
  return join(dirname(path), `${stem}.safetensors`)
}

/**
 * Writes a model as an ONNX file, atomically: `Net.toOnnx` of its network and variables for
 * its input shape (see there for what is exported and how), for onnxruntime and other runtimes.
 * The options are those of `Net.toOnnx` except the input shape, which the model carries. A
 * file-system failure is a FILE_ERROR naming the path and what to do; the old file is kept.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { readFileSync, rmSync, mkdtempSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * import { Net, Rng } from 'puregrad'
 * import { saveOnnxFile } from 'puregrad/node'
 * const network = Net.serial(Net.dense(4), Net.relu, Net.dense(2))
 * const { params, state } = Net.init(network, { key: Rng.key(0), inShape: [3] })
 * const dir = mkdtempSync(join(tmpdir(), 'puregrad-'))
 * saveOnnxFile(join(dir, 'model.onnx'), { network, inShape: [3], params, state })
 * assert.deepStrictEqual(new Uint8Array(readFileSync(join(dir, 'model.onnx'))), Net.toOnnx(network, { params, state }, { inShape: [3] }))
 * rmSync(dir, { recursive: true })
 * @category files
 */
export const saveOnnxFile = (path: string, model: Model, options: Omit<OnnxOptions, 'inShape'> = {}): void =>
  writeAtomically('saveOnnxFile', path, toOnnx(model.network, model, { ...options, inShape: model.inShape }))

/** Options of `loadModelFile`. @category files */
export interface LoadModelFileOptions extends DecodeOptions {
  /** The largest file to read, in bytes (default 256 MiB); a larger one is refused unread. */
  readonly maxBytes?: number
}

/**
 * Reads a model file, refusing an unreadable or corrupt one with a message (a Left), never
 * half-loaded: the checksum, the format and every tensor are checked against the network.
 * Before anything is read, the path must name a regular file (not a directory, a device such
 * as /dev/zero, or a pipe) of at most `maxBytes` bytes (default 256 MiB). Refusals: FILE_ERROR
 * (missing, unreadable, not a regular file), RESOURCE_LIMIT (too large), INVALID_VALUE (not a
 * valid model document). `budget` and `layers` (the definitions of user-defined layers the
 * file holds) are passed to `Net.decode`. A document saved with `{ weights: 'safetensors' }`
 * has its weights file read from the same directory, under the same checks and `maxBytes`
 * (see `Net.decodeSplit`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * import { Net, Rng } from 'puregrad'
 * import { loadModelFile, saveModelFile } from 'puregrad/node'
 * const network = Net.dense(2)
 * const { params, state } = Net.init(network, { key: Rng.key(0), inShape: [3] })
 * const file = join(mkdtempSync(join(tmpdir(), 'puregrad-')), 'model.json')
 * saveModelFile(file, { network, inShape: [3], params, state })
 * assert.strictEqual(loadModelFile(file)._tag, 'Right')
 * writeFileSync(file, readFileSync(file, 'utf8').slice(0, -20)) // a truncated copy
 * const r = loadModelFile(file)
 * assert.ok(r._tag === 'Left' && r.left.code === 'INVALID_VALUE')
 * const missing = loadModelFile(join(file, '..', 'missing.json'))
 * assert.ok(missing._tag === 'Left' && missing.left.code === 'FILE_ERROR')
 * const small = loadModelFile(file, { maxBytes: 100 }) // a limit below the file's size
 * assert.ok(small._tag === 'Left' && small.left.code === 'RESOURCE_LIMIT')
 * rmSync(join(file, '..'), { recursive: true })
 * @category files
 */
export const loadModelFile = (path: string, options: LoadModelFileOptions = {}): E.Either<PuregradError, Model> => {
  const op = 'loadModelFile'
  checkOptions(op, options, ['maxBytes', 'budget', 'layers'])
  const { maxBytes = DEFAULT_MAX_BYTES, ...decodeOptions } = options
  if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) fail('INVALID_ARGUMENT', op, `maxBytes must be a whole number of bytes > 0; got ${String(maxBytes)}.`)
  // a document that names a weights file (saved with { weights: 'safetensors' }) finds it in its directory, held to the same limit
  return E.flatMap(readBounded(op, path, maxBytes), (text) => decodeWith(op, text, decodeOptions, (file) => readBoundedBytes(op, join(dirname(path), file), maxBytes)))
}
