/**
 * Laws for alternative kernels: a fast `Kernels` value must agree with the plain TypeScript
 * kernels (the reference) on the same inputs, bit for bit where the arithmetic is the same and
 * within a stated float32 bound where it is not (sums accumulated in float32 instead of float64).
 */
import type { Buffer } from '../src/core/dtype.js'
import type { Shape } from '../src/core/shape.js'
import type { BinaryOp, Conv2dSpec, Kernels, MatmulSpec, ReduceOp, Strided, UnaryOp } from '../src/kernels/Kernels.js'
import { jsKernels } from '../src/kernels/js/index.js'
import { type Comparator, type Equiv, equiv } from './Equiv.js'

/** A kernel's output, and for the reference side the allowed distance per element. */
export interface Out {
  readonly values: Buffer
  readonly tol?: Float64Array
}

/** Same bits everywhere (NaN matches any NaN; 0 and −0 differ). */
export const sameBits: Comparator<Out> = (a, b) => {
  if (a.values.length !== b.values.length) return false
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i]!
    const y = b.values[i]!
    if (!(Object.is(x, y) || (x !== x && y !== y))) return false
  }
  return true
}

/** |lhs − rhs| ≤ rhs.tol elementwise (NaN where the reference has NaN; equal infinities). */
export const withinTol: Comparator<Out> = (a, b) => {
  if (a.values.length !== b.values.length || b.tol === undefined) return false
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i]!
    const y = b.values[i]!
    if (x === y || (x !== x && y !== y)) continue
    if (!(Math.abs(x - y) <= b.tol[i]!)) return false
  }
  return true
}

/** float32 unit roundoff */
const U = 2 ** -24

/** A float64 copy of |x|. */
const abs64 = (x: Buffer): Float64Array => Float64Array.from(x, Math.abs)

/** Σ|terms| per output element, computed by the reference kernel on |operands| in float64, times (terms + 2)·u. */
const boundFrom = (absRef: Float64Array, terms: number): Float64Array => absRef.map((v) => (terms + 2) * U * v)

/** The fast matmul equals the reference within (k + 2)·u·Σ|aᵢbᵢ| per element. */
export const matmulAgrees = (fast: Kernels, a: Float32Array, b: Float32Array, s: MatmulSpec): Equiv<Out> => {
  const size = s.batch * s.m * s.n
  const got = new Float32Array(size)
  const want = new Float32Array(size)
  fast.matmul(a, b, got, s)
  jsKernels.matmul(a, b, want, s)
  const absRef = new Float64Array(size)
  jsKernels.matmul(abs64(a), abs64(b), absRef, s)
  return equiv({ values: got }, { values: want, tol: boundFrom(absRef, s.k) })
}

/** Two kernels give the same bits for a matmul (e.g. one thread and several). */
export const matmulSame = (x: Kernels, y: Kernels, a: Float32Array, b: Float32Array, s: MatmulSpec): Equiv<Out> => {
  const size = s.batch * s.m * s.n
  const lhs = new Float32Array(size)
  const rhs = new Float32Array(size)
  x.matmul(a, b, lhs, s)
  y.matmul(a, b, rhs, s)
  return equiv({ values: lhs }, { values: rhs })
}

/** Sizes of a convolution's operands. */
export const convSizes = (s: Conv2dSpec): { readonly x: number; readonly w: number; readonly y: number } => ({
  x: s.batch * s.inH * s.inW * s.inC,
  w: s.kH * s.kW * s.inC * s.outC,
  y: s.batch * s.outH * s.outW * s.outC,
})

/**
 * conv2d (NHWC, HWIO) with each output summed over its taps in order (rows, columns, input
 * channels), each product and each sum rounded to float32: the order of the wasm conv kernels'
 * SIMD128 build, to check their bits against.
 */
export const convInOrder = (x: Float32Array, w: Float32Array, s: Conv2dSpec): Float32Array => {
  const want = new Float32Array(convSizes(s).y)
  const f = Math.fround
  let i = 0
  for (let n = 0; n < s.batch; n++)
    for (let oh = 0; oh < s.outH; oh++)
      for (let ow = 0; ow < s.outW; ow++)
        for (let o = 0; o < s.outC; o++) {
          let acc = 0
          for (let kh = 0; kh < s.kH; kh++)
            for (let kw = 0; kw < s.kW; kw++)
              for (let c = 0; c < s.inC; c++) {
                const ih = oh * s.strideH - s.padTop + kh * s.dilationH
                const iw = ow * s.strideW - s.padLeft + kw * s.dilationW
                const v = ih >= 0 && ih < s.inH && iw >= 0 && iw < s.inW ? x[((n * s.inH + ih) * s.inW + iw) * s.inC + c]! : 0
                acc = f(acc + f(v * w[((kh * s.kW + kw) * s.inC + c) * s.outC + o]!))
              }
          want[i++] = acc
        }
  return want
}

/** The three convolution kernels agree with the reference within (terms + 2)·u·Σ|terms|. */
export const convAgrees = (fast: Kernels, which: 'forward' | 'input' | 'filter', x: Float32Array, w: Float32Array, dy: Float32Array, s: Conv2dSpec): Equiv<Out> => {
  const n = convSizes(s)
  if (which === 'forward') {
    const got = new Float32Array(n.y)
    const want = new Float32Array(n.y)
    const absRef = new Float64Array(n.y)
    fast.conv2d(x, w, got, s)
    jsKernels.conv2d(x, w, want, s)
    jsKernels.conv2d(abs64(x), abs64(w), absRef, s)
    return equiv({ values: got }, { values: want, tol: boundFrom(absRef, s.kH * s.kW * s.inC) })
  }
  if (which === 'input') {
    const got = new Float32Array(n.x)
    const want = new Float32Array(n.x)
    const absRef = new Float64Array(n.x)
    fast.conv2dBackInput(dy, w, got, s)
    jsKernels.conv2dBackInput(dy, w, want, s)
    jsKernels.conv2dBackInput(abs64(dy), abs64(w), absRef, s)
    // unit strides: one dot product over taps and channels; otherwise a product per tap, the taps then added
    const terms = s.strideH === 1 && s.strideW === 1 ? s.kH * s.kW * s.outC : s.outC + s.kH * s.kW
    return equiv({ values: got }, { values: want, tol: boundFrom(absRef, terms) })
  }
  const got = new Float32Array(n.w)
  const want = new Float32Array(n.w)
  const absRef = new Float64Array(n.w)
  fast.conv2dBackFilter(x, dy, got, s)
  jsKernels.conv2dBackFilter(x, dy, want, s)
  jsKernels.conv2dBackFilter(abs64(x), abs64(dy), absRef, s)
  // the column matrix is processed in chunks, each adding one rounding
  return equiv({ values: got }, { values: want, tol: boundFrom(absRef, s.batch * s.outH * s.outW + 8) })
}

/** The fast unary kernel and the reference on the same float32 input. */
export const unaryAgrees = (fast: Kernels, op: UnaryOp, x: Float32Array): Equiv<Out> => {
  const got = new Float32Array(x.length)
  const want = new Float32Array(x.length)
  fast.unary(op, x, got)
  jsKernels.unary(op, x, want)
  return equiv({ values: got }, { values: want })
}

/** The fast binary kernel and the reference on the same strided float32 operands. */
export const binaryAgrees = (fast: Kernels, op: BinaryOp, a: Strided, b: Strided, shape: Shape): Equiv<Out> => {
  const size = shape.reduce((p, d) => p * d, 1)
  const got = new Float32Array(size)
  const want = new Float32Array(size)
  fast.binary(op, a, b, shape, got)
  jsKernels.binary(op, a, b, shape, want)
  return equiv({ values: got }, { values: want })
}

/**
 * The fast reduction and the reference; for sum and mean the reference side carries the bound
 * 2⁻²³·|ref| + 2⁻⁵⁰·Σ|x| (divided by the count for a mean), the float64 rounding of another
 * summation order; max and min are exact (compare with `sameBits`).
 */
export const reduceAgrees = (fast: Kernels, op: ReduceOp, x: Float32Array, shape: Shape, axes: ReadonlyArray<number>): Equiv<Out> => {
  const size = shape.reduce((p, d, i) => (axes.includes(i) ? p : p * d), 1)
  const count = x.length / size
  const got = new Float32Array(size)
  const want = new Float32Array(size)
  fast.reduce(op, x, shape, axes, got)
  jsKernels.reduce(op, x, shape, axes, want)
  const absSum = new Float64Array(size)
  jsKernels.reduce('sum', abs64(x), shape, axes, absSum)
  const per = op === 'mean' ? count : 1
  return equiv({ values: got }, { values: want, tol: Float64Array.from(want, (v, i) => 2 ** -23 * Math.abs(v) + (2 ** -50 * absSum[i]!) / per) })
}

/** An operand of `outShape` read from a contiguous `opShape` buffer (right-aligned; size-1 and missing axes broadcast). */
export const broadcastOperand = (data: Float32Array, opShape: Shape, outShape: Shape, offset = 0): Strided => {
  const lead = outShape.length - opShape.length
  const strides = new Array<number>(outShape.length).fill(0)
  let s = 1
  for (let i = opShape.length - 1; i >= 0; i--) {
    if (opShape[i] !== 1) strides[lead + i] = s
    s *= opShape[i]!
  }
  return { data, offset, strides }
}

/** The calls a fallback received, by kernel. */
export interface FallbackCalls {
  unary: number
  binary: number
  reduce: number
}

/** The reference kernels, counting the elementwise and reduction calls passed to them (to see that a fast kernel did not fall back). */
export const countingReference = (): { readonly kernels: Kernels; readonly calls: FallbackCalls } => {
  const calls: FallbackCalls = { unary: 0, binary: 0, reduce: 0 }
  const kernels: Kernels = {
    ...jsKernels,
    unary: (op, x, out) => {
      calls.unary++
      jsKernels.unary(op, x, out)
    },
    binary: (op, a, b, shape, out) => {
      calls.binary++
      jsKernels.binary(op, a, b, shape, out)
    },
    reduce: (op, x, shape, axes, out) => {
      calls.reduce++
      jsKernels.reduce(op, x, shape, axes, out)
    },
  }
  return { kernels, calls }
}

/**
 * Runs `f` with `fast` installed and again with the reference installed (through the public
 * Tensor API, so the ops' own strides and broadcast views reach the kernels), restoring whatever
 * was installed before.
 */
export const underBoth = <A>(install: (k: Kernels) => Kernels, fast: Kernels, f: () => A): Equiv<A> => {
  const before = install(fast)
  try {
    const lhs = f()
    install(jsKernels)
    return equiv(lhs, f())
  } finally {
    install(before)
  }
}

/** A deterministic float32 generator (mulberry32), so large inputs cost no shrinking. */
export const floats = (seed: number, n: number, opts: { readonly scale?: number; readonly specials?: number } = {}): Float32Array => {
  let t = seed >>> 0
  const next = (): number => {
    t = (t + 0x6d2b79f5) >>> 0
    let r = Math.imul(t ^ (t >>> 15), 1 | t)
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
  const scale = opts.scale ?? 2
  const specials = opts.specials ?? 0
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    out[i] = next() < specials ? SPECIALS[Math.floor(next() * SPECIALS.length)]! : (2 * next() - 1) * scale
  }
  return out
}

/** Values where elementwise kernels usually go wrong: signed zeros, NaN, infinities, subnormals, ties, exp's range ends. */
export const SPECIALS: ReadonlyArray<number> = [
  NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 3.4e38, -3.4e38, 0.5, -0.5, 1.5, -2.5, 1, -1,
  88.72, 88.73, 89, -87.3, -103.9, -104, -120, 1e-8, -1e-8,
]
