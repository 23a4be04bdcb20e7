/** Fully connected layers, activations, and layers that only reshape. */
import { fail } from '../../core/errors.js'
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { checkInit, initialize } from '../initializers.js'
import { type Kind, none, one, problem, single } from '../Kind.js'
import type { Activation, ActivationFn, Dense, Flatten, Identity, Initializer, Maxout, Reshape } from '../Layer.js'
import { boolean, finite, layerOptions, make, positiveInt } from './common.js'

// ---------------------------------------------------------------------------------------------
// dense

export const denseKind: Kind<Dense> = {
  check: (l) => [...positiveInt('units', l.units), ...checkInit('init', l.init), ...checkInit('biasInit', l.biasInit), ...boolean('useBias', l.useBias)],
  children: () => [],
  shape: (l, s) => {
    const x = one(s)
    return x.length === 0 ? problem('needs inputs with a feature axis; got a scalar per example') : [...x.slice(0, -1), l.units]
  },
  init: (l, key, s, dtype, r) => {
    const nIn = one(s).at(-1)!
    const [kW, kb] = split(key)
    const W = r.variable([nIn, l.units], (shape) => initialize(l.init, kW, shape, nIn, l.units, dtype))
    return { params: l.useBias ? { W, b: r.variable([l.units], (shape) => initialize(l.biasInit, kb, shape, nIn, l.units, dtype)) } : { W }, state: {} }
  },
  apply: (l, { params }, x) => {
    const p = params as { W: T.Tensor; b?: T.Tensor }
    const y = T.matmul(single(x), p.W)
    return { y: p.b === undefined ? y : T.add(y, p.b), state: {} }
  },
  label: (l) => `Dense(${l.units})`,
}

/** Options of `dense`. */
export interface DenseOptions {
  /** weight initialiser, default glorotUniform (use heNormal before ReLU, lecunNormal before tanh) */
  readonly init?: Initializer
  /** default zeros */
  readonly biasInit?: Initializer
  /** default true */
  readonly useBias?: boolean
}

/**
 * A fully connected layer: y = x·W + b, W of shape [inputs, units]. The notes' neuron is a
 * dense layer with one unit followed by an activation.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net } from 'puregrad'
 * const net = Net.serial(Net.dense(128, { init: 'heNormal' }), Net.relu, Net.dense(10))
 * assert.deepStrictEqual(Net.shape(net, [784]), E.right([10]))
 * // it acts on the last axis, whatever comes before it
 * assert.deepStrictEqual(Net.shape(Net.dense(10), [7, 784]), E.right([7, 10]))
 * @category layers
 */
export const dense = (units: number, options?: DenseOptions): Dense => {
  const opts = layerOptions('dense', options, ['init', 'biasInit', 'useBias'])
  return make(denseKind, { _tag: 'Dense', units, init: opts.init ?? 'glorotUniform', biasInit: opts.biasInit ?? 'zeros', useBias: opts.useBias ?? true })
}

// ---------------------------------------------------------------------------------------------
// activations

const fns: { readonly [F in ActivationFn]: (x: T.Tensor, param: number) => T.Tensor } = {
  sigmoid: (x) => T.sigmoid(x),
  tanh: (x) => T.tanh(x),
  relu: (x) => T.relu(x),
  leakyRelu: (x, slope) => T.where(T.greater(x, 0), x, T.mul(x, slope)),
  // elu(x) = x for x > 0, α(eˣ − 1) otherwise; the inner where keeps the unused branch finite
  // and, unlike minimum(x, 0) (which splits its tie), gives the derivative α at exactly 0, as PyTorch
  elu: (x, alpha) => {
    const positive = T.greater(x, 0)
    return T.where(positive, x, T.mul(T.expm1(T.where(positive, 0, x)), alpha))
  },
  softmax: (x) => T.softmax(x, -1),
  logSoftmax: (x) => T.logSoftmax(x, -1),
  softplus: (x) => T.softplus(x),
  // gelu(x) = x·Φ(x) = ½x(1 + erf(x/√2))
  gelu: (x) => T.mul(T.mul(x, 0.5), T.add(T.erf(T.mul(x, Math.SQRT1_2)), 1)),
}

/** Applies an activation function to a tensor (used by layers that have one built in). @internal */
export const activate = (fn: ActivationFn, x: T.Tensor, param = 0): T.Tensor => fns[fn](x, param)

export const activationKind: Kind<Activation> = {
  check: (l) => [
    ...(Object.hasOwn(fns, l.fn) ? [] : [`fn must be one of ${Object.keys(fns).join(', ')}; got ${JSON.stringify(l.fn)}`]),
    ...finite('param', l.param),
    ...(l.fn === 'elu' && !(l.param > 0) ? [`elu's alpha must be > 0; got ${l.param}`] : []),
  ],
  children: () => [],
  shape: (l, s) => {
    const x = one(s)
    return (l.fn === 'softmax' || l.fn === 'logSoftmax') && x.length === 0 ? problem(`${l.fn} needs a class axis`) : x
  },
  init: () => none,
  apply: (l, _, x) => ({ y: fns[l.fn](single(x), l.param), state: {} }),
  label: (l) => (l.fn === 'leakyRelu' || l.fn === 'elu' ? `${l.fn}(${l.param})` : l.fn),
}

const act = (fn: ActivationFn, param = 0): Activation => make(activationKind, { _tag: 'Activation', fn, param })

/**
 * An activation layer by name (with the slope of leakyRelu or the alpha of elu as `param`),
 * e.g. when the name comes from a configuration or a hyperparameter search.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * assert.deepStrictEqual(Net.activation('relu'), Net.relu)
 * assert.deepStrictEqual(Net.activation('leakyRelu'), Net.leakyRelu(0.1))
 * assert.deepStrictEqual(Net.activation('elu', 2), Net.elu(2))
 * @category activations
 */
export const activation = (fn: ActivationFn, param?: number): Activation => act(fn, param ?? (fn === 'leakyRelu' ? 0.1 : fn === 'elu' ? 1 : 0))

/**
 * 1 / (1 + e^−x): a 0..1 probability output, or a hidden activation.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const vars = Net.init(Net.sigmoid, { key: Rng.key(0), inShape: [3] })
 * const y = Net.predict(Net.sigmoid, vars, T.tensor([[0, 100, -100]]))
 * assert.ok(T.allclose(y, T.tensor([[0.5, 1, 0]])))
 * @category activations
 */
export const sigmoid: Activation = act('sigmoid')
/**
 * The hyperbolic tangent: outputs in (−1, 1), zero-centred.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const vars = Net.init(Net.tanh, { key: Rng.key(0), inShape: [3] })
 * const y = Net.predict(Net.tanh, vars, T.tensor([[0, 1, -1]]))
 * assert.ok(T.allclose(y, T.tensor([[0, Math.tanh(1), -Math.tanh(1)]])))
 * @category activations
 */
export const tanh: Activation = act('tanh')
/**
 * max(x, 0).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const vars = Net.init(Net.relu, { key: Rng.key(0), inShape: [3] })
 * assert.deepStrictEqual(T.toArray(Net.predict(Net.relu, vars, T.tensor([[-2, 0, 3]]))), [0, 0, 3])
 * @category activations
 */
export const relu: Activation = act('relu')
/**
 * exp(x) / Σ exp(x) over the last axis: class probabilities.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const vars = Net.init(Net.softmax, { key: Rng.key(0), inShape: [2] })
 * // each row (example) on its own; adding a constant to a row changes nothing
 * const p = Net.predict(Net.softmax, vars, T.tensor([[0, Math.log(3)], [5, 5]]))
 * assert.ok(T.allclose(p, T.tensor([[0.25, 0.75], [0.5, 0.5]])))
 * @category activations
 */
export const softmax: Activation = act('softmax')
/**
 * log softmax over the last axis (pair it with a negative log-likelihood). Computed stably:
 * large logits do not overflow.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const vars = Net.init(Net.logSoftmax, { key: Rng.key(0), inShape: [2] })
 * assert.deepStrictEqual(T.toArray(Net.predict(Net.logSoftmax, vars, T.tensor([[1000, 0]]))), [0, -1000])
 * @category activations
 */
export const logSoftmax: Activation = act('logSoftmax')
/**
 * log(1 + eˣ): a smooth relu.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const vars = Net.init(Net.softplus, { key: Rng.key(0), inShape: [3] })
 * const y = Net.predict(Net.softplus, vars, T.tensor([[0, 100, -100]]))
 * assert.ok(T.allclose(y, T.tensor([[Math.LN2, 100, 0]])))
 * @category activations
 */
export const softplus: Activation = act('softplus')
/**
 * x·Φ(x), with the exact normal CDF.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const vars = Net.init(Net.gelu, { key: Rng.key(0), inShape: [3] })
 * const y = Net.predict(Net.gelu, vars, T.tensor([[1, -1, 10]]))
 * assert.ok(T.allclose(y, T.tensor([[0.8413447, -0.1586553, 10]])))
 * @category activations
 */
export const gelu: Activation = act('gelu')
/**
 * x for x > 0, slope·x otherwise; the notes use slope 0.1, the default here.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const leaky = Net.leakyRelu()
 * const vars = Net.init(leaky, { key: Rng.key(0), inShape: [3] })
 * assert.deepStrictEqual(T.toArray(Net.predict(leaky, vars, T.tensor([[-10, 0, 5]]))), [-1, 0, 5])
 * @category activations
 */
export const leakyRelu = (slope = 0.1): Activation => act('leakyRelu', slope)
/**
 * x for x > 0, α(eˣ − 1) otherwise: smooth, and bounded below by −α.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const net = Net.elu(2)
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [3] })
 * assert.deepStrictEqual(T.toArray(Net.predict(net, vars, T.tensor([[-100, 0, 3]]))), [-2, 0, 3])
 * @category activations
 */
export const elu = (alpha = 1): Activation => act('elu', alpha)

// ---------------------------------------------------------------------------------------------
// maxout

export const maxoutKind: Kind<Maxout> = {
  check: (l) => positiveInt('pieces', l.pieces),
  children: () => [],
  shape: (l, s) => {
    const x = one(s)
    const d = x.at(-1)
    return d === undefined || d % l.pieces !== 0
      ? problem(`needs a last axis divisible by pieces ${l.pieces}; precede it with dense(units · ${l.pieces})`)
      : [...x.slice(0, -1), d / l.pieces]
  },
  init: () => none,
  apply: (l, _, x) => {
    const t = single(x)
    const d = t.shape.at(-1)!
    return { y: T.max(T.reshape(t, [...t.shape.slice(0, -1), d / l.pieces, l.pieces]), -1), state: {} }
  },
  label: (l) => `Maxout(${l.pieces})`,
}

/**
 * Maxout: the maximum over groups of `pieces` consecutive features, so
 * `serial(dense(units · k), maxout(k))` gives each unit max(w₁ᵀx + b₁, …, w_kᵀx + b_k).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.serial(Net.dense(2 * 3), Net.maxout(3)), [10]), E.right([2]))
 * const vars = Net.init(Net.maxout(3), { key: Rng.key(0), inShape: [6] })
 * // groups [1, 5, 2] and [0, -1, 4]
 * assert.deepStrictEqual(T.toArray(Net.predict(Net.maxout(3), vars, T.tensor([[1, 5, 2, 0, -1, 4]]))), [5, 4])
 * @category activations
 */
export const maxout = (pieces: number): Maxout => make(maxoutKind, { _tag: 'Maxout', pieces })

// ---------------------------------------------------------------------------------------------
// identity, flatten, reshape

export const identityKind: Kind<Identity> = {
  check: () => [],
  children: () => [],
  shape: (_, s) => s,
  init: () => none,
  apply: (_, __, x) => ({ y: x, state: {} }),
  label: () => 'identity',
}

/**
 * Passes its input through (no output activation, e.g. for regression). It is the unit of
 * `serial`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.serial(Net.dense(1), Net.identity), Net.dense(1))
 * const vars = Net.init(Net.identity, { key: Rng.key(0), inShape: [2] })
 * const x = T.tensor([[1, 2]])
 * assert.strictEqual(Net.predict(Net.identity, vars, x), x)
 * @category layers
 */
export const identity: Identity = Object.freeze({ _tag: 'Identity' })

export const flattenKind: Kind<Flatten> = {
  check: () => [],
  children: () => [],
  shape: (_, s) => [one(s).reduce((p, d) => p * d, 1)],
  init: () => none,
  apply: (_, __, x) => {
    const t = single(x)
    return { y: T.reshape(t, [t.shape[0]!, -1]), state: {} }
  },
  label: () => 'Flatten',
}

/**
 * Flattens each example to one axis (e.g. after convolutions, before dense layers); the batch
 * axis stays.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.flatten, [28, 28, 1]), E.right([784]))
 * const vars = Net.init(Net.flatten, { key: Rng.key(0), inShape: [3, 4] })
 * assert.deepStrictEqual(Net.predict(Net.flatten, vars, T.ones([2, 3, 4])).shape, [2, 12])
 * @category layers
 */
export const flatten: Flatten = Object.freeze({ _tag: 'Flatten' })

const reshaped = (from: ReadonlyArray<number>, to: ReadonlyArray<number>): number[] => {
  const size = from.reduce((p, d) => p * d, 1)
  const known = to.reduce((p, d) => (d === -1 ? p : p * d), 1)
  const out = to.map((d) => (d === -1 ? size / known : d))
  return out.reduce((p, d) => p * d, 1) === size && out.every(Number.isInteger)
    ? out
    : problem(`cannot reshape ${size} values per example to [${to.join(', ')}]`)
}

export const reshapeKind: Kind<Reshape> = {
  check: (l) =>
    Array.isArray(l.shape) && l.shape.every((d) => d === -1 || (Number.isInteger(d) && d >= 1)) && l.shape.filter((d) => d === -1).length <= 1
      ? []
      : [`shape must be whole numbers ≥ 1 with at most one −1; got ${JSON.stringify(l.shape)}`],
  children: () => [],
  shape: (l, s) => reshaped(one(s), l.shape),
  init: () => none,
  apply: (l, _, x) => {
    const t = single(x)
    return { y: T.reshape(t, [t.shape[0]!, ...reshaped(t.shape.slice(1), l.shape)]), state: {} }
  },
  label: (l) => `Reshape([${l.shape.join(', ')}])`,
}

/**
 * Reshapes each example (one size may be −1, inferred from the others); the batch axis stays.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.reshape([28, 28, 1]), [784]), E.right([28, 28, 1]))
 * const net = Net.reshape([2, -1])
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [6] })
 * assert.deepStrictEqual(Net.predict(net, vars, T.ones([5, 6])).shape, [5, 2, 3])
 * @category layers
 */
export const reshape = (shape: ReadonlyArray<number>): Reshape =>
  make(reshapeKind, { _tag: 'Reshape', shape: Array.isArray(shape) ? Object.freeze([...(shape as ReadonlyArray<number>)]) : shape })

/** Refuses values that are not activation names (for decoders). @internal */
export const isActivationFn = (u: unknown): u is ActivationFn => typeof u === 'string' && Object.hasOwn(fns, u)

