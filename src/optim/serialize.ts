/**
 * Optimizer states are plain data: `JSON.stringify` writes them (tensors write themselves as
 * `{ dtype, shape, data }`), and `stateFromJSON` turns the parsed value back into a state with
 * tensors, ready for `update`. A resumed run is the same run, bit for bit.
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import * as T from '../tensor/index.js'

const isDType = (u: unknown): u is T.DType => u === 'float32' || u === 'float64' || u === 'int32'

const looksLikeTensor = (u: { readonly [k: string]: unknown }): boolean => {
  const keys = Object.keys(u)
  return keys.length === 3 && isDType(u['dtype']) && Array.isArray(u['shape']) && Array.isArray(u['data'])
}

const numberOf = (v: unknown, path: string): number => {
  if (typeof v === 'number') return v
  if (v === 'NaN') return Number.NaN
  if (v === 'Infinity') return Number.POSITIVE_INFINITY
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY
  return fail('INVALID_VALUE', 'stateFromJSON', `the tensor at ${path} holds ${JSON.stringify(v)}; tensor data are numbers or the strings "NaN", "Infinity", "-Infinity".`)
}

/**
 * Rebuilds a state from its JSON form: every `{ dtype, shape, data }` record becomes a tensor;
 * arrays, records, numbers, booleans, strings and null are kept. The result is frozen. Given
 * `like` (a fresh `init` of the optimizer it is meant for), the state must have its structure
 * (keys, tags, tensor shapes and dtypes), or it is refused with INVALID_VALUE naming the path.
 *
 * state ≡ stateFromJSON(JSON.parse(JSON.stringify(state)))
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.adam(1e-3)
 * const params = { w: T.tensor([1, 2]) }
 * const [, s1] = tx.update({ w: T.tensor([0.5, -1]) }, tx.init(params), params)
 * // read against a fresh state, a file meant for another optimizer is refused
 * const back = Optim.stateFromJSON(JSON.parse(JSON.stringify(s1)), tx.init(params))
 * assert.strictEqual(JSON.stringify(back), JSON.stringify(s1)) // the same state, tensors included
 * assert.strictEqual(back[1].count, 1) // typed: the state of the optimizer it was read against
 * assert.throws(() => Optim.stateFromJSON(JSON.parse(JSON.stringify(s1)), Optim.sgd(0.1).init(params)), { code: 'INVALID_VALUE' })
 * @category serialization
 * @since 0.1.0
 */
export const stateFromJSON = <S = unknown>(json: unknown, like?: S): S => {
  const go = (u: unknown, path: string): unknown => {
    if (Array.isArray(u)) return Object.freeze(u.map((x, i) => go(x, `${path}[${i}]`)))
    if (typeof u === 'object' && u !== null) {
      const r = u as { readonly [k: string]: unknown }
      if (looksLikeTensor(r)) {
        const shape = r['shape'] as unknown[]
        const data = (r['data'] as unknown[]).map((v) => numberOf(v, path))
        return T.fromArray(data, shape as number[], r['dtype'] as T.DType)
      }
      return Object.freeze(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, go(v, `${path}.${k}`)])))
    }
    return u
  }
  const state = go(json, 'the root') as S
  if (like !== undefined) checkStateLike('stateFromJSON', like, state, 'the saved state')
  return state
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
      const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined).sort()
      const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined).sort()
      if (ka.join() !== kb.join()) return path
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
      `it has ${describe(pick(state))} where the optimizer's fresh state has ${describe(pick(like))}. ` +
      'Resume with the optimizer (and parameters) the state was saved with.',
  )
}
