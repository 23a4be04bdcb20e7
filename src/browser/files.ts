/**
 * Model files in the browser: `downloadModel` hands the user a file (the JSON document of
 * `Net.encode`, which `loadModelFile` in Node also reads) and `modelFromFile` reads one back
 * from an `<input type="file">` (or any Blob), trusting nothing in it.
 */
import * as E from 'fp-ts/lib/Either.js'
import { type PuregradError, error } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { type DecodeOptions, type Model, decodeWith, encode } from '../net/codec.js'
import { checkSavable } from './checked.js'

/** The largest file `modelFromFile` reads unless told otherwise: 256 MiB. */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024
/** How long the object URL of a download is kept before it is revoked. */
const REVOKE_AFTER_MS = 60_000

/**
 * Offers the model to the user as a file download named `fileName` (default `model.json`): the
 * JSON document of `Net.encode` (network, input shape and every tensor, bit for bit, with a
 * checksum) in a Blob, through an object URL and a clicked `<a download>`. Read it back with
 * `modelFromFile` in the browser or `loadModelFile` in Node. The model is checked first (a valid
 * network, params and state that fit it: TREE_MISMATCH otherwise). Throws FILE_ERROR where there
 * is no page to download from (Node, a worker): use `Net.encode` or `saveModelFile` there.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng } from 'puregrad'
 * import { downloadModel } from 'puregrad/browser'
 * const network = Net.serial(Net.dense(4), Net.relu, Net.dense(2))
 * const model = { network, inShape: [3], ...Net.init(network, { key: Rng.key(0), inShape: [3] }) }
 * if (!('document' in globalThis)) assert.throws(() => downloadModel(model, 'model.json'), { code: 'FILE_ERROR' })
 * else downloadModel(model, 'model.json') // the browser saves model.json
 * @category storage
 */
export const downloadModel = (model: Model, fileName = 'model.json'): void => {
  const op = 'downloadModel'
  if (typeof fileName !== 'string' || fileName === '' || /[/\\\0]/.test(fileName))
    throw error('INVALID_ARGUMENT', op, `fileName must be a plain file name such as "model.json" (no directory part); got ${JSON.stringify(fileName)}.`)
  const text = encode(model) // refuses what is not a model
  checkSavable(op, model)
  const doc = (globalThis as { document?: Document }).document
  if (doc === undefined || typeof URL.createObjectURL !== 'function')
    throw error('FILE_ERROR', op, 'there is no page to download from here (Node, or a worker): call it from a browser page; elsewhere write Net.encode(model) yourself, or use saveModelFile from puregrad/node.')
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
  const a = doc.createElement('a')
  a.href = url
  a.download = fileName
  a.rel = 'noopener'
  a.style.display = 'none'
  doc.body.append(a)
  try {
    a.click()
  } finally {
    a.remove()
    // the browser has taken the URL when the click returns; revoke it later all the same, for slow ones
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS)
  }
}

/** Options of `modelFromFile`. @category storage */
export interface ModelFromFileOptions extends DecodeOptions {
  /** The largest file to read, in bytes (default 256 MiB); a larger one is refused unread. */
  readonly maxBytes?: number
}

/**
 * Reads a model file picked by the user (`<input type="file">`'s `files[0]`, a drop, or any
 * Blob): the JSON document written by `downloadModel`, `Net.encode` or `saveModelFile`. Resolves
 * to an Either and never to a half-loaded model: Left RESOURCE_LIMIT for a file larger than
 * `maxBytes` (default 256 MiB; refused unread), FILE_ERROR when the file cannot be read (removed
 * or changed since it was picked), INVALID_VALUE for a file that is not a whole, valid model
 * document (the checksum, the format and every tensor are checked as by `Net.decode`). `budget`
 * and `layers` are passed to `Net.decode`. Rejects only for a bad argument (INVALID_ARGUMENT).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * import { modelFromFile } from 'puregrad/browser'
 * const network = Net.dense(2)
 * const model = { network, inShape: [3], ...Net.init(network, { key: Rng.key(0), inShape: [3] }) }
 * // in a page: const file = input.files[0]; here a Blob of the same bytes
 * const text = Net.encode(model)
 * const back = await modelFromFile(new Blob([text]))
 * const x = T.tensor([[1, 2, 3]])
 * assert.ok(E.isRight(back) && T.equals(Net.predict(network, back.right, x), Net.predict(network, model, x)))
 * const cut = await modelFromFile(new Blob([text.slice(0, -10)])) // a truncated download
 * assert.ok(E.isLeft(cut) && cut.left.code === 'INVALID_VALUE')
 * @category storage
 */
export const modelFromFile = async (file: Blob, options: ModelFromFileOptions = {}): Promise<E.Either<PuregradError, Model>> => {
  const op = 'modelFromFile'
  checkOptions(op, options, ['maxBytes', 'budget', 'layers'])
  const { maxBytes = DEFAULT_MAX_BYTES, ...decodeOptions } = options
  if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) throw error('INVALID_ARGUMENT', op, `maxBytes must be a whole number of bytes > 0; got ${String(maxBytes)}.`)
  if (typeof Blob === 'undefined' || !(file instanceof Blob))
    throw error('INVALID_ARGUMENT', op, `file must be a File or Blob (e.g. input.files[0]); got ${file === null ? 'null' : typeof file}.`)
  const name = typeof (file as Partial<File>).name === 'string' ? `the file ${JSON.stringify((file as File).name)}` : 'the file'
  if (file.size > maxBytes)
    return E.left(error('RESOURCE_LIMIT', op, `${name} holds ${file.size} bytes, more than maxBytes (${maxBytes}); it is not a model this page expects, or pass a larger maxBytes.`))
  let text: string
  try {
    text = await file.text()
  } catch (e) {
    return E.left(error('FILE_ERROR', op, `${name} could not be read (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}); it may have been moved or changed since it was picked: pick it again.`))
  }
  return decodeWith(op, text, decodeOptions, undefined)
}
