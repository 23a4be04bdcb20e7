/** Convolution and pooling primitives, each with its adjoint. @internal */
import { alloc } from '../../core/dtype.js'
import { type Shape, sizeOf } from '../../core/shape.js'
import { dataOf, fromBuffer } from '../../core/Tensor.js'
import type { Conv2dSpec, Pool2dSpec } from '../../kernels/Kernels.js'
import { groupedConv2d, groupedConv2dBackFilter, groupedConv2dBackInput } from '../../kernels/js/grouped.js'
import { kernels } from '../../kernels/registry.js'
import type { ConvPrim, Evaluation } from '../Prim.js'

const xShape = (s: Conv2dSpec): Shape => [s.batch, s.inH, s.inW, s.inC]
const wShape = (s: Conv2dSpec, groups: number): Shape => [s.kH, s.kW, s.inC / groups, s.outC]
const yShape = (s: Conv2dSpec): Shape => [s.batch, s.outH, s.outW, s.outC]
const poolIn = (s: Pool2dSpec): Shape => [s.batch, s.inH, s.inW, s.channels]
const poolOut = (s: Pool2dSpec): Shape => [s.batch, s.outH, s.outW, s.channels]

export const convEval: { readonly [P in ConvPrim]: Evaluation<P> } = {
  // grouped convolutions run in the TypeScript kernels of `grouped.ts`; the others in the kernels installed
  conv2d: ([x, w], { spec, groups }) => {
    const out = alloc(x!.dtype, sizeOf(yShape(spec)))
    if (groups === 1) kernels().conv2d(dataOf(x!), dataOf(w!), out, spec)
    else groupedConv2d(dataOf(x!), dataOf(w!), out, spec, groups)
    return fromBuffer(out, yShape(spec))
  },
  conv2dGradInput: ([dy, w], { spec, groups }) => {
    const dx = alloc(dy!.dtype, sizeOf(xShape(spec)))
    if (groups === 1) kernels().conv2dBackInput(dataOf(dy!), dataOf(w!), dx, spec)
    else groupedConv2dBackInput(dataOf(dy!), dataOf(w!), dx, spec, groups)
    return fromBuffer(dx, xShape(spec))
  },
  conv2dGradFilter: ([x, dy], { spec, groups }) => {
    const dw = alloc(x!.dtype, sizeOf(wShape(spec, groups)))
    if (groups === 1) kernels().conv2dBackFilter(dataOf(x!), dataOf(dy!), dw, spec)
    else groupedConv2dBackFilter(dataOf(x!), dataOf(dy!), dw, spec, groups)
    return fromBuffer(dw, wShape(spec, groups))
  },
  maxPool2d: ([x], { spec }) => {
    const out = alloc(x!.dtype, sizeOf(poolOut(spec)))
    kernels().pool2d('max', dataOf(x!), out, spec)
    return fromBuffer(out, poolOut(spec))
  },
  maxPool2dGrad: ([x, dy], { spec }) => {
    const dx = alloc(dy!.dtype, sizeOf(poolIn(spec)))
    kernels().pool2dBack('max', dataOf(x!), dataOf(dy!), dx, spec)
    return fromBuffer(dx, poolIn(spec))
  },
  maxPool2dSelect: ([x, t], { spec }) => {
    const out = alloc(t!.dtype, sizeOf(poolOut(spec)))
    kernels().pool2dSelect(dataOf(x!), dataOf(t!), out, spec)
    return fromBuffer(out, poolOut(spec))
  },
  avgPool2d: ([x], { spec }) => {
    const out = alloc(x!.dtype, sizeOf(poolOut(spec)))
    kernels().pool2d('avg', dataOf(x!), out, spec)
    return fromBuffer(out, poolOut(spec))
  },
  avgPool2dGrad: ([dy], { spec }) => {
    const dx = alloc(dy!.dtype, sizeOf(poolIn(spec)))
    kernels().pool2dBack('avg', new Float64Array(0), dataOf(dy!), dx, spec)
    return fromBuffer(dx, poolIn(spec))
  },
}
