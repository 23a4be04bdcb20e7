/**
 * Upsampling of NHWC images by whole factors, by nearest neighbour or bilinear interpolation
 * with half-pixel centres (PyTorch's `align_corners=False`). Exported as ONNX Resize on NCHW
 * images.
 */
import type { Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { type BuiltinKind, none, one, single } from '../Kind.js'
import { attr } from '../../onnx/graph.js'
import { layerOptions, make, pairOf, positivePair } from './common.js'
import { image } from './images.js'

/** How upsampling fills the new pixels. */
export type Interpolation = 'nearest' | 'bilinear'

export interface Upsampling2d {
  readonly _tag: 'Upsampling2d'
  /** the factors [height, width] */
  readonly size: readonly [number, number]
  readonly interpolation: Interpolation
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Upsampling2d: Upsampling2d
  }
}

/**
 * The source of output cell p along an axis of `size` cells upsampled by `scale`: half-pixel
 * centres, src = (p + ½)/scale − ½, clamped at 0 (PyTorch's `align_corners=False`); it lies
 * between cells lo and hi = min(lo + 1, size − 1), at fraction λ = src − lo from lo.
 */
const sources = (size: number, scale: number): { readonly lo: number[]; readonly hi: number[]; readonly frac: number[] } => {
  const n = size * scale
  const lo = new Array<number>(n)
  const hi = new Array<number>(n)
  const frac = new Array<number>(n)
  for (let p = 0; p < n; p++) {
    const src = Math.max((p + 0.5) / scale - 0.5, 0)
    const i = Math.min(Math.floor(src), size - 1)
    lo[p] = i
    hi[p] = Math.min(i + 1, size - 1)
    frac[p] = src - i
  }
  return { lo, hi, frac }
}

/** Linear interpolation along axis 1 (height) or 2 (width): (1 − λ)·x[lo] + λ·x[hi]. */
const linearAlong = (x: Tensor, axis: 1 | 2, scale: number): Tensor => {
  if (scale === 1) return x
  const { lo, hi, frac } = sources(x.shape[axis]!, scale)
  const shape = axis === 1 ? [1, frac.length, 1, 1] : [1, 1, frac.length, 1]
  const lambda = T.fromArray(frac, shape, x.dtype)
  const a = T.gather(x, T.fromArray(lo, [lo.length], 'int32'), axis)
  const b = T.gather(x, T.fromArray(hi, [hi.length], 'int32'), axis)
  return T.add(T.mul(a, T.sub(1, lambda)), T.mul(b, lambda))
}

/** Each pixel repeated into a sH×sW block. */
const nearest = (x: Tensor, [sH, sW]: readonly [number, number]): Tensor => {
  const [n, h, w, c] = x.shape as [number, number, number, number]
  return T.reshape(T.broadcastTo(T.reshape(x, [n, h, 1, w, 1, c]), [n, h, sH, w, sW, c]), [n, h * sH, w * sW, c])
}

export const upsampling2dKind: BuiltinKind<Upsampling2d> = {
  tag: 'Upsampling2d',
  fields: ['size', 'interpolation'],
  check: (l) => [
    ...positivePair('size', l.size),
    ...(l.interpolation === 'nearest' || l.interpolation === 'bilinear' ? [] : [`interpolation must be 'nearest' or 'bilinear'; got ${JSON.stringify(l.interpolation)}`]),
  ],
  children: () => [],
  shape: (l, s) => {
    const [h, w, c] = image(one(s))
    return [h * l.size[0], w * l.size[1], c]
  },
  init: () => none,
  apply: (l, _, x) => {
    const t = single(x)
    return { y: l.interpolation === 'nearest' ? nearest(t, l.size) : linearAlong(linearAlong(t, 1, l.size[0]), 2, l.size[1]), state: {} }
  },
  examples: () => [{ layer: upsampling2d([2, 3], { interpolation: 'bilinear' }), inShape: [2, 2, 2] }, { layer: upsampling2d(2), inShape: [2, 3, 1] }],
  label: (l) => `Upsampling2d(${l.size.join('×')}, ${l.interpolation})`,
  lower: (l, _, x, cx) => {
    const s = cx.float(x, 'channelsFirst')
    const scales = cx.g.floats(`${cx.base}.scales`, [4], [1, 1, l.size[0], l.size[1]])
    const attrs =
      l.interpolation === 'nearest'
        ? [attr.string('mode', 'nearest'), attr.string('coordinate_transformation_mode', 'asymmetric'), attr.string('nearest_mode', 'floor')]
        : [attr.string('mode', 'linear'), attr.string('coordinate_transformation_mode', 'half_pixel')]
    // no region of interest (''): the scales alone decide
    return cx.out(cx.g.op(cx.base, 'Resize', [s.name, '', scales], { attrs, doc: cx.where }), 'channelsFirst')
  },
}

/** Options of `upsampling2d`. */
export interface Upsampling2dOptions {
  /** default 'nearest' */
  readonly interpolation?: Interpolation
}

/**
 * Upsamples NHWC images by whole factors `size` ([height, width], or one number for both):
 * [H, W, C] → [H·sH, W·sW, C], each channel on its own.
 *
 * - `'nearest'` (the default) repeats each pixel into a sH×sW block: y[i, j] = x[⌊i/sH⌋, ⌊j/sW⌋]
 *   (PyTorch's `Upsample(mode='nearest')`, Keras' `UpSampling2D`).
 * - `'bilinear'` interpolates with half-pixel centres, as PyTorch's `Upsample(mode='bilinear',
 *   align_corners=False)` and TensorFlow 2's `resize(method='bilinear')`: output cell i reads
 *   the source coordinate (i + ½)/sH − ½, clamped at 0, between its two nearest rows (the last
 *   row repeated past the edge); likewise along the width.
 *
 * No parameters.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.upsampling2d(2), [7, 7, 16]), E.right([14, 14, 16]))
 * const image = T.reshape(T.tensor([1, 2, 3, 4]), [1, 2, 2, 1])
 * const vars = Net.init(Net.upsampling2d(2), { key: Rng.key(0), inShape: [2, 2, 1] })
 * assert.deepStrictEqual(T.toArray(Net.predict(Net.upsampling2d([1, 2]), vars, image)), [1, 1, 2, 2, 3, 3, 4, 4])
 * // PyTorch's F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False), first row
 * const y = Net.predict(Net.upsampling2d(2, { interpolation: 'bilinear' }), vars, image)
 * assert.deepStrictEqual(T.toArray(y).slice(0, 4), [1, 1.25, 1.75, 2])
 * @category layers
 */
export const upsampling2d = (size: number | readonly [number, number], options?: Upsampling2dOptions): Upsampling2d => {
  const opts = layerOptions('upsampling2d', options, ['interpolation'])
  return make(upsampling2dKind, { _tag: 'Upsampling2d', size: pairOf(size), interpolation: opts.interpolation ?? 'nearest' })
}
