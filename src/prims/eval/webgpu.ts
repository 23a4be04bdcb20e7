/**
 * The primitives on WebGPU: `bind` hands every primitive with a device input to `evaluate`,
 * which uploads the host inputs (float32 ones, and int32 conditions and indices), runs the WGSL
 * kernel and returns a device tensor. A primitive without a kernel yet is refused (TRACED_READ:
 * running it on the CPU would need a synchronous read) with the async read that moves the value
 * to the CPU.
 * @internal
 */
import { fail } from '../../core/errors.js'
import { type Shape, broadcastOrThrow, broadcastStrides, sameShape, sizeOf, stridesOf } from '../../core/shape.js'
import { type Tensor, dataOf, deviceOf, fromDevice } from '../../core/Tensor.js'
import type { ConvParams, PrimParams, Prim, Reduction } from '../Prim.js'
import { customEval } from './custom.js'
import type { BinaryOp, Conv2dSpec, Pool2dSpec, ReduceOp, UnaryOp } from '../../kernels/Kernels.js'
import { type Backend, GpuStorage } from '../../kernels/webgpu/backend.js'
import type { GpuBuffer } from '../../kernels/webgpu/gpu.js'
import {
  SHORT_REDUCTION, TILE, binaryShader, conv2dBackFilterShader, conv2dBackInputShader, conv2dShader, copyShader,
  pool2dBackShader, pool2dSelectShader, pool2dShader, fillShader, gatherShader, matmulShader, reduceShader, scatterAddShader, unaryShader, whereShader,
} from '../../kernels/webgpu/wgsl.js'

type Params<P extends Prim> = PrimParams[P]

/** The device storage of an input: its own, or an upload of a host tensor's values. */
const storageOf = (g: Backend, op: string, t: Tensor): GpuStorage => {
  const d = deviceOf(t)
  if (d instanceof GpuStorage) return d
  if (d !== undefined) fail('INVALID_ARGUMENT', op, `an input lives on ${d.device}, not on this WebGPU device; read it with await Tensor.toCpu and move it with Tensor.toGpu.`)
  if (t.dtype === 'float64') fail('DTYPE_MISMATCH', op, 'WebGPU computes in float32 only; cast the float64 operand to float32 (Tensor.cast(x, "float32")) or keep the computation on the CPU.')
  const data = dataOf(t, op)
  return g.upload(data instanceof Float32Array ? data : Float32Array.from(data), op)
}

/** Strided-read meta: [n, rank, shape…, then per operand: offset, strides…]. */
const stridedMeta = (shape: Shape, operands: ReadonlyArray<readonly [number, ReadonlyArray<number>]>): number[] => [
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
  const out = g.storage(sizeOf(shape), op)
  const meta = stridedMeta(shape, [[0, broadcastStrides(a!.shape, shape)], [0, broadcastStrides(b!.shape, shape)]])
  g.dispatch(binaryShader(op), meta, [storageOf(g, op, a!).buffer, storageOf(g, op, b!).buffer, out.buffer], g.grid(sizeOf(shape)))
  return fromDevice(out, shape)
}

const where = (g: Backend, [c, a, b]: ReadonlyArray<Tensor>): Tensor => {
  const shape = broadcastOrThrow('where', c!.shape, broadcastOrThrow('where', a!.shape, b!.shape))
  const out = g.storage(sizeOf(shape), 'where')
  const meta = stridedMeta(shape, [c!, a!, b!].map((t) => [0, broadcastStrides(t.shape, shape)] as const))
  g.dispatch(whereShader(), meta, [c!, a!, b!].map((t) => storageOf(g, 'where', t).buffer).concat(out.buffer), g.grid(sizeOf(shape)))
  return fromDevice(out, shape)
}

/** Copies `src` (read at `srcOffset` through `srcStrides`) into `dst` over `shape`. */
const copy = (g: Backend, src: GpuBuffer, srcOffset: number, srcStrides: ReadonlyArray<number>, dst: GpuBuffer, dstOffset: number, dstStrides: ReadonlyArray<number>, shape: Shape): void =>
  g.dispatch(copyShader(), stridedMeta(shape, [[srcOffset, srcStrides], [dstOffset, dstStrides]]), [src, dst], g.grid(sizeOf(shape)))

const fill = (g: Backend, dst: GpuStorage, value: number): void =>
  g.dispatch(fillShader(), [dst.size, new Uint32Array(Float32Array.of(value).buffer)[0]!], [dst.buffer], g.grid(dst.size))

/** `x` repeated along its size-1 axes up to `shape`, in a new storage. */
const broadcast = (g: Backend, op: string, x: Tensor, shape: Shape): Tensor => {
  const out = g.storage(sizeOf(shape), op)
  copy(g, storageOf(g, op, x).buffer, 0, broadcastStrides(x.shape, shape), out.buffer, 0, stridesOf(shape), shape)
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

const matmul = (g: Backend, [a, b]: ReadonlyArray<Tensor>, { transA, transB }: Params<'matmul'>): Tensor => {
  const [ar, ac] = a!.shape.slice(-2) as [number, number]
  const [br, bc] = b!.shape.slice(-2) as [number, number]
  const [m, k] = transA ? [ac, ar] : [ar, ac]
  const n = transB ? br : bc
  const batchShape = broadcastOrThrow('matmul', a!.shape.slice(0, -2), b!.shape.slice(0, -2))
  const batch = sizeOf(batchShape)
  // a batch that is neither the full batch nor a single matrix is materialised once
  const fit = (t: Tensor): [GpuStorage, number] => {
    const tb = t.shape.slice(0, -2)
    if (sizeOf(tb) === 1) return [storageOf(g, 'matmul', t), 0]
    const full = sameShape(tb, batchShape) ? t : broadcast(g, 'matmul', t, [...batchShape, ...t.shape.slice(-2)])
    return [storageOf(g, 'matmul', full), sizeOf(t.shape.slice(-2))]
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
  const out = g.storage(outer * idx.length * inner, 'gather')
  const ib = g.words(idx)
  g.dispatch(gatherShader(), [outer, n, inner, idx.length], [storageOf(g, 'gather', x!).buffer, ib, out.buffer], g.grid(out.size))
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
  const sb = g.words(start)
  const lb = g.words(list)
  g.dispatch(scatterAddShader(), [outer, n, inner, idx.length], [storageOf(g, 'scatterAdd', u!).buffer, sb, lb, out.buffer], g.grid(out.size))
  g.done(sb)
  g.done(lb)
  return fromDevice(out, p.shape)
}

/** Same elements, another view of them. */
const sameStorage = (g: Backend, op: string, x: Tensor, shape: Shape): Tensor => fromDevice(storageOf(g, op, x), shape)

const transpose = (g: Backend, [x]: ReadonlyArray<Tensor>, p: Params<'transpose'>): Tensor => {
  const shape = p.perm.map((a) => x!.shape[a]!)
  const st = stridesOf(x!.shape)
  const out = g.storage(x!.size, 'transpose')
  copy(g, storageOf(g, 'transpose', x!).buffer, 0, p.perm.map((a) => st[a]!), out.buffer, 0, stridesOf(shape), shape)
  return fromDevice(out, shape)
}

const slice = (g: Backend, [x]: ReadonlyArray<Tensor>, p: Params<'slice'>): Tensor => {
  const st = stridesOf(x!.shape)
  const out = g.storage(sizeOf(p.size), 'slice')
  copy(g, storageOf(g, 'slice', x!).buffer, p.begin.reduce((o, s, i) => o + s * st[i]!, 0), st, out.buffer, 0, stridesOf(p.size), p.size)
  return fromDevice(out, p.size)
}

const pad = (g: Backend, [x]: ReadonlyArray<Tensor>, p: Params<'pad'>): Tensor => {
  const shape = x!.shape.map((d, i) => d + p.paddings[i]![0] + p.paddings[i]![1])
  const out = g.storage(sizeOf(shape), 'pad')
  fill(g, out, p.value)
  const st = stridesOf(shape)
  copy(g, storageOf(g, 'pad', x!).buffer, 0, stridesOf(x!.shape), out.buffer, p.paddings.reduce((o, [b], i) => o + b * st[i]!, 0), st, x!.shape)
  return fromDevice(out, shape)
}

const concat = (g: Backend, xs: ReadonlyArray<Tensor>, p: Params<'concat'>): Tensor => {
  const first = xs[0]!
  const shape = first.shape.map((d, j) => (j === p.axis ? xs.reduce((s, t) => s + t.shape[p.axis]!, 0) : d))
  const out = g.storage(sizeOf(shape), 'concat')
  const outStrides = stridesOf(shape)
  let offset = 0
  for (const t of xs) {
    copy(g, storageOf(g, 'concat', t).buffer, 0, stridesOf(t.shape), out.buffer, offset, outStrides, t.shape)
    offset += t.shape[p.axis]! * outStrides[p.axis]!
  }
  return fromDevice(out, shape)
}

const cast = (g: Backend, [x]: ReadonlyArray<Tensor>, p: Params<'cast'>): Tensor =>
  p.dtype === 'float32'
    ? sameStorage(g, 'cast', x!, x!.shape)
    : fail('DTYPE_MISMATCH', 'cast', `WebGPU tensors are float32 only, so a cast to ${p.dtype} cannot stay on the device; move the tensor to the CPU first (await Tensor.toCpu(x)) and cast it there.`)

const convMeta = (s: Conv2dSpec): number[] => [s.batch, s.inH, s.inW, s.inC, s.outH, s.outW, s.outC, s.kH, s.kW, s.strideH, s.strideW, s.dilationH, s.dilationW, s.padTop, s.padLeft]
const poolMeta = (s: Pool2dSpec): number[] => [s.batch, s.inH, s.inW, s.channels, s.outH, s.outW, s.kH, s.kW, s.strideH, s.strideW, s.padTop, s.padLeft]

/** A convolution primitive: `shader` over `inputs`, into a new storage of `shape`; grouped ones are not on the GPU yet. */
const conv =
  <P extends 'conv2d' | 'conv2dGradInput' | 'conv2dGradFilter'>(prim: P, shader: () => string, shape: (s: Conv2dSpec, groups: number) => Shape) =>
  (g: Backend, inputs: ReadonlyArray<Tensor>, { spec, groups }: ConvParams): Tensor => {
    if (groups !== 1) return missing(`${prim} with groups`)()
    const outShape = shape(spec, groups)
    const out = g.storage(sizeOf(outShape), prim)
    g.dispatch(shader(), convMeta(spec), [...inputs.map((t) => storageOf(g, prim, t).buffer), out.buffer], g.grid(out.size))
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

/** A primitive without a WebGPU kernel yet. */
const missing = (prim: string) => (): Tensor =>
  fail(
    'TRACED_READ',
    prim,
    `${prim} has no WebGPU kernel yet, and running it on the CPU would read a device tensor synchronously. Move its input to the CPU first: x = await Tensor.toCpu(x) (and back with Tensor.toGpu).`,
  )

type DeviceTable = { readonly [P in Prim]: (g: Backend, inputs: ReadonlyArray<Tensor>, params: Params<P>) => Tensor }

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
  argmax: missing('argmax'), argmin: missing('argmin'),
  reshape: (g, [x], p) => sameStorage(g, 'reshape', x!, p.shape),
  transpose,
  broadcastTo: (g, [x], p) => broadcast(g, 'broadcastTo', x!, p.shape),
  slice, pad, concat, gather, scatterAdd,
  oneHot: missing('oneHot'),
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
  // keys and words are int32, which never live on a device
  randomBits: missing('randomBits'), threefry2x32: missing('threefry2x32'), fromBits: missing('fromBits'),
}

/** The evaluator `bind` calls for primitives with a device input. */
export const evaluator =
  (g: Backend) =>
  <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]): Tensor =>
    (table[prim] as (g: Backend, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]) => Tensor)(g, inputs, params)
