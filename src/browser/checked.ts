/**
 * The checks a model passes before it is stored: a valid network, and params and state that are
 * those the network makes for its input shape, so nothing that could not be loaded back is ever
 * saved. @internal
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Model } from '../net/codec.js'
import { validateNetwork } from '../net/validate.js'
import { varsMismatch } from '../net/vars.js'

/** Throws the PuregradError of the first problem (TREE_MISMATCH for variables of another network). */
export const checkSavable = (op: string, model: Model): void => {
  const network = validateNetwork(model.network, op)
  if (E.isLeft(network)) throw network.left
  const mismatch = varsMismatch(op, model.network, model.inShape, model, 'given')
  if (mismatch !== undefined) throw mismatch
}
