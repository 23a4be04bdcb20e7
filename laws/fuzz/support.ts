/**
 * What every fuzz law checks, written once: an operation on user data ends in a value or a
 * PuregradError from the catalogue (never another exception), and leaves its inputs unchanged.
 * Plus the odd values careless callers pass.
 */
import { fc } from '@fast-check/vitest'
import { expect } from 'vitest'
import { type ErrorCode, PuregradError, errorCodes } from '../../src/index.js'

export type Outcome<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: PuregradError }

/** Runs `f`: its value, or the PuregradError it threw; any other exception fails the property. */
export const outcome = <A>(f: () => A): Outcome<A> => {
  try {
    return { ok: true, value: f() }
  } catch (e) {
    if (e instanceof PuregradError) {
      expect(Object.keys(errorCodes)).toContain(e.code)
      expect(e.op.length).toBeGreaterThan(0)
      expect(e.detail.length).toBeGreaterThan(10)
      return { ok: false, error: e }
    }
    throw new Error(`expected a value or a PuregradError, got ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`)
  }
}

/** The outcome is a value or an error with one of `codes`. */
export const valueOr = <A>(f: () => A, ...codes: ErrorCode[]): Outcome<A> => {
  const o = outcome(f)
  if (!o.ok) expect(codes).toContain(o.error.code)
  return o
}

/** A deep copy (typed arrays, NaN, -0 kept) to compare user inputs before and after. */
export const snapshot = <A>(a: A): A => structuredClone(a)

/** Runs `f(input)` and checks `input` is unchanged afterwards. */
export const untouched = <I, A>(input: I, f: (i: I) => A): A => {
  const before = snapshot(input)
  try {
    return f(input)
  } finally {
    expect(input).toEqual(before)
  }
}

export const weird: fc.Arbitrary<number> = fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -0, 1e300, -1e300, 3.5e38, 2 ** 31, -(2 ** 31), 2 ** 53, 1e-320, 0.5, -1)
export const num: fc.Arbitrary<number> = fc.oneof(fc.integer({ min: -3, max: 6 }), fc.double(), weird)
/** Anything a careless caller might pass where a number is expected. */
export const anyNum: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: num },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 3 }), fc.constant(null), fc.constant(undefined), fc.boolean(), fc.constant([1]), fc.constant({})) },
)
export const isWhole = (u: unknown, min: number): boolean => typeof u === 'number' && Number.isInteger(u) && u >= min
export const isFiniteNum = (u: unknown): u is number => typeof u === 'number' && Number.isFinite(u)


// ---------------------------------------------------------------------------------------------
// Mutations of saved JSON documents

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
const jsonValue: fc.Arbitrary<Json> = fc.oneof<fc.Arbitrary<Json>[]>(num.map((n) => (Number.isFinite(n) ? n : 0)), fc.string({ maxLength: 4 }), fc.constant(null), fc.boolean(), fc.constant<Json>([]), fc.constant<Json>({}), fc.constant<Json>([2, 2]), fc.constant('float64'), fc.constant('AAAA'), fc.constant('NaN'))

/** The paths (as key lists) of every node of a JSON value. */
const pathsOf = (j: Json, at: (string | number)[] = []): (string | number)[][] => {
  const here = [at]
  if (Array.isArray(j)) return here.concat(...j.map((c, i) => pathsOf(c, [...at, i])))
  if (j !== null && typeof j === 'object') return here.concat(...Object.entries(j).map(([k, c]) => pathsOf(c, [...at, k])))
  return here
}

/** A field deleted, replaced by another JSON value, or added. */
export type Mutation = { kind: 'delete' | 'replace' | 'add'; path: (string | number)[]; value: Json; key: string }

/** Mutations of the nodes of `doc`. */
export const mutationOf = (doc: Json): fc.Arbitrary<Mutation> =>
  fc.record({
    kind: fc.constantFrom('delete', 'replace', 'add'),
    path: fc.constantFrom(...pathsOf(doc).filter((p) => p.length > 0)),
    value: jsonValue,
    key: fc.constantFrom('extra', 'shape', 'dtype', 'data', '_tag', 'units', 'version', 'count', 'mu'),
  })

/** Applies a mutation in place (throws when an earlier mutation removed its path). */
export const mutate = (doc: Json, m: Mutation): void => {
  let parent: any = doc
  for (const k of m.path.slice(0, -1)) parent = parent[k]
  const last = m.path[m.path.length - 1]!
  if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1)
    else delete parent[last]
  } else if (m.kind === 'replace') parent[last] = m.value
  else {
    const node = parent[last]
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) node[m.key] = m.value
    else if (Array.isArray(node)) node.push(m.value)
    else parent[last] = [node, m.value]
  }
}

/** `doc` with each of `ms` applied; undefined when a path vanished under an earlier one. */
export const mutated = (doc: Json, ms: ReadonlyArray<Mutation>): Json | undefined => {
  const copy = structuredClone(doc)
  try {
    for (const m of ms) mutate(copy, m)
  } catch {
    return undefined
  }
  return copy
}
