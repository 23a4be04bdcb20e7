/**
 * Global average and max pooling: two kinds (`GlobalAvgPool`, `GlobalMaxPool`) made by one
 * function, reducing every axis between the batch and the channels (the last axis), so
 * [height, width, channels] images and [steps, channels] sequences both become [channels].
 * Exported as ONNX GlobalAveragePool / GlobalMaxPool (channels first), then Flatten.
 */
import * as T from '../../tensor/index.js'
import { type BuiltinKind, none, one, problem, single } from '../Kind.js'
import { attr } from '../../onnx/graph.js'

export interface GlobalPool<Tag extends 'GlobalAvgPool' | 'GlobalMaxPool'> {
  readonly _tag: Tag
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly GlobalAvgPool: GlobalPool<'GlobalAvgPool'>
    readonly GlobalMaxPool: GlobalPool<'GlobalMaxPool'>
  }
}

/** The pooled axes of a batch of rank `rank`: all but the batch and the channels. */
const pooled = (rank: number): number[] => Array.from({ length: rank - 2 }, (_, i) => i + 1)

const globalKind = <Tag extends 'GlobalAvgPool' | 'GlobalMaxPool'>(tag: Tag, op: 'GlobalAveragePool' | 'GlobalMaxPool'): BuiltinKind<GlobalPool<Tag>> => ({
  tag,
  fields: [],
  check: () => [],
  children: () => [],
  shape: (_, s) => {
    const x = one(s)
    if (x.length < 2) return problem(`needs at least one axis to pool over before the channels, e.g. [height, width, channels] or [steps, channels]; got [${x.join(', ')}] per example`)
    const cells = x.slice(0, -1).reduce((p, d) => p * d, 1)
    return cells === 0 ? problem(`pools over ${x.slice(0, -1).join('×')} = 0 cells per channel; needs at least one`) : [x.at(-1)!]
  },
  init: () => none,
  apply: (_, __, x) => {
    const t = single(x)
    const axes = pooled(t.rank)
    return { y: tag === 'GlobalAvgPool' ? T.mean(t, axes) : T.max(t, axes), state: {} }
  },
  examples: () => [{ layer: tag === 'GlobalAvgPool' ? globalAvgPool : globalMaxPool, inShape: [3, 3, 2] }, { layer: tag === 'GlobalAvgPool' ? globalAvgPool : globalMaxPool, inShape: [5, 2] }],
  label: () => tag,
  lower: (_, __, x, cx) => {
    const { g, base, where: doc } = cx
    const rank = cx.float(x).shape.length + 1
    // channels first: images through the shared layout, other ranks moved here
    const s = rank === 4 ? cx.float(x, 'channelsFirst') : cx.float(x, 'natural')
    const first = rank === 4 ? s.name : g.op(base, 'Transpose', [s.name], { attrs: [attr.ints('perm', [0, rank - 1, ...pooled(rank)])], doc })
    return cx.out(g.op(base, 'Flatten', [g.op(base, op, [first], { doc })], { attrs: [attr.int('axis', 1)], doc }), 'natural')
  },
})

export const globalAvgPoolKind = globalKind('GlobalAvgPool', 'GlobalAveragePool')
export const globalMaxPoolKind = globalKind('GlobalMaxPool', 'GlobalMaxPool')

/**
 * Global average pooling: the mean of each channel over every position, [height, width,
 * channels] (NHWC images) or [steps, channels] (sequences) → [channels]; PyTorch's
 * `AdaptiveAvgPool2d(1)` followed by a flatten, Keras' `GlobalAveragePooling2D`. No parameters.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.serial(Net.conv2d(16, 3), Net.globalAvgPool, Net.dense(10)), [28, 28, 1]), E.right([10]))
 * const vars = Net.init(Net.globalAvgPool, { key: Rng.key(0), inShape: [2, 2, 2] })
 * const image = T.reshape(T.tensor([1, 10, 2, 20, 3, 30, 4, 40]), [1, 2, 2, 2])
 * assert.deepStrictEqual(T.toArray(Net.predict(Net.globalAvgPool, vars, image)), [2.5, 25])
 * @category layers
 */
export const globalAvgPool: GlobalPool<'GlobalAvgPool'> = Object.freeze({ _tag: 'GlobalAvgPool' })

/**
 * Global max pooling: the largest value of each channel over every position, [height, width,
 * channels] (NHWC images) or [steps, channels] (sequences) → [channels]; PyTorch's
 * `AdaptiveMaxPool2d(1)` followed by a flatten, Keras' `GlobalMaxPooling2D`. NaN propagates.
 * No parameters.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.globalMaxPool, [100, 8]), E.right([8]))
 * const vars = Net.init(Net.globalMaxPool, { key: Rng.key(0), inShape: [3, 2] })
 * const steps = T.reshape(T.tensor([1, -1, 5, -2, 3, -3]), [1, 3, 2])
 * assert.deepStrictEqual(T.toArray(Net.predict(Net.globalMaxPool, vars, steps)), [5, -1])
 * @category layers
 */
export const globalMaxPool: GlobalPool<'GlobalMaxPool'> = Object.freeze({ _tag: 'GlobalMaxPool' })
