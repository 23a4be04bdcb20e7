/** Convolutional and pooling layers (NHWC images: per-example shape [height, width, channels]). */
import { PuregradError } from '../../core/errors.js'
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { type Padding2d, convSpec, poolSpec } from '../../tensor/geometry.js'
import { checkInit, initialize } from '../initializers.js'
import { type Kind, none, one, problem, single } from '../Kind.js'
import type { Conv2d, Initializer, Pool2d } from '../Layer.js'
import { boolean, layerOptions, make, pairOf, positiveInt, positivePair } from './common.js'

/** A padding in cells: whole, ≥ 0, and below 2³⁰ (the geometry refuses more for any input). */
const isPad = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 30

const checkPadding = (p: unknown): string[] =>
  p === 'valid' || p === 'same' || isPad(p) || (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every(isPad)))
    ? []
    : [`padding must be 'valid', 'same', a whole number in [0, 2³⁰) or [[top, bottom], [left, right]]; got ${JSON.stringify(p)}`]

/** Runs a geometry computation, turning its refusal into a shape problem. */
const geometry = <A>(f: () => A): A => {
  try {
    return f()
  } catch (e) {
    return e instanceof PuregradError ? problem(e.detail) : (() => { throw e })()
  }
}

const image = (s: ReadonlyArray<number>): readonly [number, number, number] =>
  s.length === 3 ? (s as unknown as readonly [number, number, number]) : problem(`needs images of shape [height, width, channels]; got [${s.join(', ')}] per example (reshape vectors first, e.g. reshape([28, 28, 1]))`)

// ---------------------------------------------------------------------------------------------
// conv2d

const convOpts = (l: Conv2d) => ({ strides: l.strides, padding: l.padding, dilations: l.dilations })

export const conv2dKind: Kind<Conv2d> = {
  check: (l) => [
    ...positiveInt('filters', l.filters),
    ...positivePair('kernelSize', l.kernelSize),
    ...positivePair('strides', l.strides),
    ...positivePair('dilations', l.dilations),
    ...checkPadding(l.padding),
    ...checkInit('init', l.init),
    ...checkInit('biasInit', l.biasInit),
    ...boolean('useBias', l.useBias),
  ],
  children: () => [],
  shape: (l, s) => {
    const [h, w, c] = image(one(s))
    const spec = geometry(() => convSpec('Conv2d', [1, h, w, c], [...l.kernelSize, c, l.filters], convOpts(l)))
    return [spec.outH, spec.outW, l.filters]
  },
  init: (l, key, s, dtype, r) => {
    const c = one(s)[2]!
    const area = l.kernelSize[0] * l.kernelSize[1]
    const [kW, kb] = split(key)
    const W = r.variable([...l.kernelSize, c, l.filters], (shape) => initialize(l.init, kW, shape, area * c, area * l.filters, dtype))
    return { params: l.useBias ? { W, b: r.variable([l.filters], (shape) => initialize(l.biasInit, kb, shape, area * c, area * l.filters, dtype)) } : { W }, state: {} }
  },
  apply: (l, { params }, x) => {
    const p = params as { W: T.Tensor; b?: T.Tensor }
    const y = T.conv2d(single(x), p.W, convOpts(l))
    return { y: p.b === undefined ? y : T.add(y, p.b), state: {} }
  },
  label: (l) => `Conv2d(${l.filters}, ${l.kernelSize.join('×')}${l.strides[0] !== 1 || l.strides[1] !== 1 ? `, stride ${l.strides.join('×')}` : ''}, ${typeof l.padding === 'string' ? l.padding : 'padded'})`,
}

/** Options of `conv2d`. */
export interface Conv2dLayerOptions {
  readonly strides?: number | readonly [number, number]
  /** default 'valid' */
  readonly padding?: Padding2d
  readonly dilations?: number | readonly [number, number]
  /** default glorotUniform (fans include the kernel area) */
  readonly init?: Initializer
  readonly biasInit?: Initializer
  readonly useBias?: boolean
}

/**
 * A 2-D convolution with `filters` output channels and a `kernelSize` window, on NHWC images;
 * weights of shape [kH, kW, inChannels, filters].
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net } from 'puregrad'
 * const net = Net.serial(Net.conv2d(8, 3, { padding: 'same' }), Net.relu, Net.maxPool2d(2))
 * assert.deepStrictEqual(Net.shape(net, [28, 28, 1]), E.right([14, 14, 8]))
 * // without padding ('valid', the default) a 3×3 kernel trims one pixel from each border
 * assert.deepStrictEqual(Net.shape(Net.conv2d(8, 3), [28, 28, 1]), E.right([26, 26, 8]))
 * @category layers
 */
export const conv2d = (filters: number, kernelSize: number | readonly [number, number], options?: Conv2dLayerOptions): Conv2d => {
  const opts = layerOptions('conv2d', options, ['strides', 'padding', 'dilations', 'init', 'biasInit', 'useBias'])
  return make(conv2dKind, {
    _tag: 'Conv2d',
    filters,
    kernelSize: pairOf(kernelSize),
    strides: pairOf(opts.strides ?? 1),
    padding: opts.padding ?? 'valid',
    dilations: pairOf(opts.dilations ?? 1),
    init: opts.init ?? 'glorotUniform',
    biasInit: opts.biasInit ?? 'zeros',
    useBias: opts.useBias ?? true,
  })
}

// ---------------------------------------------------------------------------------------------
// pooling

/** The pooling options a layer holds (the layer itself carries its tag too). @internal */
export const poolOpts = (l: Pool2d<'MaxPool2d' | 'AvgPool2d'>): T.Pool2dOptions => ({ size: l.size, strides: l.strides, padding: l.padding })

const poolKind = <Tag extends 'MaxPool2d' | 'AvgPool2d'>(tag: Tag, run: typeof T.maxPool2d): Kind<Pool2d<Tag>> => ({
  check: (l) => [...positivePair('size', l.size), ...positivePair('strides', l.strides), ...checkPadding(l.padding)],
  children: () => [],
  shape: (l, s) => {
    const [h, w, c] = image(one(s))
    const spec = geometry(() => poolSpec(tag, [1, h, w, c], poolOpts(l)))
    return [spec.outH, spec.outW, c]
  },
  init: () => none,
  apply: (l, _, x) => ({ y: run(single(x), poolOpts(l)), state: {} }),
  label: (l) => `${tag}(${l.size.join('×')})`,
})

export const maxPool2dKind = poolKind('MaxPool2d', T.maxPool2d)
export const avgPool2dKind = poolKind('AvgPool2d', T.avgPool2d)

/** Options of the pooling layers: strides default to the window size. */
export interface PoolLayerOptions {
  readonly strides?: number | readonly [number, number]
  readonly padding?: Padding2d
}

const pool = <Tag extends 'MaxPool2d' | 'AvgPool2d'>(op: string, tag: Tag, kind: Kind<Pool2d<Tag>>, size: number | readonly [number, number], options: PoolLayerOptions | undefined): Pool2d<Tag> => {
  const opts = layerOptions(op, options, ['strides', 'padding'])
  return make(kind, { _tag: tag, size: pairOf(size), strides: pairOf(opts.strides ?? size), padding: opts.padding ?? 'valid' } as Pool2d<Tag>)
}

/**
 * Max pooling over `size` windows (strides default to the size).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const pool = Net.maxPool2d(2)
 * assert.deepStrictEqual(Net.shape(pool, [28, 28, 8]), E.right([14, 14, 8]))
 * const vars = Net.init(pool, { key: Rng.key(0), inShape: [2, 2, 1] })
 * const image = T.reshape(T.tensor([1, 2, 3, 6]), [1, 2, 2, 1])
 * assert.deepStrictEqual(T.toArray(Net.predict(pool, vars, image)), [6])
 * @category layers
 */
export const maxPool2d = (size: number | readonly [number, number], opts?: PoolLayerOptions): Pool2d<'MaxPool2d'> => pool('maxPool2d', 'MaxPool2d', maxPool2dKind, size, opts)
/**
 * Average pooling over `size` windows (strides default to the size); padding is not counted,
 * so a window that overhangs the image averages only its real pixels.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const pool = Net.avgPool2d(2, { padding: 'same' })
 * const vars = Net.init(pool, { key: Rng.key(0), inShape: [3, 3, 1] })
 * const image = T.reshape(T.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 3, 3, 1])
 * // windows [1, 2, 4, 5], [3, 6], [7, 8] and [9]
 * assert.deepStrictEqual(T.toArray(Net.predict(pool, vars, image)), [3, 4.5, 7.5, 9])
 * @category layers
 */
export const avgPool2d = (size: number | readonly [number, number], opts?: PoolLayerOptions): Pool2d<'AvgPool2d'> => pool('avgPool2d', 'AvgPool2d', avgPool2dKind, size, opts)
