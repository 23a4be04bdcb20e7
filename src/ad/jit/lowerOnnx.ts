/**
 * Lowering a staged program to ONNX nodes, one equation at a time. The table below has one
 * rule per primitive (its type makes the compiler demand one for each); a rule gets the ONNX
 * names of the equation's inputs and returns the name of its output.
 *
 * Conventions bridged here: puregrad's comparisons return their input's dtype (1 or 0) where
 * ONNX's return booleans; `where` takes any nonzero condition; argmax returns int32 where ONNX
 * returns int64; images are NHWC in puregrad and NCHW in ONNX's Conv and pooling operators (a
 * Transpose goes around each, and a value is transposed at most once); reductions take their
 * axes as an input or an attribute as the opset asks.
 * @internal
 */
import type { DType } from '../../core/dtype.js'
import { fail } from '../../core/errors.js'
import { dataOf } from '../../core/Tensor.js'
import type { Conv2dSpec, Pool2dSpec } from '../../kernels/Kernels.js'
import { type GraphBuilder, attr } from '../../onnx/graph.js'
import { type AttributeMsg, DataType } from '../../onnx/schema.js'
import type { Prim, PrimParams } from '../../prims/Prim.js'
import type { Aval } from '../../prims/shapes.js'
import { type Eqn, type Program, varName } from './Program.js'
import { trace } from './trace.js'

/** What the whole export shares. */
export interface Session {
  readonly g: GraphBuilder
  readonly opset: number
  /** the ONNX element type of each dtype (float64 may be written as FLOAT) */
  readonly elem: (d: DType) => number
  /** initialisers already made, by content, so a constant is written once */
  readonly known: Map<string, string>
  /** `name>perm` → the transposed value */
  readonly transposed: Map<string, string>
}

const OP = 'toOnnx'

/** What a rule sees of one equation. */
interface Cx<P extends Prim> {
  readonly s: Session
  readonly e: Eqn<P>
  readonly params: PrimParams[P]
  readonly ins: ReadonlyArray<string>
  readonly inAvals: ReadonlyArray<Aval>
  readonly out: Aval
  /** adds a node with one output, named after the equation's variable */
  readonly op: (type: string, inputs: ReadonlyArray<string>, attrs?: ReadonlyArray<AttributeMsg>) => string
}

type Rule<P extends Prim> = (cx: Cx<P>) => string

/** An int64 initialiser (a shape, axes, pads), written once per content. */
const int64s = (s: Session, values: ReadonlyArray<number>): string => {
  const key = `i64[${values.join(',')}]`
  let name = s.known.get(key)
  if (name === undefined) s.known.set(key, (name = s.g.int64s('ints', values)))
  return name
}

/** An initialiser of a dtype and shape, written once per content. */
const constant = (s: Session, dtype: DType, dims: ReadonlyArray<number>, values: ArrayLike<number>, base = 'const'): string => {
  const key = values.length <= 16 ? `${dtype}[${dims.join(',')}]${Array.from(values).join(',')}` : undefined
  const had = key === undefined ? undefined : s.known.get(key)
  if (had !== undefined) return had
  const name = s.g.tensor(base, s.elem(dtype), dims, values)
  if (key !== undefined) s.known.set(key, name)
  return name
}

const scalar = (s: Session, dtype: DType, v: number): string => constant(s, dtype, [], [v])

/** The value transposed by `perm`, made once. */
const transposed = (s: Session, x: string, perm: ReadonlyArray<number>): string => {
  const key = `${x}>${perm.join(',')}`
  let name = s.transposed.get(key)
  if (name === undefined) s.transposed.set(key, (name = s.g.op(x.replace(/\/.*$/, ''), 'Transpose', [x], { attrs: [attr.ints('perm', perm)] })))
  return name
}

const NCHW = [0, 3, 1, 2] as const
const NHWC = [0, 2, 3, 1] as const
/** HWIO filters to ONNX's [out, in, kH, kW]. */
const OIHW = [3, 2, 0, 1] as const

const unaryOps = {
  neg: 'Neg', abs: 'Abs', sign: 'Sign', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', reciprocal: 'Reciprocal', sin: 'Sin', cos: 'Cos',
  tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu', softplus: 'Softplus', erf: 'Erf', floor: 'Floor', ceil: 'Ceil',
} as const

const binaryOps = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow', maximum: 'Max', minimum: 'Min' } as const

const comparisons = { equal: 'Equal', less: 'Less', lessEqual: 'LessOrEqual', greater: 'Greater', greaterEqual: 'GreaterOrEqual' } as const

const direct =
  (type: string): Rule<Prim> =>
  (cx) =>
    cx.op(type, cx.ins)

/** A boolean result as 1 or 0 in the dtype of the equation's output. */
const fromBool = <P extends Prim>(cx: Cx<P>, b: string): string => cx.op('Cast', [b], [attr.int('to', cx.s.elem(cx.out.dtype))])

/** The padding after the input (bottom or right) that makes a window of `extent` rows fit `outSize` windows; never negative. */
const after = (outSize: number, stride: number, extent: number, inSize: number, before: number): number => Math.max(0, (outSize - 1) * stride + extent - inSize - before)

const convPads = (sp: Conv2dSpec): number[] => {
  const eH = (sp.kH - 1) * sp.dilationH + 1
  const eW = (sp.kW - 1) * sp.dilationW + 1
  return [sp.padTop, sp.padLeft, after(sp.outH, sp.strideH, eH, sp.inH, sp.padTop), after(sp.outW, sp.strideW, eW, sp.inW, sp.padLeft)]
}

const poolPads = (sp: Pool2dSpec): number[] => [sp.padTop, sp.padLeft, after(sp.outH, sp.strideH, sp.kH, sp.inH, sp.padTop), after(sp.outW, sp.strideW, sp.kW, sp.inW, sp.padLeft)]

const poolAttrs = (sp: Pool2dSpec) => [attr.ints('kernel_shape', [sp.kH, sp.kW]), attr.ints('strides', [sp.strideH, sp.strideW]), attr.ints('pads', poolPads(sp))]

/**
 * ConvTranspose attributes giving back an input of `inH × inW` from `outH × outW`: the pads of the
 * forward window, and an output padding for the rows and columns it never reached.
 */
const transposeAttrs = (outH: number, outW: number, inH: number, inW: number, k: readonly [number, number], stride: readonly [number, number], dil: readonly [number, number], top: number, left: number) => {
  const eH = (k[0] - 1) * dil[0] + 1
  const eW = (k[1] - 1) * dil[1] + 1
  const pb = after(outH, stride[0], eH, inH, top)
  const pr = after(outW, stride[1], eW, inW, left)
  const opH = inH - ((outH - 1) * stride[0] + eH - top - pb)
  const opW = inW - ((outW - 1) * stride[1] + eW - left - pr)
  return [
    attr.ints('kernel_shape', [...k]),
    attr.ints('strides', [...stride]),
    attr.ints('dilations', [...dil]),
    attr.ints('pads', [top, left, pb, pr]),
    attr.ints('output_padding', [opH, opW]),
  ]
}

/** A reduction over sorted axes: no axes is the identity (ONNX would reduce them all). */
const reduction =
  (type: string): Rule<'sum' | 'mean' | 'max' | 'min'> =>
  (cx) => {
    const { axes, keepdims } = cx.params
    if (axes.length === 0) return cx.op('Identity', cx.ins)
    const k = attr.int('keepdims', keepdims ? 1 : 0)
    // ReduceSum takes its axes as an input from opset 13, the others from opset 18
    return type === 'ReduceSum' || cx.s.opset >= 18 ? cx.op(type, [cx.ins[0]!, int64s(cx.s, axes)], [k]) : cx.op(type, cx.ins, [attr.ints('axes', axes), k])
  }

const argReduction =
  (type: string): Rule<'argmax' | 'argmin'> =>
  (cx) => {
    const i64 = cx.op(type, cx.ins, [attr.int('axis', cx.params.axis), attr.int('keepdims', cx.params.keepdims ? 1 : 0)])
    return cx.op('Cast', [i64], [attr.int('to', DataType.INT32)])
  }

/** The last two axes swapped. */
const swapLast = (rank: number): number[] => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2]

const sizeOf = (shape: ReadonlyArray<number>): number => shape.reduce((p, d) => p * d, 1)

/** The MaxPool of an NHWC image, with the flat NCHW index of each window's first maximum (int64). */
const maxIndices = (cx: Cx<'maxPool2dSelect' | 'maxPool2dGrad'>): string => {
  const [, indices] = cx.s.g.node(varName(cx.e.out), 'MaxPool', [transposed(cx.s, cx.ins[0]!, NCHW)], { outputs: 2, attrs: poolAttrs(cx.params.spec) })
  return indices!
}

/** A random draw from a key known only when the model runs: refused (keys given to toOnnx are built in). */
const randomRefused = (cx: Cx<Prim>): never =>
  fail(
    'INVALID_ARGUMENT',
    OP,
    `${cx.e.prim} (at ${varName(cx.e.out)}) draws random values from a key that is not known at export, which an ONNX model cannot do; ` +
      'pass the key itself to Ad.toOnnx (its draws are then built into the model as constants), not a key made from traced data.',
  )

const rules: { readonly [P in Prim]: Rule<P> } = {
  ...(Object.fromEntries(Object.entries(unaryOps).map(([p, t]) => [p, direct(t)])) as { readonly [P in keyof typeof unaryOps]: Rule<P> }),
  ...(Object.fromEntries(Object.entries(binaryOps).map(([p, t]) => [p, direct(t)])) as { readonly [P in keyof typeof binaryOps]: Rule<P> }),
  ...(Object.fromEntries(Object.entries(comparisons).map(([p, t]) => [p, (cx: Cx<Prim>) => fromBool(cx, cx.op(t, cx.ins))])) as { readonly [P in keyof typeof comparisons]: Rule<P> }),
  notEqual: (cx) => fromBool(cx, cx.op('Not', [cx.op('Equal', cx.ins)])),
  expm1: (cx) => cx.op('Sub', [cx.op('Exp', cx.ins), scalar(cx.s, cx.out.dtype, 1)]),
  log1p: (cx) => cx.op('Log', [cx.op('Add', [cx.ins[0]!, scalar(cx.s, cx.out.dtype, 1)])]),
  rsqrt: (cx) => cx.op('Reciprocal', [cx.op('Sqrt', cx.ins)]),
  square: (cx) => cx.op('Mul', [cx.ins[0]!, cx.ins[0]!]),
  // half away from zero: sign(x) · floor(|x| + ½)
  round: (cx) => cx.op('Mul', [cx.op('Sign', cx.ins), cx.op('Floor', [cx.op('Add', [cx.op('Abs', cx.ins), scalar(cx.s, cx.out.dtype, 0.5)])])]),
  isNaN: (cx) => fromBool(cx, cx.op('IsNaN', cx.ins)),
  isFinite: (cx) => fromBool(cx, cx.op('Not', [cx.op('Or', [cx.op('IsNaN', cx.ins), cx.op('IsInf', cx.ins)])])),
  // atan(y/x), moved by ±π when x < 0; 0 at the origin
  atan2: (cx) => {
    const [y, x] = cx.ins as [string, string]
    const d = cx.out.dtype
    const zero = scalar(cx.s, d, 0)
    const base = cx.op('Atan', [cx.op('Div', [y, x])])
    const turn = cx.op('Where', [cx.op('Less', [y, zero]), scalar(cx.s, d, -Math.PI), scalar(cx.s, d, Math.PI)])
    const moved = cx.op('Where', [cx.op('Less', [x, zero]), cx.op('Add', [base, turn]), base])
    const origin = cx.op('And', [cx.op('Equal', [x, zero]), cx.op('Equal', [y, zero])])
    return cx.op('Where', [origin, zero, moved])
  },
  where: (cx) => cx.op('Where', [cx.op('Cast', [cx.ins[0]!], [attr.int('to', DataType.BOOL)]), cx.ins[1]!, cx.ins[2]!]),
  stopGradient: (cx) => cx.op('Identity', cx.ins),
  matmul: (cx) => {
    const [a, b] = cx.ins as [string, string]
    const [ra, rb] = [cx.inAvals[0]!.shape.length, cx.inAvals[1]!.shape.length]
    return cx.op('MatMul', [cx.params.transA ? transposed(cx.s, a, swapLast(ra)) : a, cx.params.transB ? transposed(cx.s, b, swapLast(rb)) : b])
  },
  sum: reduction('ReduceSum'),
  mean: reduction('ReduceMean'),
  max: reduction('ReduceMax'),
  min: reduction('ReduceMin'),
  argmax: argReduction('ArgMax'),
  argmin: argReduction('ArgMin'),
  reshape: (cx) => cx.op('Reshape', [cx.ins[0]!, int64s(cx.s, cx.params.shape)]),
  transpose: (cx) => cx.op('Transpose', cx.ins, [attr.ints('perm', cx.params.perm)]),
  broadcastTo: (cx) => cx.op('Expand', [cx.ins[0]!, int64s(cx.s, cx.params.shape)]),
  slice: (cx) => {
    const { begin, size } = cx.params
    return cx.op('Slice', [cx.ins[0]!, int64s(cx.s, begin), int64s(cx.s, begin.map((b, i) => b + size[i]!)), int64s(cx.s, begin.map((_, i) => i))])
  },
  pad: (cx) => {
    const { paddings, value } = cx.params
    return cx.op('Pad', [cx.ins[0]!, int64s(cx.s, [...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])]), scalar(cx.s, cx.out.dtype, value)])
  },
  concat: (cx) => cx.op('Concat', cx.ins, [attr.int('axis', cx.params.axis)]),
  gather: (cx) => cx.op('Gather', cx.ins, [attr.int('axis', cx.params.axis)]),
  scatterAdd: (cx) => {
    const { axis, shape } = cx.params
    const [u, ix] = cx.ins as [string, string]
    const outer = sizeOf(shape.slice(0, axis))
    const n = shape[axis]!
    const inner = sizeOf(shape.slice(axis + 1))
    const count = sizeOf(cx.inAvals[1]!.shape)
    const flat = cx.op('Reshape', [ix, int64s(cx.s, [1, count, 1])])
    // negative indices count from the end, as in gather
    const index = cx.op('Where', [cx.op('Less', [flat, scalar(cx.s, 'int32', 0)]), cx.op('Add', [flat, scalar(cx.s, 'int32', n)]), flat])
    const u3 = cx.op('Reshape', [u, int64s(cx.s, [outer, count, inner])])
    let summed: string
    if (cx.s.opset >= 16) {
      const zeros = cx.op('Expand', [scalar(cx.s, cx.out.dtype, 0), int64s(cx.s, [outer, n, inner])])
      const where = cx.op('Expand', [index, int64s(cx.s, [outer, count, inner])])
      summed = cx.op('ScatterElements', [zeros, where, u3], [attr.int('axis', 1), attr.string('reduction', 'add')])
    } else {
      // before opset 16 ScatterElements cannot add: a one-hot matrix [n, count] times u
      const slots = constant(cx.s, 'int32', [n, 1], Array.from({ length: n }, (_, i) => i), 'slots')
      const onehot = cx.op('Cast', [cx.op('Equal', [cx.op('Reshape', [index, int64s(cx.s, [1, count])]), slots])], [attr.int('to', cx.s.elem(cx.out.dtype))])
      summed = cx.op('MatMul', [onehot, u3])
    }
    return cx.op('Reshape', [summed, int64s(cx.s, shape)])
  },
  oneHot: (cx) => {
    const { depth, dtype, on, off } = cx.params
    const slots = constant(cx.s, 'int32', [depth], Array.from({ length: depth }, (_, i) => i), 'slots')
    const hit = cx.op('Equal', [cx.op('Reshape', [cx.ins[0]!, int64s(cx.s, [...cx.inAvals[0]!.shape, 1])]), slots])
    return cx.op('Where', [hit, scalar(cx.s, dtype, on), scalar(cx.s, dtype, off)])
  },
  cast: (cx) => cx.op('Cast', cx.ins, [attr.int('to', cx.s.elem(cx.params.dtype))]),
  conv2d: (cx) => {
    const sp = cx.params.spec
    const y = cx.op('Conv', [transposed(cx.s, cx.ins[0]!, NCHW), transposed(cx.s, cx.ins[1]!, OIHW)], [
      attr.ints('kernel_shape', [sp.kH, sp.kW]),
      attr.ints('strides', [sp.strideH, sp.strideW]),
      attr.ints('dilations', [sp.dilationH, sp.dilationW]),
      attr.ints('pads', convPads(sp)),
      attr.int('group', cx.params.groups),
    ])
    return cx.op('Transpose', [y], [attr.ints('perm', NHWC)])
  },
  conv2dGradInput: (cx) => {
    const sp = cx.params.spec
    const attrs = transposeAttrs(sp.outH, sp.outW, sp.inH, sp.inW, [sp.kH, sp.kW], [sp.strideH, sp.strideW], [sp.dilationH, sp.dilationW], sp.padTop, sp.padLeft)
    // the filter read as OIHW is ConvTranspose's [C_in, C_out / group, kH, kW]
    const dx = cx.op('ConvTranspose', [transposed(cx.s, cx.ins[0]!, NCHW), transposed(cx.s, cx.ins[1]!, OIHW)], [...attrs, attr.int('group', cx.params.groups)])
    return cx.op('Transpose', [dx], [attr.ints('perm', NHWC)])
  },
  // dw[kh, kw, ci, co] = Σ x[n, oh·s + kh·d − pad, …, ci] · dy[n, oh, ow, co]: a convolution of x
  // (channels as the batch) by dy (examples as the channels), strides and dilations swapped
  conv2dGradFilter: (cx) => {
    const sp = cx.params.spec
    const g = cx.params.groups
    if (g === 1) return filterGradient(cx, cx.ins[0]!, cx.ins[1]!, sp)
    // feature groups: each group's filter gradient from its own channels, side by side along the output channels
    const [ci, co] = [sp.inC / g, sp.outC / g]
    const part = (name: string, i: number, size: number): string => cx.op('Slice', [name, int64s(cx.s, [i * size]), int64s(cx.s, [(i + 1) * size]), int64s(cx.s, [3])])
    const parts = Array.from({ length: g }, (_, i) => filterGradient(cx, part(cx.ins[0]!, i, ci), part(cx.ins[1]!, i, co), { ...sp, inC: ci, outC: co }))
    return cx.op('Concat', parts, [attr.int('axis', 3)])
  },
  maxPool2d: (cx) => cx.op('Transpose', [cx.op('MaxPool', [transposed(cx.s, cx.ins[0]!, NCHW)], poolAttrs(cx.params.spec))], [attr.ints('perm', NHWC)]),
  avgPool2d: (cx) => cx.op('Transpose', [cx.op('AveragePool', [transposed(cx.s, cx.ins[0]!, NCHW)], [...poolAttrs(cx.params.spec), attr.int('count_include_pad', 0)])], [attr.ints('perm', NHWC)]),
  // t at the first maximum of each window of x: MaxPool's indices into t
  maxPool2dSelect: (cx) => {
    const sp = cx.params.spec
    const indices = maxIndices(cx)
    const t = cx.op('Reshape', [transposed(cx.s, cx.ins[1]!, NCHW), int64s(cx.s, [-1])])
    const picked = cx.op('GatherElements', [t, cx.op('Reshape', [indices, int64s(cx.s, [-1])])], [attr.int('axis', 0)])
    return cx.op('Transpose', [cx.op('Reshape', [picked, int64s(cx.s, [sp.batch, sp.channels, sp.outH, sp.outW])])], [attr.ints('perm', NHWC)])
  },
  // dy added at the first maximum of each window of x
  maxPool2dGrad: (cx) => {
    const sp = cx.params.spec
    if (cx.s.opset < 16) {
      fail('INVALID_ARGUMENT', OP, `maxPool2dGrad (the gradient of maxPool2d, at ${varName(cx.e.out)}) adds into the positions of the maxima with ScatterElements' reduction 'add', which ONNX has from opset 16; pass { opset: 16 } or newer.`)
    }
    const indices = cx.op('Reshape', [maxIndices(cx), int64s(cx.s, [-1])])
    const dy = cx.op('Reshape', [transposed(cx.s, cx.ins[1]!, NCHW), int64s(cx.s, [-1])])
    const zeros = cx.op('Expand', [scalar(cx.s, cx.out.dtype, 0), int64s(cx.s, [sp.batch * sp.channels * sp.inH * sp.inW])])
    const dx = cx.op('ScatterElements', [zeros, indices, dy], [attr.int('axis', 0), attr.string('reduction', 'add')])
    return cx.op('Transpose', [cx.op('Reshape', [dx, int64s(cx.s, [sp.batch, sp.channels, sp.inH, sp.inW])])], [attr.ints('perm', NHWC)])
  },
  // dy divided by each window's count of real cells, spread over the window (a ConvTranspose by ones, per channel)
  avgPool2dGrad: (cx) => {
    const sp = cx.params.spec
    const d = cx.out.dtype
    const span = (o: number, stride: number, k: number, pad: number, size: number): number => Math.min(o * stride - pad + k, size) - Math.max(o * stride - pad, 0)
    const counts = Array.from({ length: sp.outH * sp.outW }, (_, i) => span(Math.floor(i / sp.outW), sp.strideH, sp.kH, sp.padTop, sp.inH) * span(i % sp.outW, sp.strideW, sp.kW, sp.padLeft, sp.inW))
    const scaled = cx.op('Div', [transposed(cx.s, cx.ins[0]!, NCHW), constant(cx.s, d, [sp.outH, sp.outW], counts, 'counts')])
    const ones = constant(cx.s, d, [sp.channels, 1, sp.kH, sp.kW], new Array<number>(sp.channels * sp.kH * sp.kW).fill(1), 'ones')
    const attrs = transposeAttrs(sp.outH, sp.outW, sp.inH, sp.inW, [sp.kH, sp.kW], [sp.strideH, sp.strideW], [1, 1], sp.padTop, sp.padLeft)
    const dx = cx.op('ConvTranspose', [scaled, ones], [...attrs, attr.int('group', sp.channels)])
    return cx.op('Transpose', [dx], [attr.ints('perm', NHWC)])
  },
  // a custom primitive is exported as what its function computes (its derivative rules are not needed)
  custom: (cx) => {
    const [inner] = trace(cx.params.rule.name, cx.inAvals, (xs) => [[cx.params.rule.f(...xs)], undefined])
    return lowerProgram(cx.s, inner, cx.ins)[0]!
  },
  randomBits: (cx) => randomRefused(cx),
  threefry2x32: (cx) => randomRefused(cx),
  fromBits: (cx) => randomRefused(cx),
}

/**
 * Adds the nodes computing a program from the ONNX values of its inputs; its constants become
 * initialisers. Returns the names of its outputs.
 */
export const lowerProgram = (s: Session, p: Program, inputs: ReadonlyArray<string>): ReadonlyArray<string> => {
  const env: string[] = new Array(p.avals.length)
  p.inputs.forEach((v, i) => (env[v] = inputs[i]!))
  p.consts.forEach((v, i) => {
    const t = p.constValues[i]!
    env[v] = constant(s, t.dtype, t.shape, dataOf(t))
  })
  for (const e of p.eqns) {
    const base = varName(e.out)
    const doc = e.layer === undefined ? e.prim : `${e.prim} in ${e.layer}`
    const cx: Cx<Prim> = {
      s,
      e,
      params: e.params,
      ins: e.inputs.map((v) => env[v]!),
      inAvals: e.inputs.map((v) => p.avals[v]!),
      out: p.avals[e.out]!,
      op: (type, ins, attrs = []) => s.g.op(base, type, ins, { attrs, doc }),
    }
    env[e.out] = (rules[e.prim] as Rule<Prim>)(cx)
  }
  return p.outputs.map((v) => env[v]!)
}

/**
 * dw[kh, kw, ci, co] = Σ x[n, oh·s + kh·d − pad, …, ci] · dy[n, oh, ow, co] for NHWC x and dy: a
 * convolution of x (channels as the batch) by dy (examples as the channels), strides and
 * dilations swapped, then cropped to the kernel.
 */
const filterGradient = (cx: { readonly s: Session; readonly op: (type: string, ins: ReadonlyArray<string>, attrs?: ReadonlyArray<AttributeMsg>) => string }, xName: string, dyName: string, sp: Conv2dSpec): string => {
  const x = cx.op('Transpose', [xName], [attr.ints('perm', [3, 0, 1, 2])])
  const dy = cx.op('Transpose', [dyName], [attr.ints('perm', [3, 0, 1, 2])])
  const eH = (sp.outH - 1) * sp.strideH + 1
  const eW = (sp.outW - 1) * sp.strideW + 1
  const pads = [sp.padTop, sp.padLeft, after(sp.kH, sp.dilationH, eH, sp.inH, sp.padTop), after(sp.kW, sp.dilationW, eW, sp.inW, sp.padLeft)]
  const full = cx.op('Conv', [x, dy], [attr.ints('kernel_shape', [sp.outH, sp.outW]), attr.ints('strides', [sp.dilationH, sp.dilationW]), attr.ints('dilations', [sp.strideH, sp.strideW]), attr.ints('pads', pads)])
  const dw = cx.op('Slice', [full, int64s(cx.s, [0, 0]), int64s(cx.s, [sp.kH, sp.kW]), int64s(cx.s, [2, 3])])
  return cx.op('Transpose', [dw], [attr.ints('perm', [2, 3, 0, 1])])
}
