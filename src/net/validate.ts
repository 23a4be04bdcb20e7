/**
 * Checks that an arbitrary value is a well-formed network: known tags, exactly the fields each
 * layer has, hyperparameters in range, children valid. Used by `decode` (untrusted documents)
 * and `edit` (hand-edited trees). Returns the first problem with its path; a network nested
 * deeper than `MAX_DEPTH` is TOO_DEEP, found before the recursion could overflow the stack.
 * @internal
 */
import * as E from 'fp-ts/lib/Either.js'
import { PuregradError, error } from '../core/errors.js'
import { MAX_DEPTH, tooDeep } from '../core/limits.js'
import type { Layer, Tag } from './Layer.js'
import { fanInConcat, fanInSum, fanOut, parallel, repeat, residual } from './layers/combinators.js'
import { avgPool2d, conv2d, maxPool2d } from './layers/conv.js'
import { dense, flatten, identity, maxout, relu, reshape } from './layers/dense.js'
import { batchNorm, dropout } from './layers/regularization.js'
import { embedding, lstm, simpleRnn } from './layers/sequence.js'
import { kinds } from './table.js'

/** The fields of each layer record, read off a valid instance. */
const fieldsOf: { readonly [T in Tag]: () => ReadonlyArray<string> } = {
  Dense: () => Object.keys(dense(1)),
  Conv2d: () => Object.keys(conv2d(1, 1)),
  MaxPool2d: () => Object.keys(maxPool2d(1)),
  AvgPool2d: () => Object.keys(avgPool2d(1)),
  Flatten: () => Object.keys(flatten),
  Reshape: () => Object.keys(reshape([1])),
  Dropout: () => Object.keys(dropout(1)),
  BatchNorm: () => Object.keys(batchNorm()),
  Embedding: () => Object.keys(embedding(1, 1)),
  SimpleRnn: () => Object.keys(simpleRnn(1)),
  Lstm: () => Object.keys(lstm(1)),
  Activation: () => Object.keys(relu),
  Maxout: () => Object.keys(maxout(1)),
  Identity: () => Object.keys(identity),
  Serial: () => ['_tag', 'layers'],
  Parallel: () => Object.keys(parallel(identity)),
  FanOut: () => Object.keys(fanOut(1)),
  FanInSum: () => Object.keys(fanInSum),
  FanInConcat: () => Object.keys(fanInConcat()),
  Residual: () => Object.keys(residual(identity)),
  Repeat: () => Object.keys(repeat(1, identity)),
}

const where = (path: string): string => (path === '' ? 'the network' : `layer ${path}`)

const check = (u: unknown, path: string, op: string, depth: number): Layer => {
  const bad = (detail: string): never => {
    throw error('INVALID_VALUE', op, `${where(path)}: ${detail}`)
  }
  if (depth >= MAX_DEPTH) throw tooDeep(op, 'the network', where(path))
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return bad(`expected a layer object, got ${Array.isArray(u) ? 'an array' : JSON.stringify(u) ?? String(u)}`)
  const tag = (u as { _tag?: unknown })._tag
  if (typeof tag !== 'string' || !Object.hasOwn(kinds, tag)) return bad(`unknown layer kind ${JSON.stringify(tag)}; known kinds are ${Object.keys(kinds).join(', ')}`)
  const expected = fieldsOf[tag as Tag]()
  const got = Object.keys(u)
  const missing = expected.filter((k) => !got.includes(k))
  const extra = got.filter((k) => !expected.includes(k))
  if (missing.length > 0) bad(`${tag} is missing ${missing.map((k) => `'${k}'`).join(', ')}`)
  if (extra.length > 0) bad(`${tag} has unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}`)
  const layer = u as Layer
  // children first, so a problem deep inside is reported where it is
  const rebuilt: Layer =
    layer._tag === 'Serial' || layer._tag === 'Parallel'
      ? Array.isArray(layer.layers)
        ? { ...layer, layers: Object.freeze(layer.layers.map((c, i) => check(c, path === '' ? String(i) : `${path}.${i}`, op, depth + 1))) }
        : bad(`${tag}.layers must be an array of layers`)
      : layer._tag === 'Residual' || layer._tag === 'Repeat'
        ? { ...layer, body: check(layer.body, path === '' ? 'body' : `${path}.body`, op, depth + 1) }
        : { ...layer }
  const problems = kinds[rebuilt._tag].check(rebuilt as never)
  if (problems.length > 0) bad(`${problems.join('; ')}`)
  for (const v of Object.values(rebuilt)) if (Array.isArray(v)) Object.freeze(v)
  return Object.freeze(rebuilt)
}

/** The value as a frozen, checked network, or the first problem found. */
export const validateNetwork = (u: unknown, op = 'validate'): E.Either<PuregradError, Layer> => {
  try {
    return E.right(check(u, '', op, 0))
  } catch (e) {
    return E.left(e instanceof PuregradError ? e : error('INVALID_VALUE', op, `the network could not be read: ${String(e)}`))
  }
}
