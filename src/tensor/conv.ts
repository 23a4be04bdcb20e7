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
import { type Shape, shapeOrThrow } from '../core/shape.js'
import { type Tensor, isTensor, checkTensor } from '../core/Tensor.js'
import { bind } from '../prims/bind.js'
import { CONV_OPTIONS, type Conv2dOptions, type Pool2dOptions, checkDy, convOutShape, convSpec, floatPair, optionsOrThrow, poolOutShape, poolSpec } from './geometry.js'

export type { Conv2dOptions, Padding2d, Pool2dOptions } from './geometry.js'


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
 * With `groups: G` (default 1) the channels split into G groups: w is `[kH, kW, C / G, O]`,
 * O a multiple of G, and output channel o reads only the C / G input channels of its group
 * g = ⌊o / (O / G)⌋, i.e. the sum runs over c' < C / G with x's channel g·C/G + c' and w's
 * in-channel c'. `groups: C` is a depthwise convolution (each output channel sees one input
 * channel; O = C·M for a channel multiplier M, output channel c·M + m from input channel c).
 * A PyTorch `Conv2d(C, O, k, groups=G)` weight `[O, C / G, kH, kW]` is this w transposed by
 * `[2, 3, 1, 0]`.
 *
 * Refuses (with `PuregradError`): ranks other than 4 (`SHAPE_MISMATCH`), x's channels ≠ w's
 * in-channels × groups or filters not a multiple of groups (`SHAPE_MISMATCH`), different or
 * integer dtypes (`DTYPE_MISMATCH`), strides, dilations or groups that are not whole numbers
 * ≥ 1, negative padding, and a window larger than the padded input (`INVALID_ARGUMENT`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[[[1], [2]], [[3], [4]]]]) // [1, 2, 2, 1]
 * const w = T.tensor([[[[1]], [[1]]], [[[1]], [[1]]]]) // [2, 2, 1, 1]: a 2×2 box filter
 * assert.deepStrictEqual(T.toNested(T.conv2d(x, w)), [[[[10]]]])
 * assert.deepStrictEqual(T.conv2d(x, w, { padding: 'same' }).shape, [1, 2, 2, 1])
 * // depthwise: two channels, each with its own 1×1 filter (groups = channels)
 * const rgb = T.tensor([[[[1, 10]]]]) // [1, 1, 1, 2]
 * assert.deepStrictEqual(T.toNested(T.conv2d(rgb, T.tensor([[[[2, 3]]]]), { groups: 2 })), [[[[2, 30]]]])
 * @category convolution
 */
export const conv2d = (x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor => {
  const op = 'conv2d'
  checkTensor(op, x, 'x')
  checkTensor(op, w, 'w')
  optionsOrThrow(op, opts, CONV_OPTIONS)
  const spec = convSpec(op, x.shape, w.shape, opts)
  floatPair(op, 'x', x.dtype, x.shape, 'w', w.dtype, w.shape)
  return bind('conv2d', [x, w], { spec, groups: opts.groups ?? 1 })
}

/**
 * Gradient of `conv2d` with respect to its input (vector–Jacobian product; a transposed
 * convolution): for dy of conv2d's output shape,
 *
 * dx[n, p, q, c] = Σ_{i, j, a, b, o : i·sₕ − top + a·dₕ = p, j·s_w − left + b·d_w = q} dy[n, i, j, o] · w[a, b, c, o],
 *
 * so that ⟨conv2d(x, w), dy⟩ = ⟨x, conv2dGradInput(dy, w, x.shape)⟩ for every x.
 * `inputShape` is x's shape (it cannot always be recovered from dy when strides exceed 1);
 * `opts` must be the ones given to `conv2d` (groups included). This is the transposed
 * convolution: PyTorch's `ConvTranspose2d` with weight `[I, O, kH, kW]` computes
 * `conv2dGradInput(x, w, [N, outH, outW, O], { strides, padding })` with w = weight
 * transposed by `[2, 3, 1, 0]`, i.e. `[kH, kW, O, I]`. dy's shape is checked against the shape conv2d
 * produces (`SHAPE_MISMATCH`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const w = T.tensor([[[[1]], [[1]]], [[[1]], [[1]]]]) // 2×2 box filter, [2, 2, 1, 1]
 * const dy = T.tensor([[[[1]]]]) // gradient of the [1, 1, 1, 1] output
 * assert.deepStrictEqual(T.toNested(T.conv2dGradInput(dy, w, [1, 2, 2, 1])), [[[[1], [1]], [[1], [1]]]])
 * @category convolution
 */
export const conv2dGradInput = (dy: Tensor, w: Tensor, inputShape: Shape, opts: Conv2dOptions = {}): Tensor => {
  const op = 'conv2dGradInput'
  checkTensor(op, dy, 'dy')
  checkTensor(op, w, 'w')
  optionsOrThrow(op, opts, CONV_OPTIONS)
  const xShape = shapeOrThrow(op, inputShape)
  const spec = convSpec(op, xShape, w.shape, opts)
  checkDy(op, dy, convOutShape(spec), 'conv2d', `for x ${showShape(xShape)} and w ${showShape(w.shape)}`)
  floatPair(op, 'dy', dy.dtype, dy.shape, 'w', w.dtype, w.shape)
  return bind('conv2dGradInput', [dy, w], { spec, groups: opts.groups ?? 1 })
}

/**
 * Gradient of `conv2d` with respect to its filter (vector–Jacobian product): for dy of conv2d's
 * output shape,
 *
 * dw[a, b, c, o] = Σ_{n, i, j} x[n, i·sₕ − top + a·dₕ, j·s_w − left + b·d_w, c] · dy[n, i, j, o]
 * (padding reads as 0),
 *
 * so that ⟨conv2d(x, w), dy⟩ = ⟨w, conv2dGradFilter(x, dy, w.shape)⟩ for every w.
 * `opts` must be the ones given to `conv2d` (groups included); dy's shape is checked (`SHAPE_MISMATCH`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[[[1], [2]], [[3], [4]]]]) // [1, 2, 2, 1]
 * const dy = T.tensor([[[[1]]]]) // gradient of the [1, 1, 1, 1] output of a 2×2 filter
 * assert.deepStrictEqual(T.toNested(T.conv2dGradFilter(x, dy, [2, 2, 1, 1])), [[[[1]], [[2]]], [[[3]], [[4]]]])
 * @category convolution
 */
export const conv2dGradFilter = (x: Tensor, dy: Tensor, filterShape: Shape, opts: Conv2dOptions = {}): Tensor => {
  const op = 'conv2dGradFilter'
  checkTensor(op, x, 'x')
  checkTensor(op, dy, 'dy')
  optionsOrThrow(op, opts, CONV_OPTIONS)
  const wShape = shapeOrThrow(op, filterShape)
  const spec = convSpec(op, x.shape, wShape, opts)
  checkDy(op, dy, convOutShape(spec), 'conv2d', `for x ${showShape(x.shape)} and w ${showShape(wShape)}`)
  floatPair(op, 'x', x.dtype, x.shape, 'dy', dy.dtype, dy.shape)
  return bind('conv2dGradFilter', [x, dy], { spec, groups: opts.groups ?? 1 })
}

// ---------------------------------------------------------------------------------------------
// Pooling

const floatOne = (op: string, x: Tensor): DType =>
  isFloat(x.dtype)
    ? x.dtype
    : fail('DTYPE_MISMATCH', op, `only float tensors are accepted; x ${showShape(x.shape)} is ${x.dtype}. Cast it to 'float32' or 'float64' first.`)

const pool = (op: string, kind: 'max' | 'avg', x: Tensor, opts: Pool2dOptions): Tensor => {
  checkTensor(op, x, 'x')
  const spec = poolSpec(op, x.shape, opts)
  floatOne(op, x)
  return kind === 'max' ? bind('maxPool2d', [x], { spec }) : bind('avgPool2d', [x], { spec })
}

const poolGrad = (op: string, kind: 'max' | 'avg', x: Tensor | undefined, xShape: Shape, dy: Tensor, opts: Pool2dOptions): Tensor => {
  checkTensor(op, dy, 'dy')
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
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[[[1], [2]], [[3], [4]]]]) // [1, 2, 2, 1]
 * assert.deepStrictEqual(T.toNested(T.maxPool2d(x, { size: 2 })), [[[[4]]]])
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
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[[[1], [2]], [[3], [4]]]]) // [1, 2, 2, 1]
 * assert.deepStrictEqual(T.toNested(T.avgPool2d(x, { size: 2 })), [[[[2.5]]]])
 * assert.deepStrictEqual(T.toNested(T.avgPool2d(x, { size: 2, strides: 1, padding: 'same' })), [[[[2.5], [3]], [[3.5], [4]]]])
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
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[[[1], [2]], [[4], [3]]]]) // [1, 2, 2, 1]
 * const dy = T.tensor([[[[10]]]])
 * assert.deepStrictEqual(T.toNested(T.maxPool2dGrad(x, dy, { size: 2 })), [[[[0], [0]], [[10], [0]]]])
 * @category pooling
 */
export const maxPool2dGrad = (x: Tensor, dy: Tensor, opts: Pool2dOptions): Tensor =>
  poolGrad('maxPool2dGrad', 'max', x, checkTensor('maxPool2dGrad', x, 'x').shape, dy, opts)

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
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const dy = T.tensor([[[[8]]]])
 * assert.deepStrictEqual(T.toNested(T.avgPool2dGrad([1, 2, 2, 1], dy, { size: 2 })), [[[[2], [2]], [[2], [2]]]])
 * @category pooling
 */
export const avgPool2dGrad = (x: Tensor | Shape, dy: Tensor, opts: Pool2dOptions): Tensor => {
  const op = 'avgPool2dGrad'
  return isTensor(x) ? poolGrad(op, 'avg', x, x.shape, dy, opts) : poolGrad(op, 'avg', undefined, shapeOrThrow(op, x), dy, opts)
}
