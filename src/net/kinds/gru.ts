/** Gated recurrent units with the reset gate after the recurrent product (reset_after), exported as ONNX GRU. */
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { attr } from '../../onnx/graph.js'
import { initialize } from '../initializers.js'
import type { BuiltinKind } from '../Kind.js'
import { layerOptions, make } from './common.js'
import { type Recurrent, type RecurrentOptions, type RecurrentWeights, checkRecurrentWeights, inputTerms, onnxInput, recurrent, recurrentInput, recurrentShape, recurrentWeights, sequenceOf, unroll } from './recurrent.js'

export interface Gru extends RecurrentWeights {
  readonly _tag: 'Gru'
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Gru: Gru
  }
}

type GruParams = { readonly W: T.Tensor; readonly U: T.Tensor; readonly b: T.Tensor; readonly bU: T.Tensor }

export const gruKind: BuiltinKind<Gru> = {
  tag: 'Gru',
  fields: ['units', 'returnSequences', 'init', 'recurrentInit', 'mask'],
  check: checkRecurrentWeights,
  children: () => [],
  shape: (l, s) => recurrentShape(l, s),
  init: (l, key, s, dtype, r) => {
    const [, f] = sequenceOf(l, s)
    const u = l.units
    const [kW, kU] = split(key)
    return {
      params: {
        W: r.variable([f, 3 * u], (shape) => initialize(l.init, kW, shape, f, 3 * u, dtype)),
        U: r.variable([u, 3 * u], (shape) => initialize(l.recurrentInit, kU, shape, u, 3 * u, dtype)),
        b: r.variable([3 * u], (shape) => T.zeros(shape, dtype)),
        bU: r.variable([3 * u], (shape) => T.zeros(shape, dtype)),
      },
      state: {},
    }
  },
  // gates r, z, n in blocks of `units`: [gr, gz, gn] = xₜ·W + b, [ur, uz, un] = hₜ₋₁·U + bU;
  // r = σ(gr + ur), z = σ(gz + uz), n = tanh(gn + r·un), hₜ = (1 − z)·n + z·hₜ₋₁
  apply: (l, { params }, x) => {
    const { W, U, b, bU } = params as GruParams
    const { x: t, mask } = recurrentInput(l, x)
    const n = t.shape[0]!
    const u = l.units
    const gate = (g: T.Tensor, k: number): T.Tensor => T.slice(g, [0, k * u], [n, u])
    const h0 = T.zeros([n, u], t.dtype)
    const y = unroll(inputTerms(t, W, b), h0, (xwt, h) => {
      const uh = T.add(T.matmul(h, U), bU)
      const r = T.sigmoid(T.add(gate(xwt, 0), gate(uh, 0)))
      const z = T.sigmoid(T.add(gate(xwt, 1), gate(uh, 1)))
      const c = T.tanh(T.add(gate(xwt, 2), T.mul(r, gate(uh, 2))))
      return T.add(T.mul(T.sub(1, z), c), T.mul(z, h))
    }, (h) => h, l.returnSequences, mask)
    return { y, state: {} }
  },
  label: (l) => `Gru(${l.units}${l.returnSequences ? ', sequences' : ''}${l.mask ? ', mask' : ''})`,
  examples: () => [{ layer: gru(3), inShape: [4, 2] }, { layer: gru(2, { returnSequences: true }), inShape: [3, 2] }, { layer: gru(2, { mask: true }), inShape: { tuple: [[3, 2], [3]] } }],
  // ONNX's GRU with linear_before_reset = 1 is this cell; its gates z, r, h are puregrad's gates 1, 0, 2
  lower: (l, vars, x, cx) => {
    const { s, mask } = onnxInput(cx, l, x)
    return cx.out(recurrent(cx, s, 'GRU', [1, 0, 2], vars.params as unknown as Recurrent, l.units, l.returnSequences, [attr.int('linear_before_reset', 1)], mask), 'natural')
  },
}

/**
 * A gated recurrent unit layer (Cho et al.) in the convention of PyTorch's `nn.GRU` and Keras'
 * `GRU(reset_after=True)`, where the reset gate multiplies the recurrent product after its bias:
 *
 *     r = σ(xₜ·W_r + b_r + hₜ₋₁·U_r + bU_r)
 *     z = σ(xₜ·W_z + b_z + hₜ₋₁·U_z + bU_z)
 *     n = tanh(xₜ·W_n + b_n + r ⊙ (hₜ₋₁·U_n + bU_n))
 *     hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁,  h₀ = 0
 *
 * Parameters: `W` [features, 3·units], `U` [units, 3·units], and the biases `b` and `bU`
 * [3·units], each holding the gates r, z, n in blocks of `units` columns (W_r is W's first
 * `units` columns). From PyTorch (gates also r, z, n): `W` is `weight_ih_l0` transposed, `U`
 * is `weight_hh_l0` transposed, `b` is `bias_ih_l0`, `bU` is `bias_hh_l0`. From Keras: `W`
 * is `kernel`, `U` is `recurrent_kernel`, `b` and `bU` are `bias[0]` and `bias[1]` (Keras
 * orders the gates z, r, n: swap the first two blocks). Biases start at 0.
 * With `mask`, see `RecurrentOptions.mask`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.gru(4), [10, 3]), E.right([4]))
 * const net = Net.gru(2, { returnSequences: true })
 * const { params, outShape } = Net.init(net, { key: Rng.key(0), inShape: [10, 3] })
 * assert.deepStrictEqual(outShape, [10, 2])
 * assert.deepStrictEqual(Tree.paths(params), ['U', 'W', 'b', 'bU'])
 * // with zero weights every gate is σ(0) = ½ and n = 0, so hₜ = ½·hₜ₋₁ = 0
 * const zero = Net.gru(1, { init: 'zeros', recurrentInit: 'zeros' })
 * const vz = Net.init(zero, { key: Rng.key(0), inShape: [2, 1] })
 * assert.deepStrictEqual(T.toArray(Net.predict(zero, vz, T.tensor([[[1], [2]]]))), [0])
 * @category layers
 */
export const gru = (units: number, options?: RecurrentOptions): Gru => {
  const opts = layerOptions('gru', options, ['returnSequences', 'init', 'recurrentInit', 'mask'])
  return make(gruKind, { _tag: 'Gru', units, ...recurrentWeights(opts) })
}
