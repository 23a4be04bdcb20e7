/**
 * Max and average pooling on NHWC images: two kinds (`MaxPool2d`, `AvgPool2d`) made by one
 * function, as they differ only in the operator.
 */
import * as T from '../../tensor/index.js'
import { poolSpec } from '../../tensor/geometry.js'
import type { Padding2d } from '../../tensor/geometry.js'
import { type BuiltinKind, type Kind, none, one, single } from '../Kind.js'
import { attr } from '../../onnx/graph.js'
import { layerOptions, make, pairOf, positivePair } from './common.js'
import { type Axis, checkPadding, geometry, image, padsOf } from './images.js'

export interface Pool2d<Tag extends 'MaxPool2d' | 'AvgPool2d'> {
  readonly _tag: Tag
  readonly size: readonly [number, number]
  readonly strides: readonly [number, number]
  readonly padding: Padding2d
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly MaxPool2d: Pool2d<'MaxPool2d'>
    readonly AvgPool2d: Pool2d<'AvgPool2d'>
  }
}

/** The pooling options a layer holds (the layer itself carries its tag too). @internal */
export const poolOpts = (l: Pool2d<'MaxPool2d' | 'AvgPool2d'>): T.Pool2dOptions => ({ size: l.size, strides: l.strides, padding: l.padding })

/** Max pooling ignores padding cells, and puregrad's average leaves them out of the count (count_include_pad = 0) in ONNX too. */
const poolKind = <Tag extends 'MaxPool2d' | 'AvgPool2d'>(tag: Tag, run: typeof T.maxPool2d, op: 'MaxPool' | 'AveragePool'): Omit<BuiltinKind<Pool2d<Tag>>, 'examples'> => ({
  tag,
  fields: ['size', 'strides', 'padding'],
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
  lower: (l, _, x, cx) => {
    const s = cx.float(x, 'channelsFirst')
    const [inH, inW, c] = s.shape as [number, number, number]
    const spec = poolSpec('toOnnx', [1, inH, inW, c], { size: l.size, strides: l.strides, padding: l.padding })
    const h: Axis = { size: inH, kernel: l.size[0], stride: l.strides[0], dilation: 1, out: spec.outH, before: spec.padTop }
    const w: Axis = { size: inW, kernel: l.size[1], stride: l.strides[1], dilation: 1, out: spec.outW, before: spec.padLeft }
    const y = cx.g.op(cx.base, op, [s.name], {
      attrs: [
        attr.ints('kernel_shape', [...l.size]),
        attr.ints('strides', [...l.strides]),
        attr.ints('pads', padsOf(cx, l.padding, h, w)),
        attr.int('ceil_mode', 0),
        ...(op === 'AveragePool' ? [attr.int('count_include_pad', 0)] : []),
      ],
      doc: cx.where,
    })
    return cx.out(y, 'channelsFirst')
  },
})

export const maxPool2dKind: BuiltinKind<Pool2d<'MaxPool2d'>> = {
  ...poolKind('MaxPool2d', T.maxPool2d, 'MaxPool'),
  examples: () => [{ layer: maxPool2d(2, { strides: 1 }), inShape: [3, 3, 2] }, { layer: maxPool2d([2, 3], { padding: 'same' }), inShape: [4, 5, 1] }],
}
export const avgPool2dKind: BuiltinKind<Pool2d<'AvgPool2d'>> = {
  ...poolKind('AvgPool2d', T.avgPool2d, 'AveragePool'),
  examples: () => [{ layer: avgPool2d(2, { padding: 'same' }), inShape: [3, 3, 2] }, { layer: avgPool2d(3, { strides: 2 }), inShape: [5, 5, 1] }],
}

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
