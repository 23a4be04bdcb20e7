/**
 * The limits that keep untrusted or mistaken inputs from exhausting the machine, in one place:
 * how deep trees, networks and documents may nest, how many bytes one tensor may hold, and
 * the default resource budget of the network interpreters and the model decoder.
 *
 * - Nesting deeper than `MAX_DEPTH` is refused with `TOO_DEEP` before any recursion could
 *   overflow the stack (the library walks trees and networks recursively; about 2,000 levels
 *   exhaust Node's default stack, and nested differentiation needs room on top).
 * - A tensor of more than `MAX_TENSOR_BYTES` bytes, or one the engine cannot allocate (a
 *   `RangeError` from the typed-array constructor), is refused with `RESOURCE_LIMIT`.
 * - `Net.init`, `Net.initStructure`, `Net.shape`, `Net.summary` and `Net.decode` refuse a
 *   network beyond the budget (`defaultBudget` unless a `budget` option says otherwise) with
 *   `RESOURCE_LIMIT`, before allocating anything or expanding a `repeat`.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { type PuregradError, error, fail } from './errors.js'
import { checkOptions } from './options.js'

/**
 * The deepest nesting accepted: 500 levels of a tree's arrays and records (the root is the
 * first; tensors sit inside the last), or of a network's layers (a network of depth d has
 * variables of depth d). Realistic models nest a few dozen levels at most.
 * @category limits
 */
export const MAX_DEPTH = 500

/**
 * The deepest nesting accepted in a JSON document (a saved model or fit state): twice
 * `MAX_DEPTH` (a layer is a record inside an array in JSON) and room for the envelope.
 * @internal
 */
export const MAX_DOCUMENT_DEPTH = 2 * MAX_DEPTH + 8

/**
 * The most bytes one tensor may hold: 2 GiB (536,870,912 float32 or int32 values, 268,435,456
 * float64 values). Larger requests are refused with `RESOURCE_LIMIT`.
 * @category limits
 */
export const MAX_TENSOR_BYTES = 2 ** 31

/**
 * A resource budget for building or reading a network. Every field is optional; a missing one
 * takes its value from `defaultBudget`, and `Infinity` lifts a limit.
 * @category limits
 */
export interface Budget {
  /** the most parameters and state values (elements, all tensors together); default 100,000,000 */
  readonly maxParams?: number
  /** the most bytes of parameters and state (all tensors together); default 1 GiB (2³⁰) */
  readonly maxBytes?: number
  /** the most layers a network expands to, each copy of a `repeat` body counted; default 100,000 */
  readonly maxLayers?: number
}

/**
 * The budget used when none is given: 100 million parameter and state values, 1 GiB of them,
 * 100,000 layers (each copy of a `repeat` body counted). Pass `{ budget: { ... } }` to the
 * interpreters or the decoder to raise or lower a limit.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng } from 'puregrad'
 * assert.deepStrictEqual(Net.defaultBudget, { maxParams: 100_000_000, maxBytes: 2 ** 30, maxLayers: 100_000 })
 * // 20,000 × 20,000 weights are refused before any is drawn
 * assert.throws(() => Net.init(Net.dense(20_000), { key: Rng.key(0), inShape: [20_000] }), { code: 'RESOURCE_LIMIT' })
 * // two layers of budget refuse a repeat of three
 * const r = Net.shape(Net.repeat(3, Net.dense(2)), [2], { budget: { maxLayers: 2 } })
 * assert.ok(E.isLeft(r) && r.left.code === 'RESOURCE_LIMIT')
 * @category limits
 */
export const defaultBudget: Required<Budget> = Object.freeze({ maxParams: 100_000_000, maxBytes: 2 ** 30, maxLayers: 100_000 })

const BUDGET_KEYS = Object.keys(defaultBudget) as ReadonlyArray<keyof Budget>

/** The budget with its defaults filled in, or INVALID_ARGUMENT for a field that is not a number > 0. @internal */
export const resolveBudget = (op: string, budget: unknown): Required<Budget> => {
  if (budget === undefined) return defaultBudget
  checkOptions(op, budget, BUDGET_KEYS, 'budget')
  const b = budget as Record<string, unknown>
  const out: Record<string, number> = { ...defaultBudget }
  for (const k of BUDGET_KEYS) {
    const v = b[k]
    if (v === undefined) continue
    if (typeof v !== 'number' || !(v > 0)) fail('INVALID_ARGUMENT', op, `budget.${k} must be a number > 0 (Infinity lifts the limit); got ${JSON.stringify(v) ?? String(v)}.`)
    out[k] = v as number
  }
  return out as Required<Budget>
}

/** The TOO_DEEP error for something nested past `limit` at `where`. @internal */
export const tooDeep = (op: string, what: string, where: string, limit = MAX_DEPTH): PuregradError =>
  error(
    'TOO_DEEP',
    op,
    `${what} nests more than ${limit} levels deep (at ${where.length > 80 ? `${where.slice(0, 80)}…` : where}); ` +
      `trees and networks must nest at most ${MAX_DEPTH} levels: flatten it (put a long chain of layers in one serial or repeat, not in nested ones).`,
  )

/**
 * Checks, without recursion, that a parsed JSON value nests at most `limit` levels of arrays
 * and records; the TOO_DEEP error otherwise. @internal
 */
export const checkJsonDepth = (op: string, what: string, json: unknown, limit = MAX_DOCUMENT_DEPTH): E.Either<PuregradError, unknown> => {
  const stack: Array<readonly [unknown, number]> = [[json, 0]]
  while (stack.length > 0) {
    const [u, depth] = stack.pop()!
    if (typeof u !== 'object' || u === null) continue
    if (depth >= limit) return E.left(tooDeep(op, what, `depth ${depth}`, limit))
    for (const v of Array.isArray(u) ? u : Object.values(u)) if (typeof v === 'object' && v !== null) stack.push([v, depth + 1])
  }
  return E.right(json)
}

/** `checkJsonDepth` for callers that throw. @internal */
export const assertJsonDepth = (op: string, what: string, json: unknown): void => {
  const r = checkJsonDepth(op, what, json)
  if (E.isLeft(r)) throw r.left
}
