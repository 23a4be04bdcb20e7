/** Helpers shared by the layer families. @internal */
import { fail } from '../../core/errors.js'
import { checkOptions } from '../../core/options.js'
import type { Kind } from '../Kind.js'
import type { Tag } from '../Layer.js'

/** Checks a freshly built layer and freezes it; refuses bad hyperparameters with every problem listed. */
export const make = <L extends { readonly _tag: Tag }>(kind: Kind<L>, layer: L): L => {
  const problems = kind.check(layer)
  if (problems.length > 0) fail('INVALID_ARGUMENT', layer._tag, `${problems.join('; ')}.`)
  return Object.freeze(layer)
}

/** The options of a layer function (`{}` when omitted), refused when not an object or holding an unknown key. */
export const layerOptions = <O extends object>(op: string, opts: O | undefined, known: ReadonlyArray<keyof O & string>): O => {
  checkOptions(op, opts, known)
  return opts ?? ({} as O)
}

export const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1

export const positiveInt = (what: string, v: unknown): string[] => (isPositiveInt(v) ? [] : [`${what} must be a whole number ≥ 1; got ${JSON.stringify(v)}`])

/** A size given as one number or a pair; anything else is passed through for `positivePair` to refuse. */
export const pairOf = (v: number | readonly [number, number]): readonly [number, number] =>
  typeof v === 'number' ? [v, v] : Array.isArray(v) ? [v[0], v[1]] : (v as unknown as readonly [number, number])

export const positivePair = (what: string, v: unknown): string[] =>
  Array.isArray(v) && v.length === 2 && v.every(isPositiveInt) ? [] : [`${what} must be two whole numbers ≥ 1; got ${JSON.stringify(v)}`]

export const finite = (what: string, v: unknown): string[] => (typeof v === 'number' && Number.isFinite(v) ? [] : [`${what} must be a finite number; got ${JSON.stringify(v)}`])

export const boolean = (what: string, v: unknown): string[] => (typeof v === 'boolean' ? [] : [`${what} must be true or false; got ${JSON.stringify(v)}`])

/** A string hash (FNV-1a) used to give each child its own key: foldIn(key, hash(name)). */
export const nameHash = (name: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}
