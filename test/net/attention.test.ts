/**
 * The attention layers: multiHeadAttention against a reference written from PyTorch's
 * `nn.MultiheadAttention` weight layout (in_proj_weight [3D, D], out_proj), causality,
 * positional encodings against their formulas, summaries, the codec, the refusals, and a small
 * causal language model assembled from the pieces that learns.
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { caught } from '../util.js'

const normal = (seed: number, shape: ReadonlyArray<number>, std = 1): T.Tensor => Rng.normal(Rng.key(seed), shape, { std, dtype: 'float64' })

type P = Record<'Wq' | 'Wk' | 'Wv' | 'Wo' | 'bq' | 'bk' | 'bv' | 'bo', T.Tensor>

/**
 * nn.MultiheadAttention(D, h, batch_first=True, kdim=vdim=Dc) by loops, from its own weights:
 * in_proj_weight rows [0, D) for queries, [D, 2D) keys, [2D, 3D) values, each applied as
 * x·Wᵀ + b; heads take consecutive blocks of D/h projected features; out_proj the same way.
 */
const torchReference = (
  inProj: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>, // [3][D][Din] (queries' rows have Din = D)
  inBias: ReadonlyArray<number>, // [3D]
  outW: ReadonlyArray<ReadonlyArray<number>>, // [D][D]
  outB: ReadonlyArray<number>,
  xq: number[][][],
  xc: number[][][],
  h: number,
  allowed: (n: number, i: number, j: number) => boolean,
): number[] => {
  const D = outB.length
  const dh = D / h
  const lin = (x: ReadonlyArray<number>, W: ReadonlyArray<ReadonlyArray<number>>, b: ReadonlyArray<number>) => W.map((row, o) => row.reduce((a, w, c) => a + w * x[c]!, b[o]!))
  const out: number[] = []
  xq.forEach((seq, n) => {
    const Q = seq.map((x) => lin(x, inProj[0]!, inBias.slice(0, D)))
    const K = xc[n]!.map((x) => lin(x, inProj[1]!, inBias.slice(D, 2 * D)))
    const V = xc[n]!.map((x) => lin(x, inProj[2]!, inBias.slice(2 * D)))
    Q.forEach((qi, i) => {
      const o = new Array<number>(D).fill(0)
      for (let hh = 0; hh < h; hh++) {
        const cols = Array.from({ length: dh }, (_, c) => hh * dh + c)
        const keys = K.map((_, j) => j).filter((j) => allowed(n, i, j))
        if (keys.length === 0) continue
        const s = keys.map((j) => cols.reduce((a, c) => a + qi[c]! * K[j]![c]!, 0) / Math.sqrt(dh))
        const top = Math.max(...s)
        const e = s.map((x) => Math.exp(x - top))
        const z = e.reduce((a, x) => a + x, 0)
        keys.forEach((j, m) => cols.forEach((c) => (o[c]! += (e[m]! / z) * V[j]![c]!)))
      }
      out.push(...lin(o, outW, outB))
    })
  })
  return out
}

/** Our parameters in PyTorch's layout: W [in, out] → weight [out, in]. */
const torchWeights = (p: P) => {
  const t = (W: T.Tensor) => T.toNested(T.transpose(W)) as number[][]
  return { inProj: [t(p.Wq), t(p.Wk), t(p.Wv)], inBias: [...T.toArray(p.bq), ...T.toArray(p.bk), ...T.toArray(p.bv)], outW: t(p.Wo), outB: T.toArray(p.bo) }
}

/** Variables with every parameter (biases included) random, so no mapping mistake hides behind a zero. */
const loud = (vars: Net.Vars, seed: number): Net.Vars => {
  let k = seed
  return { params: Tree.map(vars.params, (t) => normal(k++, t.shape, 0.6)), state: vars.state }
}

describe('Net.multiHeadAttention', () => {
  it('self-attention agrees with nn.MultiheadAttention computed by loops from its in_proj and out_proj weights (float64, 3 heads of 2)', () => {
    const net = Net.multiHeadAttention(3)
    const vars = loud(Net.init(net, { key: Rng.key(0), inShape: [4, 6], dtype: 'float64' }), 10)
    const x = normal(1, [2, 4, 6])
    const { inProj, inBias, outW, outB } = torchWeights(vars.params as P)
    const xs = T.toNested(x) as number[][][]
    const want = torchReference(inProj, inBias, outW, outB, xs, xs, 3, () => true)
    const got = T.toArray(Net.predict(net, vars, x))
    want.forEach((w, i) => expect(Math.abs(got[i]! - w), `element ${i}`).toBeLessThan(1e-12))
  })

  it('causal cross-attention with a key mask, a fully masked example included, agrees with the reference', () => {
    const net = Net.multiHeadAttention(2, { cross: true, causal: true, keyMask: true })
    const inShape = { tuple: [[3, 4], [5, 3], [5]] }
    const vars = loud(Net.init(net, { key: Rng.key(0), inShape, dtype: 'float64' }), 20)
    expect((vars.params as P).Wk.shape).toEqual([3, 4]) // context features → model features
    const xq = normal(2, [3, 3, 4])
    const xc = normal(3, [3, 5, 3])
    const mask = T.tensor([[0, 1, 1, 0, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], 'float64')
    const m = T.toArray(mask)
    const { inProj, inBias, outW, outB } = torchWeights(vars.params as P)
    const want = torchReference(inProj, inBias, outW, outB, T.toNested(xq) as number[][][], T.toNested(xc) as number[][][], 2, (n, i, j) => j <= i && m[n * 5 + j] !== 0)
    const y = Net.apply(net, vars, [xq, xc, mask]).y as T.Tensor
    expect(y.shape).toEqual([3, 3, 4])
    const got = T.toArray(y)
    want.forEach((w, i) => expect(Math.abs(got[i]! - w), `element ${i}`).toBeLessThan(1e-12))
    // example 1 attends to nothing: its output is the output bias at every query; query 0 of example 0 too (key 0 is padding)
    const rows = T.toNested(y) as number[][][]
    for (const row of [...rows[1]!, rows[0]![0]!]) expect(row).toEqual(T.toArray((vars.params as P).bo))
  })

  it('is causal: changing later tokens leaves the outputs at earlier positions bit for bit', () => {
    const lm = Net.serial(Net.embedding(10, 8), Net.sinusoidalEncoding(), Net.transformerBlock(8, 2, { causal: true }), Net.dense(10))
    const vars = Net.init(lm, { key: Rng.key(4), inShape: [6] })
    const a = T.tensor([[1, 2, 3, 4, 5, 6]], 'int32')
    const b = T.tensor([[1, 2, 3, 9, 0, 0]], 'int32')
    const [ya, yb] = [a, b].map((t) => T.toNested(Net.predict(lm, vars, t)) as number[][][]) as [number[][][], number[][][]]
    expect(yb[0]!.slice(0, 3)).toEqual(ya[0]!.slice(0, 3))
    expect(yb[0]![3]).not.toEqual(ya[0]![3])
  })

  it('has a summary with its options and parameter counts, and survives encode and decode bit for bit', () => {
    const net = Net.serial(Net.dense(8), Net.multiHeadAttention(4, { causal: true }))
    expect(Net.summary(net, [5, 3])).toMatch(/1  MultiHeadAttention\(4, causal\) +\[\*, 5, 8\] +288\n/) // 4·(8·8 + 8)
    const cross = Net.multiHeadAttention(2, { cross: true, keyMask: true, useBias: false })
    expect(Net.summary(cross, { tuple: [[5, 8], [7, 3], [7]] })).toMatch(/MultiHeadAttention\(2, cross, key mask\) +\[\*, 5, 8\] +176\n/) // 8·8·2 + 3·8·2
    const lm = Net.serial(Net.embedding(10, 8), Net.positionalEmbedding(12), Net.sinusoidalEncoding({ base: 100 }), Net.transformerBlock(8, 2, { causal: true, keep: 0.9 }), Net.dense(10))
    const vars = Net.init(lm, { key: Rng.key(5), inShape: [6] })
    const text = Net.encode({ network: lm, inShape: [6], ...vars })
    const back = E.getOrElseW((e) => {
      throw e
    })(Net.decode(text))
    expect(back.network).toEqual(lm)
    const x = T.tensor([[1, 2, 3, 4, 5, 6]], 'int32')
    expect(T.toArray(Net.predict(back.network, back, x))).toEqual(T.toArray(Net.predict(lm, vars, x)))
  })

  it('refuses heads that do not divide the feature size at shape time, naming the layer path and both sizes', () => {
    const r = Net.shape(Net.serial(Net.dense(10), Net.multiHeadAttention(4)), [5, 3])
    expect(E.isLeft(r) && r.left.code).toBe('SHAPE_MISMATCH')
    expect(E.isLeft(r) && r.left.message).toMatch(/layer 1 \(MultiHeadAttention\(4\)\) needs a feature size divisible by its heads; got 10 features for 4 heads/)
    expect(caught(() => Net.init(Net.multiHeadAttention(3), { key: Rng.key(0), inShape: [2, 8] })).message).toMatch(/got 8 features for 3 heads/)
    // the block checks at construction
    const e = caught(() => Net.transformerBlock(10, 4))
    expect([e.code, e.op]).toEqual(['INVALID_ARGUMENT', 'transformerBlock'])
    expect(e.message).toMatch(/10 features do not split into 4 heads/)
  })

  it('refuses a key mask of the wrong shape at shape time and at apply time, naming the sizes', () => {
    const net = Net.serial(Net.parallel(Net.dense(4), Net.identity), Net.multiHeadAttention(2, { keyMask: true }))
    const r = Net.shape(net, { tuple: [[5, 3], [6]] })
    expect(E.isLeft(r) && r.left.message).toMatch(/layer 1 \(MultiHeadAttention\(2, key mask\)\) needs a key mask of shape \[5\] per example \(one flag per key of the 5\); got \[6\]/)
    const cross = Net.multiHeadAttention(2, { cross: true, keyMask: true })
    expect(caught(() => Net.shape(cross, { tuple: [[5, 4], [7, 3], [5]] })).message).toMatch(/needs a key mask of shape \[7\] per example/)
    const vars = Net.init(net, { key: Rng.key(0), inShape: { tuple: [[5, 3], [5]] } })
    const e = caught(() => Net.apply(net, vars, [T.ones([2, 5, 3]), T.ones([2, 4])]))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toMatch(/layer 1 \(MultiHeadAttention\(2, key mask\)\) needs a key mask \[batch 2, keys 5\]; got \[2, 4\]/)
  })

  it('refuses inputs that do not fit: one tensor where a tuple is read, a tuple where one is read, not a sequence', () => {
    expect(caught(() => Net.shape(Net.multiHeadAttention(2, { cross: true }), [5, 4])).message).toMatch(/reads a tuple of 2 \(queries \[Tq, D\], context \[Tk, Dc\]\) but gets \[5, 4\]/)
    expect(caught(() => Net.shape(Net.multiHeadAttention(2), { tuple: [[5, 4], [5, 4]] })).message).toMatch(/reads one sequence \[time, features\] but gets a tuple/)
    expect(caught(() => Net.shape(Net.multiHeadAttention(2), [4])).message).toMatch(/needs queries of shape \[time, features\] per example; got \[4\]/)
  })

  it('refuses bad hyperparameters at construction', () => {
    for (const heads of [0, 1.5, Number.NaN]) expect(caught(() => Net.multiHeadAttention(heads)).message).toMatch(/heads must be a whole number ≥ 1/)
    expect(caught(() => Net.multiHeadAttention(2, { causal: 'yes' as unknown as boolean })).message).toMatch(/causal must be true or false/)
    expect(caught(() => Net.multiHeadAttention(2, { mask: true } as never)).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => Net.positionalEmbedding(0)).message).toMatch(/maxLength must be a whole number ≥ 1/)
    expect(caught(() => Net.sinusoidalEncoding({ base: 1 })).message).toMatch(/base must be a finite number > 1/)
  })
})

describe('positional encodings', () => {
  it('positionalEmbedding adds the first T rows of its table and refuses sequences longer than the table', () => {
    const net = Net.positionalEmbedding(7)
    const vars = Net.init(net, { key: Rng.key(0), inShape: [5, 3], dtype: 'float64' })
    const P = (vars.params as { P: T.Tensor }).P
    const x = normal(1, [2, 5, 3])
    const want = T.add(x, T.slice(P, [0, 0], [5, 3]))
    expect(T.toArray(Net.predict(net, vars, x))).toEqual(T.toArray(want))
    // shorter sequences use fewer rows of the same table
    expect(T.toArray(Net.predict(net, vars, T.zeros([1, 2, 3], 'float64')))).toEqual(T.toArray(T.slice(P, [0, 0], [2, 3])))
    expect(caught(() => Net.shape(Net.serial(Net.dense(3), net), [8, 2])).message).toMatch(/layer 1 \(PositionalEmbedding\(7\)\) has positions for sequences of at most 7 steps; got 8/)
  })

  it('sinusoidalEncoding adds sin(t/base^(2i/D)) and cos(t/base^(2i/D)), also for an odd D, and has no parameters', () => {
    const net = Net.sinusoidalEncoding({ base: 50 })
    const vars = Net.init(net, { key: Rng.key(0), inShape: [4, 5] })
    expect(Tree.leaves(vars.params)).toEqual([])
    const y = T.toNested(Net.predict(net, vars, T.zeros([1, 4, 5], 'float64'))) as number[][][]
    for (let t = 0; t < 4; t++) {
      for (let j = 0; j < 5; j++) {
        const angle = t / 50 ** ((2 * Math.floor(j / 2)) / 5)
        expect(y[0]![t]![j]).toBe(j % 2 === 0 ? Math.sin(angle) : Math.cos(angle))
      }
    }
    expect(Net.summary(net, [4, 5])).toMatch(/SinusoidalEncoding\(base 50\) +\[\*, 4, 5\] +0/)
  })
})

describe('a small causal language model from the pieces', () => {
  it('embedding + learned positions + 2 transformer blocks + dense to the vocabulary: the cross-entropy falls in a few Adam steps', () => {
    const vocab = 11
    const steps = 8
    const lm = Net.serial(
      Net.embedding(vocab, 16),
      Net.positionalEmbedding(steps),
      Net.transformerBlock(16, 4, { causal: true }),
      Net.transformerBlock(16, 4, { causal: true }),
      Net.layerNorm(),
      Net.dense(vocab),
    )
    // sequences counting up modulo the vocabulary from random starts: the next token is predictable
    const starts = T.toArray(Rng.integers(Rng.key(1), [16], 0, vocab))
    const seq = (s: number, from: number) => Array.from({ length: steps }, (_, t) => (s + t + from) % vocab)
    const x = T.tensor(starts.map((s) => seq(s, 0)), 'int32')
    const y = T.tensor(starts.map((s) => seq(s, 1)), 'int32')
    const trainer = { network: lm, optimizer: Optim.adam(0.01), loss: Loss.softmaxCrossEntropy }
    let s = Train.initTrainState(trainer, Rng.key(2), [steps])
    const step = Train.trainStep(trainer)
    const losses: number[] = []
    for (let i = 0; i < 30; i++) {
      s = step(s, Data.dataset(x, y))
      losses.push(s.loss!)
    }
    expect(losses[0]).toBeGreaterThan(Math.log(vocab) - 0.7) // about log 11 at the start
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 2)
    console.log(`causal LM: loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)} in ${losses.length} steps`)
  })
})
