/**
 * What the interpreters need to know about each kind of layer: everything about a kind lives in
 * one record of this type, in one file of `kinds/` (or, for a user's layer, is made by
 * `Net.defineLayer`). Every per-tag table (the interpreters', validation's, the ONNX
 * exporter's) is read off the list of kinds in `kinds/index.ts`.
 * @internal
 */
import type { FloatDType } from '../core/dtype.js'
import type { Key } from '../rng/index.js'
import type { Tensor } from '../core/Tensor.js'
import type { Tree } from '../tree/index.js'
import type { Layer, Shapes, Value } from './Layer.js'
import type { ErrorCode } from '../core/errors.js'
import type { GraphBuilder } from '../onnx/graph.js'
import type { Layout, Sym, SymValue } from './onnx/symbols.js'

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

export interface Kind<L extends { readonly _tag: string }> {
  /** the records' `_tag` */
  readonly tag: L['_tag']
  /** the record's fields besides `_tag`, in the order the constructor writes them; validation refuses missing and unknown ones */
  readonly fields: ReadonlyArray<string>
  /**
   * fields added after the kind was first saved, with the value a document written before them
   * means: validation fills them in when a record lacks them, so older documents still decode
   */
  readonly defaults?: { readonly [field: string]: unknown }
  /**
   * the fields that hold layers, each one layer (`'one'`) or a list of them (`'list'`):
   * validation checks them first, at the path `field` (one) or `i` (list), and rebuilds the
   * record with the checked layers
   */
  readonly sublayers?: { readonly [field: string]: 'one' | 'list' }
  /** hyperparameter problems, each a sentence saying what to fix; empty when all is well */
  readonly check: (l: L) => ReadonlyArray<string>
  /** the children, by their key in the parameter tree */
  readonly children: (l: L) => ReadonlyArray<readonly [string, Layer]>
  /**
   * how many layers it expands to, given a counter of a child's (by its key): by default itself
   * and its children's. A kind whose children are copies of one layer counts that layer once and
   * multiplies, so the budget check never walks the copies
   */
  readonly expansion?: (l: L, count: (child: Layer, name: string) => number) => number
  /** the per-example output shape; throws `ShapeProblem` when the input does not fit */
  readonly shape: (l: L, inShape: Shapes, r: Recurse<unknown>) => Shapes
  /** fresh variables for the given (valid) input shape, each made by `r.variable` */
  readonly init: <X>(l: L, key: Key, inShape: Shapes, dtype: FloatDType, r: Recurse<X>) => VarsOf<X>
  readonly apply: (l: L, vars: Vars, x: Value, mode: Mode, r: Recurse) => Applied
  /** a short label for summaries and errors, e.g. `Dense(128)` */
  readonly label: (l: L) => string
  /** the ONNX nodes computing what `apply` computes in evaluation mode; every built-in kind has one */
  readonly lower?: Lowering<L>
  /**
   * layers of this kind in use, each with its input; every built-in kind has some. Given `p`, a
   * layer with parameters of its own that keeps its input's shape, to put where the kind holds
   * children. The laws check every kind on its examples (gradients, ONNX export), each placed
   * between such layers so that gradients flow into it and out of it.
   */
  readonly examples?: (p: Layer) => ReadonlyArray<KindExample>
}

/** A layer of a kind in use: see `Kind.examples`. */
export interface KindExample {
  /** a layer of the kind */
  readonly layer: Layer
  /** its per-example input shape */
  readonly inShape: Shapes
  /** when set, the input holds int32 token indices below this number (an embedding's), not floats */
  readonly ints?: number
}

// ---------------------------------------------------------------------------------------------
// what a kind's ONNX lowering gets (the driver is onnx/lowering.ts)

/** A per-channel affine map y ↦ y·scale + shift over the last axis (a batch norm to fold). */
export interface ChannelAffine {
  readonly scale: Float64Array
  readonly shift: Float64Array
  /** the folded layer, for the doc strings */
  readonly from: string
}

/** Export settings every rule may read. */
export interface Settings {
  readonly opset: number
  readonly foldBatchNorm: boolean
}

/** What a lowering gets besides its layer, variables and input. */
export interface Cx {
  readonly g: GraphBuilder
  readonly settings: Settings
  /** prefix of the layer's node and initialiser names: its path, or `net` at the root */
  readonly base: string
  /** `layer 2.body (Dense(10))`, for doc strings and messages */
  readonly where: string
  /** the layer's per-example output shape (from `Net.shape`) */
  readonly outShape: Shapes
  /** a batch norm to apply to this layer's output (given only to Dense and Conv2d) */
  readonly then: ChannelAffine | undefined
  /** lowers a child, named by its key in the parameter tree */
  readonly child: (l: Layer, name: string, vars: Vars, x: SymValue, then?: ChannelAffine) => SymValue
  /** the single input, checked to be float32, in the given layout (default: the one it has) */
  readonly float: (x: SymValue, layout?: Layout) => Sym
  /** the single input, checked to hold int32 token indices */
  readonly ints: (x: SymValue) => Sym
  /** the single input, of any element type (for layers that only move values) */
  readonly any: (x: SymValue, layout?: Layout) => Sym
  /** a value in a layout, transposing it (once) if needed */
  readonly inLayout: (x: Sym, layout: Layout) => Sym
  /** the layer's output: a float32 value of shape `outShape` */
  readonly out: (name: string, layout: Layout) => Sym
  /** the layer's output, of the element type of `from` */
  readonly like: (name: string, layout: Layout, from: Sym) => Sym
  /** refuses the export with a message naming the layer */
  readonly refuse: (code: ErrorCode, message: string) => never
}

/** How one kind of layer becomes ONNX nodes. */
export type Lowering<L extends { readonly _tag: string }> = (l: L, vars: Vars, x: SymValue, cx: Cx) => SymValue

/** A built-in kind: the compiler refuses one without an ONNX lowering or without examples. */
export type BuiltinKind<L extends { readonly _tag: string }> = Kind<L> & {
  readonly lower: Lowering<L>
  readonly examples: (p: Layer) => readonly [KindExample, ...KindExample[]]
}

/**
 * The key under which a user's layer record (made by a constructor from `Net.defineLayer`)
 * holds its kind. A symbol key survives spreads and immer's copies (so `Net.edit` keeps
 * working) but not `JSON.stringify`, so the record stays plain data: its JSON is
 * `{ _tag, ...fields }`, and `Net.decode` links it again to the definitions it is given.
 */
export const kindLink: unique symbol = Symbol('puregrad.layerKind')

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
