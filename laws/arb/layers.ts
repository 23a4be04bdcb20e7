/**
 * Random, valid configurations of the sequence and image layer kinds, with input shapes to
 * match: one arbitrary per kind, in `layerCases`, keyed by the kind's tag (and
 * `TransformerBlock` for the combinator). A case holds the layer, its per-example input
 * shape, a batch size and, for a layer that reads a mask, the mask's 0/1 flags, which are
 * drawn to hold padding at the end, padding anywhere and fully masked rows. `inputOfCase`
 * turns a case into a batch: normal floats, with the mask as the tuple's last element.
 */
import { fc } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { Net, Rng, Tensor as T } from '../../src/index.js'

/** A layer on a random input: see the module comment. */
export interface LayerCase {
  readonly layer: Net.Layer
  readonly inShape: Net.Shapes
  readonly batch: number
  /** the flags [batch][time] of the mask the layer reads as the last element of its input tuple (1 = a real step or key, 0 = padding) */
  readonly mask?: ReadonlyArray<ReadonlyArray<number>>
}

const int = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max })
const pair = (min: number, max: number): fc.Arbitrary<readonly [number, number]> => fc.tuple(int(min, max), int(min, max))

/**
 * One example's flags over `time` steps: all padding, a real prefix (padding at the end), or any
 * pattern (padding before and between real steps), unbiased (fast-check's bias towards small
 * values would make most rows all padding, where nothing is carried over a padded step).
 */
const maskRow = (time: number): fc.Arbitrary<number[]> =>
  fc.noBias(
    fc.oneof(
      { arbitrary: fc.constant(Array.from({ length: time }, () => 0)), weight: 1 },
      { arbitrary: int(1, time).map((n) => Array.from({ length: time }, (_, t) => (t < n ? 1 : 0))), weight: 2 },
      { arbitrary: fc.array(int(0, 1), { minLength: time, maxLength: time }), weight: 3 },
    ),
  )

/** A mask for `batch` examples of `time` steps. */
const maskOf = (rows: number, time: number): fc.Arbitrary<number[][]> => fc.array(maskRow(time), { minLength: rows, maxLength: rows })

/** The case with the layer's input shape as a tuple ending in the mask's [time] when `masked`, with the mask drawn. */
const withMask = (batch: fc.Arbitrary<number>, layer: Net.Layer, shapes: ReadonlyArray<ReadonlyArray<number>>, masked: boolean, time: number): fc.Arbitrary<LayerCase> =>
  batch.chain((n) =>
    masked
      ? maskOf(n, time).map((mask) => ({ layer, inShape: { tuple: [...shapes, [time]] }, batch: n, mask }))
      : fc.constant(shapes.length === 1 ? { layer, inShape: shapes[0]!, batch: n } : { layer, inShape: { tuple: shapes }, batch: n }),
  )

/** A case without a mask. */
const plain = (batch: fc.Arbitrary<number>, layer: Net.Layer, inShape: ReadonlyArray<number>): fc.Arbitrary<LayerCase> => batch.map((n) => ({ layer, inShape, batch: n }))

/** Whether the layer takes its input shape (for geometries easier to filter than to construct). */
const fits = (c: LayerCase): boolean => E.isRight(Net.shape(c.layer, c.inShape))

const padding2d = (most: number): fc.Arbitrary<Net.Conv2d['padding']> =>
  fc.oneof(fc.constantFrom<Net.Conv2d['padding']>('valid', 'same'), int(0, most), fc.tuple(pair(0, most), pair(0, most)))

const recurrent = (kind: 'simpleRnn' | 'lstm' | 'gru', units: number, opts: Net.RecurrentOptions): Net.Layer =>
  kind === 'simpleRnn' ? Net.simpleRnn(units, opts) : kind === 'lstm' ? Net.lstm(units, opts) : Net.gru(units, opts)

/**
 * Per kind, its random configurations, with batch sizes drawn from `batch`. Sizes stay small (a
 * gradient check differentiates every parameter twice), and every option the kind has is drawn.
 */
export const layerCasesOf = (batch: fc.Arbitrary<number>) => ({
  MultiHeadAttention: fc
    .record({ heads: int(1, 3), perHead: int(1, 2), tq: int(1, 4), tk: int(1, 4), dc: int(1, 3), cross: fc.boolean(), causal: fc.boolean(), keyMask: fc.boolean(), useBias: fc.boolean() })
    .chain(({ heads, perHead, tq, tk, dc, cross, causal, keyMask, useBias }) =>
      withMask(batch, Net.multiHeadAttention(heads, { cross, causal, keyMask, useBias }), [[tq, heads * perHead], ...(cross ? [[tk, dc]] : [])], keyMask, cross ? tk : tq),
    ),
  TransformerBlock: fc
    .record({ heads: int(1, 2), perHead: int(1, 2), time: int(1, 3), mlpDim: int(1, 4), causal: fc.boolean(), keyMask: fc.boolean(), keep: fc.constantFrom(1, 0.75), activation: fc.constantFrom<Net.ActivationFn>('gelu', 'tanh', 'relu') })
    .chain(({ heads, perHead, time, keyMask, ...opts }) => withMask(batch, Net.transformerBlock(heads * perHead, heads, { keyMask, ...opts }), [[time, heads * perHead]], keyMask, time)),
  PositionalEmbedding: fc.record({ time: int(1, 4), features: int(1, 3), spare: int(0, 2) }).chain(({ time, features, spare }) => plain(batch, Net.positionalEmbedding(time + spare), [time, features])),
  SinusoidalEncoding: fc
    .record({ time: int(1, 5), features: int(1, 4), base: fc.oneof(fc.constant(10000), fc.double({ min: 1.5, max: 100, noNaN: true })) })
    .chain(({ time, features, base }) => plain(batch, Net.sinusoidalEncoding({ base }), [time, features])),
  LayerNorm: fc.record({ shape: fc.array(int(1, 4), { minLength: 1, maxLength: 3 }), eps: fc.constantFrom(1e-5, 1e-3) }).chain(({ shape, eps }) => plain(batch, Net.layerNorm({ eps }), shape)),
  Gru: fc
    .record({ units: int(1, 3), time: int(1, 4), features: int(1, 3), returnSequences: fc.boolean(), mask: fc.boolean() })
    .chain(({ units, time, features, returnSequences, mask }) => withMask(batch, Net.gru(units, { returnSequences, mask }), [[time, features]], mask, time)),
  Bidirectional: fc
    .record({
      kind: fc.constantFrom('simpleRnn', 'lstm', 'gru'),
      merge: fc.constantFrom<Net.Merge>('concat', 'sum', 'mean', 'mul'),
      units: int(1, 2),
      time: int(1, 4),
      features: int(1, 2),
      returnSequences: fc.boolean(),
      mask: fc.boolean(),
    })
    .chain(({ kind, merge, units, time, features, returnSequences, mask }) => withMask(batch, Net.bidirectional(recurrent(kind, units, { returnSequences, mask }), { merge }), [[time, features]], mask, time)),
  Conv1d: fc
    .record({
      filters: int(1, 3),
      kernel: int(1, 3),
      strides: int(1, 3),
      dilations: int(1, 2),
      padding: fc.oneof(fc.constantFrom<Net.Padding1d>('valid', 'same', 'causal'), int(0, 2), pair(0, 2)),
      useBias: fc.boolean(),
      steps: int(1, 7),
      channels: int(1, 2),
    })
    .chain(({ filters, kernel, steps, channels, ...opts }) => plain(batch, Net.conv1d(filters, kernel, opts), [steps, channels]))
    .filter(fits),
  Conv2dTranspose: fc
    .record({
      filters: int(1, 2),
      kernel: pair(1, 3),
      strides: pair(1, 3),
      dilations: pair(1, 2),
      padding: padding2d(2),
      extra: pair(0, 2),
      useBias: fc.boolean(),
      image: fc.tuple(int(1, 3), int(1, 3), int(1, 2)),
    })
    // output padding smaller than the stride, and none with 'same'
    .chain(({ filters, kernel, extra, image, ...o }) =>
      plain(batch, Net.conv2dTranspose(filters, kernel, { ...o, outputPadding: o.padding === 'same' ? 0 : [extra[0] % o.strides[0], extra[1] % o.strides[1]] }), image),
    )
    .filter(fits),
  DepthwiseConv2d: fc
    .record({
      kernel: pair(1, 3),
      depthMultiplier: int(1, 3),
      strides: pair(1, 2),
      dilations: pair(1, 2),
      padding: padding2d(1),
      useBias: fc.boolean(),
      image: fc.tuple(int(1, 4), int(1, 4), int(1, 2)),
    })
    .chain(({ kernel, image, ...o }) => plain(batch, Net.depthwiseConv2d(kernel, o), image))
    .filter(fits),
  Upsampling2d: fc
    .record({ size: pair(1, 3), interpolation: fc.constantFrom<Net.Interpolation>('nearest', 'bilinear'), image: fc.tuple(int(1, 3), int(1, 3), int(1, 2)) })
    .chain(({ size, interpolation, image }) => plain(batch, Net.upsampling2d(size, { interpolation }), image)),
  GlobalAvgPool: fc.record({ cells: fc.array(int(1, 3), { minLength: 1, maxLength: 3 }), channels: int(1, 3) }).chain(({ cells, channels }) => plain(batch, Net.globalAvgPool, [...cells, channels])),
  GlobalMaxPool: fc.record({ cells: fc.array(int(1, 3), { minLength: 1, maxLength: 3 }), channels: int(1, 3) }).chain(({ cells, channels }) => plain(batch, Net.globalMaxPool, [...cells, channels])),
}) satisfies Record<string, fc.Arbitrary<LayerCase>>

/** Per kind, its random configurations (see `layerCasesOf`), on batches of 1 to 3 examples. */
export const layerCases = layerCasesOf(int(1, 3))

/** A batch for a case: normal floats under `key`, the mask's flags last when the case has one. */
export const inputOfCase = (c: LayerCase, key: Rng.Key, dtype: 'float32' | 'float64' = 'float64'): Net.Value => {
  const draw = (s: Net.Shapes, k: Rng.Key): Net.Value => (Net.isTuple(s) ? s.tuple.map((p, i) => draw(p, Rng.foldIn(k, i))) : Rng.normal(k, [c.batch, ...s], { dtype }))
  const x = draw(c.inShape, key)
  if (c.mask === undefined) return x
  const parts = x as ReadonlyArray<Net.Value>
  return [...parts.slice(0, -1), T.tensor(c.mask as number[][], dtype)]
}
