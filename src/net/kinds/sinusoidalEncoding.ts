/** Sinusoidal positional encodings (Vaswani et al.): fixed sines and cosines added to a sequence. */
import type { DType } from '../../core/dtype.js'
import type { Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { type BuiltinKind, none, one, problem, single } from '../Kind.js'
import { showShapes } from '../Layer.js'
import { layerOptions, make } from './common.js'

export interface SinusoidalEncoding {
  readonly _tag: 'SinusoidalEncoding'
  /** the wavelengths grow geometrically from 2π to 2π·base */
  readonly base: number
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly SinusoidalEncoding: SinusoidalEncoding
  }
}

/** The encodings of `steps` positions in `d` features, row-major, computed in float64. */
export const sinusoids = (steps: number, d: number, base: number): Float64Array => {
  const out = new Float64Array(steps * d)
  for (let t = 0; t < steps; t++) {
    for (let j = 0; j < d; j++) {
      const angle = t / base ** ((2 * Math.floor(j / 2)) / d)
      out[t * d + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle)
    }
  }
  return out
}

const sequence = (s: ReadonlyArray<number>): readonly [number, number] =>
  s.length === 2 ? [s[0]!, s[1]!] : problem(`needs sequences of shape [time, features] per example; got ${showShapes(s)}`)

const table = (l: SinusoidalEncoding, steps: number, d: number, dtype: DType): Tensor => T.fromArray(sinusoids(steps, d, l.base), [steps, d], dtype)

export const sinusoidalEncodingKind: BuiltinKind<SinusoidalEncoding> = {
  tag: 'SinusoidalEncoding',
  fields: ['base'],
  check: (l) => (typeof l.base === 'number' && Number.isFinite(l.base) && l.base > 1 ? [] : [`base must be a finite number > 1; got ${JSON.stringify(l.base)}`]),
  children: () => [],
  shape: (_, s) => {
    sequence(one(s))
    return s
  },
  init: () => none,
  apply: (l, _, x) => {
    const t = single(x)
    if (t.rank !== 3) problem(`needs sequences [batch, time, features]; got ${showShapes(t.shape)}`)
    const [steps, d] = sequence(t.shape.slice(1))
    return { y: T.add(t, table(l, steps, d, t.dtype)), state: {} }
  },
  examples: () => [{ layer: sinusoidalEncoding(), inShape: [4, 4] }],
  label: (l) => (l.base === 10000 ? 'SinusoidalEncoding' : `SinusoidalEncoding(base ${l.base})`),
  // x + the encodings, a constant [time, features] broadcast over the batch
  lower: (l, _, x, cx) => {
    const s = cx.float(x, 'natural')
    const [steps, d] = s.shape as [number, number]
    return cx.out(cx.g.op(cx.base, 'Add', [s.name, cx.g.floats(`${cx.base}.encoding`, [steps, d], sinusoids(steps, d, l.base))], { doc: cx.where }), 'natural')
  },
}

/**
 * Sinusoidal positional encodings (Vaswani et al., "Attention is all you need"): adds to a
 * sequence [T, D] per example (batches [batch, time, features]) the fixed encodings
 * PE[t, 2i] = sin(t / base^(2i/D)) and PE[t, 2i+1] = cos(t / base^(2i/D)), base 10000 by
 * default: sines on the even features and cosines on the odd ones, interleaved as in the paper
 * and PyTorch's tutorial (not sines then cosines, as tensor2tensor's). No parameters, any
 * length; with an odd D the last feature is a sine.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const pe = Net.sinusoidalEncoding()
 * const vars = Net.init(pe, { key: Rng.key(0), inShape: [3, 4] })
 * const y = T.toNested(Net.predict(pe, vars, T.zeros([1, 3, 4], 'float64'))) as number[][][]
 * assert.deepStrictEqual(y[0]![0], [0, 1, 0, 1]) // position 0: sin 0, cos 0
 * assert.deepStrictEqual(y[0]![2], [Math.sin(2), Math.cos(2), Math.sin(2 / 100), Math.cos(2 / 100)])
 * @category layers
 */
export const sinusoidalEncoding = (options?: { readonly base?: number }): SinusoidalEncoding => {
  const opts = layerOptions('sinusoidalEncoding', options, ['base'])
  return make(sinusoidalEncodingKind, { _tag: 'SinusoidalEncoding', base: opts.base ?? 10000 })
}
