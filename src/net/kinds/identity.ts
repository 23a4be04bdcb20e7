/** The identity: the unit of `serial`. */
import { type BuiltinKind, none } from '../Kind.js'
import { parallel } from './parallel.js'

export interface Identity {
  readonly _tag: 'Identity'
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Identity: Identity
  }
}

export const identityKind: BuiltinKind<Identity> = {
  tag: 'Identity',
  fields: [],
  check: () => [],
  children: () => [],
  shape: (_, s) => s,
  init: () => none,
  apply: (_, __, x) => ({ y: x, state: {} }),
  label: () => 'identity',
  examples: (p) => [{ layer: parallel(identity, p), inShape: { tuple: [[2], [3]] } }], // alone, serial would drop it
  // no node: the value passes through
  lower: (_, __, x) => x,
}

/**
 * Passes its input through (no output activation, e.g. for regression). It is the unit of
 * `serial`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.serial(Net.dense(1), Net.identity), Net.dense(1))
 * const vars = Net.init(Net.identity, { key: Rng.key(0), inShape: [2] })
 * const x = T.tensor([[1, 2]])
 * assert.strictEqual(Net.predict(Net.identity, vars, x), x)
 * @category layers
 */
export const identity: Identity = Object.freeze({ _tag: 'Identity' })
