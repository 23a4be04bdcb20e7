/**
 * The interpreters that run a network: `shape` (static shape inference), `init` (fresh
 * variables from a key) and `apply` (the forward pass, under any differentiation interpreter).
 * Each walks the layer tree, dispatching to the layer kinds' behaviour, and names the layer by
 * its path in the parameter tree when something does not fit.
 */
import * as E from 'fp-ts/lib/Either.js'
import { withLayer } from '../core/context.js'
import { type FloatDType, isFloat } from '../core/dtype.js'
import { PuregradError, describe, fail, orThrow } from '../core/errors.js'
import { type Budget, resolveBudget } from '../core/limits.js'
import { checkOptions } from '../core/options.js'
import { checkShape, sameShape } from '../core/shape.js'
import { type Tensor, isTensor } from '../core/Tensor.js'
import { type Key, foldIn, key } from '../rng/index.js'
import { checkKey } from '../rng/Key.js'
import { type LeafStructure, type Structure, type Tree, deepFreeze } from '../tree/index.js'
import { checkExpansion, checkVarsBudget, isLeafStructure } from './budget.js'
import { checkLayer } from './check.js'
import { type Applied, type Mode, type Recurse, ShapeProblem, type TreeOf, type Vars, type VarsOf } from './Kind.js'
import { type Layer, type Shapes, type Value, showShapes } from './Layer.js'
import { nameHash } from './kinds/common.js'
import { kindOf } from './registry.js'

const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`)

/** `layer 2.body (Dense(10))`, or `the network (…)` at the root. */
export const describeAt = (path: string, l: Layer): string => `${path === '' ? 'the network' : `layer ${path}`} (${kindOf(l).label(l)})`

const shapeAt = (l: Layer, path: string, s: Shapes): Shapes => {
  try {
    return kindOf(l).shape(l, s, recurse(path, 'float32', float32Variable))
  } catch (e) {
    if (e instanceof ShapeProblem) return fail('SHAPE_MISMATCH', 'shape', `${describeAt(path, l)} ${e.message}; its input has shape ${showShapes(s)} per example.`)
    throw e
  }
}

const initAt = <X>(l: Layer, path: string, key: Key, s: Shapes, dtype: FloatDType, variable: Variable<X>): VarsOf<X> =>
  kindOf(l).init(l, key, s, dtype, recurse(path, dtype, variable))

/** How the interpreter makes a layer's variable: a tensor, or its structure. */
type Variable<X> = Recurse<X>['variable']

/** `init`'s variables: the tensor the layer makes (which must have the shape it announced). */
const concreteVariable =
  (dtype: FloatDType): Variable<Tensor> =>
  (shape, make) => {
    const t = make(shape)
    if (t.dtype !== dtype || !sameShape(t.shape, shape)) throw new Error(`internal: a layer announced a ${dtype} variable of shape [${shape.join(', ')}] and made ${String(t)}`)
    return t
  }

/** What shape inference and apply pass (they never make variables). */
const float32Variable = concreteVariable('float32')

/** The abstract pass's variables: shape and dtype, no buffer. */
const abstractVariable =
  (dtype: FloatDType): Variable<LeafStructure> =>
  (shape) =>
    Object.freeze({ dtype, shape: Object.freeze([...shape]) })

/** Errors raised inside a layer name it once, by the innermost layer. */
const located = new WeakSet<PuregradError>()
const locate = (e: PuregradError): never => {
  located.add(e)
  throw e
}

const applyAt = (l: Layer, path: string, vars: Vars, x: Value, mode: Mode): Applied => {
  try {
    const k = kindOf(l)
    const r = recurse(path, 'float32', float32Variable)
    return k.children(l).length === 0 ? withLayer(describeAt(path, l), () => k.apply(l, vars, x, mode, r)) : k.apply(l, vars, x, mode, r)
  } catch (e) {
    // errors that already say where they happened (or a numeric report, which names its layer) pass through
    if (e instanceof PuregradError && (located.has(e) || e.code === 'NON_FINITE')) throw e
    // a variable the layer needs is missing: the variables are not this network's
    const missing = e instanceof PuregradError || e instanceof TypeError ? missingVariable(l, vars, x) : undefined
    if (missing !== undefined) return locate(new PuregradError('TREE_MISMATCH', 'apply', `${describeAt(path, l)} could not read its variables (${missing}); pass the variables made by init for this network.`))
    if (e instanceof ShapeProblem) return locate(new PuregradError('SHAPE_MISMATCH', 'apply', `${describeAt(path, l)} ${e.message}.`))
    if (e instanceof PuregradError) return locate(new PuregradError(e.code, e.op, `${e.detail} (in ${describeAt(path, l)})`))
    if (e instanceof TypeError) {
      return locate(new PuregradError('TREE_MISMATCH', 'apply', `${describeAt(path, l)} could not read its variables (${e.message}); pass the variables made by init for this network.`))
    }
    throw e
  }
}

/** Per-example shapes of a value. */
const shapesOfValue = (x: Value): Shapes => (isTensor(x) ? x.shape.slice(1) : { tuple: (x as ReadonlyArray<Value>).map(shapesOfValue) })

/**
 * The first variable a layer would make for the input `x` that `vars` does not hold as a
 * tensor, said as `params.W is undefined`; undefined when none is missing. Found by the
 * abstract init pass, so only when applying the layer failed: never on the way of a good step.
 */
const missingVariable = (l: Layer, vars: Vars, x: Value): string | undefined => {
  let expected: VarsOf<LeafStructure>
  try {
    expected = kindOf(l).init(l, key(0), shapesOfValue(x), 'float32', recurse('', 'float32', abstractVariable('float32')))
  } catch {
    return undefined
  }
  const first = (want: TreeOf<LeafStructure>, have: unknown, at: string): string | undefined => {
    if (isLeafStructure(want)) return isTensor(have) ? undefined : `${at} is ${describe(have)}`
    const entries = Array.isArray(want) ? want.map((w, i) => [String(i), w] as const) : Object.entries(want as { readonly [k: string]: TreeOf<LeafStructure> })
    for (const [k, w] of entries) {
      const found = first(w, typeof have === 'object' && have !== null ? (have as Record<string, unknown>)[k] : undefined, `${at}.${k}`)
      if (found !== undefined) return found
    }
    return undefined
  }
  return first(expected.params, vars.params, 'params') ?? first(expected.state, vars.state, 'state')
}

/** Each child gets its own key: foldIn(parent key, hash of its name). */
const recurse = <X>(path: string, dtype: FloatDType, variable: Variable<X>): Recurse<X> => ({
  shape: (c, name, s) => shapeAt(c, join(path, name), s),
  init: (c, name, key, s) => initAt(c, join(path, name), foldIn(key, nameHash(name)), s, dtype, variable),
  apply: (c, name, vars, x, mode) => applyAt(c, join(path, name), vars, x, { train: mode.train, key: mode.key === undefined ? undefined : foldIn(mode.key, nameHash(name)) }),
  variable,
})

/** The per-example shape(s) `s`, or the INVALID_SHAPE error of the first size that is not one. @internal */
export const checkShapes = (op: string, s: unknown): Shapes => {
  if (typeof s === 'object' && s !== null && !Array.isArray(s) && Array.isArray((s as { tuple?: unknown }).tuple)) {
    return { tuple: ((s as { tuple: unknown[] }).tuple).map((x) => checkShapes(op, x)) }
  }
  return orThrow(checkShape(op, s))
}

/** Options of `shape`. */
export interface ShapeOptions {
  /** limits on the network's size; default `defaultBudget` (only `maxLayers` applies here) */
  readonly budget?: Budget
}

/**
 * Static shape inference: the per-example output shape for a per-example input shape, or an
 * error naming the layer (by its path in the parameter tree) and the shapes that do not fit.
 * No tensor is made. A network nested deeper than `MAX_DEPTH` is refused (TOO_DEEP), and one
 * that expands to more layers than the budget allows (RESOURCE_LIMIT) before any is visited.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.serial(Net.dense(4), Net.relu), [8]), E.right([4]))
 * const net = Net.serial(Net.dense(4), Net.relu, Net.residual(Net.dense(3)))
 * const result = Net.shape(net, [8])
 * assert.ok(E.isLeft(result) && result.left.message.includes('layer 2 (Residual)'))
 * @category interpreters
 */
export const shape = (net: Layer, inShape: Shapes, opts: ShapeOptions = {}): E.Either<PuregradError, Shapes> => {
  try {
    checkLayer('shape', net)
    checkOptions('shape', opts, ['budget'])
    checkExpansion('shape', net, resolveBudget('shape', opts.budget))
    return E.right(shapeAt(net, '', checkShapes('shape', inShape)))
  } catch (e) {
    if (e instanceof PuregradError) return E.left(e)
    throw e
  }
}

const freezeShapes = (s: Shapes): Shapes => {
  if (Array.isArray(s)) return Object.freeze(s)
  for (const t of (s as { readonly tuple: ReadonlyArray<Shapes> }).tuple) freezeShapes(t)
  Object.freeze((s as { readonly tuple: ReadonlyArray<Shapes> }).tuple)
  return Object.freeze(s)
}

/** Options of `init`. */
export interface InitOptions {
  readonly key: Key
  /** per-example input shape, e.g. [784] or [28, 28, 1] */
  readonly inShape: Shapes
  /** dtype of the parameters, default float32 */
  readonly dtype?: FloatDType
  /** limits on the network's size, checked before anything is allocated; default `defaultBudget` */
  readonly budget?: Budget
}

/** Fresh variables and the output shape. */
export interface Initialized extends Vars {
  readonly outShape: Shapes
}

/** The checks `init`, `initStructure` and `decode` share, and the structure of the variables. @internal */
export const prepare = (op: string, net: Layer, opts: Omit<InitOptions, 'key'>): { readonly inShape: Shapes; readonly dtype: FloatDType; readonly outShape: Shapes; readonly structure: VarsOf<LeafStructure> } => {
  checkLayer(op, net)
  if (typeof opts !== 'object' || opts === null) fail('INVALID_ARGUMENT', op, `options must be a record such as { key, inShape: [784] }; got ${String(opts)}.`)
  const dtype = opts.dtype ?? 'float32'
  if (!isFloat(dtype)) fail('DTYPE_MISMATCH', op, `parameters must be float32 or float64; got ${String(dtype)}.`)
  const budget = resolveBudget(op, opts.budget)
  const inShape = checkShapes(op, opts.inShape)
  checkExpansion(op, net, budget)
  const outShape = shapeAt(net, '', inShape)
  const structure = initAt(net, '', key(0), inShape, dtype, abstractVariable(dtype))
  checkVarsBudget(op, structure, dtype, budget)
  return { inShape, dtype, outShape, structure }
}

/**
 * Fresh variables for a network: each layer draws its weights with its initialiser from its
 * own key (derived from `key` and its path), so the same key always gives the same variables.
 *
 * Before drawing anything it checks the network against the budget (`opts.budget`, default
 * `defaultBudget`): a network that nests deeper than `MAX_DEPTH` is refused with TOO_DEEP, one
 * that expands to too many layers or whose variables hold too many values or bytes with
 * RESOURCE_LIMIT.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const net = Net.serial(Net.dense(3), Net.relu, Net.dense(2))
 * const { params, outShape } = Net.init(net, { key: Rng.key(0), inShape: [4] })
 * assert.deepStrictEqual(Tree.paths(params), ['0.W', '0.b', '2.W', '2.b'])
 * assert.deepStrictEqual(outShape, [2])
 * // the same key gives the same variables
 * const again = Net.init(net, { key: Rng.key(0), inShape: [4] })
 * assert.ok(T.equals(Tree.leaves(again.params)[0]!.value, Tree.leaves(params)[0]!.value))
 * // a network beyond the budget is refused before anything is allocated
 * assert.throws(() => Net.init(net, { key: Rng.key(0), inShape: [4], budget: { maxParams: 10 } }), { code: 'RESOURCE_LIMIT' })
 * @category interpreters
 */
export const init = (net: Layer, opts: InitOptions): Initialized => {
  checkOptions('init', opts, ['key', 'inShape', 'dtype', 'budget'])
  if (opts === undefined) fail('INVALID_ARGUMENT', 'init', 'the options are missing: pass { key: Rng.key(0), inShape: [784] } (the per-example input shape).')
  const k = checkKey('init', opts.key)
  const { inShape, dtype, outShape } = prepare('init', net, opts)
  const vars = initAt(net, '', k, inShape, dtype, concreteVariable(dtype))
  return Object.freeze({ params: deepFreeze(vars.params as Tree), state: deepFreeze(vars.state as Tree), outShape: freezeShapes(outShape) })
}

/** Options of `initStructure`: those of `init` without the key. */
export type InitStructureOptions = Omit<InitOptions, 'key'>

/** The structure of the variables `init` would make, and the output shape. */
export interface InitStructure {
  readonly params: Structure
  readonly state: Structure
  readonly outShape: Shapes
}

/**
 * The structure (`Tree.structure`) of the variables `init` would make, found without drawing
 * or allocating them: each parameter and state tensor as its `{ dtype, shape }`. Refuses what
 * `init` refuses, with the same errors, so it tells in microseconds whether a network fits a
 * budget and what its variables will be.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tree } from 'puregrad'
 * const net = Net.serial(Net.dense(3), Net.batchNorm())
 * const s = Net.initStructure(net, { inShape: [4] })
 * assert.deepStrictEqual(s.params, [{ W: { dtype: 'float32', shape: [4, 3] }, b: { dtype: 'float32', shape: [3] } }, { beta: { dtype: 'float32', shape: [3] }, gamma: { dtype: 'float32', shape: [3] } }])
 * // exactly the structure of what init makes
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [4] })
 * assert.deepStrictEqual(Tree.structure(vars.state), s.state)
 * // a billion-parameter embedding is described, not allocated, once the budget allows it
 * const big = Net.initStructure(Net.embedding(1e9, 1), { inShape: [1], budget: { maxParams: Infinity, maxBytes: Infinity } })
 * assert.deepStrictEqual(big.params, { W: { dtype: 'float32', shape: [1e9, 1] } })
 * @category interpreters
 */
export const initStructure = (net: Layer, opts: InitStructureOptions): InitStructure => {
  const { outShape, structure } = prepare('initStructure', net, opts)
  return { params: sortKeys(structure.params) as Structure, state: sortKeys(structure.state) as Structure, outShape }
}

/** A structure with record keys in traversal order, as `Tree.structure` gives it. */
const sortKeys = (t: TreeOf<LeafStructure>): TreeOf<LeafStructure> =>
  Array.isArray(t)
    ? Object.freeze(t.map(sortKeys))
    : 'dtype' in t && typeof t['dtype'] === 'string'
      ? t
      : Object.freeze(Object.fromEntries(Object.keys(t).sort().map((k) => [k, sortKeys((t as { readonly [k: string]: TreeOf<LeafStructure> })[k]!)])))

/** Options of `apply`. */
export interface ApplyOptions {
  /** training mode: dropout active, batch statistics used and updated; default false */
  readonly train?: boolean
  /** randomness for dropout; required in training mode when the network has dropout */
  readonly key?: Key
}

const holdsNumbers = (u: unknown): boolean => typeof u === 'number' || (Array.isArray(u) && u.some(holdsNumbers))

/** Refuses an input that is not a tensor or a tuple (array) of them, saying how to build a tensor. */
const checkInput = (op: string, x: unknown): void => {
  if (isTensor(x)) return
  if (Array.isArray(x) && x.length > 0 && x.every((v) => isTensor(v) || (Array.isArray(v) && !holdsNumbers(v)))) {
    for (const v of x) checkInput(op, v)
    return
  }
  const what = holdsNumbers(x) ? (Array.isArray(x) ? 'a nested array of numbers' : 'a number') : x === null ? 'null' : Array.isArray(x) ? (x.length === 0 ? 'an empty array' : 'an array that holds something other than tensors') : typeof x === 'object' ? 'an object that is not a Tensor' : `a ${typeof x}`
  fail('INVALID_ARGUMENT', op, `the input is ${what}; pass a Tensor with a leading batch axis (build one with Tensor.tensor(…), e.g. Tensor.tensor([[1, 2]]) for one example of 2 features), or an array of tensors for a network with several inputs.`)
}

/**
 * Runs the network on a batch (a tensor with a leading batch axis, or a tuple of them),
 * returning the output and the new model state (batch-norm statistics move in training mode;
 * otherwise the state comes back with the same values, not necessarily as the same object).
 * Runs under `Ad.grad` and the other transformations like any function of tensors. In
 * evaluation mode the key is ignored.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const net = Net.serial(Net.dense(2), Net.sigmoid)
 * const vars = Net.init(net, { key: Rng.key(1), inShape: [3] })
 * const { y } = Net.apply(net, vars, T.ones([5, 3]))
 * // y is a Value (a tensor or a tuple); Net.forward returns a Tensor for one-output networks
 * assert.ok(T.isTensor(y) && T.equals(y, Net.forward(net, vars, T.ones([5, 3])).y))
 * assert.ok(T.isTensor(y) && T.toArray(y).every((p) => p > 0 && p < 1))
 * @category interpreters
 */
export const apply = (net: Layer, vars: Vars, x: Value, opts: ApplyOptions = {}): { readonly y: Value; readonly state: Tree } => {
  checkLayer('apply', net)
  checkOptions('apply', opts, ['train', 'key'])
  checkInput('apply', x)
  if (isTensor(x) && x.rank === 0) fail('SHAPE_MISMATCH', 'apply', 'the input needs a leading batch axis; got a scalar. Use Tensor.reshape(x, [1, …]) for one example.')
  const key = opts.key === undefined ? undefined : checkKey('apply', opts.key)
  const { y, state } = applyAt(net, '', vars, x, { train: opts.train === true, key })
  return { y, state }
}

/**
 * The output of the network in evaluation mode, for one tensor in and one tensor out.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const net = Net.serial(Net.dense(2, { init: 'ones' }), Net.dropout(0.5))
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
 * // evaluation mode: dropout is off, so no key is needed and the output is deterministic
 * assert.deepStrictEqual(T.toArray(Net.predict(net, vars, T.tensor([[1, 2]]))), [3, 3])
 * @category interpreters
 */
export const predict = (net: Layer, vars: Vars, x: Tensor): Tensor => {
  checkInput('predict', x)
  if (!isTensor(x)) fail('INVALID_ARGUMENT', 'predict', 'predict takes one tensor; for a network with several inputs pass the tuple to apply.')
  const { y } = apply(net, vars, x)
  return isTensor(y) ? y : fail('INVALID_ARGUMENT', 'predict', 'the network returns a tuple; use apply for networks with several outputs.')
}

/**
 * `apply` for a network with one tensor in and one tensor out: the output is a `Tensor`, so a
 * loss can use it without a cast. Training mode, keys and the returned state are as in `apply`;
 * a network whose output is a tuple is refused (use `apply` for those).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Loss, Net, Rng, Tensor as T } from 'puregrad'
 * const net = Net.serial(Net.dense(4), Net.relu, Net.dropout(0.5), Net.dense(3))
 * const { params, state } = Net.init(net, { key: Rng.key(0), inShape: [2] })
 * const x = T.tensor([[1, 2], [3, 4]])
 * const loss = (p: typeof params) => Loss.softmaxCrossEntropy(Net.forward(net, { params: p, state }, x, { train: true, key: Rng.key(1) }).y, [0, 2])
 * const g = Ad.grad(loss)(params)
 * assert.deepStrictEqual(Object.keys(g), Object.keys(params))
 * @category interpreters
 */
export const forward = (net: Layer, vars: Vars, x: Tensor, opts: ApplyOptions = {}): { readonly y: Tensor; readonly state: Tree } => {
  const { y, state } = apply(net, vars, x, opts)
  return isTensor(y) ? { y, state } : fail('INVALID_ARGUMENT', 'forward', 'the network returns a tuple; use apply for networks with several outputs.')
}

