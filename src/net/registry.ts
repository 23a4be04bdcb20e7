/**
 * The layer kinds by tag, read off the list in `kinds/index.ts`, and the lookup every
 * interpreter dispatches through: a built-in kind by its tag, or the kind a user's layer links to.
 * @internal
 */
import { fail } from '../core/errors.js'
import { builtinTags, checkLayer } from './check.js'
import { type Kind, kindLink } from './Kind.js'
import builtinKinds from './kinds/index.js'
import type { BuiltinLayer, Layer } from './Layer.js'

/** The record type of a kind. */
type RecordOf<K> = K extends { readonly check: (l: infer L) => unknown } ? L : never

/** The records of the listed kinds. */
type Listed = RecordOf<(typeof builtinKinds)[number]>

/**
 * The kind files register their records in `BuiltinLayers` (which makes the `Layer` union);
 * this fails to compile unless the registered records are exactly those of the listed kinds.
 */
export const listed: [BuiltinLayer] extends [Listed] ? ([Listed] extends [BuiltinLayer] ? true : never) : never = true

/** The built-in kinds by tag. */
export const builtins: ReadonlyMap<string, Kind<Layer>> = new Map(builtinKinds.map((k) => [k.tag, k as unknown as Kind<Layer>]))
for (const k of builtinKinds) builtinTags.add(k.tag)

/** The kind a user's layer record links to (see `kindLink`), if any. */
export const linkedKind = (u: object): Kind<Layer> | undefined => (u as { readonly [kindLink]?: Kind<Layer> })[kindLink]

/** The behaviour of a layer: its built-in kind, or the kind its record links to. */
export const kindOf = (l: Layer): Kind<Layer> =>
  builtins.get(l._tag) ??
  linkedKind(l) ??
  fail(
    'INVALID_ARGUMENT',
    String(l._tag),
    `${JSON.stringify(l._tag)} is not a layer kind: build networks with the Net constructors, or define a layer of your own with Net.defineLayer and build it with the constructor it returns.`,
  )

/**
 * `u` when it is a layer as the constructors build it; otherwise INVALID_ARGUMENT naming it (`at`,
 * e.g. `layer 2.body`): a value that is not a layer, or a hand-made record with a missing or bad
 * field (the kind's own hyperparameter check). Checks one record, not its children. @internal
 */
export const checkBuilt = (op: string, u: unknown, at: string): Layer => {
  const layer = checkLayer(op, u, at)
  const problems = kindOf(layer).check(layer)
  if (problems.length > 0) {
    fail('INVALID_ARGUMENT', op, `${at} is a malformed ${layer._tag} record (${problems.join('; ')}); build layers with the Net constructors, e.g. Net.dense(10), which check their hyperparameters.`)
  }
  return layer
}
