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
import { type Kind, kindLink } from './Kind.js'
import { builtins, linkedKind } from './registry.js'
import type { Layer } from './Layer.js'

/** User kinds by tag, as given to `decode`. */
export type UserKinds = ReadonlyMap<string, Kind<Layer>>

const where = (path: string): string => (path === '' ? 'the network' : `layer ${path}`)

const check = (u: unknown, path: string, op: string, depth: number, users: UserKinds): Layer => {
  const bad = (detail: string): never => {
    throw error('INVALID_VALUE', op, `${where(path)}: ${detail}`)
  }
  if (depth >= MAX_DEPTH) throw tooDeep(op, 'the network', where(path))
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return bad(`expected a layer object, got ${Array.isArray(u) ? 'an array' : JSON.stringify(u) ?? String(u)}`)
  const tag = (u as { _tag?: unknown })._tag
  const builtin = typeof tag === 'string' ? builtins.get(tag) : undefined
  // a user's layer: linked to its definition (made by its constructor, or copied from such a record), or given to decode
  const linked = linkedKind(u)
  const kind = builtin ?? (linked !== undefined && linked.tag === tag ? linked : typeof tag === 'string' ? users.get(tag) : undefined)
  if (kind === undefined) {
    const hint = op === 'decode' && typeof tag === 'string' ? ` (if ${tag} is a layer defined with Net.defineLayer, pass its definition: Net.decode(text, { layers: [theConstructorOf${tag}] }))` : ''
    return bad(`unknown layer kind ${JSON.stringify(tag)}; known kinds are ${[...builtins.keys(), ...users.keys()].join(', ')}${hint}`)
  }
  const expected = ['_tag', ...kind.fields]
  const filled = kind.defaults === undefined ? u : { ...Object.fromEntries(Object.entries(kind.defaults).filter(([k]) => !Object.hasOwn(u, k))), ...u }
  const got = Object.keys(filled)
  const missing = expected.filter((k) => !got.includes(k))
  const extra = got.filter((k) => !expected.includes(k))
  if (missing.length > 0) bad(`${kind.tag} is missing ${missing.map((k) => `'${k}'`).join(', ')}`)
  if (extra.length > 0) bad(`${kind.tag} has unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}`)
  // a copy of the string-keyed fields, its layers checked first, so a problem deep inside is reported where it is
  const rebuilt: Record<string | symbol, unknown> = Object.fromEntries(expected.map((k) => [k, (filled as Record<string, unknown>)[k]]))
  const at = (name: string): string => (path === '' ? name : `${path}.${name}`)
  for (const [field, form] of Object.entries(kind.sublayers ?? {})) {
    const v = rebuilt[field]
    if (form === 'one') rebuilt[field] = check(v, at(field), op, depth + 1, users)
    else if (Array.isArray(v)) rebuilt[field] = Object.freeze(v.map((c, i) => check(c, at(String(i)), op, depth + 1, users)))
    else bad(`${kind.tag}.${field} must be an array of layers`)
  }
  const problems = kind.check(rebuilt as unknown as Layer)
  if (problems.length > 0) bad(`${problems.join('; ')}`)
  for (const v of Object.values(rebuilt)) if (Array.isArray(v)) Object.freeze(v)
  if (builtin === undefined) rebuilt[kindLink] = kind
  return Object.freeze(rebuilt) as unknown as Layer
}

/** The value as a frozen, checked network, or the first problem found. */
export const validateNetwork = (u: unknown, op = 'validate', users: UserKinds = new Map()): E.Either<PuregradError, Layer> => {
  try {
    return E.right(check(u, '', op, 0, users))
  } catch (e) {
    return E.left(e instanceof PuregradError ? e : error('INVALID_VALUE', op, `the network could not be read: ${String(e)}`))
  }
}
