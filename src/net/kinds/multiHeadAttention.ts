/**
 * Multi-head attention over sequences [time, features] per example: query, key, value and
 * output projections around `Tensor.attention`, heads splitting the feature axis. Exported as
 * MatMul, Reshape, Transpose, Softmax and, with a mask, Where.
 */
import { dataOf, type Tensor } from '../../core/Tensor.js'
import { split } from '../../rng/index.js'
import * as T from '../../tensor/index.js'
import { checkInit, initialize } from '../initializers.js'
import { type BuiltinKind, problem, single } from '../Kind.js'
import { type Initializer, type Shapes, type Value, isTuple, showShapes } from '../Layer.js'
import { attr } from '../../onnx/graph.js'
import { DataType } from '../../onnx/schema.js'
import { type Sym, isSym } from '../onnx/symbols.js'
import { boolean, layerOptions, make, positiveInt } from './common.js'

export interface MultiHeadAttention {
  readonly _tag: 'MultiHeadAttention'
  readonly heads: number
  /** query i attends only to keys j ≤ i */
  readonly causal: boolean
  /** keys and values come from a second input (the context) instead of the queries' input */
  readonly cross: boolean
  /** a last input flags the keys that may be attended (non-zero) and the padding (0) */
  readonly keyMask: boolean
  readonly useBias: boolean
  readonly init: Initializer
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly MultiHeadAttention: MultiHeadAttention
  }
}

type MhaParams = { readonly [name in 'Wq' | 'Wk' | 'Wv' | 'Wo']: Tensor } & { readonly [name in 'bq' | 'bk' | 'bv' | 'bo']?: Tensor }

/** What the layer reads, in order: queries, then the context when `cross`, then the key mask when `keyMask`. */
const inputNames = (l: MultiHeadAttention): string => ['queries [Tq, D]', ...(l.cross ? ['context [Tk, Dc]'] : []), ...(l.keyMask ? ['key mask [Tk]'] : [])].join(', ')

/** The layer's inputs from a value or shapes: one, or a tuple of 2 or 3. */
const partsOf = <X>(l: MultiHeadAttention, x: X, tuple: (x: X) => ReadonlyArray<X> | undefined, show: (x: X) => string): ReadonlyArray<X> => {
  const n = 1 + (l.cross ? 1 : 0) + (l.keyMask ? 1 : 0)
  if (n === 1) return tuple(x) === undefined ? [x] : problem(`reads one sequence [time, features] but gets a tuple ${show(x)}; build it with { cross: true } or { keyMask: true } to read more inputs`)
  const parts = tuple(x)
  return parts !== undefined && parts.length === n ? parts : problem(`reads a tuple of ${n} (${inputNames(l)}) but gets ${show(x)}; combine the inputs with parallel or fanOut`)
}

const shapeParts = (l: MultiHeadAttention, s: Shapes): ReadonlyArray<Shapes> => partsOf(l, s, (v) => (isTuple(v) ? v.tuple : undefined), showShapes)

const sequence = (s: Shapes, what: string): readonly [number, number] =>
  Array.isArray(s) && s.length === 2 ? [s[0]!, s[1]!] : problem(`needs ${what} of shape [time, features] per example; got ${showShapes(s)}`)

/** Queries [Tq, D], context [Tk, Dc]; refuses heads that do not divide D and a key mask that is not [Tk]. */
const sizes = (l: MultiHeadAttention, s: Shapes): { readonly tq: number; readonly d: number; readonly tk: number; readonly dc: number } => {
  const parts = shapeParts(l, s)
  const [tq, d] = sequence(parts[0]!, 'queries')
  const [tk, dc] = l.cross ? sequence(parts[1]!, 'a context') : [tq, d]
  if (d % l.heads !== 0) problem(`needs a feature size divisible by its heads; got ${d} features for ${l.heads} heads (use a feature size that is a multiple of ${l.heads}, or ${l.heads} heads' divisors)`)
  if (l.keyMask) {
    const m = parts.at(-1)!
    if (!Array.isArray(m) || m.length !== 1 || m[0] !== tk) problem(`needs a key mask of shape [${tk}] per example (one flag per key of the ${tk}); got ${showShapes(m)}`)
  }
  return { tq, d, tk, dc }
}

export const multiHeadAttentionKind: BuiltinKind<MultiHeadAttention> = {
  tag: 'MultiHeadAttention',
  fields: ['heads', 'causal', 'cross', 'keyMask', 'useBias', 'init'],
  check: (l) => [...positiveInt('heads', l.heads), ...boolean('causal', l.causal), ...boolean('cross', l.cross), ...boolean('keyMask', l.keyMask), ...boolean('useBias', l.useBias), ...checkInit('init', l.init)],
  children: () => [],
  shape: (l, s) => {
    const { tq, d } = sizes(l, s)
    return [tq, d]
  },
  init: (l, key, s, dtype, r) => {
    const { d, dc } = sizes(l, s)
    const [kq, kk, kv, ko] = split(key, 4)
    const W = (k: typeof key, nIn: number) => r.variable([nIn, d], (shape) => initialize(l.init, k, shape, nIn, d, dtype))
    const b = () => r.variable([d], (shape) => T.zeros(shape, dtype))
    const weights = { Wq: W(kq!, d), Wk: W(kk!, dc), Wv: W(kv!, dc), Wo: W(ko!, d) }
    return { params: l.useBias ? { ...weights, bq: b(), bk: b(), bv: b(), bo: b() } : weights, state: {} }
  },
  apply: (l, { params }, x) => {
    const p = params as MhaParams
    const parts = partsOf(l, x, (v: Value) => (Array.isArray(v) ? v : undefined), (v) => `a tuple of ${(v as ReadonlyArray<Value>).length}`)
    const xq = single(parts[0]!)
    const xc = l.cross ? single(parts[1]!) : xq
    if (xq.rank !== 3 || xc.rank !== 3) problem(`needs sequences [batch, time, features]; got ${[xq, xc].map((t) => showShapes(t.shape)).join(' and ')}`)
    const [n, tq, d] = xq.shape as [number, number, number]
    const tk = xc.shape[1]!
    const h = l.heads
    if (d % h !== 0) problem(`needs a feature size divisible by its heads; got ${d} features for ${h} heads`)
    const proj = (t: Tensor, W: Tensor, b: Tensor | undefined): Tensor => (b === undefined ? T.matmul(t, W) : T.add(T.matmul(t, W), b))
    const byHead = (t: Tensor, steps: number): Tensor => T.transpose(T.reshape(t, [n, steps, h, d / h]), [0, 2, 1, 3]) // [batch, heads, time, d/h]
    const mask = l.keyMask ? single(parts.at(-1)!) : undefined
    if (mask !== undefined && (mask.rank !== 2 || mask.shape[0] !== n || mask.shape[1] !== tk)) problem(`needs a key mask [batch ${n}, keys ${tk}]; got ${showShapes(mask.shape)}`)
    const o = T.attention(byHead(proj(xq, p.Wq, p.bq), tq), byHead(proj(xc, p.Wk, p.bk), tk), byHead(proj(xc, p.Wv, p.bv), tk), {
      causal: l.causal,
      ...(mask === undefined ? {} : { mask: T.reshape(mask, [n, 1, 1, tk]) }),
    })
    return { y: proj(T.reshape(T.transpose(o, [0, 2, 1, 3]), [n, tq, d]), p.Wo, p.bo), state: {} }
  },
  examples: () => [{ layer: multiHeadAttention(2), inShape: [3, 4] }, { layer: multiHeadAttention(2, { causal: true }), inShape: [4, 2] }],
  label: (l) => `MultiHeadAttention(${l.heads}${l.causal ? ', causal' : ''}${l.cross ? ', cross' : ''}${l.keyMask ? ', key mask' : ''})`,
  // the same steps: MatMul (+ Add) projections, heads by Reshape and Transpose, MatMul scores
  // scaled by Mul, Softmax; with masks, scores of masked keys replaced by the lowest float
  // before the Softmax and weights of masked keys by 0 after it (a fully masked query gets 0)
  lower: (l, vars, x, cx) => {
    const { g, base, where: doc } = cx
    const p = vars.params as MhaParams
    const parts = l.cross || l.keyMask ? (isSym(x) ? cx.refuse('SHAPE_MISMATCH', `expects a tuple (${inputNames(l)}) but gets one tensor.`) : x) : [x]
    const q = cx.float(parts[0]!, 'natural')
    const c = l.cross ? cx.float(parts[1]!, 'natural') : q
    const [tq, d] = q.shape as [number, number]
    const tk = c.shape[0]!
    const h = l.heads
    const weight = (name: string, t: Tensor): string => g.floats(`${base}.${name}`, t.shape, dataOf(t))
    const proj = (s: string, w: 'q' | 'k' | 'v' | 'o'): string => {
      const y = g.op(base, 'MatMul', [s, weight(`W${w}`, p[`W${w}`])], { doc })
      const b = p[`b${w}`]
      return b === undefined ? y : g.op(base, 'Add', [y, weight(`b${w}`, b)], { doc })
    }
    const shapes = new Map<number, string>() // [0, steps, h, d/h], one initialiser per length
    const headShape = (steps: number): string => shapes.get(steps) ?? shapes.set(steps, g.int64s(`${base}.heads`, [0, steps, h, d / h])).get(steps)!
    const byHead = (s: Sym, w: 'q' | 'k' | 'v', steps: number, perm: ReadonlyArray<number>): string =>
      g.op(base, 'Transpose', [g.op(base, 'Reshape', [proj(s.name, w), headShape(steps)], { doc })], { attrs: [attr.ints('perm', perm)], doc })
    const Q = byHead(q, 'q', tq, [0, 2, 1, 3])
    const Kt = byHead(c, 'k', tk, [0, 2, 3, 1]) // [N, heads, d/h, Tk]
    const V = byHead(c, 'v', tk, [0, 2, 1, 3])
    const scores = g.op(base, 'Mul', [g.op(base, 'MatMul', [Q, Kt], { doc }), g.floats(`${base}.scale`, [], [1 / Math.sqrt(d / h)])], { doc })
    const toBool = (s: string): string => g.op(base, 'Cast', [s], { attrs: [attr.int('to', DataType.BOOL)], doc })
    const causal = l.causal ? toBool(g.floats(`${base}.causal`, [tq, tk], Float32Array.from({ length: tq * tk }, (_, i) => (i % tk <= Math.floor(i / tk) ? 1 : 0)))) : undefined
    const padding = l.keyMask ? toBool(g.op(base, 'Reshape', [cx.float(parts.at(-1)!).name, g.int64s(`${base}.maskShape`, [0, 1, 1, tk])], { doc })) : undefined
    const allowed = causal !== undefined && padding !== undefined ? g.op(base, 'And', [padding, causal], { doc }) : (causal ?? padding)
    const softmax = (s: string): string => g.op(base, 'Softmax', [s], { attrs: [attr.int('axis', -1)], doc })
    const weights =
      allowed === undefined
        ? softmax(scores)
        : g.op(base, 'Where', [allowed, softmax(g.op(base, 'Where', [allowed, scores, g.floats(`${base}.lowest`, [], [-3.4028234663852886e38])], { doc })), g.floats(`${base}.zero`, [], [0])], { doc })
    const heads = g.op(base, 'Transpose', [g.op(base, 'MatMul', [weights, V], { doc })], { attrs: [attr.ints('perm', [0, 2, 1, 3])], doc })
    return cx.out(proj(g.op(base, 'Reshape', [heads, g.int64s(`${base}.merge`, [0, tq, d])], { doc }), 'o'), 'natural')
  },
}

/** Options of `multiHeadAttention`. */
export interface MultiHeadAttentionOptions {
  /** query i attends only to keys j ≤ i (for language models); default false */
  readonly causal?: boolean
  /** read a tuple whose second element is the context the keys and values come from (cross-attention); default false (self-attention) */
  readonly cross?: boolean
  /** read a last input, the key mask [Tk] per example: non-zero for a key that may be attended, 0 for padding; default false */
  readonly keyMask?: boolean
  /** biases on the four projections, default true */
  readonly useBias?: boolean
  /** initialiser of the four projection matrices, default glorotUniform (biases start at 0) */
  readonly init?: Initializer
}

/**
 * Multi-head scaled dot-product attention (Vaswani et al.) over sequences: per example the
 * queries are [Tq, D] (time, then features; batches are [batch, time, features]) and the output
 * is [Tq, D]. The feature axis is split into `heads` heads of D/heads features each.
 *
 * - Self-attention (default): one input [T, D]; queries, keys and values all come from it.
 * - `cross: true`: a tuple (queries [Tq, D], context [Tk, Dc]); keys and values come from the
 *   context, whose feature size Dc may differ from D.
 * - `keyMask: true`: one more input last, [Tk] per example: non-zero where a key may be
 *   attended, 0 for padding (the opposite of PyTorch's `key_padding_mask`, where true means
 *   padding). A query with every key masked outputs the output bias (its attention is 0).
 * - `causal: true`: query i attends only to keys j ≤ i.
 *
 * Parameters (y = x·W + b, W of shape [inputs, outputs]): `Wq` [D, D], `Wk` [Dc, D], `Wv`
 * [Dc, D], `Wo` [D, D], and biases `bq`, `bk`, `bv`, `bo` [D]. Head i uses the columns
 * i·D/h … (i+1)·D/h of `Wq`, `Wk` and `Wv` and the same rows of `Wo`. From PyTorch's
 * `nn.MultiheadAttention(D, h, batch_first=True)`: `Wq`, `Wk`, `Wv` are the transposed thirds
 * of `in_proj_weight` (rows 0…D, D…2D, 2D…3D), the biases the thirds of `in_proj_bias`, `Wo`
 * is `out_proj.weight` transposed and `bo` is `out_proj.bias`. Scores are scaled by 1/√(D/h).
 * Attention dropout is not applied; put a `dropout` layer after the layer instead.
 *
 * In ONNX a key mask is a float32 input (non-zero = attend).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const self = Net.multiHeadAttention(2, { causal: true })
 * const vars = Net.init(self, { key: Rng.key(0), inShape: [5, 8] })
 * assert.deepStrictEqual(Tree.paths(vars.params), ['Wk', 'Wo', 'Wq', 'Wv', 'bk', 'bo', 'bq', 'bv'])
 * assert.deepStrictEqual(Net.predict(self, vars, Rng.normal(Rng.key(1), [3, 5, 8])).shape, [3, 5, 8])
 * // cross-attention from 5 queries of 8 features to 7 context steps of 3 features, 2 of them padding
 * const cross = Net.multiHeadAttention(4, { cross: true, keyMask: true })
 * assert.deepStrictEqual(Net.shape(cross, { tuple: [[5, 8], [7, 3], [7]] }), E.right([5, 8]))
 * // heads must divide the feature size
 * const bad = Net.shape(Net.multiHeadAttention(3), [5, 8])
 * assert.ok(E.isLeft(bad) && bad.left.message.includes('8 features for 3 heads'))
 * @category layers
 */
export const multiHeadAttention = (heads: number, options?: MultiHeadAttentionOptions): MultiHeadAttention => {
  const opts = layerOptions('multiHeadAttention', options, ['causal', 'cross', 'keyMask', 'useBias', 'init'])
  return make(multiHeadAttentionKind, {
    _tag: 'MultiHeadAttention',
    heads,
    causal: opts.causal ?? false,
    cross: opts.cross ?? false,
    keyMask: opts.keyMask ?? false,
    useBias: opts.useBias ?? true,
    init: opts.init ?? 'glorotUniform',
  })
}
