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
 * arrays, records, numbers, booleans, strings and null are kept. The result is frozen.
 *
 * state ≡ stateFromJSON(JSON.parse(JSON.stringify(state)))
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.adam(1e-3)
 * const params = { w: T.tensor([1, 2]) }
 * const [, s1] = tx.update({ w: T.tensor([0.5, -1]) }, tx.init(params), params)
 * const back = Optim.stateFromJSON(JSON.parse(JSON.stringify(s1)))
 * assert.ok(T.equals(back[1].mu.w, s1[1].mu.w) && back[1].count === 1)
 * @category serialization
 * @since 0.1.0
 */
export const stateFromJSON = <S = unknown>(json: unknown): S => {
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
  return go(json, 'the root') as S
}
