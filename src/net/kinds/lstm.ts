/** Long short-term memory layers, gates input/forget/cell/output, exported as ONNX LSTM. */
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { initialize } from '../initializers.js'
import type { BuiltinKind } from '../Kind.js'
import { layerOptions, make } from './common.js'
import { type Recurrent, type RecurrentOptions, type RecurrentWeights, type RnnParams, checkRecurrentWeights, inputTerms, onnxInput, recurrent, recurrentInput, recurrentShape, recurrentWeights, sequenceOf, unroll } from './recurrent.js'

export interface Lstm extends RecurrentWeights {
  readonly _tag: 'Lstm'
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Lstm: Lstm
  }
}

export const lstmKind: BuiltinKind<Lstm> = {
  tag: 'Lstm',
  fields: ['units', 'returnSequences', 'init', 'recurrentInit', 'mask'],
  defaults: { mask: false },
  check: checkRecurrentWeights,
  children: () => [],
  shape: (l, s) => recurrentShape(l, s),
  init: (l, key, s, dtype, r) => {
    const [, f] = sequenceOf(l, s)
    const u = l.units
    const [kW, kU] = split(key)
    // gates in the order input, forget, cell, output; the forget bias starts at 1 (Jozefowicz et al.)
    const b = r.variable([4 * u], () => T.concat([T.zeros([u], dtype), T.ones([u], dtype), T.zeros([2 * u], dtype)]))
    return {
      params: {
        W: r.variable([f, 4 * u], (shape) => initialize(l.init, kW, shape, f, 4 * u, dtype)),
        U: r.variable([u, 4 * u], (shape) => initialize(l.recurrentInit, kU, shape, u, 4 * u, dtype)),
        b,
      },
      state: {},
    }
  },
  // [i, f, g, o] = xₜ·W + hₜ₋₁·U + b; cₜ = σ(f)·cₜ₋₁ + σ(i)·tanh(g); hₜ = σ(o)·tanh(cₜ)
  apply: (l, { params }, x) => {
    const { W, U, b } = params as RnnParams
    const { x: t, mask } = recurrentInput(l, x)
    const n = t.shape[0]!
    const u = l.units
    const gate = (z: T.Tensor, k: number): T.Tensor => T.slice(z, [0, k * u], [n, u])
    const zero = T.zeros([n, u], t.dtype)
    const y = unroll(inputTerms(t, W, b), { h: zero, c: zero }, (xwt, s) => {
      const z = T.add(xwt, T.matmul(s.h, U))
      const c = T.add(T.mul(T.sigmoid(gate(z, 1)), s.c), T.mul(T.sigmoid(gate(z, 0)), T.tanh(gate(z, 2))))
      const h = T.mul(T.sigmoid(gate(z, 3)), T.tanh(c))
      return { h, c }
    }, (s) => s.h, l.returnSequences, mask)
    return { y, state: {} }
  },
  label: (l) => `Lstm(${l.units}${l.returnSequences ? ', sequences' : ''}${l.mask ? ', mask' : ''})`,
  examples: () => [{ layer: lstm(3), inShape: [4, 2] }, { layer: lstm(2, { returnSequences: true }), inShape: [3, 2] }, { layer: lstm(2, { returnSequences: true, mask: true }), inShape: { tuple: [[3, 2], [3]] } }],
  lower: (l, vars, x, cx) => {
    const { s, mask } = onnxInput(cx, l, x)
    // ONNX gates i, o, f, c are puregrad's gates 0, 3, 1, 2
    return cx.out(recurrent(cx, s, 'LSTM', [0, 3, 1, 2], vars.params as unknown as Recurrent, l.units, l.returnSequences, [], mask), 'natural')
  },
}

/**
 * A long short-term memory layer (Hochreiter & Schmidhuber), gates input/forget/cell/output,
 * forget bias initialised to 1.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.lstm(2), [10, 3]), E.right([2]))
 * const net = Net.lstm(2, { returnSequences: true })
 * const { params, outShape } = Net.init(net, { key: Rng.key(0), inShape: [10, 3] })
 * assert.deepStrictEqual(outShape, [10, 2])
 * const b = Tree.leaves(params).find((l) => l.path === 'b')!.value
 * assert.deepStrictEqual(T.toArray(b), [0, 0, 1, 1, 0, 0, 0, 0]) // input, forget, cell, output gates
 * @category layers
 */
export const lstm = (units: number, options?: RecurrentOptions): Lstm => {
  const opts = layerOptions('lstm', options, ['returnSequences', 'init', 'recurrentInit', 'mask'])
  return make(lstmKind, { _tag: 'Lstm', units, ...recurrentWeights(opts) })
}
