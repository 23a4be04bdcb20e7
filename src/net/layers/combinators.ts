/**
 * Combinators: networks built from networks (stax's vocabulary). Their parameters are trees of
 * their children's: an array for `serial`, `parallel` and `repeat`, `{ body }` for `residual`.
 */
import { describe } from '../../core/errors.js'
import * as T from '../../tensor/index.js'
import { type Applied, type Kind, type Vars, one, problem } from '../Kind.js'
import { type FanInConcat, type FanInSum, type FanOut, type Layer, type Parallel, type Repeat, type Residual, type Serial, type Shapes, type Value, isTuple, showShapes } from '../Layer.js'
import { checkLayer, isLayer } from '../check.js'
import { make, positiveInt } from './common.js'
import { identity } from './dense.js'

/** The problem with the children of a hand-made record, naming the first that is not a layer. */
const layerListProblems = (u: unknown, nonEmpty: boolean): string[] => {
  if (!Array.isArray(u)) return [`layers must be an array of layers; got ${describe(u)}`]
  const i = u.findIndex((l) => !isLayer(l))
  if (i >= 0) return [`layers[${i}] is ${describe(u[i])}, not a layer`]
  return nonEmpty && u.length === 0 ? ['layers must be a non-empty array of layers'] : []
}

const bodyProblems = (u: unknown): string[] => (isLayer(u) ? [] : [`body is ${describe(u)}, not a layer`])

/** Refuses an argument of a combinator that is not a layer, naming its position (from 1). */
const checkLayers = (op: string, layers: ReadonlyArray<unknown>): void => {
  for (let i = 0; i < layers.length; i++) checkLayer(op, layers[i], `argument ${i + 1}`)
}

const indexed = (layers: ReadonlyArray<Layer>): ReadonlyArray<readonly [string, Layer]> => layers.map((c, i) => [String(i), c] as const)

const tupleOf = (s: Shapes, n: number, who: string): ReadonlyArray<Shapes> =>
  isTuple(s) && s.tuple.length === n ? s.tuple : problem(`${who} expects a tuple of ${n}; got ${showShapes(s)} (split the input first with fanOut(${n}))`)

const valuesOf = (x: Value): ReadonlyArray<Value> => (Array.isArray(x) ? x : problem('expects a tuple of tensors but got one tensor'))

// ---------------------------------------------------------------------------------------------
// serial

export const serialKind: Kind<Serial> = {
  check: (l) => layerListProblems(l.layers, false),
  children: (l) => indexed(l.layers),
  shape: (l, s, r) => l.layers.reduce((acc, c, i) => r.shape(c, String(i), acc), s),
  init: (l, key, s, _, r) => {
    let shape = s
    const vars = l.layers.map((c, i) => {
      const v = r.init(c, String(i), key, shape)
      shape = r.shape(c, String(i), shape)
      return v
    })
    return { params: vars.map((v) => v.params), state: vars.map((v) => v.state) }
  },
  apply: (l, vars, x, mode, r) => {
    const params = vars.params as ReadonlyArray<Vars['params']>
    const state = vars.state as ReadonlyArray<Vars['state']>
    let y = x
    const states = l.layers.map((c, i) => {
      const out = r.apply(c, String(i), { params: params[i]!, state: state[i]! }, y, mode)
      y = out.y
      return out.state
    })
    return { y, state: states }
  },
  label: (l) => `Serial(${l.layers.length})`,
}

const flatLayers = (ls: ReadonlyArray<Layer>): Layer[] =>
  ls.flatMap((l) => (l._tag === 'Serial' ? flatLayers(l.layers) : l._tag === 'Identity' ? [] : [l]))

/**
 * Layers one after another. Nested serials are flattened and identities dropped, so serial is
 * associative with `identity` as its unit, as data: `serial(a, serial(b, c))` and
 * `serial(serial(a, b), c)` are the same value.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * const mlp = Net.serial(Net.dense(16), Net.tanh, Net.dense(1))
 * assert.deepStrictEqual(Net.serial(Net.serial(Net.dense(16), Net.tanh), Net.dense(1)), mlp)
 * assert.deepStrictEqual(Net.serial(Net.identity, mlp), mlp)
 * @category combinators
 */
export const serial = (...layers: ReadonlyArray<Layer>): Layer => {
  checkLayers('serial', layers)
  const flat = flatLayers(layers)
  if (flat.length === 0) return identity
  if (flat.length === 1) return flat[0]!
  return make(serialKind, { _tag: 'Serial', layers: Object.freeze(flat) })
}

// ---------------------------------------------------------------------------------------------
// parallel, fanOut, fanIn

export const parallelKind: Kind<Parallel> = {
  check: (l) => layerListProblems(l.layers, true),
  children: (l) => indexed(l.layers),
  shape: (l, s, r) => ({ tuple: tupleOf(s, l.layers.length, 'parallel').map((si, i) => r.shape(l.layers[i]!, String(i), si)) }),
  init: (l, key, s, _, r) => {
    const vars = tupleOf(s, l.layers.length, 'parallel').map((si, i) => r.init(l.layers[i]!, String(i), key, si))
    return { params: vars.map((v) => v.params), state: vars.map((v) => v.state) }
  },
  apply: (l, vars, x, mode, r) => {
    const outs: Applied[] = valuesOf(x).map((xi, i) =>
      r.apply(l.layers[i]!, String(i), { params: (vars.params as ReadonlyArray<Vars['params']>)[i]!, state: (vars.state as ReadonlyArray<Vars['state']>)[i]! }, xi, mode),
    )
    return { y: outs.map((o) => o.y), state: outs.map((o) => o.state) }
  },
  label: (l) => `Parallel(${l.layers.length})`,
}

/**
 * Applies the i-th layer to the i-th element of a tuple.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const net = Net.parallel(Net.relu, Net.identity)
 * const vars = Net.init(net, { key: Rng.key(0), inShape: { tuple: [[2], [2]] } })
 * const x = T.tensor([[-1, 2]])
 * const { y } = Net.apply(net, vars, [x, x])
 * assert.deepStrictEqual((y as ReadonlyArray<T.Tensor>).map(T.toArray), [[0, 2], [-1, 2]])
 * @category combinators
 */
export const parallel = (...layers: ReadonlyArray<Layer>): Parallel => {
  checkLayers('parallel', layers)
  return make(parallelKind, { _tag: 'Parallel', layers: Object.freeze([...layers]) })
}

export const fanOutKind: Kind<FanOut> = {
  check: (l) => positiveInt('n', l.n),
  children: () => [],
  shape: (l, s) => ({ tuple: Array.from({ length: l.n }, () => s) }),
  init: () => ({ params: {}, state: {} }),
  apply: (l, _, x) => ({ y: Array.from({ length: l.n }, () => x), state: {} }),
  label: (l) => `FanOut(${l.n})`,
}

/**
 * Copies its input into a tuple of n (the same tensor n times: tensors are immutable).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const net = Net.fanOut(2)
 * assert.deepStrictEqual(Net.shape(net, [3]), E.right({ tuple: [[3], [3]] }))
 * const x = T.tensor([[1, 2, 3]])
 * const { y } = Net.apply(net, Net.init(net, { key: Rng.key(0), inShape: [3] }), x)
 * assert.ok(Array.isArray(y) && y.length === 2 && y.every((t) => t === x))
 * @category combinators
 */
export const fanOut = (n: number): FanOut => make(fanOutKind, { _tag: 'FanOut', n })

const sameShapes = (ss: ReadonlyArray<Shapes>): ReadonlyArray<number> => {
  const first = one(ss[0] ?? problem('needs at least one input'))
  for (const s of ss) if (showShapes(s) !== showShapes(first)) problem(`needs equal shapes; got ${ss.map(showShapes).join(' and ')}`)
  return first
}

export const fanInSumKind: Kind<FanInSum> = {
  check: () => [],
  children: () => [],
  shape: (_, s) => (isTuple(s) ? sameShapes(s.tuple) : problem(`expects a tuple; got ${showShapes(s)}`)),
  init: () => ({ params: {}, state: {} }),
  apply: (_, __, x) => ({ y: (valuesOf(x) as T.Tensor[]).reduce((a, b) => T.add(a, b)), state: {} }),
  label: () => 'FanInSum',
}

/**
 * Adds the tensors of a tuple (of equal shapes).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * // x + relu(x)
 * const net = Net.serial(Net.fanOut(2), Net.parallel(Net.identity, Net.relu), Net.fanInSum)
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
 * assert.deepStrictEqual(T.toArray(Net.predict(net, vars, T.tensor([[-1, 2]]))), [-1, 4])
 * @category combinators
 */
export const fanInSum: FanInSum = Object.freeze({ _tag: 'FanInSum' })

export const fanInConcatKind: Kind<FanInConcat> = {
  check: (l) => (Number.isInteger(l.axis) ? [] : [`axis must be a whole number; got ${JSON.stringify(l.axis)}`]),
  children: () => [],
  shape: (l, s) => {
    if (!isTuple(s) || s.tuple.length === 0) return problem(`expects a non-empty tuple; got ${showShapes(s)}`)
    const shapes = s.tuple.map(one)
    const rank = shapes[0]!.length
    const ax = l.axis < 0 ? l.axis + rank : l.axis
    if (ax < 0 || ax >= rank) return problem(`axis ${l.axis} is out of range for per-example rank ${rank}`)
    for (const x of shapes) {
      if (x.length !== rank || x.some((d, i) => i !== ax && d !== shapes[0]![i])) problem(`needs shapes that agree except on axis ${l.axis}; got ${s.tuple.map(showShapes).join(' and ')}`)
    }
    return shapes[0]!.map((d, i) => (i === ax ? shapes.reduce((p, x) => p + x[ax]!, 0) : d))
  },
  init: () => ({ params: {}, state: {} }),
  apply: (l, _, x) => ({ y: T.concat(valuesOf(x) as T.Tensor[], l.axis < 0 ? l.axis : l.axis + 1), state: {} }),
  label: (l) => `FanInConcat(${l.axis})`,
}

/**
 * Joins the tensors of a tuple along a per-example axis (default the last).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net } from 'puregrad'
 * const net = Net.serial(Net.fanOut(2), Net.parallel(Net.dense(3), Net.dense(5)), Net.fanInConcat())
 * assert.deepStrictEqual(Net.shape(net, [4]), E.right([8]))
 * // axis 0 is the first axis of each example, not the batch axis
 * assert.deepStrictEqual(Net.shape(Net.fanInConcat(0), { tuple: [[2, 3], [4, 3]] }), E.right([6, 3]))
 * @category combinators
 */
export const fanInConcat = (axis = -1): FanInConcat => make(fanInConcatKind, { _tag: 'FanInConcat', axis })

// ---------------------------------------------------------------------------------------------
// residual, repeat

export const residualKind: Kind<Residual> = {
  check: (l) => bodyProblems(l.body),
  children: (l) => [['body', l.body]],
  shape: (l, s, r) => {
    one(s)
    const out = r.shape(l.body, 'body', s)
    return showShapes(out) === showShapes(s) ? s : problem(`the body maps ${showShapes(s)} to ${showShapes(out)}, but a residual block needs it to keep the shape`)
  },
  init: (l, key, s, _, r) => {
    const v = r.init(l.body, 'body', key, s)
    return { params: { body: v.params }, state: { body: v.state } }
  },
  apply: (l, vars, x, mode, r) => {
    const p = vars.params as { body: Vars['params'] }
    const st = vars.state as { body: Vars['state'] }
    const out = r.apply(l.body, 'body', { params: p.body, state: st.body }, x, mode)
    return { y: T.add(x as T.Tensor, out.y as T.Tensor), state: { body: out.state } }
  },
  label: () => 'Residual',
}

/**
 * x + body(x): a skip connection around a block that keeps the shape.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * // with a body that outputs zeros, the block is the identity
 * const net = Net.residual(Net.dense(2, { init: 'zeros' }))
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
 * assert.deepStrictEqual(T.toArray(Net.predict(net, vars, T.tensor([[-1, 2]]))), [-1, 2])
 * assert.ok(E.isLeft(Net.shape(Net.residual(Net.dense(3)), [4]))) // the body must keep the shape
 * @category combinators
 */
export const residual = (body: Layer): Residual => make(residualKind, { _tag: 'Residual', body: checkLayer('residual', body, 'the body') })

export const repeatKind: Kind<Repeat> = {
  check: (l) => [...positiveInt('times', l.times), ...bodyProblems(l.body)],
  children: (l) => Array.from({ length: l.times }, (_, i) => [String(i), l.body] as const),
  shape: (l, s, r) => Array.from({ length: l.times }).reduce<Shapes>((acc, _, i) => r.shape(l.body, String(i), acc), s),
  init: (l, key, s, dtype, r) => serialKind.init({ _tag: 'Serial', layers: Array.from({ length: l.times }, () => l.body) }, key, s, dtype, r),
  apply: (l, vars, x, mode, r) => serialKind.apply({ _tag: 'Serial', layers: Array.from({ length: l.times }, () => l.body) }, vars, x, mode, r),
  label: (l) => `Repeat(${l.times})`,
}

/**
 * The block `times` times in a row, each copy with its own parameters.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const net = Net.repeat(3, Net.serial(Net.dense(8), Net.relu))
 * const { params } = Net.init(net, { key: Rng.key(0), inShape: [8] })
 * assert.deepStrictEqual(Tree.paths(params), ['0.0.W', '0.0.b', '1.0.W', '1.0.b', '2.0.W', '2.0.b'])
 * const [w0, , w1] = Tree.leaves(params)
 * assert.ok(!T.equals(w0!.value, w1!.value))
 * @category combinators
 */
export const repeat = (times: number, body: Layer): Repeat => make(repeatKind, { _tag: 'Repeat', times, body: checkLayer('repeat', body, 'the body (argument 2)') })
