/**
 * Whether a network draws random numbers when it trains: it does when it holds a dropout layer,
 * or a layer defined outside puregrad (whose `apply` receives the key and may use it).
 */
import { checkLayer } from './check.js'
import type { Layer } from './Layer.js'
import { builtins, kindOf } from './registry.js'

/**
 * True when applying the network in training mode may use the key: it holds a `dropout`, or a
 * layer made with `Net.defineLayer` (assumed to, since its `apply` is given the key). A
 * training step passes the key into its compiled program only then, so a network without
 * randomness compiles once for the whole run.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * assert.strictEqual(Net.usesRandomness(Net.serial(Net.dense(4), Net.relu)), false)
 * assert.strictEqual(Net.usesRandomness(Net.serial(Net.dense(4), Net.dropout(0.5))), true)
 * @category interpreters
 */
export const usesRandomness = (net: Layer): boolean => uses(checkLayer('usesRandomness', net))

const uses = (net: Layer): boolean => {
  if (net._tag === 'Dropout' || !builtins.has(net._tag)) return true
  return kindOf(net).children(net).some(([, c]) => uses(c))
}
