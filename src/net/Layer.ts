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
import type { Padding2d } from '../tensor/geometry.js'

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

export interface Dense {
  readonly _tag: 'Dense'
  readonly units: number
  readonly init: Initializer
  readonly biasInit: Initializer
  readonly useBias: boolean
}
export interface Conv2d {
  readonly _tag: 'Conv2d'
  readonly filters: number
  readonly kernelSize: readonly [number, number]
  readonly strides: readonly [number, number]
  readonly padding: Padding2d
  readonly dilations: readonly [number, number]
  readonly init: Initializer
  readonly biasInit: Initializer
  readonly useBias: boolean
}
export interface Pool2d<Tag extends 'MaxPool2d' | 'AvgPool2d'> {
  readonly _tag: Tag
  readonly size: readonly [number, number]
  readonly strides: readonly [number, number]
  readonly padding: Padding2d
}
export interface Flatten {
  readonly _tag: 'Flatten'
}
export interface Reshape {
  readonly _tag: 'Reshape'
  /** per-example target shape; one size may be −1 */
  readonly shape: ReadonlyArray<number>
}
export interface Dropout {
  readonly _tag: 'Dropout'
  /** probability of keeping a unit, in (0, 1]; 1 turns dropout off */
  readonly keep: number
}
export interface BatchNorm {
  readonly _tag: 'BatchNorm'
  readonly momentum: number
  readonly eps: number
}
export interface Embedding {
  readonly _tag: 'Embedding'
  readonly vocab: number
  readonly dim: number
  readonly init: Initializer
}
export interface SimpleRnn {
  readonly _tag: 'SimpleRnn'
  readonly units: number
  readonly activation: ActivationFn
  readonly returnSequences: boolean
  readonly init: Initializer
  readonly recurrentInit: Initializer
}
export interface Lstm {
  readonly _tag: 'Lstm'
  readonly units: number
  readonly returnSequences: boolean
  readonly init: Initializer
  readonly recurrentInit: Initializer
}
export interface Activation {
  readonly _tag: 'Activation'
  readonly fn: ActivationFn
  /** slope of leakyRelu (the notes use 0.1), alpha of elu; unused otherwise */
  readonly param: number
}
export interface Maxout {
  readonly _tag: 'Maxout'
  /** number of linear pieces each output unit takes the maximum of */
  readonly pieces: number
}
export interface Identity {
  readonly _tag: 'Identity'
}
export interface Serial {
  readonly _tag: 'Serial'
  readonly layers: ReadonlyArray<Layer>
}
export interface Parallel {
  readonly _tag: 'Parallel'
  readonly layers: ReadonlyArray<Layer>
}
export interface FanOut {
  readonly _tag: 'FanOut'
  readonly n: number
}
export interface FanInSum {
  readonly _tag: 'FanInSum'
}
export interface FanInConcat {
  readonly _tag: 'FanInConcat'
  /** per-example axis to join along; −1 is the last */
  readonly axis: number
}
export interface Residual {
  readonly _tag: 'Residual'
  readonly body: Layer
}
export interface Repeat {
  readonly _tag: 'Repeat'
  readonly times: number
  readonly body: Layer
}

/**
 * A network: one of the layer records above. Build it with the constructors (`dense`,
 * `serial`, …), never by hand, so hyperparameters are checked.
 * @category model
 */
export type Layer =
  | Dense
  | Conv2d
  | Pool2d<'MaxPool2d'>
  | Pool2d<'AvgPool2d'>
  | Flatten
  | Reshape
  | Dropout
  | BatchNorm
  | Embedding
  | SimpleRnn
  | Lstm
  | Activation
  | Maxout
  | Identity
  | Serial
  | Parallel
  | FanOut
  | FanInSum
  | FanInConcat
  | Residual
  | Repeat

/** @category model */
export type Tag = Layer['_tag']

/** The layer record of one tag. @category model */
export type LayerOf<T extends Tag> = Extract<Layer, { readonly _tag: T }>

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
