/**
 * Lowering of the activation functions, each to the ONNX operator with the same definition or,
 * for gelu (no operator before opset 20), to the formula puregrad uses: ½x(1 + erf(x/√2)).
 * @internal
 */
import type { Activation, ActivationFn } from '../../Layer.js'
import { attr } from '../graph.js'
import type { Cx, Lowering } from '../lowering.js'
import type { Sym } from '../symbols.js'

/** The nodes of an activation applied to `x`; returns the output's name. */
export const activate = (cx: Cx, fn: ActivationFn, param: number, x: Sym): string => {
  const g = cx.g
  const base = cx.base
  const doc = cx.where
  // softmax runs over puregrad's last axis: the channels, which are axis 1 in NCHW
  const axis = x.layout === 'channelsFirst' ? 1 : -1
  const ops: { readonly [F in ActivationFn]: () => string } = {
    sigmoid: () => g.op(base, 'Sigmoid', [x.name], { doc }),
    tanh: () => g.op(base, 'Tanh', [x.name], { doc }),
    relu: () => g.op(base, 'Relu', [x.name], { doc }),
    // both: x for x ≥ 0 (at 0 both branches give 0), slope·x otherwise
    leakyRelu: () => g.op(base, 'LeakyRelu', [x.name], { attrs: [attr.float('alpha', param)], doc }),
    elu: () => g.op(base, 'Elu', [x.name], { attrs: [attr.float('alpha', param)], doc }),
    softmax: () => g.op(base, 'Softmax', [x.name], { attrs: [attr.int('axis', axis)], doc }),
    logSoftmax: () => g.op(base, 'LogSoftmax', [x.name], { attrs: [attr.int('axis', axis)], doc }),
    softplus: () => g.op(base, 'Softplus', [x.name], { doc }),
    gelu: () => {
      const scaled = g.op(base, 'Mul', [x.name, g.floats(`${base}.rsqrt2`, [], [Math.SQRT1_2])], { doc })
      const cdf = g.op(base, 'Add', [g.op(base, 'Erf', [scaled], { doc }), g.floats(`${base}.one`, [], [1])], { doc })
      return g.op(base, 'Mul', [g.op(base, 'Mul', [x.name, g.floats(`${base}.half`, [], [0.5])], { doc }), cdf], { doc })
    },
  }
  return ops[fn]()
}

/** An activation layer keeps the layout of its input. */
export const lowerActivation: Lowering<Activation> = (l, _, x, cx) => {
  const s = cx.float(x)
  return cx.out(activate(cx, l.fn, l.param, s), s.layout)
}
