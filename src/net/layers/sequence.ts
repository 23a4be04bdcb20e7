/** Layers over sequences: embeddings and recurrent layers (per-example shape [time, features]). */
import { fail, showShape } from '../../core/errors.js'
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { checkInit, initialize } from '../initializers.js'
import { type Kind, one, problem, single } from '../Kind.js'
import type { ActivationFn, Embedding, Initializer, Lstm, SimpleRnn } from '../Layer.js'
import { boolean, layerOptions, make, positiveInt } from './common.js'
import { activate, isActivationFn } from './dense.js'

// ---------------------------------------------------------------------------------------------
// embedding

export const embeddingKind: Kind<Embedding> = {
  check: (l) => [...positiveInt('vocab', l.vocab), ...positiveInt('dim', l.dim), ...checkInit('init', l.init)],
  children: () => [],
  shape: (l, s) => [...one(s), l.dim],
  init: (l, key, _, dtype, r) => ({ params: { W: r.variable([l.vocab, l.dim], (shape) => initialize(l.init, key, shape, l.vocab, l.dim, dtype)) }, state: {} }),
  apply: (l, { params }, x) => {
    const ix = single(x)
    if (ix.dtype !== 'int32') fail('DTYPE_MISMATCH', 'Embedding', `expects int32 token indices; got ${ix.dtype} ${showShape(ix.shape)}. Use Tensor.cast(x, 'int32').`)
    // gather would wrap a negative index to the end of the table: a token −1 (a common padding
    // value) would silently read the last row
    const [lo, hi] = ix.size === 0 ? [0, 0] : [T.item(T.min(ix)), T.item(T.max(ix))]
    if (lo < 0 || hi >= l.vocab) {
      fail('INDEX_OUT_OF_RANGE', 'Embedding', `token indices must lie in [0, ${l.vocab - 1}] for a vocabulary of ${l.vocab}; got ${lo < 0 ? lo : hi}. Map padding or unknown tokens to an index of their own.`)
    }
    return { y: T.gather((params as { W: T.Tensor }).W, ix), state: {} }
  },
  label: (l) => `Embedding(${l.vocab}, ${l.dim})`,
}

/**
 * A lookup table from `vocab` token indices (int32) to vectors of `dim`: each example's
 * shape [...] becomes [..., dim].
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const emb = Net.embedding(10, 4)
 * const vars = Net.init(emb, { key: Rng.key(0), inShape: [3] })
 * const y = Net.predict(emb, vars, T.tensor([[1, 7, 1]], 'int32'))
 * assert.deepStrictEqual(y.shape, [1, 3, 4])
 * const v = T.toArray(y)
 * assert.deepStrictEqual(v.slice(8, 12), v.slice(0, 4)) // token 1 twice: the same row of the table
 * @category layers
 */
export const embedding = (vocab: number, dim: number, options?: { readonly init?: Initializer }): Embedding => {
  const opts = layerOptions('embedding', options, ['init'])
  return make(embeddingKind, { _tag: 'Embedding', vocab, dim, init: opts.init ?? 'glorotUniform' })
}

// ---------------------------------------------------------------------------------------------
// recurrent layers

const sequence = (s: ReadonlyArray<number>): readonly [number, number] =>
  s.length === 2 ? [s[0]!, s[1]!] : problem(`needs sequences of shape [time, features]; got [${s.join(', ')}] per example`)

const recurrentShape = (units: number, returnSequences: boolean, s: ReadonlyArray<number>): number[] => {
  const [time] = sequence(s)
  return returnSequences ? [time, units] : [units]
}

/** Runs a cell over time: step(x_t·W + b part, state) → [h, state]; xw holds x·W for all steps. */
const unroll = <S>(xw: T.Tensor, s0: S, step: (xwt: T.Tensor, s: S) => readonly [T.Tensor, S], returnSequences: boolean): T.Tensor => {
  const [n, time, width] = xw.shape as [number, number, number]
  let s = s0
  const hs: T.Tensor[] = []
  let h: T.Tensor | undefined
  for (let t = 0; t < time; t++) {
    ;[h, s] = step(T.reshape(T.slice(xw, [0, t, 0], [n, 1, width]), [n, width]), s)
    hs.push(h)
  }
  if (h === undefined) return fail('SHAPE_MISMATCH', 'recurrent layer', 'sequences must have at least one step.')
  return returnSequences ? T.stack(hs, 1) : h
}

type RnnParams = { readonly W: T.Tensor; readonly U: T.Tensor; readonly b: T.Tensor }

export const simpleRnnKind: Kind<SimpleRnn> = {
  check: (l) => [
    ...positiveInt('units', l.units),
    ...(isActivationFn(l.activation) && l.activation !== 'softmax' && l.activation !== 'logSoftmax' ? [] : [`activation must be an elementwise activation such as 'tanh'; got ${JSON.stringify(l.activation)}`]),
    ...boolean('returnSequences', l.returnSequences),
    ...checkInit('init', l.init),
    ...checkInit('recurrentInit', l.recurrentInit),
  ],
  children: () => [],
  shape: (l, s) => recurrentShape(l.units, l.returnSequences, one(s)),
  init: (l, key, s, dtype, r) => {
    const [, f] = sequence(one(s))
    const [kW, kU] = split(key)
    return {
      params: {
        W: r.variable([f, l.units], (shape) => initialize(l.init, kW, shape, f, l.units, dtype)),
        U: r.variable([l.units, l.units], (shape) => initialize(l.recurrentInit, kU, shape, l.units, l.units, dtype)),
        b: r.variable([l.units], (shape) => T.zeros(shape, dtype)),
      },
      state: {},
    }
  },
  // hₜ = act(xₜ·W + hₜ₋₁·U + b), h₀ = 0
  apply: (l, { params }, x) => {
    const { W, U, b } = params as RnnParams
    const t = single(x)
    const xw = T.add(T.matmul(t, W), b)
    const h0 = T.zeros([t.shape[0]!, l.units], t.dtype)
    const y = unroll(xw, h0, (xwt, h) => {
      const next = activate(l.activation, T.add(xwt, T.matmul(h, U)))
      return [next, next]
    }, l.returnSequences)
    return { y, state: {} }
  },
  label: (l) => `SimpleRnn(${l.units}${l.returnSequences ? ', sequences' : ''})`,
}

/** Options of the recurrent layers. */
export interface RecurrentOptions {
  /** output every step ([time, units]) or only the last ([units]); default false */
  readonly returnSequences?: boolean
  /** input weights, default glorotUniform */
  readonly init?: Initializer
  /** recurrent weights, default glorotUniform */
  readonly recurrentInit?: Initializer
}

/**
 * A simple (Elman) recurrent layer: hₜ = act(xₜ·W + hₜ₋₁·U + b), act tanh by default.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * // with weights of ones and relu, hₜ = xₜ + hₜ₋₁: a running sum
 * const rnn = Net.simpleRnn(1, { activation: 'relu', init: 'ones', recurrentInit: 'ones', returnSequences: true })
 * const vars = Net.init(rnn, { key: Rng.key(0), inShape: [3, 1] })
 * assert.deepStrictEqual(T.toArray(Net.predict(rnn, vars, T.tensor([[[1], [2], [3]]]))), [1, 3, 6])
 * @category layers
 */
export const simpleRnn = (units: number, options?: RecurrentOptions & { readonly activation?: ActivationFn }): SimpleRnn => {
  const opts = layerOptions('simpleRnn', options, ['activation', 'returnSequences', 'init', 'recurrentInit'])
  return make(simpleRnnKind, {
    _tag: 'SimpleRnn',
    units,
    activation: opts.activation ?? 'tanh',
    returnSequences: opts.returnSequences ?? false,
    init: opts.init ?? 'glorotUniform',
    recurrentInit: opts.recurrentInit ?? 'glorotUniform',
  })
}

export const lstmKind: Kind<Lstm> = {
  check: (l) => [...positiveInt('units', l.units), ...boolean('returnSequences', l.returnSequences), ...checkInit('init', l.init), ...checkInit('recurrentInit', l.recurrentInit)],
  children: () => [],
  shape: (l, s) => recurrentShape(l.units, l.returnSequences, one(s)),
  init: (l, key, s, dtype, r) => {
    const [, f] = sequence(one(s))
    const u = l.units
    const [kW, kU] = split(key)
    // gates in the order input, forget, cell, output; the forget bias starts at 1 (Jozefowicz et al.)
    const b = r.variable([4 * u], () => T.concat([T.zeros([u], dtype), T.ones([u], dtype), T.zeros([2 * u], dtype)]))
    return {
      params: {
        W: r.variable([f, 4 * u], (shape) => initialize(l.init, kW, shape, f, 4 * u, dtype)),
        U: r.variable([u, 4 * u], (shape) => initialize(l.recurrentInit, kU, shape, u, 4 * u, dtype)),
        b,
      },
      state: {},
    }
  },
  // [i, f, g, o] = xₜ·W + hₜ₋₁·U + b; cₜ = σ(f)·cₜ₋₁ + σ(i)·tanh(g); hₜ = σ(o)·tanh(cₜ)
  apply: (l, { params }, x) => {
    const { W, U, b } = params as RnnParams
    const t = single(x)
    const n = t.shape[0]!
    const u = l.units
    const gate = (z: T.Tensor, k: number): T.Tensor => T.slice(z, [0, k * u], [n, u])
    const zero = T.zeros([n, u], t.dtype)
    const y = unroll(T.add(T.matmul(t, W), b), { h: zero, c: zero }, (xwt, s) => {
      const z = T.add(xwt, T.matmul(s.h, U))
      const c = T.add(T.mul(T.sigmoid(gate(z, 1)), s.c), T.mul(T.sigmoid(gate(z, 0)), T.tanh(gate(z, 2))))
      const h = T.mul(T.sigmoid(gate(z, 3)), T.tanh(c))
      return [h, { h, c }]
    }, l.returnSequences)
    return { y, state: {} }
  },
  label: (l) => `Lstm(${l.units}${l.returnSequences ? ', sequences' : ''})`,
}

/**
 * A long short-term memory layer (Hochreiter & Schmidhuber), gates input/forget/cell/output,
 * forget bias initialised to 1.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * assert.deepStrictEqual(Net.shape(Net.lstm(2), [10, 3]), E.right([2]))
 * const net = Net.lstm(2, { returnSequences: true })
 * const { params, outShape } = Net.init(net, { key: Rng.key(0), inShape: [10, 3] })
 * assert.deepStrictEqual(outShape, [10, 2])
 * const b = Tree.leaves(params).find((l) => l.path === 'b')!.value
 * assert.deepStrictEqual(T.toArray(b), [0, 0, 1, 1, 0, 0, 0, 0]) // input, forget, cell, output gates
 * @category layers
 */
export const lstm = (units: number, options?: RecurrentOptions): Lstm => {
  const opts = layerOptions('lstm', options, ['returnSequences', 'init', 'recurrentInit'])
  return make(lstmKind, {
    _tag: 'Lstm',
    units,
    returnSequences: opts.returnSequences ?? false,
    init: opts.init ?? 'glorotUniform',
    recurrentInit: opts.recurrentInit ?? 'glorotUniform',
  })
}
