/**
 * A `Kernels` value backed by the WebAssembly engine, for float32 buffers; everything else
 * (float64, int32, the ops and broadcast patterns listed as not provided) goes to the plain
 * TypeScript kernels.
 *
 * Provided for float32:
 * - `matmul`: every transpose combination, any m, n, k, batched (0-strided batches too);
 * - `conv2d`, `conv2dBackInput`, `conv2dBackFilter`: im2col (in chunks of about 4 MB) + gemm;
 * - `binary`: add, sub, mul, div, maximum, minimum and the six comparisons, when each operand is
 *   full, a scalar, a repeated trailing block (a row-vector bias) or one value per leading
 *   index (a column vector), in any combination;
 * - `unary`: neg, abs, relu, square, sqrt, rsqrt, reciprocal, exp, sigmoid, floor, ceil, sign,
 *   isFinite, isNaN;
 * - `reduce`: sum over any one contiguous block of axes; max and min when axes follow the block.
 *
 * Accuracy against the TypeScript kernels (which accumulate in float64 and round once):
 * - binary, unary (but exp and sigmoid), max and min, sums that keep trailing axes: identical bits;
 * - exp, sigmoid: within one float32 ulp (almost always identical);
 * - sums over the last axes: float64 partial sums in another order, rounded once;
 * - matmul and conv: float32 accumulation, |wasm − js| ≤ (k + 2)·2⁻²⁴·Σ|aᵢ·bᵢ| per element
 *   (the classic bound for a float32 dot product of length k), and for conv2dBackInput k counts
 *   the kH·kW taps added into each input cell as well.
 * @internal
 */
import type { Buffer } from '../../core/dtype.js'
import type { Shape } from '../../core/shape.js'
import type { BinaryOp, Conv2dSpec, Kernels, MatmulSpec, ReduceOp, Strided, UnaryOp } from '../Kernels.js'
import { jsKernels } from '../js/index.js'
import { type Engine, Layout } from './engine.js'
import type { GemmRunner } from './gemm.js'

const BINARY: { readonly [P in BinaryOp]?: number } = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5,
  equal: 6, notEqual: 7, less: 8, lessEqual: 9, greater: 10, greaterEqual: 11,
}

const UNARY: { readonly [P in UnaryOp]?: number } = {
  neg: 0, abs: 1, relu: 2, square: 3, sqrt: 4, rsqrt: 5, reciprocal: 6, exp: 7, sigmoid: 8,
  floor: 9, ceil: 10, sign: 11, isFinite: 12, isNaN: 13,
}

/** Below this many elements the elementwise ops stay in TypeScript (the copies would cost more). */
const MIN_ELEMENTWISE = 128

/** Floats per im2col chunk (4 MiB). */
const CHUNK_FLOATS = 1 << 20

/** An operand of a binary op seen over rows × len: moves by `row` per row and `col` (0 or 1) per column. */
interface Run2d {
  readonly row: number
  readonly col: number
  readonly offset: number
  /** elements read: offset … offset + extent */
  readonly extent: number
}

/** Reads `s` over shape split at axis t (rows = Π shape[:t], len = Π shape[t:]); undefined if it is not one of the four patterns. */
const asRun = (s: Strided, shape: Shape, t: number, rows: number, len: number): Run2d | undefined => {
  const rank = shape.length
  // trailing axes: all 0 (col 0) or contiguous (col 1)
  let zero = true
  let contiguous = true
  let expect = 1
  for (let ax = rank - 1; ax >= t; ax--) {
    const d = shape[ax]!
    if (d === 1) continue
    const st = s.strides[ax]!
    if (st !== 0) zero = false
    if (st !== expect) contiguous = false
    expect *= d
  }
  if (!zero && !contiguous) return undefined
  const col = zero ? 0 : 1
  const span = zero ? 1 : len
  // leading axes: all 0 (row 0) or contiguous in units of span (row = span)
  let lz = true
  let lc = true
  expect = span
  for (let ax = t - 1; ax >= 0; ax--) {
    const d = shape[ax]!
    if (d === 1) continue
    const st = s.strides[ax]!
    if (st !== 0) lz = false
    if (st !== expect) lc = false
    expect *= d
  }
  if (!lz && !lc) return undefined
  const row = lz ? 0 : span
  return { row, col, offset: s.offset, extent: (rows - 1) * row + (col === 1 ? len : 1) }
}

const product = (shape: Shape, from: number, to: number): number => {
  let p = 1
  for (let i = from; i < to; i++) p *= shape[i]!
  return p
}

/**
 * The WebAssembly kernels over an engine; `gemm` runs matrix products (one thread, or split
 * over workers). `fallback` serves everything not provided (the TypeScript kernels by default).
 */
export const makeWasmKernels = (e: Engine, gemm: GemmRunner, fallback: Kernels = jsKernels): Kernels => {
  const x = e.exports
  
  /** Copies `src[from, from + count)` to byte offset `p`. */
  const put = (p: number, src: Float32Array, from = 0, count = src.length - from): void => {
    e.f32().set(from === 0 && count === src.length ? src : src.subarray(from, from + count), p >>> 2)
  }
  const get = (p: number, out: Float32Array): void => {
    out.set(e.f32().subarray(p >>> 2, (p >>> 2) + out.length))
  }
  const putSpec = (p: number, s: Conv2dSpec): void => {
    e.i32().set([s.batch, s.inH, s.inW, s.inC, s.outH, s.outW, s.outC, s.kH, s.kW, s.strideH, s.strideW, s.dilationH, s.dilationW, s.padTop, s.padLeft], p >>> 2)
  }

  const matmul = (a: Buffer, b: Buffer, out: Buffer, s: MatmulSpec): void => {
    if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) return fallback.matmul(a, b, out, s)
    const { batch, m, n, k } = s
    if (batch * m * n === 0) return
    const aLen = Math.min(a.length, (batch - 1) * s.aBatchStride + m * k)
    const bLen = Math.min(b.length, (batch - 1) * s.bBatchStride + k * n)
    const L = new Layout(e.base)
    const pa = L.take(aLen * 4)
    const pb = L.take(bLen * 4)
    const pc = L.take(out.length * 4)
    const ps = L.take(gemm.scratchBytes(n, k))
    if (!e.reserve(L.end)) return fallback.matmul(a, b, out, s)
    put(pa, a, 0, aLen)
    put(pb, b, 0, bLen)
    gemm.run({
      m, n, k,
      a: pa, ars: s.transA ? 1 : k, acs: s.transA ? m : 1,
      b: pb, brs: s.transB ? 1 : n, bcs: s.transB ? k : 1,
      c: pc, ldc: n, acc: false,
      batch, aBS: s.aBatchStride * 4, bBS: s.bBatchStride * 4, cBS: m * n * 4,
      scratch: ps,
    })
    get(pc, out)
  }

  const binary = (op: BinaryOp, a: Strided, b: Strided, shape: Shape, out: Buffer): void => {
    const code = BINARY[op]
    const n = out.length
    if (code === undefined || n < MIN_ELEMENTWISE || !(a.data instanceof Float32Array && b.data instanceof Float32Array && out instanceof Float32Array)) {
      return fallback.binary(op, a, b, shape, out)
    }
    // the widest split (fewest rows) at which both operands have one of the patterns
    const rank = shape.length
    for (let t = 0; t <= rank; t++) {
      const rows = product(shape, 0, t)
      const len = product(shape, t, rank)
      const ra = asRun(a, shape, t, rows, len)
      const rb = ra === undefined ? undefined : asRun(b, shape, t, rows, len)
      if (ra === undefined || rb === undefined) continue
      const L = new Layout(e.base)
      const pa = L.take(ra.extent * 4)
      const pb = L.take(rb.extent * 4)
      const po = L.take(n * 4)
      if (!e.reserve(L.end)) break
      put(pa, a.data, ra.offset, ra.extent)
      put(pb, b.data, rb.offset, rb.extent)
      x.binary(code, pa, ra.row, ra.col, pb, rb.row, rb.col, po, rows, len)
      return get(po, out)
    }
    return fallback.binary(op, a, b, shape, out)
  }

  const unary = (op: UnaryOp, xs: Buffer, out: Buffer): void => {
    const code = UNARY[op]
    if (code === undefined || xs.length < MIN_ELEMENTWISE || !(xs instanceof Float32Array && out instanceof Float32Array)) return fallback.unary(op, xs, out)
    const L = new Layout(e.base)
    const px = L.take(xs.length * 4)
    const po = L.take(xs.length * 4)
    if (!e.reserve(L.end)) return fallback.unary(op, xs, out)
    put(px, xs)
    x.unary(code, px, po, xs.length)
    get(po, out)
  }

  const reduce = (op: ReduceOp, xs: Buffer, shape: Shape, axes: ReadonlyArray<number>, out: Buffer): void => {
    const rank = shape.length
    const first = axes[0]
    const last = axes[axes.length - 1]
    if (
      !(xs instanceof Float32Array && out instanceof Float32Array) || xs.length < MIN_ELEMENTWISE ||
      first === undefined || last === undefined || last - first + 1 !== axes.length
    ) {
      return fallback.reduce(op, xs, shape, axes, out)
    }
    const outer = product(shape, 0, first)
    const mid = product(shape, first, last + 1)
    const inner = product(shape, last + 1, rank)
    if ((op === 'max' || op === 'min') && inner === 1) return fallback.reduce(op, xs, shape, axes, out)
    const L = new Layout(e.base)
    const px = L.take(xs.length * 4)
    const po = L.take(out.length * 4)
    const ps = L.take(inner * 8 + 16)
    if (!e.reserve(L.end)) return fallback.reduce(op, xs, shape, axes, out)
    put(px, xs)
    if (op === 'sum' || op === 'mean') x.sumMid(px, outer, mid, inner, po, ps, op === 'mean' ? mid : 1)
    else x.extremumMid(op === 'max' ? 1 : 0, px, outer, mid, inner, po)
    get(po, out)
  }

  /** 1×1 filters with unit strides and no padding: the input already is the column matrix. */
  const pointwise = (s: Conv2dSpec): boolean =>
    s.kH === 1 && s.kW === 1 && s.strideH === 1 && s.strideW === 1 && s.padTop === 0 && s.padLeft === 0 && s.outH === s.inH && s.outW === s.inW

  /** Rows of the column matrix per chunk. */
  const chunkRows = (rows: number, kk: number): number => Math.max(1, Math.min(rows, Math.floor(CHUNK_FLOATS / Math.max(1, kk))))

  const conv2d = (xs: Buffer, w: Buffer, out: Buffer, s: Conv2dSpec): void => {
    if (!(xs instanceof Float32Array && w instanceof Float32Array && out instanceof Float32Array)) return fallback.conv2d(xs, w, out, s)
    const R = s.batch * s.outH * s.outW
    const K = s.kH * s.kW * s.inC
    const O = s.outC
    if (R * O === 0) return
    const direct = pointwise(s)
    const chunk = direct ? R : chunkRows(R, K)
    const L = new Layout(e.base)
    const px = L.take(xs.length * 4)
    const pw = L.take(w.length * 4)
    const po = L.take(out.length * 4)
    const pspec = L.take(64)
    const pcols = direct ? px : L.take(chunk * K * 4)
    const ps = L.take(gemm.scratchBytes(O, K))
    if (!e.reserve(L.end)) return fallback.conv2d(xs, w, out, s)
    put(px, xs)
    put(pw, w)
    putSpec(pspec, s)
    for (let r0 = 0; r0 < R; r0 += chunk) {
      const rows = Math.min(chunk, R - r0)
      if (!direct) x.im2col(px, pspec, r0, rows, pcols)
      gemm.run({
        m: rows, n: O, k: K,
        a: direct ? px + r0 * K * 4 : pcols, ars: K, acs: 1,
        b: pw, brs: O, bcs: 1,
        c: po + r0 * O * 4, ldc: O, acc: false,
        batch: 1, aBS: 0, bBS: 0, cBS: 0, scratch: ps,
      })
    }
    get(po, out)
  }

  const conv2dBackInput = (dy: Buffer, w: Buffer, dx: Buffer, s: Conv2dSpec): void => {
    if (!(dy instanceof Float32Array && w instanceof Float32Array && dx instanceof Float32Array)) return fallback.conv2dBackInput(dy, w, dx, s)
    const R = s.batch * s.outH * s.outW
    const K = s.kH * s.kW * s.inC
    const O = s.outC
    if (dx.length === 0) return
    const direct = pointwise(s)
    const chunk = direct ? R : chunkRows(R, K)
    const L = new Layout(e.base)
    const pdy = L.take(dy.length * 4)
    const pw = L.take(w.length * 4)
    const pdx = L.take(dx.length * 4)
    const pspec = L.take(64)
    const pcols = direct ? pdx : L.take(chunk * K * 4)
    const ps = L.take(gemm.scratchBytes(K, O))
    if (!e.reserve(L.end)) return fallback.conv2dBackInput(dy, w, dx, s)
    put(pdy, dy)
    put(pw, w)
    putSpec(pspec, s)
    if (!direct) e.f32().fill(0, pdx >>> 2, (pdx >>> 2) + dx.length)
    for (let r0 = 0; r0 < R; r0 += chunk) {
      const rows = Math.min(chunk, R - r0)
      // dcols = dy[chunk] · Wᵀ, W viewed as K × O
      gemm.run({
        m: rows, n: K, k: O,
        a: pdy + r0 * O * 4, ars: O, acs: 1,
        b: pw, brs: 1, bcs: O,
        c: direct ? pdx + r0 * K * 4 : pcols, ldc: K, acc: false,
        batch: 1, aBS: 0, bBS: 0, cBS: 0, scratch: ps,
      })
      if (!direct) x.col2imAdd(pcols, pspec, r0, rows, pdx)
    }
    get(pdx, dx)
  }

  const conv2dBackFilter = (xs: Buffer, dy: Buffer, dw: Buffer, s: Conv2dSpec): void => {
    if (!(xs instanceof Float32Array && dy instanceof Float32Array && dw instanceof Float32Array)) return fallback.conv2dBackFilter(xs, dy, dw, s)
    const R = s.batch * s.outH * s.outW
    const K = s.kH * s.kW * s.inC
    const O = s.outC
    if (dw.length === 0) return
    const direct = pointwise(s)
    const chunk = direct ? R : chunkRows(R, K)
    const L = new Layout(e.base)
    const px = L.take(xs.length * 4)
    const pdy = L.take(dy.length * 4)
    const pdw = L.take(dw.length * 4)
    const pspec = L.take(64)
    const pcols = direct ? px : L.take(chunk * K * 4)
    const ps = L.take(gemm.scratchBytes(O, Math.min(R, chunk)))
    if (!e.reserve(L.end)) return fallback.conv2dBackFilter(xs, dy, dw, s)
    put(px, xs)
    put(pdy, dy)
    putSpec(pspec, s)
    if (R === 0) e.f32().fill(0, pdw >>> 2, (pdw >>> 2) + dw.length)
    for (let r0 = 0; r0 < R; r0 += chunk) {
      const rows = Math.min(chunk, R - r0)
      if (!direct) x.im2col(px, pspec, r0, rows, pcols)
      // dW += colsᵀ · dy[chunk], cols viewed as rows × K
      gemm.run({
        m: K, n: O, k: rows,
        a: direct ? px + r0 * K * 4 : pcols, ars: 1, acs: K,
        b: pdy + r0 * O * 4, brs: O, bcs: 1,
        c: pdw, ldc: O, acc: r0 > 0,
        batch: 1, aBS: 0, bBS: 0, cBS: 0, scratch: ps,
      })
    }
    get(pdw, dw)
  }

  return {
    ...fallback,
    name: gemm.threads > 1 ? `wasm-simd+${gemm.threads - 1}w` : 'wasm-simd',
    matmul,
    binary,
    unary,
    reduce,
    conv2d,
    conv2dBackInput,
    conv2dBackFilter,
  }
}
