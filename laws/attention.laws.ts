/**
 * Laws of attention on random shapes, masks and options, in float64: `Tensor.attention` and
 * `Net.multiHeadAttention` pass gradCheck (fully masked queries included), forward mode agrees
 * with reverse mode (⟨u, J·t⟩ = ⟨Jᵀ·u, t⟩), masked keys never change the output, and the
 * exported layer agrees with Net.apply in onnxruntime.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Ad, Net, Rng, Tensor as T, Tree } from '../src/index.js'
import { agree } from '../test/net/onnx.util.js'

const seed = fc.integer({ min: 0, max: 2 ** 30 })
const size = (max: number) => fc.integer({ min: 1, max })
const normal = (s: number, shape: ReadonlyArray<number>, std = 1): T.Tensor => Rng.normal(Rng.key(s), shape, { std, dtype: 'float64' })

/** A 0/1 mask of `shape` with about a third masked (so whole rows are often masked), its first entry kept so something is judged. */
const randomMask = (s: number, shape: ReadonlyArray<number>, dtype: 'float64' | 'int32' = 'float64'): T.Tensor => {
  const u = T.toArray(Rng.uniform(Rng.key(s), shape, { dtype: 'float64' }))
  return T.fromArray(u.map((x, i) => (i === 0 || x > 0.35 ? 1 : 0)), shape, dtype)
}

const inner = (a: Tree.Tree, b: Tree.Tree): number => {
  const [x, y] = [Tree.leaves(a), Tree.leaves(b)]
  return x.reduce((s, l, i) => s + T.item(T.sum(T.mul(l.value as T.Tensor, y[i]!.value as T.Tensor))), 0)
}

const opCase = fc.record({ b: size(2), tq: size(4), tk: size(4), d: size(3), dv: size(3), causal: fc.boolean(), keyMask: fc.boolean(), s: seed })

describe('Tensor.attention on random shapes and masks (float64)', () => {
  test.prop([opCase], { numRuns: 25 })('gradCheck passes with respect to q, k and v, and forward mode agrees with reverse mode', ({ b, tq, tk, d, dv, causal, keyMask, s }) => {
    const mask = keyMask ? randomMask(s, [b, tq, tk]) : undefined
    const args = { q: normal(s + 1, [b, tq, d], 2), k: normal(s + 2, [b, tk, d], 2), v: normal(s + 3, [b, tk, dv]) }
    const w = normal(s + 4, [b, tq, dv])
    const f = (p: typeof args) => T.attention(p.q, p.k, p.v, { causal, ...(mask === undefined ? {} : { mask }) })
    const report = Ad.gradCheck((p: typeof args) => T.sum(T.mul(f(p), w)), args)
    expect(report.verdict, Ad.showGradCheck(report)).toBe('ok')
    const tangent = { q: normal(s + 5, [b, tq, d]), k: normal(s + 6, [b, tk, d]), v: normal(s + 7, [b, tk, dv]) }
    const [y, jt] = Ad.jvp(f, [args], [tangent])
    const [y2, pullback] = Ad.vjp(f, args)
    expect(T.toArray(y2)).toEqual(T.toArray(y))
    const [vt] = pullback(w)
    const [lhs, rhs] = [inner(w, jt), inner(vt, tangent)]
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(lhs)))
    // everything finite, fully masked rows included
    for (const t of [y, jt, vt.q, vt.k, vt.v]) expect(T.toArray(t).every(Number.isFinite)).toBe(true)
  })

  test.prop([opCase], { numRuns: 25 })('a masked key never changes the output: any key and value there give the same result bit for bit', ({ b, tq, tk, d, dv, causal, s }) => {
    const mask = randomMask(s, [b, 1, tk], 'int32')
    const [q, k, v] = [normal(s + 1, [b, tq, d]), normal(s + 2, [b, tk, d]), normal(s + 3, [b, tk, dv])]
    const keep = T.reshape(T.cast(mask, 'float64'), [b, tk, 1])
    const junk = (t: T.Tensor, s2: number) => T.add(T.mul(t, keep), T.mul(normal(s2, t.shape, 1e3), T.sub(1, keep))) // replaced where masked
    const y = T.attention(q, k, v, { mask, causal })
    expect(T.toArray(T.attention(q, junk(k, s + 8), junk(v, s + 9), { mask, causal }))).toEqual(T.toArray(y))
  })
})

const layerCase = fc.record({
  heads: size(3),
  perHead: size(2),
  tq: size(4),
  tk: size(4),
  dc: size(3),
  cross: fc.boolean(),
  keyMask: fc.boolean(),
  causal: fc.boolean(),
  useBias: fc.boolean(),
  s: seed,
})

/** The layer, its input shape and a batch of 2 for a case (the key mask drawn at random). */
const setup = ({ heads, perHead, tq, tk, dc, cross, keyMask, causal, useBias, s }: typeof layerCase extends fc.Arbitrary<infer C> ? C : never, dtype: 'float32' | 'float64') => {
  const d = heads * perHead
  const keys = cross ? tk : tq
  const net = Net.multiHeadAttention(heads, { cross, keyMask, causal, useBias })
  const shapes: ReadonlyArray<ReadonlyArray<number>> = [[tq, d], ...(cross ? [[tk, dc]] : []), ...(keyMask ? [[keys]] : [])]
  const inShape: Net.Shapes = shapes.length === 1 ? shapes[0]! : { tuple: shapes }
  const draw = (i: number, shape: ReadonlyArray<number>) => T.cast(normal(s + 10 + i, [2, ...shape]), dtype)
  const parts = [draw(0, [tq, d]), ...(cross ? [draw(1, [tk, dc])] : []), ...(keyMask ? [T.cast(randomMask(s + 3, [2, keys]), dtype)] : [])]
  return { net, inShape, x: (parts.length === 1 ? parts[0]! : parts) as Net.Value }
}

describe('Net.multiHeadAttention on random shapes and options', () => {
  test.prop([layerCase], { numRuns: 20 })('gradCheck passes on its parameters (float64), fully masked queries included', (c) => {
    const { net, inShape, x } = setup(c, 'float64')
    const vars = Net.init(net, { key: Rng.key(c.s), inShape, dtype: 'float64' })
    // random biases too, so a bias that is read wrongly shows
    const params = Tree.map(vars.params, (t, path) => (path.startsWith('b') ? normal(c.s + path.length, t.shape) : t))
    const loss = (p: Tree.Tree) => {
      const y = Net.apply(net, { params: p, state: vars.state }, x).y as T.Tensor
      return T.sum(T.mul(y, T.reshape(T.linspace(-1, 1, y.size, 'float64'), y.shape)))
    }
    const report = Ad.gradCheck(loss, params)
    expect(report.verdict, Ad.showGradCheck(report)).toBe('ok')
  })

  test.prop([layerCase], { numRuns: 4 })('the exported layer agrees with Net.apply in onnxruntime', async (c) => {
    const { net, inShape, x } = setup(c, 'float32')
    const vars = Net.init(net, { key: Rng.key(c.s), inShape })
    const loud = { params: Tree.map(vars.params, (t) => T.cast(normal(c.s + t.size, t.shape, 0.7), 'float32')), state: vars.state }
    await agree('random multi-head attention', net, loud, inShape, x)
  })
})
