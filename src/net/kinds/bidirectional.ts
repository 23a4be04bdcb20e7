/** A recurrent layer run forwards and backwards over time, with separate parameters, its two outputs merged. */
import { describe } from '../../core/errors.js'
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { attr } from '../../onnx/graph.js'
import { checkLayer, isLayer } from '../check.js'
import { type BuiltinKind, type Vars, problem } from '../Kind.js'
import type { Layer, Shapes } from '../Layer.js'
import { type Sym, isSym } from '../onnx/symbols.js'
import { layerOptions, make } from './common.js'
import { gru } from './gru.js'
import { lstm } from './lstm.js'
import { type RecurrentFields, recurrentInput, recurrentTags } from './recurrent.js'
import { simpleRnn } from './simpleRnn.js'

/** How the two directions' outputs become one: side by side along the features, or elementwise. */
export type Merge = 'concat' | 'sum' | 'mean' | 'mul'

const merges: ReadonlyArray<Merge> = ['concat', 'sum', 'mean', 'mul']

export interface Bidirectional {
  readonly _tag: 'Bidirectional'
  /** the recurrent layer whose copies run each way */
  readonly layer: Layer
  readonly merge: Merge
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Bidirectional: Bidirectional
  }
}

type Both<X> = { readonly forward: X; readonly backward: X }

const layerProblems = (u: unknown): string[] =>
  !isLayer(u)
    ? [`layer is ${describe(u)}, not a layer`]
    : recurrentTags.includes(u._tag)
      ? []
      : [`layer must be a recurrent layer (${recurrentTags.join(', ')}); got ${u._tag}: wrap Net.simpleRnn, Net.lstm or Net.gru`]

/** The steps of a batch [batch, time, …] in reverse order. */
const flip = (t: T.Tensor): T.Tensor => T.gather(t, Array.from({ length: t.shape[1]! }, (_, i) => t.shape[1]! - 1 - i), 1)

export const bidirectionalKind: BuiltinKind<Bidirectional> = {
  tag: 'Bidirectional',
  fields: ['layer', 'merge'],
  sublayers: { layer: 'one' },
  check: (l) => [...layerProblems(l.layer), ...(merges.includes(l.merge) ? [] : [`merge must be one of ${merges.map((m) => `'${m}'`).join(', ')}; got ${JSON.stringify(l.merge)}`])],
  children: (l) => [
    ['forward', l.layer],
    ['backward', l.layer],
  ],
  // both copies, so that the summary lists (and counts) each
  shape: (l, s, r) => {
    const out = r.shape(l.layer, 'forward', s) as ReadonlyArray<number>
    r.shape(l.layer, 'backward', s)
    return l.merge === 'concat' ? [...out.slice(0, -1), 2 * out.at(-1)!] : out
  },
  init: (l, key, s, _, r) => {
    const [kf, kb] = split(key)
    const [f, b] = [r.init(l.layer, 'forward', kf!, s), r.init(l.layer, 'backward', kb!, s)]
    return { params: { forward: f.params, backward: b.params }, state: { forward: f.state, backward: b.state } }
  },
  // the backward copy reads the steps last to first; its outputs are put back in step order
  apply: (l, vars, x, mode, r) => {
    const rec = l.layer as unknown as RecurrentFields
    const p = vars.params as Both<Vars['params']>
    const st = vars.state as Both<Vars['state']>
    const { x: seq, mask } = recurrentInput(rec, x)
    if (seq.rank !== 3) problem(`needs sequences [batch, time, features]; got ${seq.shape.length === 0 ? 'a scalar' : `[${seq.shape.join(', ')}]`}`)
    const f = r.apply(l.layer, 'forward', { params: p.forward, state: st.forward }, x, mode)
    const b = r.apply(l.layer, 'backward', { params: p.backward, state: st.backward }, mask === undefined ? flip(seq) : [flip(seq), flip(mask)], mode)
    const [yf, yb] = [f.y as T.Tensor, rec.returnSequences ? flip(b.y as T.Tensor) : (b.y as T.Tensor)]
    const y = l.merge === 'concat' ? T.concat([yf, yb], -1) : l.merge === 'sum' ? T.add(yf, yb) : l.merge === 'mean' ? T.mul(T.add(yf, yb), 0.5) : T.mul(yf, yb)
    return { y, state: { forward: f.state, backward: b.state } }
  },
  label: (l) => `Bidirectional(${l.merge})`,
  examples: () => [
    { layer: bidirectional(simpleRnn(2, { returnSequences: true })), inShape: [3, 2] },
    { layer: bidirectional(lstm(2), { merge: 'sum' }), inShape: [3, 2] },
    { layer: bidirectional(gru(2, { returnSequences: true, mask: true }), { merge: 'mean' }), inShape: { tuple: [[4, 2], [4]] } },
    { layer: bidirectional(gru(2), { merge: 'mul' }), inShape: [3, 2] },
  ],
  // the backward copy reads the steps reversed by a Gather, with the mask reversed too, as in
  // `apply` (its own export moves the real steps first: see `onnxInput`)
  lower: (l, vars, x, cx) => {
    const { g, base, where: doc } = cx
    const rec = l.layer as unknown as RecurrentFields
    const p = vars.params as Both<Vars['params']>
    const st = vars.state as Both<Vars['state']>
    const parts = rec.mask ? (isSym(x) || x.length !== 2 ? cx.refuse('SHAPE_MISMATCH', 'expects a tuple (sequence, mask) because its layer was built with { mask: true }.') : x) : [x]
    const seq = cx.float(parts[0]!, 'natural')
    const time = seq.shape[0]!
    const steps = g.int64s(`${base}.reversed`, Array.from({ length: time }, (_, i) => time - 1 - i))
    const reverse = (name: string): string => g.op(base, 'Gather', [name, steps], { attrs: [attr.int('axis', 1)], doc })
    const reversed = (s: Sym): Sym => ({ name: reverse(s.name), shape: s.shape, layout: 'natural', type: 'float32' })
    const backward = rec.mask ? [reversed(seq), reversed(cx.float(parts[1]!, 'natural'))] : reversed(seq)
    const yf = cx.float(cx.child(l.layer, 'forward', { params: p.forward, state: st.forward }, x), 'natural')
    const yb0 = cx.float(cx.child(l.layer, 'backward', { params: p.backward, state: st.backward }, backward), 'natural')
    const yb = rec.returnSequences ? reverse(yb0.name) : yb0.name
    const y =
      l.merge === 'concat'
        ? g.op(base, 'Concat', [yf.name, yb], { attrs: [attr.int('axis', -1)], doc })
        : l.merge === 'mul'
          ? g.op(base, 'Mul', [yf.name, yb], { doc })
          : l.merge === 'sum'
            ? g.op(base, 'Add', [yf.name, yb], { doc })
            : g.op(base, 'Mul', [g.op(base, 'Add', [yf.name, yb], { doc }), g.floats(`${base}.half`, [], [0.5])], { doc })
    return cx.out(y, 'natural')
  },
}

/** Options of `bidirectional`. */
export interface BidirectionalOptions {
  /** how the two outputs become one: `concat` (along the features, forward first; the default), `sum`, `mean` or `mul` (elementwise) */
  readonly merge?: Merge
}

/**
 * A recurrent layer (`simpleRnn`, `lstm` or `gru`) run both ways over time: a forward copy
 * reads the steps first to last, a backward copy (parameters of its own, `backward` beside
 * `forward` in the parameter tree, initialised from another key) reads them last to first,
 * and their outputs are merged. With `returnSequences` the backward copy's outputs are put
 * back in step order, so step t of the output sees the steps up to t forwards and from t
 * backwards. With a layer built with `{ mask: true }` the input is (sequence, mask) and the
 * backward copy reads the reversed mask: padded steps carry its state over, so with padding
 * at the end it starts from the last real step.
 *
 * Parameters: `forward` and `backward`, each the wrapped layer's. From PyTorch's
 * `nn.GRU(…, bidirectional=True, batch_first=True)` (likewise LSTM and RNN): `forward` from the
 * `*_l0` weights and `backward` from the `*_l0_reverse` ones, each as the layer's doc says; the
 * `concat` merge puts the forward features first, as PyTorch's output does.
 *
 * In ONNX the backward copy reads a Gather of the steps in reverse (and of the mask), as in
 * `Net.apply`; with a mask, padding may be anywhere (see `RecurrentOptions.mask`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const bi = Net.bidirectional(Net.gru(3, { returnSequences: true }))
 * assert.deepStrictEqual(Net.shape(bi, [7, 2]), E.right([7, 6])) // forward and backward features side by side
 * assert.deepStrictEqual(Net.shape(Net.bidirectional(Net.lstm(3), { merge: 'sum' }), [7, 2]), E.right([3]))
 * const vars = Net.init(bi, { key: Rng.key(0), inShape: [7, 2] })
 * assert.deepStrictEqual(Tree.paths(vars.params).filter((p) => p.endsWith('.W')), ['backward.W', 'forward.W'])
 * assert.throws(() => Net.bidirectional(Net.dense(3)), { code: 'INVALID_ARGUMENT' }) // only recurrent layers
 * @category combinators
 */
export const bidirectional = (layer: Layer, options?: BidirectionalOptions): Bidirectional => {
  const opts = layerOptions('bidirectional', options, ['merge'])
  return make(bidirectionalKind, { _tag: 'Bidirectional', layer: checkLayer('bidirectional', layer, 'the layer'), merge: opts.merge ?? 'concat' })
}
