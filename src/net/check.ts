/**
 * The cheap check the public network functions make of a network argument: a layer record of a
 * known kind, found by its tag (no walk of the tree). The constructors check hyperparameters and
 * children when they build a layer, and `validateNetwork` checks a whole tree from outside
 * (`decode`, `edit`). @internal
 */
import { describe, fail } from '../core/errors.js'
import { isTensor } from '../core/Tensor.js'
import { kindLink } from './Kind.js'
import type { Layer } from './Layer.js'

/** Every layer kind; the type makes the compiler refuse a missing or unknown one. */

const tagOf = (u: unknown): unknown => (typeof u === 'object' && u !== null ? (u as { readonly _tag?: unknown })._tag : undefined)

/**
 * The tags of the built-in kinds, filled once by `registry.ts` as it loads (this file sits
 * below the kinds, which use it, so it cannot import their list). @internal
 */
export const builtinTags = new Set<string>()

/** Whether `u` is a layer: a record tagged with a built-in kind, or linked to a user's kind. @internal */
export const isLayer = (u: unknown): u is Layer => {
  const tag = tagOf(u)
  return typeof tag === 'string' && !Array.isArray(u) && (builtinTags.has(tag) || (u as { readonly [kindLink]?: unknown })[kindLink] !== undefined)
}

const what = (u: unknown): string => {
  if (isTensor(u)) return 'a Tensor'
  const tag = tagOf(u)
  return typeof tag === 'string' ? `a record tagged ${JSON.stringify(tag.length > 40 ? `${tag.slice(0, 40)}…` : tag)}, which is no layer kind` : describe(u)
}

/**
 * `u` when it is a layer; otherwise INVALID_ARGUMENT naming the argument (`the network`,
 * `argument 2`, `the body`) and how to build a network. @internal
 */
export const checkLayer = (op: string, u: unknown, name = 'the network'): Layer =>
  isLayer(u)
    ? u
    : fail(
        'INVALID_ARGUMENT',
        op,
        `${name} is ${what(u)}, not a layer; pass a layer made by the Net constructors, e.g. Net.dense(10), Net.relu or Net.serial(Net.dense(16), Net.relu, Net.dense(1)) (a network read from JSON goes through Net.decode).`,
      )
