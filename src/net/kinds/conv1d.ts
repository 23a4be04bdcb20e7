/**
 * 1-D convolution on sequences in NWC layout (per-example shape [steps, channels]) with WIO
 * kernels [kernelSize, inChannels, filters], computed as a conv2d over a unit height. Exported
 * as a 1-D ONNX Conv, which is NCW with OIW kernels, between two Transposes.
 */
import { dataOf, type Tensor } from '../../core/Tensor.js'
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { axisGeometry } from '../../tensor/geometry.js'
import { checkInit, initialize } from '../initializers.js'
import { type BuiltinKind, one, problem, single } from '../Kind.js'
import type { Initializer } from '../Layer.js'
import { attr } from '../../onnx/graph.js'
import { boolean, layerOptions, make, positiveInt } from './common.js'
import { geometry } from './images.js'

/**
 * Padding of a 1-D window: `'valid'` (none), `'same'` (output ⌈steps / stride⌉, the extra cell
 * after), `'causal'` ((kernelSize − 1)·dilation cells before, none after: output t sees
 * steps ≤ t·stride only), a number of cells on both ends, or `[before, after]`.
 * @category model
 */
export type Padding1d = 'valid' | 'same' | 'causal' | number | readonly [number, number]

export interface Conv1d {
  readonly _tag: 'Conv1d'
  readonly filters: number
  readonly kernelSize: number
  readonly strides: number
  readonly padding: Padding1d
  readonly dilations: number
  readonly init: Initializer
  readonly biasInit: Initializer
  readonly useBias: boolean
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Conv1d: Conv1d
  }
}

const isPad = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 30

const checkPadding1d = (p: unknown): string[] =>
  p === 'valid' || p === 'same' || p === 'causal' || isPad(p) || (Array.isArray(p) && p.length === 2 && p.every(isPad))
    ? []
    : [`padding must be 'valid', 'same', 'causal', a whole number in [0, 2³⁰) or [before, after]; got ${JSON.stringify(p)}`]

/** The padding as conv2d's, over a unit height. */
const padding2d = (l: Conv1d): 'valid' | 'same' | readonly [readonly [number, number], readonly [number, number]] => {
  const p = l.padding
  if (p === 'valid' || p === 'same') return p
  const [before, after] = p === 'causal' ? [(l.kernelSize - 1) * l.dilations, 0] : typeof p === 'number' ? [p, p] : p
  return [[0, 0], [before, after]]
}

const convOpts = (l: Conv1d): T.Conv2dOptions => ({ strides: [1, l.strides], padding: padding2d(l), dilations: [1, l.dilations] })

/** Output steps and the padding before the first step. */
const geometry1d = (l: Conv1d, steps: number): { readonly out: number; readonly before: number; readonly after: number } => {
  const p = padding2d(l)
  const along = p === 'valid' || p === 'same' ? p : p[1]
  const g = geometry(() => axisGeometry('Conv1d', 'length', steps, l.kernelSize, l.strides, l.dilations, along, `(${steps} steps, kernel ${l.kernelSize})`))
  const span = (g.out - 1) * l.strides + (l.kernelSize - 1) * l.dilations + 1
  return { out: g.out, before: g.before, after: along === 'valid' ? 0 : along === 'same' ? Math.max(span - steps, 0) - g.before : along[1] }
}

const sequence = (s: ReadonlyArray<number>): readonly [number, number] =>
  s.length === 2 ? (s as unknown as readonly [number, number]) : problem(`needs sequences of shape [steps, channels]; got [${s.join(', ')}] per example (reshape first, e.g. reshape([steps, 1]))`)

/** Kernel [k, in, out] (WIO) → [out, in, k] (OIW). */
const oiw = (w: ArrayLike<number>, [k, cin, cout]: readonly [number, number, number]): Float64Array => {
  const out = new Float64Array(w.length)
  for (let t = 0; t < k; t++)
    for (let i = 0; i < cin; i++)
      for (let o = 0; o < cout; o++) out[(o * cin + i) * k + t] = w[(t * cin + i) * cout + o]!
  return out
}

export const conv1dKind: BuiltinKind<Conv1d> = {
  tag: 'Conv1d',
  fields: ['filters', 'kernelSize', 'strides', 'padding', 'dilations', 'init', 'biasInit', 'useBias'],
  check: (l) => [
    ...positiveInt('filters', l.filters),
    ...positiveInt('kernelSize', l.kernelSize),
    ...positiveInt('strides', l.strides),
    ...positiveInt('dilations', l.dilations),
    ...checkPadding1d(l.padding),
    ...checkInit('init', l.init),
    ...checkInit('biasInit', l.biasInit),
    ...boolean('useBias', l.useBias),
  ],
  children: () => [],
  shape: (l, s) => {
    const [steps] = sequence(one(s))
    return [geometry1d(l, steps).out, l.filters]
  },
  init: (l, key, s, dtype, r) => {
    const c = one(s)[1]!
    const [kW, kb] = split(key)
    const fanIn = l.kernelSize * c
    const fanOut = l.kernelSize * l.filters
    const W = r.variable([l.kernelSize, c, l.filters], (shape) => initialize(l.init, kW, shape, fanIn, fanOut, dtype))
    return { params: l.useBias ? { W, b: r.variable([l.filters], (shape) => initialize(l.biasInit, kb, shape, fanIn, fanOut, dtype)) } : { W }, state: {} }
  },
  apply: (l, { params }, x) => {
    const p = params as { W: Tensor; b?: Tensor }
    const t = single(x)
    const [n, steps, c] = t.shape as [number, number, number]
    const y4 = T.conv2d(T.reshape(t, [n, 1, steps, c]), T.reshape(p.W, [1, ...p.W.shape]), convOpts(l))
    const y = T.reshape(y4, [n, y4.shape[2]!, l.filters])
    return { y: p.b === undefined ? y : T.add(y, p.b), state: {} }
  },
  examples: () => [{ layer: conv1d(2, 3, { padding: 'causal', strides: 2, dilations: 2 }), inShape: [7, 2] }, { layer: conv1d(3, 2), inShape: [5, 1] }],
  label: (l) => `Conv1d(${l.filters}, ${l.kernelSize}${l.strides !== 1 ? `, stride ${l.strides}` : ''}, ${typeof l.padding === 'string' ? l.padding : 'padded'})`,
  lower: (l, vars, x, cx) => {
    const { g, base, where: doc } = cx
    const p = vars.params as { readonly W: Tensor; readonly b?: Tensor }
    const s = cx.float(x, 'natural')
    const steps = s.shape[0]!
    const dims = p.W.shape as [number, number, number]
    const { before, after } = geometry1d(l, steps)
    const ncw = g.op(base, 'Transpose', [s.name], { attrs: [attr.ints('perm', [0, 2, 1])], doc })
    const kernel = g.floats(`${base}.W`, [dims[2], dims[1], dims[0]], oiw(dataOf(p.W), dims))
    const inputs = p.b === undefined ? [ncw, kernel] : [ncw, kernel, g.floats(`${base}.b`, [dims[2]], dataOf(p.b))]
    const y = g.op(base, 'Conv', inputs, {
      attrs: [
        attr.ints('kernel_shape', [dims[0]]),
        attr.ints('strides', [l.strides]),
        attr.ints('dilations', [l.dilations]),
        attr.ints('pads', [before, after]),
        attr.int('group', 1),
      ],
      doc,
    })
    return cx.out(g.op(base, 'Transpose', [y], { attrs: [attr.ints('perm', [0, 2, 1])], doc }), 'natural')
  },
}

/** Options of `conv1d`. */
export interface Conv1dLayerOptions {
  /** step between windows, default 1 */
  readonly strides?: number
  /** default 'valid' */
  readonly padding?: Padding1d
  /** spacing between kernel taps, default 1 */
  readonly dilations?: number
  /** default glorotUniform, with fans kernelSize·inChannels and kernelSize·filters */
  readonly init?: Initializer
  readonly biasInit?: Initializer
  readonly useBias?: boolean
}

/**
 * A 1-D convolution (a cross-correlation, as in every deep-learning library) with `filters`
 * output channels and a `kernelSize` window over sequences of shape [steps, channels] (NWC,
 * TensorFlow's `Conv1D` layout): y[t, o] = Σ_{k, c} x[t·stride − before + k·dilation, c] ·
 * W[k, c, o] + b[o], cells outside the sequence read as 0. Weights W [kernelSize, inChannels,
 * filters] and bias b [filters]. A PyTorch `Conv1d` weight [filters, inChannels, kernelSize]
 * is W transposed by [2, 1, 0] (PyTorch's inputs are [channels, steps]: move the axes, not the
 * weights); its `padding=p` is `padding: p` here.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.conv1d(8, 3), [100, 4]), E.right([98, 8]))
 * assert.deepStrictEqual(Net.shape(Net.conv1d(8, 3, { padding: 'causal', strides: 2 }), [100, 4]), E.right([50, 8]))
 * // a difference filter over a ramp: y[t] = x[t + 1] − x[t]
 * const layer = Net.conv1d(1, 2, { useBias: false })
 * const vars = { params: { W: T.reshape(T.tensor([-1, 1]), [2, 1, 1]) }, state: {} }
 * const y = Net.predict(layer, vars, T.reshape(T.tensor([1, 4, 9, 16]), [1, 4, 1]))
 * assert.deepStrictEqual(T.toArray(y), [3, 5, 7])
 * @category layers
 */
export const conv1d = (filters: number, kernelSize: number, options?: Conv1dLayerOptions): Conv1d => {
  const opts = layerOptions('conv1d', options, ['strides', 'padding', 'dilations', 'init', 'biasInit', 'useBias'])
  return make(conv1dKind, {
    _tag: 'Conv1d',
    filters,
    kernelSize,
    strides: opts.strides ?? 1,
    padding: opts.padding === undefined ? 'valid' : Array.isArray(opts.padding) ? [opts.padding[0], opts.padding[1]] : opts.padding,
    dilations: opts.dilations ?? 1,
    init: opts.init ?? 'glorotUniform',
    biasInit: opts.biasInit ?? 'zeros',
    useBias: opts.useBias ?? true,
  })
}
