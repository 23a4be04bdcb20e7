/**
 * The activation functions, each defined once: how it runs on tensors (for `Net.apply` and
 * under differentiation), how it is written in ONNX, and whether ONNX's RNN operator can run it
 * as its recurrent activation. The activation layer, the simple RNN and their ONNX lowerings
 * all read this table.
 * @internal
 */
import type { AttributeMsg } from '../onnx/schema.js'
import * as T from '../tensor/index.js'
import type { ActivationFn } from './Layer.js'
import { attr } from '../onnx/graph.js'
import type { Cx } from './Kind.js'
import type { Sym } from './onnx/symbols.js'

export interface ActivationDef {
  /** the function on a batch of tensors; `param` is leakyRelu's slope or elu's alpha */
  readonly apply: (x: T.Tensor, param: number) => T.Tensor
  /** the ONNX nodes computing it on `x` (in `x`'s layout), returning the output's name */
  readonly onnx: (cx: Cx, x: Sym, param: number) => string
  /**
   * the attributes of ONNX's RNN operator running it as the recurrent activation (with
   * parameter 0, as the recurrent layers call it), or undefined when a simple RNN with it must
   * be unrolled instead
   */
  readonly rnn: ReadonlyArray<AttributeMsg> | undefined
  /** whether it needs a class axis (it normalises over the last axis) */
  readonly overClasses: boolean
}

/** One ONNX operator of the same name and definition, with optional attributes. */
const node =
  (op: string, attrs: (x: Sym, param: number) => ReadonlyArray<AttributeMsg> = () => []) =>
  (cx: Cx, x: Sym, param: number): string =>
    cx.g.op(cx.base, op, [x.name], { attrs: attrs(x, param), doc: cx.where })

/** softmax runs over puregrad's last axis: the channels, which are axis 1 in NCHW */
const lastAxis = (x: Sym): ReadonlyArray<AttributeMsg> => [attr.int('axis', x.layout === 'channelsFirst' ? 1 : -1)]

export const activations: { readonly [F in ActivationFn]: ActivationDef } = {
  sigmoid: { apply: (x) => T.sigmoid(x), onnx: node('Sigmoid'), rnn: [attr.strings('activations', ['Sigmoid'])], overClasses: false },
  tanh: { apply: (x) => T.tanh(x), onnx: node('Tanh'), rnn: [attr.strings('activations', ['Tanh'])], overClasses: false },
  relu: { apply: (x) => T.relu(x), onnx: node('Relu'), rnn: [attr.strings('activations', ['Relu'])], overClasses: false },
  // both: x for x ≥ 0 (at 0 both branches give 0), slope·x otherwise
  leakyRelu: {
    apply: (x, slope) => T.where(T.greater(x, 0), x, T.mul(x, slope)),
    onnx: node('LeakyRelu', (_, p) => [attr.float('alpha', p)]),
    rnn: [attr.strings('activations', ['LeakyRelu']), attr.floats('activation_alpha', [0])],
    overClasses: false,
  },
  // elu(x) = x for x > 0, α(eˣ − 1) otherwise; the inner where keeps the unused branch finite
  // and, unlike minimum(x, 0) (which splits its tie), gives the derivative α at exactly 0, as PyTorch
  elu: {
    apply: (x, alpha) => {
      const positive = T.greater(x, 0)
      return T.where(positive, x, T.mul(T.expm1(T.where(positive, 0, x)), alpha))
    },
    onnx: node('Elu', (_, p) => [attr.float('alpha', p)]),
    rnn: [attr.strings('activations', ['Elu']), attr.floats('activation_alpha', [0])],
    overClasses: false,
  },
  softmax: { apply: (x) => T.softmax(x, -1), onnx: node('Softmax', lastAxis), rnn: undefined, overClasses: true },
  logSoftmax: { apply: (x) => T.logSoftmax(x, -1), onnx: node('LogSoftmax', lastAxis), rnn: undefined, overClasses: true },
  // onnxruntime's RNN computes softplus as log(1 + eˣ), which overflows to ∞ from x ≈ 89 where
  // puregrad (and ONNX's Softplus operator) give x, so such simple RNNs are unrolled
  softplus: { apply: (x) => T.softplus(x), onnx: node('Softplus'), rnn: undefined, overClasses: false },
  // gelu(x) = x·Φ(x) = ½x(1 + erf(x/√2)); no ONNX operator before opset 20, so the formula
  gelu: {
    apply: (x) => T.mul(T.mul(x, 0.5), T.add(T.erf(T.mul(x, Math.SQRT1_2)), 1)),
    onnx: (cx, x) => {
      const { g, base, where: doc } = cx
      const scaled = g.op(base, 'Mul', [x.name, g.floats(`${base}.rsqrt2`, [], [Math.SQRT1_2])], { doc })
      const cdf = g.op(base, 'Add', [g.op(base, 'Erf', [scaled], { doc }), g.floats(`${base}.one`, [], [1])], { doc })
      return g.op(base, 'Mul', [g.op(base, 'Mul', [x.name, g.floats(`${base}.half`, [], [0.5])], { doc }), cdf], { doc })
    },
    rnn: undefined,
    overClasses: false,
  },
}

/** Applies an activation function to a tensor (used by layers that have one built in). */
export const activate = (fn: ActivationFn, x: T.Tensor, param = 0): T.Tensor => activations[fn].apply(x, param)

/** Refuses values that are not activation names (for decoders). */
export const isActivationFn = (u: unknown): u is ActivationFn => typeof u === 'string' && Object.hasOwn(activations, u)
