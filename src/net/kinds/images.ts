/**
 * What the image layers (conv2d and the pooling layers) share: NHWC image shapes, padding
 * checks, and their ONNX padding (ONNX's Conv and pooling operators are NCHW; padding is
 * written out as explicit pads, the top/left ones from puregrad's own geometry, so 'same',
 * 'valid' and numeric padding give the same windows as `Net.apply`).
 * @internal
 */
import { PuregradError } from '../../core/errors.js'
import type { Padding2d } from '../../tensor/geometry.js'
import { checkInit } from '../initializers.js'
import { problem } from '../Kind.js'
import type { Cx } from '../Kind.js'
import type { Initializer } from '../Layer.js'
import { boolean, positivePair } from './common.js'

/** A padding in cells: whole, ≥ 0, and below 2³⁰ (the geometry refuses more for any input). */
const isPad = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 30

export const checkPadding = (p: unknown): string[] =>
  p === 'valid' || p === 'same' || isPad(p) || (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every(isPad)))
    ? []
    : [`padding must be 'valid', 'same', a whole number in [0, 2³⁰) or [[top, bottom], [left, right]]; got ${JSON.stringify(p)}`]

/** The fields every convolution kind has: its window, and how its parameters start. */
export interface ConvWindow {
  readonly kernelSize: readonly [number, number]
  readonly strides: readonly [number, number]
  readonly padding: Padding2d
  readonly dilations: readonly [number, number]
  readonly init: Initializer
  readonly biasInit: Initializer
  readonly useBias: boolean
}

/** The problems of a convolution kind's window fields; each kind adds its own (filters, depthMultiplier, outputPadding). */
export const checkConvWindow = (l: ConvWindow): string[] => [
  ...positivePair('kernelSize', l.kernelSize),
  ...positivePair('strides', l.strides),
  ...positivePair('dilations', l.dilations),
  ...checkPadding(l.padding),
  ...checkInit('init', l.init),
  ...checkInit('biasInit', l.biasInit),
  ...boolean('useBias', l.useBias),
]

/** Runs a geometry computation, turning its refusal into a shape problem. */
export const geometry = <A>(f: () => A): A => {
  try {
    return f()
  } catch (e) {
    return e instanceof PuregradError ? problem(e.detail) : (() => { throw e })()
  }
}

export const image = (s: ReadonlyArray<number>): readonly [number, number, number] =>
  s.length === 3 ? (s as unknown as readonly [number, number, number]) : problem(`needs images of shape [height, width, channels]; got [${s.join(', ')}] per example (reshape vectors first, e.g. reshape([28, 28, 1]))`)

/** One spatial axis of a window operator, for its ONNX pads. */
export interface Axis {
  readonly size: number
  readonly kernel: number
  readonly stride: number
  readonly dilation: number
  readonly out: number
  readonly before: number
}

/** Padding after the input along one axis, as puregrad's geometry pads it. */
const after = (padding: Padding2d, i: 0 | 1, a: Axis): number => {
  if (padding === 'valid') return 0
  if (typeof padding === 'number') return padding
  if (padding !== 'same') return padding[i][1]
  const effective = (a.kernel - 1) * a.dilation + 1
  return Math.max((a.out - 1) * a.stride + effective - a.size, 0) - a.before
}

/** ONNX `pads` [top, left, bottom, right], checked to give puregrad's output size. */
export const padsOf = (cx: Cx, padding: Padding2d, h: Axis, w: Axis): number[] => {
  const pads = [h.before, w.before, after(padding, 0, h), after(padding, 1, w)]
  for (const [a, lo, hi] of [[h, pads[0]!, pads[2]!], [w, pads[1]!, pads[3]!]] as const) {
    const onnxOut = Math.floor((a.size + lo + hi - ((a.kernel - 1) * a.dilation + 1)) / a.stride) + 1
    if (onnxOut !== a.out) cx.refuse('SHAPE_MISMATCH', `has padding that ONNX cannot express (${a.out} outputs along an axis, but the pads give ${onnxOut}); this is a bug in the exporter, please report it.`)
  }
  return pads
}
