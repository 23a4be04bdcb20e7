/**
 * Numbers in JSON: JSON has no NaN or ±Infinity, so tensors (`toJSON`) and saved states write
 * them as the strings "NaN", "Infinity" and "-Infinity". Reading a saved document goes through
 * `numberFromJSON`.
 *
 * @internal
 */

const NON_FINITE: { readonly [name: string]: number } = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY }

/** A number as JSON holds it: a number, or one of the strings "NaN", "Infinity", "-Infinity"; anything else is undefined. @internal */
export const numberFromJSON = (u: unknown): number | undefined =>
  typeof u === 'number' ? u : typeof u === 'string' && Object.hasOwn(NON_FINITE, u) ? NON_FINITE[u] : undefined
