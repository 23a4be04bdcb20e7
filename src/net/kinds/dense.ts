/** Fully connected layers: y = x·W + b over the last axis. */
import { dataOf, type Tensor } from '../../core/Tensor.js'
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { checkInit, initialize } from '../initializers.js'
import { type BuiltinKind, one, problem, single } from '../Kind.js'
import type { Initializer } from '../Layer.js'
import type { ChannelAffine } from '../Kind.js'
import { boolean, layerOptions, make, positiveInt } from './common.js'

export interface Dense {
  readonly _tag: 'Dense'
  readonly units: number
  readonly init: Initializer
  readonly biasInit: Initializer
  readonly useBias: boolean
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Dense: Dense
  }
}

/**
 * Weights of shape [inputs, units] (row-major) and bias, with a following per-unit affine map
 * (a folded batch norm) applied: W·diag(scale), b·scale + shift. Computed in float64.
 */
export const foldColumns = (W: ArrayLike<number>, b: ArrayLike<number> | undefined, units: number, then: ChannelAffine | undefined): { W: ArrayLike<number>; b: ArrayLike<number> | undefined } => {
  if (then === undefined) return { W, b }
  const w = Float64Array.from(W, (v, i) => v * then.scale[i % units]!)
  const bias = Float64Array.from({ length: units }, (_, j) => (b === undefined ? 0 : b[j]!) * then.scale[j]! + then.shift[j]!)
  return { W: w, b: bias }
}

export const denseKind: BuiltinKind<Dense> = {
  tag: 'Dense',
  fields: ['units', 'init', 'biasInit', 'useBias'],
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
  examples: () => [{ layer: dense(3), inShape: [4] }, { layer: dense(2, { useBias: false }), inShape: [3, 2] }],
  // x·W + b: Gemm for a batch of vectors, MatMul and Add when examples have more axes
  lower: (_, vars, x, cx) => {
    const p = vars.params as { readonly W: Tensor; readonly b?: Tensor }
    const s = cx.float(x, 'natural')
    const [nIn, units] = p.W.shape as [number, number]
    const { W, b } = foldColumns(dataOf(p.W), p.b === undefined ? undefined : dataOf(p.b), units, cx.then)
    const doc = cx.then === undefined ? cx.where : `${cx.where}, with ${cx.then.from} folded in`
    const w = cx.g.floats(`${cx.base}.W`, [nIn, units], W)
    const bias = b === undefined ? undefined : cx.g.floats(`${cx.base}.b`, [units], b)
    if (s.shape.length === 1) return cx.out(cx.g.op(cx.base, 'Gemm', bias === undefined ? [s.name, w] : [s.name, w, bias], { doc }), 'natural')
    const y = cx.g.op(cx.base, 'MatMul', [s.name, w], { doc })
    return cx.out(bias === undefined ? y : cx.g.op(cx.base, 'Add', [y, bias], { doc }), 'natural')
  },
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
