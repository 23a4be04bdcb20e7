/**
 * The primitives on WebGPU: `bind` hands every primitive with a device input to `evaluate`,
 * which uploads the host inputs (float32 ones, and int32 conditions and indices), runs the WGSL
 * kernel and returns a device tensor. Every primitive has a kernel; what the device cannot do
 * (a cast to int32 or float64, device-held indices of gather and scatterAdd, which are checked
 * on the host) is refused with the async read that moves the value to the CPU.
 *
 * Device tensors are float32, except the int32 indices of argmax and argmin (and what is made of
 * them): the moves (reshape, transpose, slice, pad, concat, broadcastTo, gather, where) copy
 * their bits, comparisons, maximum and minimum compute on them exactly, cast makes them float32
 * and oneHot turns them into rows; other arithmetic on them is refused (DTYPE_MISMATCH) with that
 * cast to make.
 *
 * Every device input must live on the evaluator's device, still alive (`Backend.check`): a
 * tensor of a lost device is refused (NO_DEVICE), one of another device too (INVALID_ARGUMENT).
 * @internal
 */
import { fail } from '../../core/errors.js'
import { type Shape, broadcastOrThrow, broadcastStrides, sameShape, sizeOf, stridesOf } from '../../core/shape.js'
import { type Tensor, dataOf, deviceOf, fromDevice } from '../../core/Tensor.js'
import type { ConvParams, PrimParams, Prim, Reduction } from '../Prim.js'
import { matmulGeometry, operandBatch } from '../shapes.js'
import { customEval } from './custom.js'
import type { BinaryOp, Conv2dSpec, Pool2dSpec, ReduceOp, UnaryOp } from '../../kernels/Kernels.js'
import { type Backend, GpuStorage } from '../../kernels/webgpu/backend.js'
import type { GpuBuffer } from '../../kernels/webgpu/gpu.js'
import {
  INT_BINARY, SHORT_REDUCTION, TILE, argReduceShader, binaryShader, conv2dBackFilterShader, conv2dBackInputShader, conv2dShader, copyShader,
  fillShader, gatherShader, intBinaryShader, intToFloatShader, matmulShader, oneHotShader, pool2dBackShader, pool2dSelectShader, pool2dShader,
  reduceShader, scatterAddShader, unaryShader, whereShader,
} from '../../kernels/webgpu/wgsl.js'

type Params<P extends Prim> = PrimParams[P]

/** The device storage of an input as it is (float32 or int32): its own, or an upload of a host tensor's values. */
const bitsOf = (g: Backend, op: string, t: Tensor): GpuStorage => {
  const d = deviceOf(t)
  if (d instanceof GpuStorage) return d
  if (d !== undefined) fail('INVALID_ARGUMENT', op, `an input lives on ${d.device}, not on this WebGPU device; read it with await Tensor.toCpu and move it with Tensor.toGpu.`)
  if (t.dtype === 'float64') fail('DTYPE_MISMATCH', op, 'WebGPU computes in float32 only; cast the float64 operand to float32 (Tensor.cast(x, "float32")) or keep the computation on the CPU.')
  return g.upload(dataOf(t, op) as Float32Array | Int32Array, op)
}

/** The float32 device storage of an input: its own, or an upload of a host tensor's values (int32 ones converted). */
export const storageOf = (g: Backend, op: string, t: Tensor): GpuStorage => {
  const d = deviceOf(t)
  if (d === undefined && t.dtype === 'int32') return g.upload(Float32Array.from(dataOf(t, op)), op)
  const s = bitsOf(g, op, t)
  if (s.dtype !== 'float32') {
    fail('DTYPE_MISMATCH', op, `${op} computes on float32 tensors on the GPU, and this input is an int32 device tensor (indices from argmax or argmin); cast it on the GPU first: Tensor.cast(x, 'float32').`)
  }
  return s
}

/** The bits of a value of `dtype` (float32 or int32) as a u32 word, for kernels that write them. */
const bitsOfValue = (value: number, dtype: 'float32' | 'int32'): number =>
  dtype === 'int32' ? new Uint32Array(Int32Array.of(value).buffer)[0]! : new Uint32Array(Float32Array.of(value).buffer)[0]!

/** Strided-read meta: [n, rank, shape…, then per operand: offset, strides…]. */
export const stridedMeta = (shape: Shape, operands: ReadonlyArray<readonly [number, ReadonlyArray<number>]>): number[] => [
  sizeOf(shape),
  shape.length,
  ...shape,
  ...operands.flatMap(([offset, strides]) => [offset, ...strides]),
]

const unary = (op: UnaryOp) => (g: Backend, [x]: ReadonlyArray<Tensor>): Tensor => {
  const out = g.storage(x!.size, op)
  g.dispatch(unaryShader(op), [x!.size], [storageOf(g, op, x!).buffer, out.buffer], g.grid(x!.size))
  return fromDevice(out, x!.shape)
}

const binary = (op: BinaryOp) => (g: Backend, [a, b]: ReadonlyArray<Tensor>): Tensor => {
  const shape = broadcastOrThrow(op, a!.shape, b!.shape)
  const meta = stridedMeta(shape, [[0, broadcastStrides(a!.shape, shape)], [0, broadcastStrides(b!.shape, shape)]])
  // int32 operands (the public op has checked that both have the same dtype): exact ops only
  const ints = a!.dtype === 'int32' && INT_BINARY.has(op)
  const [x, y] = ints ? [bitsOf(g, op, a!), bitsOf(g, op, b!)] : [storageOf(g, op, a!), storageOf(g, op, b!)]
  const out = g.storage(sizeOf(shape), op, ints ? 'int32' : 'float32')
  g.dispatch(ints ? intBinaryShader(op) : binaryShader(op), meta, [x.buffer, y.buffer, out.buffer], g.grid(sizeOf(shape)))
  return fromDevice(out, shape)
}

const where = (g: Backend, [c, a, b]: ReadonlyArray<Tensor>): Tensor => {
  const shape = broadcastOrThrow('where', c!.shape, broadcastOrThrow('where', a!.shape, b!.shape))
  const meta = stridedMeta(shape, [c!, a!, b!].map((t) => [0, broadcastStrides(t.shape, shape)] as const))
  const cs = bitsOf(g, 'where', c!)
  const [as, bs] = [bitsOf(g, 'where', a!), bitsOf(g, 'where', b!)]
  const out = g.storage(sizeOf(shape), 'where', as.dtype)
  g.dispatch(whereShader(cs.dtype === 'int32'), meta, [cs.buffer, as.buffer, bs.buffer, out.buffer], g.grid(sizeOf(shape)))
  return fromDevice(out, shape)
}

/** Copies `src` (read at `srcOffset` through `srcStrides`) into `dst` over `shape`, as bits. */
const copy = (g: Backend, src: GpuBuffer, srcOffset: number, srcStrides: ReadonlyArray<number>, dst: GpuBuffer, dstOffset: number, dstStrides: ReadonlyArray<number>, shape: Shape): void =>
  g.dispatch(copyShader(), stridedMeta(shape, [[srcOffset, srcStrides], [dstOffset, dstStrides]]), [src, dst], g.grid(sizeOf(shape)))

const fill = (g: Backend, dst: GpuStorage, value: number): void =>
  g.dispatch(fillShader(), [dst.size, bitsOfValue(value, dst.dtype)], [dst.buffer], g.grid(dst.size))

/** `x` repeated along its size-1 axes up to `shape`, in a new storage. */
const broadcast = (g: Backend, op: string, x: Tensor, shape: Shape): Tensor => {
  const src = bitsOf(g, op, x)
  const out = g.storage(sizeOf(shape), op, src.dtype)
  copy(g, src.buffer, 0, broadcastStrides(x.shape, shape), out.buffer, 0, stridesOf(shape), shape)
  return fromDevice(out, shape)
}

const reduce = (op: ReduceOp) => (g: Backend, [x]: ReadonlyArray<Tensor>, p: Reduction): Tensor => {
  const st = stridesOf(x!.shape)
  const keptAxes = x!.shape.map((_, i) => i).filter((i) => !p.axes.includes(i))
  const keptShape = keptAxes.map((i) => x!.shape[i]!)
  const cells = sizeOf(keptShape)
  const count = p.axes.reduce((n, a) => n * x!.shape[a]!, 1)
  const out = g.storage(cells, op)
  const meta = [cells, count, keptAxes.length, p.axes.length, ...keptShape, ...keptAxes.map((i) => st[i]!), ...p.axes.map((a) => x!.shape[a]!), ...p.axes.map((a) => st[a]!)]
  const short = count <= SHORT_REDUCTION
  g.dispatch(reduceShader(op, short), meta, [storageOf(g, op, x!).buffer, out.buffer], g.grid(cells, !short))
  return fromDevice(out, p.keepdims ? x!.shape.map((d, i) => (p.axes.includes(i) ? 1 : d)) : keptShape)
}

/** The index of the first maximum (minimum) along one axis, as an int32 device tensor. */
const argReduce = (op: 'argmax' | 'argmin') => (g: Backend, [x]: ReadonlyArray<Tensor>, p: Params<'argmax'>): Tensor => {
  const [outer, n, inner] = around(x!.shape, p.axis)
  const xs = storageOf(g, op, x!)
  const out = g.storage(outer * inner, op, 'int32')
  const short = n <= SHORT_REDUCTION
  g.dispatch(argReduceShader(op, short), [outer * inner, n, inner], [xs.buffer, out.buffer], g.grid(outer * inner, !short))
  return fromDevice(out, p.keepdims ? x!.shape.map((d, i) => (i === p.axis ? 1 : d)) : x!.shape.filter((_, i) => i !== p.axis))
}

const matmul = (g: Backend, [a, b]: ReadonlyArray<Tensor>, { transA, transB }: Params<'matmul'>): Tensor => {
  const { m, n, k, batchShape, batch } = matmulGeometry(a!.shape, b!.shape, transA, transB)
  // a batch that is neither the full batch nor a single matrix is materialised once
  const fit = (t: Tensor): [GpuStorage, number] => {
    const { stride, broadcastTo } = operandBatch(t.shape, batchShape)
    return [storageOf(g, 'matmul', broadcastTo === undefined ? t : broadcast(g, 'matmul', t, broadcastTo)), stride]
  }
  const [aa, aStride] = fit(a!)
  const [bb, bStride] = fit(b!)
  const out = g.storage(batch * m * n, 'matmul')
  if (k === 0) fill(g, out, 0)
  else g.dispatch(matmulShader(), [m, n, k, transA ? 1 : 0, transB ? 1 : 0, aStride, bStride], [aa.buffer, bb.buffer, out.buffer], [Math.ceil(n / TILE), Math.ceil(m / TILE), batch])
  return fromDevice(out, [...batchShape, m, n])
}

/** x viewed as outer × size × inner around `axis`. */
const around = (shape: Shape, axis: number): readonly [number, number, number] => [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))]

/** Indices as non-negative int32 (the public op has checked their range). */
const indices = (op: string, ix: Tensor, n: number): Int32Array => {
  const src = dataOf(ix, op)
  const out = new Int32Array(src.length)
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!
    if (v < -n || v >= n) fail('INDEX_OUT_OF_RANGE', op, `index ${v} (at flat position ${i} of the indices) is out of range for an axis of size ${n}; use indices in [${-n}, ${n - 1}].`)
    out[i] = v < 0 ? v + n : v
  }
  return out
}

const gather = (g: Backend, [x, ix]: ReadonlyArray<Tensor>, p: Params<'gather'>): Tensor => {
  const [outer, n, inner] = around(x!.shape, p.axis)
  const idx = indices('gather', ix!, n)
  const xs = bitsOf(g, 'gather', x!)
  const out = g.storage(outer * idx.length * inner, 'gather', xs.dtype)
  const ib = g.words(idx, 'gather')
  g.dispatch(gatherShader(), [outer, n, inner, idx.length], [xs.buffer, ib, out.buffer], g.grid(out.size))
  g.done(ib)
  return fromDevice(out, [...x!.shape.slice(0, p.axis), ...ix!.shape, ...x!.shape.slice(p.axis + 1)])
}

const scatterAdd = (g: Backend, [u, ix]: ReadonlyArray<Tensor>, p: Params<'scatterAdd'>): Tensor => {
  const [outer, n, inner] = around(p.shape, p.axis)
  const idx = indices('scatterAdd', ix!, n)
  // the positions j of each index value r, in order: list[start[r] .. start[r + 1]]
  const start = new Uint32Array(n + 1)
  for (const r of idx) start[r + 1]!++
  for (let r = 0; r < n; r++) start[r + 1]! += start[r]!
  const next = start.slice(0, n)
  const list = new Uint32Array(idx.length)
  idx.forEach((r, j) => (list[next[r]!++] = j))
  const out = g.storage(outer * n * inner, 'scatterAdd')
  const sb = g.words(start, 'scatterAdd')
  const lb = g.words(list, 'scatterAdd')
  g.dispatch(scatterAddShader(), [outer, n, inner, idx.length], [storageOf(g, 'scatterAdd', u!).buffer, sb, lb, out.buffer], g.grid(out.size))
  g.done(sb)
  g.done(lb)
  return fromDevice(out, p.shape)
}

/** Same elements, another view of them. */
const sameStorage = (g: Backend, op: string, x: Tensor, shape: Shape): Tensor => fromDevice(bitsOf(g, op, x), shape)

const transpose = (g: Backend, [x]: ReadonlyArray<Tensor>, p: Params<'transpose'>): Tensor => {
  const shape = p.perm.map((a) => x!.shape[a]!)
  const st = stridesOf(x!.shape)
  const src = bitsOf(g, 'transpose', x!)
  const out = g.storage(x!.size, 'transpose', src.dtype)
  copy(g, src.buffer, 0, p.perm.map((a) => st[a]!), out.buffer, 0, stridesOf(shape), shape)
  return fromDevice(out, shape)
}

const slice = (g: Backend, [x]: ReadonlyArray<Tensor>, p: Params<'slice'>): Tensor => {
  const st = stridesOf(x!.shape)
  const src = bitsOf(g, 'slice', x!)
  const out = g.storage(sizeOf(p.size), 'slice', src.dtype)
  copy(g, src.buffer, p.begin.reduce((o, s, i) => o + s * st[i]!, 0), st, out.buffer, 0, stridesOf(p.size), p.size)
  return fromDevice(out, p.size)
}

const pad = (g: Backend, [x]: ReadonlyArray<Tensor>, p: Params<'pad'>): Tensor => {
  const shape = x!.shape.map((d, i) => d + p.paddings[i]![0] + p.paddings[i]![1])
  const src = bitsOf(g, 'pad', x!)
  const out = g.storage(sizeOf(shape), 'pad', src.dtype)
  fill(g, out, p.value)
  const st = stridesOf(shape)
  copy(g, src.buffer, 0, stridesOf(x!.shape), out.buffer, p.paddings.reduce((o, [b], i) => o + b * st[i]!, 0), st, x!.shape)
  return fromDevice(out, shape)
}

const concat = (g: Backend, xs: ReadonlyArray<Tensor>, p: Params<'concat'>): Tensor => {
  const first = xs[0]!
  const shape = first.shape.map((d, j) => (j === p.axis ? xs.reduce((s, t) => s + t.shape[p.axis]!, 0) : d))
  const srcs = xs.map((t) => bitsOf(g, 'concat', t))
  const out = g.storage(sizeOf(shape), 'concat', srcs[0]!.dtype)
  const outStrides = stridesOf(shape)
  let offset = 0
  xs.forEach((t, i) => {
    copy(g, srcs[i]!.buffer, 0, stridesOf(t.shape), out.buffer, offset, outStrides, t.shape)
    offset += t.shape[p.axis]! * outStrides[p.axis]!
  })
  return fromDevice(out, shape)
}

/** int32 to float32 on the device; a cast to the same dtype keeps the storage; the rest is refused. */
const cast = (g: Backend, [x]: ReadonlyArray<Tensor>, p: Params<'cast'>): Tensor => {
  const src = bitsOf(g, 'cast', x!)
  if (p.dtype === src.dtype) return fromDevice(src, x!.shape)
  if (p.dtype === 'float32') {
    const out = g.storage(x!.size, 'cast')
    g.dispatch(intToFloatShader(), [x!.size], [src.buffer, out.buffer], g.grid(x!.size))
    return fromDevice(out, x!.shape)
  }
  return fail('DTYPE_MISMATCH', 'cast', `WebGPU tensors are float32 (and int32 indices from argmax), and a cast to ${p.dtype} of a ${src.dtype} tensor cannot run on the device (a cast to int32 must refuse non-finite values, which needs a read); move the tensor to the CPU first (await Tensor.toCpu(x)) and cast it there.`)
}

/**
 * Rows of `on` at each index (an int32 device tensor, e.g. argmax's), `off` elsewhere: float32
 * rows only, since an index outside [0, depth), which the device cannot refuse, gets a row of NaN.
 */
const oneHot = (g: Backend, [ix]: ReadonlyArray<Tensor>, p: Params<'oneHot'>): Tensor => {
  if (p.dtype !== 'float32') {
    return fail('DTYPE_MISMATCH', 'oneHot', `oneHot of indices on the GPU makes float32 rows only (a row of NaN marks an index out of range, which int32 cannot hold); ask for dtype 'float32', or move the indices to the CPU first (await Tensor.toCpu(ix)) for ${p.dtype} rows.`)
  }
  const idx = bitsOf(g, 'oneHot', ix!)
  const out = g.storage(ix!.size * p.depth, 'oneHot')
  const meta = [ix!.size, p.depth, bitsOfValue(p.on, 'float32'), bitsOfValue(p.off, 'float32'), bitsOfValue(Number.NaN, 'float32')]
  g.dispatch(oneHotShader(), meta, [idx.buffer, out.buffer], g.grid(out.size))
  return fromDevice(out, [...ix!.shape, p.depth])
}

const convMeta = (s: Conv2dSpec, groups: number): number[] => [s.batch, s.inH, s.inW, s.inC, s.outH, s.outW, s.outC, s.kH, s.kW, s.strideH, s.strideW, s.dilationH, s.dilationW, s.padTop, s.padLeft, groups]
const poolMeta = (s: Pool2dSpec): number[] => [s.batch, s.inH, s.inW, s.channels, s.outH, s.outW, s.kH, s.kW, s.strideH, s.strideW, s.padTop, s.padLeft]

/** A convolution primitive (grouped or not): `shader` over `inputs`, into a new storage of `shape`. */
const conv =
  <P extends 'conv2d' | 'conv2dGradInput' | 'conv2dGradFilter'>(prim: P, shader: () => string, shape: (s: Conv2dSpec, groups: number) => Shape) =>
  (g: Backend, inputs: ReadonlyArray<Tensor>, { spec, groups }: ConvParams): Tensor => {
    const outShape = shape(spec, groups)
    const ins = inputs.map((t) => storageOf(g, prim, t).buffer)
    const out = g.storage(sizeOf(outShape), prim)
    g.dispatch(shader(), convMeta(spec, groups), [...ins, out.buffer], g.grid(out.size))
    return fromDevice(out, outShape)
  }

/** A pooling primitive: `shader` over `inputs`, into a new storage of `shape`. */
const pool =
  (prim: string, shader: () => string, shape: (s: Pool2dSpec) => Shape) =>
  (g: Backend, inputs: ReadonlyArray<Tensor>, { spec }: { readonly spec: Pool2dSpec }): Tensor => {
    const outShape = shape(spec)
    const out = g.storage(sizeOf(outShape), prim)
    g.dispatch(shader(), poolMeta(spec), [...inputs.map((t) => storageOf(g, prim, t).buffer), out.buffer], g.grid(out.size))
    return fromDevice(out, outShape)
  }

const xShape = (s: Conv2dSpec): Shape => [s.batch, s.inH, s.inW, s.inC]
const wShape = (s: Conv2dSpec, groups: number): Shape => [s.kH, s.kW, s.inC / groups, s.outC]
const yShape = (s: Conv2dSpec): Shape => [s.batch, s.outH, s.outW, s.outC]
const poolIn = (s: Pool2dSpec): Shape => [s.batch, s.inH, s.inW, s.channels]
const poolOut = (s: Pool2dSpec): Shape => [s.batch, s.outH, s.outW, s.channels]

type DeviceTable = { readonly [P in Prim]: (g: Backend, inputs: ReadonlyArray<Tensor>, params: Params<P>) => Tensor }

/** The random primitives run on the CPU only: their inputs (a key's int32 words) must be there. */
const onHost = (name: string) => (): never =>
  fail('TRACED_READ', name, "random draws are made on the CPU, and this key's words are on a GPU; bring them back first: await Tensor.toCpu(words), then Rng.keyFromData.")

const table: DeviceTable = {
  neg: unary('neg'), abs: unary('abs'), sign: unary('sign'), exp: unary('exp'), expm1: unary('expm1'), log: unary('log'),
  log1p: unary('log1p'), sqrt: unary('sqrt'), rsqrt: unary('rsqrt'), square: unary('square'), reciprocal: unary('reciprocal'),
  sin: unary('sin'), cos: unary('cos'), tanh: unary('tanh'), sigmoid: unary('sigmoid'), relu: unary('relu'),
  softplus: unary('softplus'), erf: unary('erf'), floor: unary('floor'), ceil: unary('ceil'), round: unary('round'),
  isFinite: unary('isFinite'), isNaN: unary('isNaN'),
  add: binary('add'), sub: binary('sub'), mul: binary('mul'), div: binary('div'), pow: binary('pow'), maximum: binary('maximum'),
  minimum: binary('minimum'), atan2: binary('atan2'), equal: binary('equal'), notEqual: binary('notEqual'), less: binary('less'),
  lessEqual: binary('lessEqual'), greater: binary('greater'), greaterEqual: binary('greaterEqual'),
  where,
  stopGradient: (_, [x]) => x!,
  matmul,
  sum: reduce('sum'), mean: reduce('mean'), max: reduce('max'), min: reduce('min'),
  argmax: argReduce('argmax'), argmin: argReduce('argmin'),
  reshape: (g, [x], p) => sameStorage(g, 'reshape', x!, p.shape),
  transpose,
  broadcastTo: (g, [x], p) => broadcast(g, 'broadcastTo', x!, p.shape),
  slice, pad, concat, gather, scatterAdd,
  oneHot,
  cast,
  conv2d: conv('conv2d', conv2dShader, yShape),
  conv2dGradInput: conv('conv2dGradInput', conv2dBackInputShader, xShape),
  conv2dGradFilter: conv('conv2dGradFilter', conv2dBackFilterShader, wShape),
  maxPool2d: pool('maxPool2d', () => pool2dShader('max'), poolOut),
  maxPool2dGrad: pool('maxPool2dGrad', () => pool2dBackShader('max'), poolIn),
  maxPool2dSelect: pool('maxPool2dSelect', pool2dSelectShader, poolOut),
  avgPool2d: pool('avgPool2d', () => pool2dShader('avg'), poolOut),
  avgPool2dGrad: pool('avgPool2dGrad', () => pool2dBackShader('avg'), poolIn),
  // the user's function, on whatever its operations support
  custom: (_, xs, p) => customEval.custom(xs, p),
  // keys are drawn from on the CPU: a key's words on a device are refused, naming the move back
  randomBits: onHost('randomBits'), threefry2x32: onHost('threefry2x32'), fromBits: onHost('fromBits'),
}

/** The evaluator `bind` calls for primitives with a device input: each must live on `g`'s device, still alive. */
export const evaluator =
  (g: Backend) =>
  <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]): Tensor => {
    for (let i = 0; i < inputs.length; i++) {
      const d = deviceOf(inputs[i]!)
      if (d instanceof GpuStorage) g.check(d, prim)
    }
    return (table[prim] as (g: Backend, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]) => Tensor)(g, inputs, params)
  }
