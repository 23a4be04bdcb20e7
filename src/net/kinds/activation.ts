/** Activation layers: an elementwise function (or softmax over the last axis), from the table in `activations.ts`. */
import { activations } from '../activations.js'
import { type BuiltinKind, type KindExample, none, one, problem, single } from '../Kind.js'
import type { ActivationFn } from '../Layer.js'
import { finite, make } from './common.js'

export interface Activation {
  readonly _tag: 'Activation'
  readonly fn: ActivationFn
  /** slope of leakyRelu (the notes use 0.1), alpha of elu; unused otherwise */
  readonly param: number
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Activation: Activation
  }
}

const on4 = (layer: Activation): KindExample => ({ layer, inShape: [4] })

export const activationKind: BuiltinKind<Activation> = {
  tag: 'Activation',
  fields: ['fn', 'param'],
  check: (l) => [
    ...(Object.hasOwn(activations, l.fn) ? [] : [`fn must be one of ${Object.keys(activations).join(', ')}; got ${JSON.stringify(l.fn)}`]),
    ...finite('param', l.param),
    ...(l.fn === 'elu' && !(l.param > 0) ? [`elu's alpha must be > 0; got ${l.param}`] : []),
  ],
  children: () => [],
  shape: (l, s) => {
    const x = one(s)
    return activations[l.fn].overClasses && x.length === 0 ? problem(`${l.fn} needs a class axis`) : x
  },
  init: () => none,
  apply: (l, _, x) => ({ y: activations[l.fn].apply(single(x), l.param), state: {} }),
  label: (l) => (l.fn === 'leakyRelu' || l.fn === 'elu' ? `${l.fn}(${l.param})` : l.fn),
  examples: () => [on4(sigmoid), on4(tanh), on4(relu), on4(leakyRelu(0.2)), on4(elu(0.7)), on4(softplus), on4(gelu), on4(softmax), on4(logSoftmax)],
  // an activation layer keeps the layout of its input
  lower: (l, _, x, cx) => {
    const s = cx.float(x)
    return cx.out(activations[l.fn].onnx(cx, s, l.param), s.layout)
  },
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
