/**
 * Arguments and results of a jitted function as tensor leaves plus static data. Tensors and
 * random keys (in arrays and plain records, at any depth) are the dynamic part: a key is the
 * int32 tensor of its two words, and the function receives a key held by that traced tensor.
 * Everything else (numbers, strings, booleans, functions, class instances) is static: part of
 * the signature a trace is cached under (by value for plain data, by identity for functions
 * and objects).
 * @internal
 */
import { fail } from '../../core/errors.js'
import { type Tensor, isTensor } from '../../core/Tensor.js'
import { isKey, keyData, wrapKey } from '../../rng/Key.js'
import { isPlainRecord } from '../../tree/internal.js'

const ids = new WeakMap<object, number>()
let nextId = 0
const idOf = (o: object): number => {
  let id = ids.get(o)
  if (id === undefined) ids.set(o, (id = nextId++))
  return id
}

const staticKey = (u: unknown): string => {
  switch (typeof u) {
    case 'number':
      return Object.is(u, -0) ? 'n-0' : `n${u}`
    case 'string':
      return `s${JSON.stringify(u)}`
    case 'boolean':
    case 'undefined':
      return String(u)
    case 'bigint':
      return `b${u}`
    case 'function':
    case 'symbol':
      return typeof u === 'symbol' ? `y${String(u)}` : `f#${idOf(u as object)}`
    default:
      return u === null ? 'null' : `o#${idOf(u as object)}`
  }
}

/** A value split into its tensor leaves (in traversal order) and a key for everything else. */
export interface Flat {
  readonly leaves: ReadonlyArray<Tensor>
  /** equal for two values exactly when their static parts are equal and their leaves have the same shapes and dtypes */
  readonly key: string
  /** when the value is an array (a function's arguments): the index in `leaves` of each item's first leaf, and `leaves.length` last */
  readonly starts: ReadonlyArray<number>
}

/** The key part of a record's (sorted) field names, by the names joined with NUL: made once per set of names. */
const headers = new Map<string, string>()
const MAX_HEADERS = 4096
const headerOf = (keys: ReadonlyArray<string>): string => {
  const joined = keys.join('\u0000')
  let h = headers.get(joined)
  if (h === undefined) {
    if (headers.size >= MAX_HEADERS) headers.clear()
    headers.set(joined, (h = `{${keys.map((k) => JSON.stringify(k)).join(',')}`))
  }
  return h
}

/** The fields of a record in sorted order (most records are written sorted already: then no copy is sorted). */
const sortedKeys = (x: object): ReadonlyArray<string> => {
  const keys = Object.keys(x)
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return keys.sort()
  return keys
}

/**
 * Splits `u`; `rebuild` later puts other tensors in the leaves' places. With `keys` false, keys
 * are static data like numbers (as `toOnnx` wants them: their draws built into the model).
 */
export const flatten = (op: string, u: unknown, keys = true): Flat => {
  const leaves: Tensor[] = []
  const starts: number[] = []
  // the arrays and records being walked, outermost first (a cycle passes through one of them again)
  const open: object[] = []
  let key = ''
  const go = (x: unknown): void => {
    if (isTensor(x)) {
      leaves.push(x)
      key += ` T${x.dtype}[${x.shape.join(',')}]`
    } else if (keys && isKey(x)) {
      leaves.push(keyData(x))
      key += ' K'
    } else if (Array.isArray(x) || isPlainRecord(x)) {
      if (open.includes(x)) fail('INVALID_VALUE', op, 'an argument holds itself (a cyclic array or record); pass finite trees of tensors and plain data.')
      if (open.length > 500) fail('TOO_DEEP', op, 'an argument nests more than 500 levels deep; flatten the data.')
      open.push(x)
      if (Array.isArray(x)) {
        key += ` [${x.length}`
        for (let i = 0; i < x.length; i++) {
          if (x === u) starts.push(leaves.length)
          go(x[i])
        }
      } else {
        const names = sortedKeys(x)
        key += ` ${headerOf(names)}`
        for (let i = 0; i < names.length; i++) go(x[names[i]!])
      }
      key += ' ]'
      open.pop()
    } else key += ` ${staticKey(x)}`
  }
  go(u)
  if (Array.isArray(u)) starts.push(leaves.length)
  return { leaves, key, starts }
}

/**
 * `u` with its tensor leaves replaced, in order, by `leaves` (and its keys, unless `keys` is
 * false, by the keys those hold); parts without tensors are kept as they are.
 */
export const rebuild = (u: unknown, leaves: ReadonlyArray<Tensor>, keys = true): unknown => {
  let next = 0
  const go = (x: unknown): unknown => {
    if (isTensor(x)) return leaves[next++]!
    if (keys && isKey(x)) return wrapKey(leaves[next++]!)
    if (Array.isArray(x)) {
      const before = next
      const items = x.map(go)
      return next === before ? x : Object.isFrozen(x) ? Object.freeze(items) : items
    }
    if (isPlainRecord(x)) {
      const before = next
      // leaves in sorted key order (flatten's), fields in the record's own order
      const sorted = sortedKeys(x)
      const values = Object.create(null) as Record<string, unknown>
      for (let i = 0; i < sorted.length; i++) values[sorted[i]!] = go(x[sorted[i]!])
      if (next === before) return x
      const r = Object.fromEntries(Object.keys(x).map((k) => [k, values[k]])) as object
      return Object.isFrozen(x) ? Object.freeze(r) : r
    }
    return x
  }
  return go(u)
}

/** What `rebuilder` makes: `rebuild` of one value, planned once. */
export type Build = (leaves: ReadonlyArray<Tensor>) => unknown

/**
 * `rebuild(u, ·)` planned once for a value whose leaves are replaced again and again (a jitted
 * function's result on every call): each leaf's index and each container's fields are worked
 * out here, so a call only builds the new arrays and records. Equal to `rebuild(u, leaves)`.
 */
export const rebuilder = (u: unknown): Build => {
  let next = 0
  // undefined: a part without tensors, kept as it is
  const go = (x: unknown): Build | undefined => {
    if (isTensor(x)) {
      const i = next++
      return (ls) => ls[i]!
    }
    if (isKey(x)) {
      const i = next++
      return (ls) => wrapKey(ls[i]!)
    }
    if (Array.isArray(x)) {
      const parts = x.map(go)
      if (parts.every((b) => b === undefined)) return undefined
      const items = parts.map((b, i): Build => b ?? (() => x[i]))
      const frozen = Object.isFrozen(x)
      return (ls) => {
        const out = new Array<unknown>(items.length)
        for (let i = 0; i < items.length; i++) out[i] = items[i]!(ls)
        return frozen ? Object.freeze(out) : out
      }
    }
    if (isPlainRecord(x)) {
      // leaves in sorted key order (flatten's), fields in the record's own order
      const parts = new Map<string, Build | undefined>()
      for (const k of sortedKeys(x)) parts.set(k, go(x[k]))
      if ([...parts.values()].every((b) => b === undefined)) return undefined
      const own = Object.keys(x)
      const fields = own.map((k): Build => parts.get(k) ?? (() => x[k]))
      const frozen = Object.isFrozen(x)
      if (own.includes('__proto__')) {
        return (ls) => {
          const r = Object.fromEntries(own.map((k, i) => [k, fields[i]!(ls)])) as object
          return frozen ? Object.freeze(r) : r
        }
      }
      return (ls) => {
        const r: Record<string, unknown> = {}
        for (let i = 0; i < own.length; i++) r[own[i]!] = fields[i]!(ls)
        return frozen ? Object.freeze(r) : r
      }
    }
    return undefined
  }
  return go(u) ?? (() => u)
}

/**
 * The paths of `u`'s tensor leaves, in `flatten`'s order: `prefix`, then `.0`, `.1`, … for
 * array items and `.key` for record fields (`input.1.W` is field W of item 1).
 */
export const leafPaths = (u: unknown, prefix: string): ReadonlyArray<string> => {
  const out: string[] = []
  const go = (x: unknown, path: string): void => {
    if (isTensor(x)) out.push(path)
    else if (Array.isArray(x)) x.forEach((item, i) => go(item, `${path}.${i}`))
    else if (isPlainRecord(x)) for (const k of Object.keys(x).sort()) go(x[k], `${path}.${k}`)
  }
  go(u, prefix)
  return out
}
