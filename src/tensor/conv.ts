/**
 * Convolution and pooling over images in NHWC layout (`[batch, height, width, channels]`),
 * with filters in HWIO layout (`[filterHeight, filterWidth, inChannels, outChannels]`), and
 * the vector–Jacobian products the differentiation layer uses.
 *
 * Geometry follows TensorFlow. Along each spatial axis, with input size `in`, kernel size `k`,
 * stride `s` and dilation `d` (effective kernel size `e = (k − 1)·d + 1`):
 * - `'valid'`: no padding, `out = ⌊(in − e) / s⌋ + 1` (= ⌈(in − e + 1) / s⌉);
 * - `'same'`: `out = ⌈in / s⌉`, total padding `max((out − 1)·s + e − in, 0)`, of which
 *   `⌊total / 2⌋` goes before (top/left) and the rest after (bottom/right);
 * - a number `p`: `p` cells on all four sides; `[[top, bottom], [left, right]]`: explicit.
 *
 * Padded cells are zeros for a convolution; for pooling they are not there at all: they never
 * win a max and never count in an average.
 *
 * @since 0.1.0
 */
import { type DType, isFloat } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import { type Shape, sameShape, shapeOrThrow } from '../core/shape.js'
import { type Tensor, isTensor } from '../core/Tensor.js'
import type { Conv2dSpec, Pool2dSpec } from '../kernels/Kernels.js'
import { bind } from '../prims/bind.js'

/**
 * Padding of a 2-D window: `'valid'` (none), `'same'` (TensorFlow's: output size ⌈in / stride⌉),
 * a number of cells on every side, or `[[top, bottom], [left, right]]`.
 * @category model
 */
export type Padding2d = 'valid' | 'same' | number | readonly [readonly [number, number], readonly [number, number]]

/**
 * Options of `conv2d` and its gradients. Strides and dilations are one number for both axes or
 * `[height, width]`.
 * @category model
 */
export interface Conv2dOptions {
  /** step between windows, default 1 */
  readonly strides?: number | readonly [number, number]
  /** default `'valid'` */
  readonly padding?: Padding2d
  /** spacing between filter taps (1 = dense), default 1 */
  readonly dilations?: number | readonly [number, number]
}

/**
 * Options of the pooling operations: the window size, the strides (default: the window size,
 * so windows tile the input) and the padding (default `'valid'`).
 * @category model
 */
export interface Pool2dOptions {
  readonly size: number | readonly [number, number]
  readonly strides?: number | readonly [number, number]
  readonly padding?: Padding2d
}

// ---------------------------------------------------------------------------------------------
// Geometry shared by convolution and pooling

/** Output size and padding of one spatial axis. */
interface AxisGeometry {
  readonly out: number
  readonly before: number
}

/** An option value for a message (NaN stays NaN, unlike JSON). */
const showValue = (v: unknown): string => (typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v)))

/** `[height, width]` from a number or a pair of positive whole numbers. */
const positivePair = (op: string, name: string, v: unknown, context: string): readonly [number, number] => {
  const pair = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : undefined
  if (pair === undefined || !pair.every((u: unknown) => typeof u === 'number' && Number.isInteger(u) && u >= 1)) {
    return fail(
      'INVALID_ARGUMENT',
      op,
      `${name} must be a whole number ≥ 1 or a pair [height, width] of them; got ${showValue(v)} ${context}.`,
    )
  }
  return [pair[0] as number, pair[1] as number]
}

/** `[[top, bottom], [left, right]]` or a keyword, validated. */
const parsePadding = (
  op: string,
  p: unknown,
  context: string,
): 'valid' | 'same' | readonly [readonly [number, number], readonly [number, number]] => {
  if (p === 'valid' || p === 'same') return p
  const ok = (u: unknown): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 0
  if (ok(p)) return [[p, p], [p, p]]
  if (Array.isArray(p) && p.length === 2) {
    const [h, w] = p as unknown[]
    if (Array.isArray(h) && Array.isArray(w) && h.length === 2 && w.length === 2 && [...h, ...w].every(ok)) {
      return [[h[0], h[1]], [w[0], w[1]]]
    }
  }
  return fail(
    'INVALID_ARGUMENT',
    op,
    `padding must be 'valid', 'same', a whole number ≥ 0 or [[top, bottom], [left, right]] of whole numbers ≥ 0; ` +
      `got ${showValue(p)} ${context}. Negative padding (cropping) is not supported: slice the input instead.`,
  )
}

/**
 * The one place where output sizes and padding are computed (see the module comment). Refuses
 * an output smaller than 1, i.e. a window larger than the padded input.
 */
const axisGeometry = (
  op: string,
  axis: 'height' | 'width',
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: 'valid' | 'same' | readonly [number, number],
  context: string,
): AxisGeometry => {
  const effective = (kernel - 1) * dilation + 1
  let out: number
  let before = 0
  let after = 0
  if (padding === 'same') {
    out = Math.ceil(size / stride)
    const total = Math.max((out - 1) * stride + effective - size, 0)
    before = Math.floor(total / 2)
    after = total - before
  } else {
    if (padding !== 'valid') [before, after] = padding
    out = Math.floor((size + before + after - effective) / stride) + 1
  }
  if (!(out >= 1)) {
    if (size === 0) {
      return fail('INVALID_ARGUMENT', op, `the input ${axis} is 0 ${context}; windows need at least one input cell along each spatial axis.`)
    }
    const padded = size + before + after
    return fail(
      'INVALID_ARGUMENT',
      op,
      `the window is larger than the padded input along the ${axis}: ` +
        `a ${kernel}-cell window${dilation > 1 ? ` dilated by ${dilation} spans ${effective} cells` : ''}, but the input ${axis} is ${size}` +
        `${padded !== size ? ` (${padded} with padding)` : ''} ${context}; use a smaller window, padding 'same' or a larger input.`,
    )
  }
  return { out, before }
}

interface Geometry {
  readonly outH: number
  readonly outW: number
  readonly padTop: number
  readonly padLeft: number
}

/** Output sizes and top/left padding of a 2-D window over an `inH × inW` input. */
const geometry2d = (
  op: string,
  inH: number,
  inW: number,
  kH: number,
  kW: number,
  strides: readonly [number, number],
  dilations: readonly [number, number],
  padding: ReturnType<typeof parsePadding>,
  context: string,
): Geometry => {
  const ph = padding === 'valid' || padding === 'same' ? padding : padding[0]
  const pw = padding === 'valid' || padding === 'same' ? padding : padding[1]
  const h = axisGeometry(op, 'height', inH, kH, strides[0], dilations[0], ph, context)
  const w = axisGeometry(op, 'width', inW, kW, strides[1], dilations[1], pw, context)
  return { outH: h.out, outW: w.out, padTop: h.before, padLeft: w.before }
}

// ---------------------------------------------------------------------------------------------
// Checks

/** `withOther` names the other operand, e.g. `w [3, 3, 3, 8]`, or is empty. */
const rank4 = (op: string, name: string, shape: Shape, layout: string, withOther: string): void => {
  if (shape.length !== 4) {
    fail(
      'SHAPE_MISMATCH',
      op,
      `${name} must have rank 4, laid out ${layout}; got ${name} ${showShape(shape)} (rank ${shape.length})${withOther === '' ? '' : ` with ${withOther}`}.` +
        (name === 'x' && shape.length === 3 ? ' For a single image, add a batch axis of size 1.' : ''),
    )
  }
}

/** Both operands float, and of the same dtype. */
const floatPair = (op: string, a: string, da: DType, sa: Shape, b: string, db: DType, sb: Shape): DType => {
  if (da !== db) {
    return fail(
      'DTYPE_MISMATCH',
      op,
      `${a} ${showShape(sa)} is ${da} but ${b} ${showShape(sb)} is ${db}; cast one of them so both have the same float dtype.`,
    )
  }
  if (!isFloat(da)) {
    return fail(
      'DTYPE_MISMATCH',
      op,
      `only float tensors are accepted; ${a} ${showShape(sa)} and ${b} ${showShape(sb)} are ${da}. Cast them to 'float32' or 'float64' first.`,
    )
  }
  return da
}

const convSpec = (op: string, xShape: Shape, wShape: Shape, opts: Conv2dOptions): Conv2dSpec => {
  const context = `(x ${showShape(xShape)}, w ${showShape(wShape)})`
  rank4(op, 'x', xShape, '[batch, height, width, channels] (NHWC)', `w ${showShape(wShape)}`)
  rank4(op, 'w', wShape, '[filterHeight, filterWidth, inChannels, outChannels] (HWIO)', `x ${showShape(xShape)}`)
  const [batch, inH, inW, inC] = xShape as [number, number, number, number]
  const [kH, kW, wC, outC] = wShape as [number, number, number, number]
  if (inC !== wC) {
    fail(
      'SHAPE_MISMATCH',
      op,
      `input channels ${inC} of x ${showShape(xShape)} ≠ filter in-channels ${wC} of w ${showShape(wShape)}; ` +
        'the third axis of w (HWIO) must equal the last axis of x (NHWC).',
    )
  }
  if (kH < 1 || kW < 1) {
    fail('INVALID_ARGUMENT', op, `the filter must be at least 1×1; got ${kH}×${kW} ${context}.`)
  }
  const strides = positivePair(op, 'strides', opts.strides ?? 1, context)
  const dilations = positivePair(op, 'dilations', opts.dilations ?? 1, context)
  const padding = parsePadding(op, opts.padding ?? 'valid', context)
  const g = geometry2d(op, inH, inW, kH, kW, strides, dilations, padding, context)
  return {
    batch, inH, inW, inC, outC, kH, kW,
    outH: g.outH,
    outW: g.outW,
    strideH: strides[0],
    strideW: strides[1],
    dilationH: dilations[0],
    dilationW: dilations[1],
    padTop: g.padTop,
    padLeft: g.padLeft,
  }
}

const convOutShape = (s: Conv2dSpec): Shape => [s.batch, s.outH, s.outW, s.outC]

const checkDy = (op: string, dy: Tensor, expected: Shape, forward: string, context: string): void => {
  if (!sameShape(dy.shape, expected)) {
    fail(
      'SHAPE_MISMATCH',
      op,
      `dy ${showShape(dy.shape)} does not match the output shape ${showShape(expected)} that ${forward} produces ${context} with these options; ` +
        `pass the gradient of that output and the options given to ${forward}.`,
    )
  }
}

const optionsOrThrow = (op: string, opts: unknown): void => {
  if (typeof opts !== 'object' || opts === null) {
    fail('INVALID_ARGUMENT', op, `options must be an object such as { strides: 1, padding: 'same' }; got ${String(opts)}.`)
  }
}

// ---------------------------------------------------------------------------------------------
// Convolution

/**
 * 2-D convolution (really a cross-correlation, as in every deep-learning library) of a batch of
 * NHWC images with an HWIO filter bank.
 *
 * out[n, i, j, o] = Σ_{a, b, c} x[n, i·sₕ − top + a·dₕ, j·s_w − left + b·d_w, c] · w[a, b, c, o],
 * with cells outside `x` read as 0. Shapes: x `[N, H, W, C]`, w `[kH, kW, C, O]`,
 * result `[N, outH, outW, O]` (sizes as in the module comment).
 *
 * Refuses (with `PuregradError`): ranks other than 4 (`SHAPE_MISMATCH`), x's channels ≠ w's
 * in-channels (`SHAPE_MISMATCH`), different or integer dtypes (`DTYPE_MISMATCH`), strides or
 * dilations that are not whole numbers ≥ 1, negative padding, and a window larger than the
 * padded input (`INVALID_ARGUMENT`).
 *
 * @example
 * const x = tensor([[[[1], [2]], [[3], [4]]]]) // [1, 2, 2, 1]
 * const w = tensor([[[[1]], [[1]]], [[[1]], [[1]]]]) // [2, 2, 1, 1]: a 2×2 box filter
 * assert.deepStrictEqual(toNested(conv2d(x, w)), [[[[10]]]])
 * assert.deepStrictEqual(conv2d(x, w, { padding: 'same' }).shape, [1, 2, 2, 1])
 * @category convolution
 */
export const conv2d = (x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor => {
  const op = 'conv2d'
  optionsOrThrow(op, opts)
  const spec = convSpec(op, x.shape, w.shape, opts)
  floatPair(op, 'x', x.dtype, x.shape, 'w', w.dtype, w.shape)
  return bind('conv2d', [x, w], { spec })
}

/**
 * Gradient of `conv2d` with respect to its input (vector–Jacobian product; a transposed
 * convolution): for dy of conv2d's output shape,
 *
 * dx[n, p, q, c] = Σ_{i, j, a, b, o : i·sₕ − top + a·dₕ = p, j·s_w − left + b·d_w = q} dy[n, i, j, o] · w[a, b, c, o],
 *
 * so that ⟨conv2d(x, w), dy⟩ = ⟨x, conv2dGradInput(dy, w, x.shape)⟩ for every x.
 * `inputShape` is x's shape (it cannot always be recovered from dy when strides exceed 1);
 * `opts` must be the ones given to `conv2d`. dy's shape is checked against the shape conv2d
 * produces (`SHAPE_MISMATCH`).
 *
 * @example
 * const w = tensor([[[[1]], [[1]]], [[[1]], [[1]]]]) // 2×2 box filter, [2, 2, 1, 1]
 * const dy = tensor([[[[1]]]]) // gradient of the [1, 1, 1, 1] output
 * assert.deepStrictEqual(toNested(conv2dGradInput(dy, w, [1, 2, 2, 1])), [[[[1], [1]], [[1], [1]]]])
 * @category convolution
 */
export const conv2dGradInput = (dy: Tensor, w: Tensor, inputShape: Shape, opts: Conv2dOptions = {}): Tensor => {
  const op = 'conv2dGradInput'
  optionsOrThrow(op, opts)
  const xShape = shapeOrThrow(op, inputShape)
  const spec = convSpec(op, xShape, w.shape, opts)
  checkDy(op, dy, convOutShape(spec), 'conv2d', `for x ${showShape(xShape)} and w ${showShape(w.shape)}`)
  floatPair(op, 'dy', dy.dtype, dy.shape, 'w', w.dtype, w.shape)
  return bind('conv2dGradInput', [dy, w], { spec })
}

/**
 * Gradient of `conv2d` with respect to its filter (vector–Jacobian product): for dy of conv2d's
 * output shape,
 *
 * dw[a, b, c, o] = Σ_{n, i, j} x[n, i·sₕ − top + a·dₕ, j·s_w − left + b·d_w, c] · dy[n, i, j, o]
 * (padding reads as 0),
 *
 * so that ⟨conv2d(x, w), dy⟩ = ⟨w, conv2dGradFilter(x, dy, w.shape)⟩ for every w.
 * `opts` must be the ones given to `conv2d`; dy's shape is checked (`SHAPE_MISMATCH`).
 *
 * @example
 * const x = tensor([[[[1], [2]], [[3], [4]]]]) // [1, 2, 2, 1]
 * const dy = tensor([[[[1]]]]) // gradient of the [1, 1, 1, 1] output of a 2×2 filter
 * assert.deepStrictEqual(toNested(conv2dGradFilter(x, dy, [2, 2, 1, 1])), [[[[1]], [[2]]], [[[3]], [[4]]]])
 * @category convolution
 */
export const conv2dGradFilter = (x: Tensor, dy: Tensor, filterShape: Shape, opts: Conv2dOptions = {}): Tensor => {
  const op = 'conv2dGradFilter'
  optionsOrThrow(op, opts)
  const wShape = shapeOrThrow(op, filterShape)
  const spec = convSpec(op, x.shape, wShape, opts)
  checkDy(op, dy, convOutShape(spec), 'conv2d', `for x ${showShape(x.shape)} and w ${showShape(wShape)}`)
  floatPair(op, 'x', x.dtype, x.shape, 'dy', dy.dtype, dy.shape)
  return bind('conv2dGradFilter', [x, dy], { spec })
}

// ---------------------------------------------------------------------------------------------
// Pooling

const poolSpec = (op: string, xShape: Shape, opts: Pool2dOptions): Pool2dSpec => {
  optionsOrThrow(op, opts)
  const context = `(x ${showShape(xShape)}, window ${showValue(opts.size)})`
  rank4(op, 'x', xShape, '[batch, height, width, channels] (NHWC)', '')
  const [batch, inH, inW, channels] = xShape as [number, number, number, number]
  const [kH, kW] = positivePair(op, 'size', opts.size, context)
  const strides = positivePair(op, 'strides', opts.strides ?? [kH, kW], context)
  const padding = parsePadding(op, opts.padding ?? 'valid', context)
  const g = geometry2d(op, inH, inW, kH, kW, strides, [1, 1], padding, context)
  return {
    batch, inH, inW, channels, kH, kW,
    outH: g.outH,
    outW: g.outW,
    strideH: strides[0],
    strideW: strides[1],
    padTop: g.padTop,
    padLeft: g.padLeft,
  }
}

const poolOutShape = (s: Pool2dSpec): Shape => [s.batch, s.outH, s.outW, s.channels]

const floatOne = (op: string, x: Tensor): DType =>
  isFloat(x.dtype)
    ? x.dtype
    : fail('DTYPE_MISMATCH', op, `only float tensors are accepted; x ${showShape(x.shape)} is ${x.dtype}. Cast it to 'float32' or 'float64' first.`)

const pool = (op: string, kind: 'max' | 'avg', x: Tensor, opts: Pool2dOptions): Tensor => {
  const spec = poolSpec(op, x.shape, opts)
  floatOne(op, x)
  return kind === 'max' ? bind('maxPool2d', [x], { spec }) : bind('avgPool2d', [x], { spec })
}

const poolGrad = (op: string, kind: 'max' | 'avg', x: Tensor | undefined, xShape: Shape, dy: Tensor, opts: Pool2dOptions): Tensor => {
  const spec = poolSpec(op, xShape, opts)
  const forward = kind === 'max' ? 'maxPool2d' : 'avgPool2d'
  checkDy(op, dy, poolOutShape(spec), forward, `for x ${showShape(xShape)}`)
  if (x === undefined) floatOne(op, dy)
  else floatPair(op, 'x', x.dtype, x.shape, 'dy', dy.dtype, dy.shape)
  // avg never reads x
  return kind === 'max' ? bind('maxPool2dGrad', [x!, dy], { spec }) : bind('avgPool2dGrad', [dy], { spec })
}

/**
 * Max pooling over `size` windows of NHWC images, per channel.
 *
 * out[n, i, j, c] = max_{a < kH, b < kW} x[n, i·sₕ − top + a, j·s_w − left + b, c] over the cells
 * inside x: padding never wins (TensorFlow/ONNX semantics). NaN propagates. A window lying
 * entirely in explicit padding (impossible with `'same'` or `'valid'`) yields 0. Strides default
 * to the window size.
 *
 * @example
 * const x = tensor([[[[1], [2]], [[3], [4]]]]) // [1, 2, 2, 1]
 * assert.deepStrictEqual(toNested(maxPool2d(x, { size: 2 })), [[[[4]]]])
 * @category pooling
 */
export const maxPool2d = (x: Tensor, opts: Pool2dOptions): Tensor => pool('maxPool2d', 'max', x, opts)

/**
 * Average pooling over `size` windows of NHWC images, per channel, not counting padding.
 *
 * out[n, i, j, c] = (1 / count) · Σ x[n, i·sₕ − top + a, j·s_w − left + b, c] over the `count`
 * window cells inside x (count_include_pad = false, as TensorFlow). A window lying entirely in
 * explicit padding yields 0. Strides default to the window size.
 *
 * @example
 * const x = tensor([[[[1], [2]], [[3], [4]]]]) // [1, 2, 2, 1]
 * assert.deepStrictEqual(toNested(avgPool2d(x, { size: 2 })), [[[[2.5]]]])
 * assert.deepStrictEqual(toNested(avgPool2d(x, { size: 2, strides: 1, padding: 'same' })), [[[[2.5], [3]], [[3.5], [4]]]])
 * @category pooling
 */
export const avgPool2d = (x: Tensor, opts: Pool2dOptions): Tensor => pool('avgPool2d', 'avg', x, opts)

/**
 * Gradient of `maxPool2d` (vector–Jacobian product): each dy[n, i, j, c] is added to the cell of
 * x that won its window, the first maximal one in row-major window order when several tie
 * (the first NaN if there is one).
 *
 * dx[n, p, q, c] = Σ_{i, j : (p, q) = argmax of window (i, j)} dy[n, i, j, c].
 *
 * x is the input given to `maxPool2d` and `opts` the same options; dy's shape is checked.
 *
 * @example
 * const x = tensor([[[[1], [2]], [[4], [3]]]]) // [1, 2, 2, 1]
 * const dy = tensor([[[[10]]]])
 * assert.deepStrictEqual(toNested(maxPool2dGrad(x, dy, { size: 2 })), [[[[0], [0]], [[10], [0]]]])
 * @category pooling
 */
export const maxPool2dGrad = (x: Tensor, dy: Tensor, opts: Pool2dOptions): Tensor =>
  poolGrad('maxPool2dGrad', 'max', x, x.shape, dy, opts)

/**
 * Gradient of `avgPool2d` (vector–Jacobian product; avgPool2d is linear, this is its transpose):
 * each dy[n, i, j, c] is spread as dy / count over the `count` cells of its window inside x.
 *
 * dx[n, p, q, c] = Σ_{windows (i, j) holding (p, q)} dy[n, i, j, c] / count(i, j).
 *
 * Only x's shape matters: pass x itself or its shape. `opts` must be the ones given to
 * `avgPool2d`; dy's shape is checked.
 *
 * @example
 * const dy = tensor([[[[8]]]])
 * assert.deepStrictEqual(toNested(avgPool2dGrad([1, 2, 2, 1], dy, { size: 2 })), [[[[2], [2]], [[2], [2]]]])
 * @category pooling
 */
export const avgPool2dGrad = (x: Tensor | Shape, dy: Tensor, opts: Pool2dOptions): Tensor => {
  const op = 'avgPool2dGrad'
  return isTensor(x) ? poolGrad(op, 'avg', x, x.shape, dy, opts) : poolGrad(op, 'avg', undefined, shapeOrThrow(op, x), dy, opts)
}
