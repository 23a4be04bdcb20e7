/**
 * Optimizer states are plain data: `JSON.stringify` writes them (tensors write themselves as
 * `{ dtype, shape, data }`), and `stateFromJSON` turns the parsed value back into a state with
 * tensors, ready for `update`, or returns why it cannot (a file is untrusted input: the error
 * is a value, never thrown). A resumed run is the same run, bit for bit.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { isDType } from '../core/dtype.js'
import { PuregradError, fail } from '../core/errors.js'
import { numberFromJSON } from '../core/json.js'
import * as T from '../tensor/index.js'
import { exercises } from './base.js'

const op = 'stateFromJSON'

const looksLikeTensor = (u: { readonly [k: string]: unknown }): boolean => {
  const keys = Object.keys(u)
  return keys.length === 3 && isDType(u['dtype']) && Array.isArray(u['shape']) && Array.isArray(u['data'])
}

const numberAt = (v: unknown, path: string): number =>
  numberFromJSON(v) ?? fail('INVALID_VALUE', op, `the tensor at ${path} holds ${JSON.stringify(v)}; tensor data are numbers or the strings "NaN", "Infinity", "-Infinity".`)

const tensorAt = (r: { readonly [k: string]: unknown }, path: string): T.Tensor => {
  const data = (r['data'] as unknown[]).map((v) => numberAt(v, path))
  try {
    return T.fromArray(data, r['shape'] as number[], r['dtype'] as T.DType)
  } catch (e) {
    if (e instanceof PuregradError) return fail('INVALID_VALUE', op, `the tensor at ${path} is damaged: ${e.detail}`)
    throw e
  }
}

/** The state a parsed JSON value stands for; throws INVALID_VALUE naming the first bad path. */
const readState = <S>(json: unknown, like?: S): S => {
  const go = (u: unknown, path: string): unknown => {
    if (Array.isArray(u)) return Object.freeze(u.map((x, i) => go(x, `${path}[${i}]`)))
    if (typeof u === 'object' && u !== null) {
      const r = u as { readonly [k: string]: unknown }
      if (looksLikeTensor(r)) return tensorAt(r, path)
      return Object.freeze(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, go(v, `${path}.${k}`)])))
    }
    return u
  }
  const state = go(json, 'the root') as S
  if (like === undefined) return state
  const upgraded = upgrade(like, state) as S
  checkStateLike(op, like, upgraded, 'the saved state')
  return upgraded
}

/**
 * Reads a state saved when step counts (and Nadam's product) were numbers: where the fresh
 * state has a scalar int32 or float64 tensor and the saved one a number, the number becomes
 * that tensor. Everything else is kept for `checkStateLike` to judge.
 */
const upgrade = (like: unknown, u: unknown): unknown => {
  if (T.isTensor(like)) {
    const whole = like.dtype !== 'int32' || Number.isInteger(u)
    return like.shape.length === 0 && like.dtype !== 'float32' && typeof u === 'number' && Number.isFinite(u) && whole ? T.scalar(u, like.dtype) : u
  }
  if (Array.isArray(like)) return Array.isArray(u) ? Object.freeze(u.map((x, i) => upgrade(like[i], x))) : u
  if (typeof like === 'object' && like !== null && typeof u === 'object' && u !== null && !Array.isArray(u) && !T.isTensor(u)) {
    const l = like as Record<string, unknown>
    return Object.freeze(Object.fromEntries(Object.entries(u).map(([k, v]) => [k, k in l ? upgrade(l[k], v) : v])))
  }
  return u
}

/**
 * Rebuilds a state from its JSON form, or says what is wrong with it (code `INVALID_VALUE`,
 * naming the path): every `{ dtype, shape, data }` record becomes a tensor; arrays, records,
 * numbers, booleans, strings and null are kept. The result is frozen. Given `like` (a fresh
 * `init` of the optimizer it is meant for), the state must have its structure (keys, tags,
 * tensor shapes and dtypes), or it is refused. The input is untrusted (a file), so nothing is
 * thrown: the error comes back as a `Left`.
 *
 * state ≡ stateFromJSON(JSON.parse(JSON.stringify(state)))
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.adam(1e-3)
 * const params = { w: T.tensor([1, 2]) }
 * const [, s1] = tx.update({ w: T.tensor([0.5, -1]) }, tx.init(params), params)
 * // read against a fresh state, a file meant for another optimizer is refused
 * const back = Optim.stateFromJSON(JSON.parse(JSON.stringify(s1)), tx.init(params))
 * assert.ok(E.isRight(back))
 * assert.strictEqual(JSON.stringify(back.right), JSON.stringify(s1)) // the same state, tensors included
 * assert.strictEqual(T.item(back.right[1].count), 1) // typed: the state of the optimizer it was read against
 * const other = Optim.stateFromJSON(JSON.parse(JSON.stringify(s1)), Optim.sgd(0.1).init(params))
 * assert.ok(E.isLeft(other) && other.left.code === 'INVALID_VALUE')
 * @category serialization
 * @since 0.1.0
 */
export const decodeState = <S = unknown>(json: unknown, like?: S): E.Either<PuregradError, S> => {
  try {
    return E.right(readState(json, like))
  } catch (e) {
    if (e instanceof PuregradError) return E.left(e)
    throw e
  }
}

const describe = (u: unknown): string =>
  T.isTensor(u) ? `a ${u.dtype} tensor ${JSON.stringify(u.shape)}` : Array.isArray(u) ? `an array of ${u.length}` : u === null ? 'null' : typeof u === 'object' ? 'a record' : typeof u === 'string' ? JSON.stringify(u) : `a ${typeof u}`

/**
 * Refuses (INVALID_VALUE) a state whose structure differs from `like` (a fresh `init` of the
 * optimizer it is meant for): the same record keys, array lengths, tags and strings, tensors of
 * the same shape and dtype, numbers and booleans where `like` has them. Names the first path
 * that differs. Values are not compared. @internal
 */
export const checkStateLike = (op: string, like: unknown, state: unknown, what: string): void => {
  let keys: string | undefined
  const go = (a: unknown, b: unknown, path: string): string | undefined => {
    if (T.isTensor(a)) return T.isTensor(b) && b.dtype === a.dtype && b.shape.length === a.shape.length && b.shape.every((d, i) => d === a.shape[i]) ? undefined : path
    if (Array.isArray(a)) {
      if (!Array.isArray(b) || b.length !== a.length) return path
      for (let i = 0; i < a.length; i++) {
        const p = go(a[i], b[i], `${path}[${i}]`)
        if (p !== undefined) return p
      }
      return undefined
    }
    if (typeof a === 'object' && a !== null) {
      if (typeof b !== 'object' || b === null || Array.isArray(b) || T.isTensor(b)) return path
      const tag = (a as Record<string, unknown>)['_tag']
      if (typeof tag === 'string' && tag !== (b as Record<string, unknown>)['_tag']) return `${path}._tag`
      const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined).sort()
      const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined).sort()
      if (ka.join() !== kb.join()) {
        keys = `the keys ${kb.map((k) => JSON.stringify(k)).join(', ') || 'none'} where the optimizer's fresh state has ${ka.map((k) => JSON.stringify(k)).join(', ') || 'none'}`
        return path
      }
      for (const k of ka) {
        const p = go((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`)
        if (p !== undefined) return p
      }
      return undefined
    }
    if (typeof a === 'string') return a === b ? undefined : path
    if (typeof a === 'number') return typeof b === 'number' ? undefined : path
    return typeof a === typeof b ? undefined : path
  }
  const at = go(like, state, '')
  if (at === undefined) return
  const pick = (u: unknown): unknown => at.split(/\.|\[|\]/).filter((k) => k !== '').reduce<unknown>((n, k) => (n !== null && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined), u)
  fail(
    'INVALID_VALUE',
    op,
    `${what} does not fit this optimizer at ${at === '' ? 'the root' : `'${at.slice(at.startsWith('.') ? 1 : 0)}'`}: ` +
      `it has ${keys ?? `${describe(pick(state))} where the optimizer's fresh state has ${describe(pick(like))}`}. ` +
      'Resume with the optimizer (and parameters) the state was saved with.',
  )
}

/** This module builds no transformation: nothing for the optimizer laws to exercise (the compiler checks; see `exercises` in base.ts). */
export default exercises<typeof import('./serialize.js')>(() => ({}))
