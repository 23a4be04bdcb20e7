/** Editing a network as data, with immer: the result is a new, checked, frozen network. */
import { type Draft, produce } from 'immer'
import { checkFunction, orThrow } from '../core/errors.js'
import { assertJsonDepth } from '../core/limits.js'
import { checkLayer } from './check.js'
import type { Layer } from './Layer.js'
import { validateNetwork } from './validate.js'

/**
 * A new network made by changing a draft of `net` in place; `net` itself never changes. The
 * result is checked like a decoded network, so an edit cannot produce a bad hyperparameter, nor
 * a network nested deeper than `MAX_DEPTH` (TOO_DEEP).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * const net = Net.serial(Net.dense(64), Net.relu, Net.dropout(0.5), Net.dense(10))
 * const next = Net.edit(net, (d) => {
 *   if (d._tag === 'Serial' && d.layers[2]?._tag === 'Dropout') d.layers[2].keep = 0.8
 * })
 * assert.deepStrictEqual(next, Net.serial(Net.dense(64), Net.relu, Net.dropout(0.8), Net.dense(10)))
 * assert.deepStrictEqual(net, Net.serial(Net.dense(64), Net.relu, Net.dropout(0.5), Net.dense(10)))
 * // a bad value is refused
 * assert.throws(() => Net.edit(net, (d) => {
 *   if (d._tag === 'Serial' && d.layers[2]?._tag === 'Dropout') d.layers[2].keep = 2
 * }), /keep/)
 * @category editing
 */
export const edit = (net: Layer, recipe: (draft: Draft<Layer>) => void): Layer => {
  // a loose bound first (without recursion), so the draft is never made of a network that
  // would overflow the stack; the checked result is held to MAX_DEPTH
  checkLayer('edit', net)
  checkFunction('edit', 'the recipe (argument 2)', recipe)
  assertJsonDepth('edit', 'the network', net)
  return orThrow(validateNetwork(produce(net, recipe), 'edit'))
}
