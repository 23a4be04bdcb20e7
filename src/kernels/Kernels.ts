/**
 * The kernel interface: the only place where numbers are crunched.
 *
 * Every operation in `tensor/` validates its input, allocates its output buffer and calls one
 * of these functions. A kernel reads its inputs and writes only `out`. Replacing the plain
 * TypeScript kernels (`kernels/js`) by WebAssembly ones means providing another value of this
 * interface; callers do not change. The JS kernels stay as the reference the fast ones are
 * checked against.
 *
 * @internal
 */
import type { Buffer } from '../core/dtype.js'
import type { Shape } from '../core/shape.js'

export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'expm1' | 'log' | 'log1p' | 'sqrt' | 'rsqrt' | 'square'
  | 'reciprocal' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'softplus' | 'erf'
  | 'floor' | 'ceil' | 'round' | 'isFinite' | 'isNaN'

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'atan2'
  | 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual'

/** `mean` divides each float64 sum by its count before the one rounding to the output dtype. */
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min'

/** out[i] = a[i] · x[i] + b[i] style ops read operands through strides (0 on broadcast axes). */
export interface Strided {
  readonly data: Buffer
  readonly offset: number
  readonly strides: ReadonlyArray<number>
}

export interface MatmulSpec {
  /** number of matrices in the batch */
  readonly batch: number
  /** out is m × n; the contraction runs over k */
  readonly m: number
  readonly n: number
  readonly k: number
  /** a is stored k × m (read transposed) instead of m × k */
  readonly transA: boolean
  /** b is stored n × k (read transposed) instead of k × n */
  readonly transB: boolean
  /** element distance between consecutive matrices (0 broadcasts one matrix over the batch) */
  readonly aBatchStride: number
  readonly bBatchStride: number
}

/**
 * What a matrix product's epilogue does to each output element once its sum is done: adds
 * `bias[j]` (j the element's column; n values), then applies `act` when given. Each step is
 * rounded to the output dtype as the `binary` add and `unary` kernels round it.
 */
export interface Epilogue {
  readonly bias: Buffer
  readonly act: 'relu' | undefined
}

/** NHWC input, HWIO filter, NHWC output. Padding is explicit (top/left; bottom/right follow). */
export interface Conv2dSpec {
  readonly batch: number
  readonly inH: number
  readonly inW: number
  readonly inC: number
  readonly outH: number
  readonly outW: number
  readonly outC: number
  readonly kH: number
  readonly kW: number
  readonly strideH: number
  readonly strideW: number
  readonly dilationH: number
  readonly dilationW: number
  readonly padTop: number
  readonly padLeft: number
}

/** NHWC pooling window; padded cells never win a max and never count in an average. */
export interface Pool2dSpec {
  readonly batch: number
  readonly inH: number
  readonly inW: number
  readonly channels: number
  readonly outH: number
  readonly outW: number
  readonly kH: number
  readonly kW: number
  readonly strideH: number
  readonly strideW: number
  readonly padTop: number
  readonly padLeft: number
}

export interface Kernels {
  readonly name: string
  /** out[i] = op(x[i]) */
  unary(op: UnaryOp, x: Buffer, out: Buffer): void
  /** out (contiguous, shape `shape`) = op(a, b) with a, b read through strides. */
  binary(op: BinaryOp, a: Strided, b: Strided, shape: Shape, out: Buffer): void
  /** out = cond ≠ 0 ? a : b, all three read through strides. */
  where(cond: Strided, a: Strided, b: Strided, shape: Shape, out: Buffer): void
  /** Batched matrix product, out is batch × m × n contiguous; every element of out is written (jit hands it recycled buffers, not zeros). */
  matmul(a: Buffer, b: Buffer, out: Buffer, spec: MatmulSpec): void
  /**
   * Optional: `matmul`, then the epilogue applied as each part of the output is finished (in
   * registers or cache, instead of passes of their own), with the bits of `matmul` followed by
   * `binary` add and `unary` on these kernels. Without it, a fused product runs `matmul` then
   * `applyEpilogue` (kernels/js/matmul.ts).
   */
  matmulEpilogue?(a: Buffer, b: Buffer, out: Buffer, spec: MatmulSpec, epilogue: Epilogue): void
  /** Reduces the sorted axes `axes` of x (shape `shape`); out holds the kept axes in order. */
  reduce(op: ReduceOp, x: Buffer, shape: Shape, axes: ReadonlyArray<number>, out: Buffer): void
  /** Index of the first maximum (or minimum) along one axis. */
  argReduce(op: 'argmax' | 'argmin', x: Buffer, shape: Shape, axis: number, out: Int32Array): void
  /** Copies a strided region: dst[dstOffset + Σ iₖ·dstStridesₖ] = src[srcOffset + Σ iₖ·srcStridesₖ] over `shape`. */
  copy(src: Strided, dst: Strided, shape: Shape): void
  /** Gathers rows: out[o, j, i] = x[o, idx[j], i], with x viewed as outer × axisSize × inner. */
  gather(x: Buffer, outer: number, axisSize: number, inner: number, indices: Int32Array, out: Buffer): void
  /** The adjoint of gather: out[o, idx[j], i] += u[o, j, i]; out is zero-filled on entry. */
  scatterAdd(u: Buffer, outer: number, axisSize: number, inner: number, indices: Int32Array, out: Buffer): void
  conv2d(x: Buffer, w: Buffer, out: Buffer, spec: Conv2dSpec): void
  /** dx from dy and w (the transposed convolution); dx is zero-filled on entry. */
  conv2dBackInput(dy: Buffer, w: Buffer, dx: Buffer, spec: Conv2dSpec): void
  /** dw from x and dy; dw is zero-filled on entry. */
  conv2dBackFilter(x: Buffer, dy: Buffer, dw: Buffer, spec: Conv2dSpec): void
  pool2d(kind: 'max' | 'avg', x: Buffer, out: Buffer, spec: Pool2dSpec): void
  /** Routes dy back to the input: to the first maximum of each window, or spread over the window. dx is zero-filled on entry. */
  pool2dBack(kind: 'max' | 'avg', x: Buffer, dy: Buffer, dx: Buffer, spec: Pool2dSpec): void
  /** Picks t at the first maximum of x in each window (the adjoint of the max routing above; 0 for windows with no valid cell). */
  pool2dSelect(x: Buffer, t: Buffer, out: Buffer, spec: Pool2dSpec): void
}
