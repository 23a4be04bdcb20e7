/**
 * What the interpreters need to know about each kind of layer. The table in `table.ts` is typed
 * `{ [T in Tag]: Kind<LayerOf<T>> }`, so a new layer kind does not compile until it says how
 * to check, shape, initialise and apply itself.
 * @internal
 */
import type { FloatDType } from '../core/dtype.js'
import type { Key } from '../rng/index.js'
import type { Tree } from '../tree/index.js'
import type { Layer, Shapes, Tag, Value } from './Layer.js'

/** A layer's variables: trainable parameters and non-trainable state (e.g. running statistics). */
export interface Vars {
  readonly params: Tree
  readonly state: Tree
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

/** Callbacks into the interpreter for a layer's children, named by their key in the parameter tree. */
export interface Recurse {
  readonly shape: (child: Layer, name: string, inShape: Shapes) => Shapes
  readonly init: (child: Layer, name: string, key: Key, inShape: Shapes) => Vars
  readonly apply: (child: Layer, name: string, vars: Vars, x: Value, mode: Mode) => Applied
}

export interface Kind<L extends { readonly _tag: Tag }> {
  /** hyperparameter problems, each a sentence saying what to fix; empty when all is well */
  readonly check: (l: L) => ReadonlyArray<string>
  /** the children, by their key in the parameter tree */
  readonly children: (l: L) => ReadonlyArray<readonly [string, Layer]>
  /** the per-example output shape; throws `ShapeProblem` when the input does not fit */
  readonly shape: (l: L, inShape: Shapes, r: Recurse) => Shapes
  /** fresh variables for the given (valid) input shape */
  readonly init: (l: L, key: Key, inShape: Shapes, dtype: FloatDType, r: Recurse) => Vars
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
export const none: Vars = Object.freeze({ params: Object.freeze({}), state: Object.freeze({}) })

/** The single tensor flowing into a layer that takes one (the interpreter has checked shapes). */
export const single = (x: Value): import('../core/Tensor.js').Tensor => {
  if (Array.isArray(x)) throw new ShapeProblem('expects one tensor but got a tuple')
  return x as import('../core/Tensor.js').Tensor
}

/** The single shape flowing into a layer that takes one tensor. */
export const one = (s: Shapes): ReadonlyArray<number> => (Array.isArray(s) ? (s as ReadonlyArray<number>) : problem('expects one tensor but gets a tuple; merge it first with fanInSum or fanInConcat'))
