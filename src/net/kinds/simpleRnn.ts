/** Simple (Elman) recurrent layers: hₜ = act(xₜ·W + hₜ₋₁·U + b), h₀ = 0. */
import { dataOf } from '../../core/Tensor.js'
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { activate, activations, isActivationFn } from '../activations.js'
import { initialize } from '../initializers.js'
import type { BuiltinKind } from '../Kind.js'
import type { ActivationFn } from '../Layer.js'
import { attr } from '../../onnx/graph.js'
import type { Cx } from '../Kind.js'
import type { Sym } from '../onnx/symbols.js'
import { layerOptions, make } from './common.js'
import { type Recurrent, type RecurrentOptions, type RecurrentWeights, type RnnParams, checkRecurrentWeights, inputTerms, onnxInput, recurrent, recurrentInput, recurrentShape, recurrentWeights, sequenceOf, unroll } from './recurrent.js'

export interface SimpleRnn extends RecurrentWeights {
  readonly _tag: 'SimpleRnn'
  readonly activation: ActivationFn
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly SimpleRnn: SimpleRnn
  }
}

/**
 * A simple RNN whose activation ONNX's RNN operator lacks (gelu) or onnxruntime's overflows
 * (softplus), unrolled over its (static)
 * number of steps exactly as `Net.apply` runs it: hₜ = act(xₜ·W + b + hₜ₋₁·U), h₀ = 0.
 */
const unrolled = (cx: Cx, s: Sym, p: Recurrent, l: SimpleRnn): string => {
  const g = cx.g
  const doc = cx.where
  const [time, features] = s.shape as [number, number]
  const xw = g.op(cx.base, 'Add', [g.op(cx.base, 'MatMul', [s.name, g.floats(`${cx.base}.W`, [features, l.units], dataOf(p.W))], { doc }), g.floats(`${cx.base}.b`, [l.units], dataOf(p.b))], { doc })
  const U = g.floats(`${cx.base}.U`, [l.units, l.units], dataOf(p.U))
  const hs: string[] = []
  for (let t = 0; t < time; t++) {
    const xt = g.op(cx.base, 'Gather', [xw, g.int64Scalar(`${cx.base}.t${t}`, t)], { attrs: [attr.int('axis', 1)], doc })
    // h₀ = 0, so the first step has no recurrent term (0·U adds exact zeros in Net.apply)
    const z = t === 0 ? xt : g.op(cx.base, 'Add', [xt, g.op(cx.base, 'MatMul', [hs[t - 1]!, U], { doc })], { doc })
    hs.push(activations[l.activation].onnx(cx, { name: z, shape: [l.units], layout: 'natural', type: 'float32' }, 0))
  }
  if (!l.returnSequences) return hs[time - 1]!
  const joined = g.op(cx.base, 'Concat', hs, { attrs: [attr.int('axis', 1)], doc })
  return g.op(cx.base, 'Reshape', [joined, g.int64s(`${cx.base}.shape`, [0, time, l.units])], { doc })
}

export const simpleRnnKind: BuiltinKind<SimpleRnn> = {
  tag: 'SimpleRnn',
  fields: ['units', 'activation', 'returnSequences', 'init', 'recurrentInit', 'mask'],
  defaults: { mask: false },
  check: (l) => [
    ...checkRecurrentWeights(l),
    ...(isActivationFn(l.activation) && l.activation !== 'softmax' && l.activation !== 'logSoftmax' ? [] : [`activation must be an elementwise activation such as 'tanh'; got ${JSON.stringify(l.activation)}`]),
  ],
  children: () => [],
  shape: (l, s) => recurrentShape(l, s),
  init: (l, key, s, dtype, r) => {
    const [, f] = sequenceOf(l, s)
    const [kW, kU] = split(key)
    return {
      params: {
        W: r.variable([f, l.units], (shape) => initialize(l.init, kW, shape, f, l.units, dtype)),
        U: r.variable([l.units, l.units], (shape) => initialize(l.recurrentInit, kU, shape, l.units, l.units, dtype)),
        b: r.variable([l.units], (shape) => T.zeros(shape, dtype)),
      },
      state: {},
    }
  },
  // hₜ = act(xₜ·W + hₜ₋₁·U + b), h₀ = 0
  apply: (l, { params }, x) => {
    const { W, U, b } = params as RnnParams
    const { x: t, mask } = recurrentInput(l, x)
    const xw = inputTerms(t, W, b)
    const h0 = T.zeros([t.shape[0]!, l.units], t.dtype)
    const y = unroll(xw, h0, (xwt, h) => activate(l.activation, T.add(xwt, T.matmul(h, U))), (h) => h, l.returnSequences, mask)
    return { y, state: {} }
  },
  label: (l) => `SimpleRnn(${l.units}${l.returnSequences ? ', sequences' : ''}${l.mask ? ', mask' : ''})`,
  examples: () => [{ layer: simpleRnn(3, { returnSequences: true }), inShape: [4, 2] }, { layer: simpleRnn(2, { activation: 'relu' }), inShape: [3, 2] }, { layer: simpleRnn(2, { mask: true }), inShape: { tuple: [[3, 2], [3]] } }],
  // ONNX RNN with the activation's recurrent form, or unrolled when it has none
  lower: (l, vars, x, cx) => {
    const { s, mask } = onnxInput(cx, l, x)
    const p = vars.params as unknown as Recurrent
    const act = activations[l.activation].rnn
    if (act === undefined && mask !== undefined) cx.refuse('INVALID_ARGUMENT', `has a ${l.activation} activation, which ONNX's RNN operator lacks, and a mask; the unrolled export takes no mask: use an activation such as tanh or relu, or export without { mask: true }.`)
    return cx.out(act === undefined ? unrolled(cx, s, p, l) : recurrent(cx, s, 'RNN', [0], p, l.units, l.returnSequences, act, mask), 'natural')
  },
}

/**
 * A simple (Elman) recurrent layer: hₜ = act(xₜ·W + hₜ₋₁·U + b), act tanh by default.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * // with weights of ones and relu, hₜ = xₜ + hₜ₋₁: a running sum
 * const rnn = Net.simpleRnn(1, { activation: 'relu', init: 'ones', recurrentInit: 'ones', returnSequences: true })
 * const vars = Net.init(rnn, { key: Rng.key(0), inShape: [3, 1] })
 * assert.deepStrictEqual(T.toArray(Net.predict(rnn, vars, T.tensor([[[1], [2], [3]]]))), [1, 3, 6])
 * // with a mask the input is (sequences, mask): step 2 is padding, so it outputs 0 and the sum skips it
 * const masked = Net.simpleRnn(1, { activation: 'relu', init: 'ones', recurrentInit: 'ones', returnSequences: true, mask: true })
 * const y = Net.apply(masked, vars, [T.tensor([[[1], [2], [3]]]), T.tensor([[1, 0, 1]])]).y as T.Tensor
 * assert.deepStrictEqual(T.toArray(y), [1, 0, 4])
 * @category layers
 */
export const simpleRnn = (units: number, options?: RecurrentOptions & { readonly activation?: ActivationFn }): SimpleRnn => {
  const opts = layerOptions('simpleRnn', options, ['activation', 'returnSequences', 'init', 'recurrentInit', 'mask'])
  return make(simpleRnnKind, {
    _tag: 'SimpleRnn',
    // the fields in the order of `fields` (an encoded model lists them so)
    units,
    activation: opts.activation ?? 'tanh',
    ...recurrentWeights(opts),
  })
}
