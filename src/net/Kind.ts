/**
 * What the interpreters need to know about each kind of layer. The table in `table.ts` is typed
 * `{ [T in Tag]: Kind<LayerOf<T>> }`, so a new layer kind does not compile until it says how
 * to check, shape, initialise and apply itself.
 * @internal
 */
import type { FloatDType } from '../core/dtype.js'
import type { Key } from '../rng/index.js'
import type { Tensor } from '../core/Tensor.js'
import type { Tree } from '../tree/index.js'
import type { Layer, Shapes, Tag, Value } from './Layer.js'

/** A layer's variables: trainable parameters and non-trainable state (e.g. running statistics). */
export interface Vars {
  readonly params: Tree
  readonly state: Tree
}

/** A tree whose leaves are `X`: tensors for `init`, `{ dtype, shape }` for the abstract pass. */
export type TreeOf<X> = X | ReadonlyArray<TreeOf<X>> | { readonly [key: string]: TreeOf<X> }

/** Variables whose leaves are `X`. */
export interface VarsOf<X> {
  readonly params: TreeOf<X>
  readonly state: TreeOf<X>
}

/** How a network runs: training (dropout on, batch statistics) or evaluation, and the key for randomness. */
export interface Mode {
  readonly train: boolean
  readonly key: Key | undefined
}

export interface Applied {
  readonly y: Value
  readonly state: Tree
}

/**
 * Callbacks into the interpreter for a layer's children, named by their key in the parameter
 * tree, and the maker of a layer's own variables. `X` is what a variable is: a tensor when
 * `init` runs, its `{ dtype, shape }` when the abstract pass runs (sizes without allocating).
 */
export interface Recurse<X = Tensor> {
  readonly shape: (child: Layer, name: string, inShape: Shapes) => Shapes
  readonly init: (child: Layer, name: string, key: Key, inShape: Shapes) => VarsOf<X>
  readonly apply: (child: Layer, name: string, vars: Vars, x: Value, mode: Mode) => Applied
  /**
   * A variable of `shape` in the interpreter's dtype: `make(shape)` when `init` runs (it must
   * return a tensor of that shape and dtype), never called by the abstract pass.
   */
  readonly variable: (shape: ReadonlyArray<number>, make: (shape: ReadonlyArray<number>) => Tensor) => X
}

export interface Kind<L extends { readonly _tag: Tag }> {
  /** hyperparameter problems, each a sentence saying what to fix; empty when all is well */
  readonly check: (l: L) => ReadonlyArray<string>
  /** the children, by their key in the parameter tree */
  readonly children: (l: L) => ReadonlyArray<readonly [string, Layer]>
  /** the per-example output shape; throws `ShapeProblem` when the input does not fit */
  readonly shape: (l: L, inShape: Shapes, r: Recurse<unknown>) => Shapes
  /** fresh variables for the given (valid) input shape, each made by `r.variable` */
  readonly init: <X>(l: L, key: Key, inShape: Shapes, dtype: FloatDType, r: Recurse<X>) => VarsOf<X>
  readonly apply: (l: L, vars: Vars, x: Value, mode: Mode, r: Recurse) => Applied
  /** a short label for summaries and errors, e.g. `Dense(128)` */
  readonly label: (l: L) => string
}

/** A shape that does not fit a layer; the interpreter adds the layer's path and input shape. */
export class ShapeProblem {
  constructor(readonly message: string) {}
}

export const problem = (message: string): never => {
  throw new ShapeProblem(message)
}

/** Variables of a layer without any. */
export const none: VarsOf<never> = Object.freeze({ params: Object.freeze({}), state: Object.freeze({}) })

/** The single tensor flowing into a layer that takes one (the interpreter has checked shapes). */
export const single = (x: Value): Tensor => {
  if (Array.isArray(x)) throw new ShapeProblem('expects one tensor but got a tuple')
  return x as Tensor
}

/** The single shape flowing into a layer that takes one tensor. */
export const one = (s: Shapes): ReadonlyArray<number> => (Array.isArray(s) ? (s as ReadonlyArray<number>) : problem('expects one tensor but gets a tuple; merge it first with fanInSum or fanInConcat'))
