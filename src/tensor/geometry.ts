/**
 * Window geometry shared by convolution and pooling: option parsing, output sizes, padding,
 * and the kernel specs. @internal
 */
import { type DType, isFloat } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { type Shape, sameShape } from '../core/shape.js'
import type { Tensor } from '../core/Tensor.js'
import type { Conv2dSpec, Pool2dSpec } from '../kernels/Kernels.js'

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
  /**
   * feature groups, default 1: the input channels and the filters are split into `groups`
   * equal parts and part g of the output reads part g of the input only, so w is
   * `[kH, kW, inChannels / groups, outChannels]` and output channel o belongs to group
   * ⌊o / (outChannels / groups)⌋ (PyTorch's and ONNX's `group`; `groups = inChannels` is a
   * depthwise convolution)
   */
  readonly groups?: number
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
export const showValue = (v: unknown): string => (typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v)))

/** `[height, width]` from a number or a pair of positive whole numbers. */
export const positivePair = (op: string, name: string, v: unknown, context: string): readonly [number, number] => {
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
export const parsePadding = (
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
export const axisGeometry = (
  op: string,
  axis: 'height' | 'width' | 'length',
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
  if (out * Math.max(1, size) > 2 ** 31 - 1 || before >= 2 ** 30 || after >= 2 ** 30) {
    return fail('INVALID_ARGUMENT', op, `padding ${before}/${after} along the ${axis} ${context} makes the output too large; use a padding smaller than the window.`)
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
export const geometry2d = (
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
export const rank4 = (op: string, name: string, shape: Shape, layout: string, withOther: string): void => {
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
export const floatPair = (op: string, a: string, da: DType, sa: Shape, b: string, db: DType, sb: Shape): DType => {
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

export const convSpec = (op: string, xShape: Shape, wShape: Shape, opts: Conv2dOptions): Conv2dSpec => {
  const context = `(x ${showShape(xShape)}, w ${showShape(wShape)})`
  rank4(op, 'x', xShape, '[batch, height, width, channels] (NHWC)', `w ${showShape(wShape)}`)
  rank4(op, 'w', wShape, '[filterHeight, filterWidth, inChannels, outChannels] (HWIO)', `x ${showShape(xShape)}`)
  const [batch, inH, inW, inC] = xShape as [number, number, number, number]
  const [kH, kW, wC, outC] = wShape as [number, number, number, number]
  const groups = groupsOf(op, opts, context)
  if (groups === 1 && inC !== wC) {
    fail(
      'SHAPE_MISMATCH',
      op,
      `input channels ${inC} of x ${showShape(xShape)} ≠ filter in-channels ${wC} of w ${showShape(wShape)}; ` +
        'the third axis of w (HWIO) must equal the last axis of x (NHWC).',
    )
  }
  if (groups > 1 && (inC !== wC * groups || outC % groups !== 0)) {
    fail(
      'SHAPE_MISMATCH',
      op,
      `with ${groups} groups, the input channels ${inC} of x ${showShape(xShape)} must be ${groups} × the filter in-channels ${wC} of w ${showShape(wShape)}, ` +
        `and the filters ${outC} a multiple of ${groups}; give w the shape [kH, kW, ${inC % groups === 0 ? inC / groups : 'inChannels / groups'}, a multiple of ${groups}].`,
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

/** The number of feature groups of a convolution: a whole number ≥ 1, default 1. */
export const groupsOf = (op: string, opts: Conv2dOptions, context: string): number => {
  const g = opts.groups ?? 1
  return typeof g === 'number' && Number.isInteger(g) && g >= 1 && g < 2 ** 31
    ? g
    : fail('INVALID_ARGUMENT', op, `groups must be a whole number ≥ 1 that divides the input channels; got ${showValue(g)} ${context}.`)
}

export const convOutShape = (s: Conv2dSpec): Shape => [s.batch, s.outH, s.outW, s.outC]

export const checkDy = (op: string, dy: Tensor, expected: Shape, forward: string, context: string): void => {
  if (!sameShape(dy.shape, expected)) {
    fail(
      'SHAPE_MISMATCH',
      op,
      `dy ${showShape(dy.shape)} does not match the output shape ${showShape(expected)} that ${forward} produces ${context} with these options; ` +
        `pass the gradient of that output and the options given to ${forward}.`,
    )
  }
}

/** The keys of `Conv2dOptions`. @internal */
export const CONV_OPTIONS: ReadonlyArray<string> = ['strides', 'padding', 'dilations', 'groups']
/** The keys of `Pool2dOptions`. @internal */
export const POOL_OPTIONS: ReadonlyArray<string> = ['size', 'strides', 'padding']

/** An options object (not undefined) with only the keys in `known`. @internal */
export const optionsOrThrow = (op: string, opts: unknown, known: ReadonlyArray<string>): void => {
  if (typeof opts !== 'object' || opts === null) {
    fail('INVALID_ARGUMENT', op, `options must be an object such as { strides: 1, padding: 'same' }; got ${String(opts)}.`)
  }
  checkOptions(op, opts, known)
}

export const poolSpec = (op: string, xShape: Shape, opts: Pool2dOptions): Pool2dSpec => {
  optionsOrThrow(op, opts, POOL_OPTIONS)
  const context = `(x ${showShape(xShape)}, window ${showValue(opts.size)})`
  rank4(op, 'x', xShape, '[batch, height, width, channels] (NHWC)', '')
  const [batch, inH, inW, channels] = xShape as [number, number, number, number]
  const [kH, kW] = positivePair(op, 'size', opts.size, context)
  const strides = positivePair(op, 'strides', opts.strides ?? [kH, kW], context)
  const padding = parsePadding(op, opts.padding ?? 'valid', context)
  if (padding !== 'valid' && padding !== 'same' && (Math.max(...padding[0]) >= kH || Math.max(...padding[1]) >= kW)) {
    fail('INVALID_ARGUMENT', op, `padding ${JSON.stringify(padding)} must be smaller than the window ${kH}×${kW} ${context}: windows made only of padding would have no value. Use padding 'same' or less padding.`)
  }
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

export const poolOutShape = (s: Pool2dSpec): Shape => [s.batch, s.outH, s.outW, s.channels]

