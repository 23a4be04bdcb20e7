/**
 * A network is a value: a tree of plain, frozen, JSON-serialisable layer records, told apart by
 * `_tag`. Nothing in it is a closure or holds hidden state, so the same value can be
 * initialised, applied, shape-checked, summarised, saved, edited and generated at random.
 *
 * Shapes here are per example: the batch axis is left out (`[784]` for MNIST vectors,
 * `[28, 28, 1]` for images), and data always carries a leading batch axis.
 *
 * @since 0.1.0
 */
import { describe, fail } from '../core/errors.js'
import type { Shape } from '../core/shape.js'
import type { Tensor } from '../core/Tensor.js'

/** Weight initialisers (see `initializers.ts` for their variances). @category model */
export type Initializer =
  | 'zeros'
  | 'ones'
  | 'smallNormal'
  | 'lecunNormal'
  | 'lecunUniform'
  | 'glorotNormal'
  | 'glorotUniform'
  | 'heNormal'
  | 'heUniform'

/** Elementwise activation functions (and softmax over the last axis). @category model */
export type ActivationFn = 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'elu' | 'softmax' | 'logSoftmax' | 'softplus' | 'gelu'

/**
 * The record types of the built-in layer kinds, by tag. Each kind's file (`kinds/<name>.ts`)
 * adds its record here (`declare module '../Layer.js' { interface BuiltinLayers { … } }`), and
 * `kinds/index.ts` checks at compile time that these are exactly the records of the kinds it
 * lists, so the union below follows the list without this file importing the kinds.
 * @category model
 */
export interface BuiltinLayers {}

/** A built-in layer record: one of `BuiltinLayers`. @category model */
export type BuiltinLayer = BuiltinLayers[keyof BuiltinLayers]

/**
 * A layer made by a constructor from `Net.defineLayer`. At run time it is the plain record
 * `{ _tag: name, ...fields }` (plus a symbol-keyed link to its definition, which JSON leaves
 * out); its `_tag` is typed `never` so that narrowing a `Layer` on a built-in tag keeps
 * working. Tell user layers apart with their definition's `is`.
 * @category model
 */
export interface UserLayer {
  readonly _tag: never
}

/**
 * A network: one of the built-in layer records (the records of the kinds listed in
 * `kinds/index.ts`), or a user's layer. Build it with the constructors (`dense`, `serial`, …),
 * never by hand, so hyperparameters are checked.
 * @category model
 */
export type Layer = BuiltinLayer | UserLayer

/** @category model */
export type Tag = BuiltinLayer['_tag']

/** The layer record of one tag. @category model */
export type LayerOf<T extends Tag> = Extract<BuiltinLayer, { readonly _tag: T }>

/**
 * Per-example shape of what flows between layers: one tensor's shape, or a tuple of them
 * (after `fanOut`, through `parallel`, into `fanInSum`).
 * @category model
 */
export type Shapes = Shape | { readonly tuple: ReadonlyArray<Shapes> }

/** What flows between layers at run time: a batched tensor or a tuple of them. @category model */
export type Value = Tensor | ReadonlyArray<Value>

/**
 * Whether shapes describe a tuple of tensors (`{ tuple: [...] }`) rather than one tensor.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net } from 'puregrad'
 * const out = Net.shape(Net.fanOut(2), [3])
 * assert.ok(E.isRight(out) && Net.isTuple(out.right))
 * assert.strictEqual(Net.isTuple([3]), false)
 * @category guards
 */
export const isTuple = (s: Shapes): s is { readonly tuple: ReadonlyArray<Shapes> } => !Array.isArray(s)

/**
 * Shapes as text: `[2, 3]`, or `([2], [3])` for a tuple.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * assert.strictEqual(Net.showShapes([2, 3]), '[2, 3]')
 * assert.strictEqual(Net.showShapes({ tuple: [[2, 3], { tuple: [[4], []] }] }), '([2, 3], ([4], []))')
 * @category utils
 */
export const showShapes = (s: Shapes): string => {
  if (Array.isArray(s)) return `[${s.join(', ')}]`
  const tuple: unknown = typeof s === 'object' && s !== null ? (s as { readonly tuple?: unknown }).tuple : undefined
  if (!Array.isArray(tuple)) {
    return fail('INVALID_ARGUMENT', 'showShapes', `the shapes are ${describe(s)}; pass a shape such as [2, 3] or a tuple of shapes such as { tuple: [[2, 3], [4]] }.`)
  }
  return `(${tuple.map((t) => showShapes(t as Shapes)).join(', ')})`
}
