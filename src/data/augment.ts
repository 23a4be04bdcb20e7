/**
 * Data augmentation (source notes 003, 004): noise on inputs, flips, small rotations and random
 * crops, each a pure function of its key. Images are NHWC batches [n, height, width, channels].
 */
import { alloc } from '../core/dtype.js'
import { describe, fail, showShape } from '../core/errors.js'
import { type Tensor, checkTensor, dataOf, fromBuffer } from '../core/Tensor.js'
import { type Key, bernoulli, integers, normal, split, uniform } from '../rng/index.js'
import { checkKey } from '../rng/Key.js'
import * as T from '../tensor/index.js'

/** The key and the images of an augmentation, checked: the sizes [n, height, width, channels]. */
const images = (op: string, key: Key, x: Tensor): readonly [number, number, number, number] => {
  checkKey(op, key)
  checkTensor(op, x, 'x (argument 2)')
  if (x.rank !== 4) return fail('SHAPE_MISMATCH', op, `needs images [n, height, width, channels]; got ${showShape(x.shape)}. Reshape flat vectors first, e.g. reshape(x, [-1, 28, 28, 1]).`)
  return x.shape as unknown as readonly [number, number, number, number]
}

/**
 * Adds Gaussian noise of standard deviation `std` to every input.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const x = T.full([1000], 3)
 * const noisy = Data.gaussianNoise(Rng.key(0), x, 0.5)
 * assert.ok(Math.abs(T.item(T.mean(noisy)) - 3) < 0.05)
 * assert.ok(Math.abs(Math.sqrt(T.item(T.variance(noisy))) - 0.5) < 0.02)
 * assert.deepStrictEqual(T.toArray(Data.gaussianNoise(Rng.key(0), x, 0.5)), T.toArray(noisy)) // same key, same noise
 * @category augmentation
 */
export const gaussianNoise = (key: Key, x: Tensor, std: number): Tensor => {
  checkKey('gaussianNoise', key)
  checkTensor('gaussianNoise', x, 'x (argument 2)')
  if (!(std >= 0 && Number.isFinite(std))) fail('INVALID_ARGUMENT', 'gaussianNoise', `std must be a finite number ≥ 0; got ${std}.`)
  return T.add(x, normal(key, x.shape, { dtype: x.dtype === 'float64' ? 'float64' : 'float32', std }))
}

/**
 * Mirrors each image left to right with probability p (default ½).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const x = T.reshape(T.tensor([1, 2, 3]), [1, 1, 3, 1]) // one 1×3 image
 * assert.deepStrictEqual(T.toArray(Data.flipHorizontal(Rng.key(0), x, 1)), [3, 2, 1])
 * assert.deepStrictEqual(T.toArray(Data.flipHorizontal(Rng.key(0), x, 0)), [1, 2, 3])
 * @category augmentation
 */
export const flipHorizontal = (key: Key, x: Tensor, p = 0.5): Tensor => {
  const [n, , w] = images('flipHorizontal', key, x)
  const mirrored = T.gather(x, Array.from({ length: w }, (_, i) => w - 1 - i), 2)
  return T.where(T.reshape(bernoulli(key, p, [n], { dtype: x.dtype }), [n, 1, 1, 1]), mirrored, x)
}

/**
 * Rotates each image about its centre by an angle drawn uniformly from [−maxDegrees, maxDegrees]
 * (bilinear interpolation, zeros outside).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const x = T.ones([1, 3, 3, 1])
 * const r = T.toArray(Data.rotate(Rng.key(0), x, 30))
 * assert.strictEqual(r[4], 1) // the centre stays put
 * assert.ok(r[0]! < 1) // a corner is partly filled from outside the image, which counts as 0
 * assert.deepStrictEqual(T.toArray(Data.rotate(Rng.key(0), x, 0)), T.toArray(x))
 * @category augmentation
 */
export const rotate = (key: Key, x: Tensor, maxDegrees: number): Tensor => {
  const [n, h, w, c] = images('rotate', key, x)
  if (!(maxDegrees >= 0 && maxDegrees <= 180)) fail('INVALID_ARGUMENT', 'rotate', `maxDegrees must lie in [0, 180]; got ${maxDegrees}.`)
  const angles = maxDegrees === 0 ? new Float64Array(n) : dataOf(uniform(key, [n], { dtype: 'float64', min: -maxDegrees, max: maxDegrees }))
  const src = dataOf(x)
  const out = alloc(x.dtype, x.size)
  const cy = (h - 1) / 2
  const cx = (w - 1) / 2
  const at = (b: number, yy: number, xx: number, ch: number): number => (yy < 0 || xx < 0 || yy >= h || xx >= w ? 0 : src[((b * h + yy) * w + xx) * c + ch]!)
  for (let b = 0; b < n; b++) {
    const t = (angles[b]! * Math.PI) / 180
    const cos = Math.cos(t)
    const sin = Math.sin(t)
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        // where the output pixel comes from: the inverse rotation
        const sy = cy + (i - cy) * cos - (j - cx) * sin
        const sx = cx + (i - cy) * sin + (j - cx) * cos
        const y0 = Math.floor(sy)
        const x0 = Math.floor(sx)
        const fy = sy - y0
        const fx = sx - x0
        for (let ch = 0; ch < c; ch++) {
          out[((b * h + i) * w + j) * c + ch] =
            (1 - fy) * ((1 - fx) * at(b, y0, x0, ch) + fx * at(b, y0, x0 + 1, ch)) + fy * ((1 - fx) * at(b, y0 + 1, x0, ch) + fx * at(b, y0 + 1, x0 + 1, ch))
        }
      }
    }
  }
  return fromBuffer(out, x.shape)
}

/**
 * Crops a random `size` window out of each image (the notes' 24×24 out of 27×27).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const x = T.reshape(T.arange(16), [1, 4, 4, 1]) // one 4×4 image with pixels 0…15, row by row
 * const crop = Data.randomCrop(Rng.key(0), x, [2, 2])
 * assert.deepStrictEqual(crop.shape, [1, 2, 2, 1])
 * assert.deepStrictEqual(T.toArray(crop), [4, 5, 8, 9]) // the window at row 1, column 0
 * @category augmentation
 */
export const randomCrop = (key: Key, x: Tensor, size: readonly [number, number]): Tensor => {
  const [n, h, w, c] = images('randomCrop', key, x)
  if (!Array.isArray(size)) fail('INVALID_ARGUMENT', 'randomCrop', `the crop size (argument 3) is ${describe(size)}; pass [height, width], e.g. [24, 24].`)
  const [ch, cw] = size
  if (!(Number.isInteger(ch) && Number.isInteger(cw) && ch >= 1 && cw >= 1 && ch <= h && cw <= w)) {
    fail('INVALID_ARGUMENT', 'randomCrop', `crop size [${ch}, ${cw}] must be whole numbers within the image size [${h}, ${w}].`)
  }
  const [ky, kx] = split(key)
  const oy = dataOf(integers(ky, [n], 0, h - ch + 1))
  const ox = dataOf(integers(kx, [n], 0, w - cw + 1))
  const src = dataOf(x)
  const out = alloc(x.dtype, n * ch * cw * c)
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ch; i++) {
      const from = ((b * h + oy[b]! + i) * w + ox[b]!) * c
      out.set(src.subarray(from, from + cw * c), ((b * ch + i) * cw) * c)
    }
  }
  return fromBuffer(out, [n, ch, cw, c])
}
