/**
 * Model files: puregrad's own JSON format, and ONNX for other runtimes. Saving is atomic: the
 * file is written to a temporary file beside the target and renamed over it, so a crash
 * mid-save never leaves a half-written model where the old one was.
 */
import { renameSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { PuregradError, error } from '../core/errors.js'
import { type Model, decode, encode } from '../net/codec.js'
import { type OnnxOptions, toOnnx } from '../net/onnx/toOnnx.js'

/** Writes through a temporary file renamed over the target; removes the temporary file if anything fails. */
const writeAtomically = (path: string, data: string | Uint8Array): void => {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`)
  try {
    writeFileSync(tmp, data)
    renameSync(tmp, path)
  } catch (e) {
    try {
      unlinkSync(tmp)
    } catch {
      // nothing was left behind
    }
    throw e
  }
}

/**
 * Writes a model file atomically: to a temporary file beside `path`, then renamed over it, so a
 * crash mid-save leaves the old file whole.
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
 * rmSync(dir, { recursive: true })
 * @category files
 */
export const saveModelFile = (path: string, model: Model): void => writeAtomically(path, encode(model))

/**
 * Writes a model as an ONNX file, atomically: `Net.toOnnx` of its network and variables for
 * its input shape (see there for what is exported and how), for onnxruntime and other runtimes.
 * The options are those of `Net.toOnnx` except the input shape, which the model carries.
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
  writeAtomically(path, toOnnx(model.network, model, { ...options, inShape: model.inShape }))

/**
 * Reads a model file, refusing an unreadable or corrupt one with a message (a Left), never
 * half-loaded: the checksum, the format and every tensor are checked against the network.
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
 * assert.strictEqual(loadModelFile(join(file, 'missing'))._tag, 'Left')
 * rmSync(join(file, '..'), { recursive: true })
 * @category files
 */
export const loadModelFile = (path: string): E.Either<PuregradError, Model> => {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    return E.left(error('INVALID_ARGUMENT', 'loadModelFile', `cannot read ${path}: ${(e as Error).message}`))
  }
  return decode(text)
}
