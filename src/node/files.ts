/**
 * Model files. Saving is atomic: the model is written to a temporary file beside the target and
 * renamed over it, so a crash mid-save never leaves a half-written model where the old one was.
 */
import { renameSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { PuregradError, error } from '../core/errors.js'
import { type Model, decode, encode } from '../net/codec.js'

/**
 * Writes a model file atomically.
 * @category files
 */
export const saveModelFile = (path: string, model: Model): void => {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`)
  try {
    writeFileSync(tmp, encode(model))
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
 * Reads a model file, refusing an unreadable or corrupt one with a message.
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
