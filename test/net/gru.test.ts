// The GRU layer (reset_after convention) against the formula written out with numbers, and a
// 1-unit GRU whose outputs are worked out by hand.
import { describe, expect, it } from 'vitest'
import { Net, Rng, Tensor as T } from '../../src/index.js'

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v))

/** r, z, n blocks of `units` columns; h' = (1 − z)·n + z·h, n = tanh(x·W_n + b_n + r·(h·U_n + bU_n)). */
const reference = (p: { W: number[][]; U: number[][]; b: number[]; bU: number[] }, xs: number[][], units: number): number[][] => {
  let h = new Array<number>(units).fill(0)
  const out: number[][] = []
  for (const x of xs) {
    const gi = p.b.map((b, j) => x.reduce((s, xf, f) => s + xf * p.W[f]![j]!, 0) + b)
    const gh = p.bU.map((b, j) => h.reduce((s, hk, k) => s + hk * p.U[k]![j]!, 0) + b)
    const r = h.map((_, j) => sigmoid(gi[j]! + gh[j]!))
    const z = h.map((_, j) => sigmoid(gi[units + j]! + gh[units + j]!))
    const n = h.map((_, j) => Math.tanh(gi[2 * units + j]! + r[j]! * gh[2 * units + j]!))
    h = h.map((hj, j) => (1 - z[j]!) * n[j]! + z[j]! * hj)
    out.push(h)
  }
  return out
}

describe('gru', () => {
  it('equals the reset_after formula, gates r, z, n, in float64 (every step, two examples)', () => {
    const [time, features, units] = [4, 3, 2]
    const net = Net.gru(units, { returnSequences: true })
    const vars = Net.init(net, { key: Rng.key(1), inShape: [time, features], dtype: 'float64' })
    // sizeable, distinct values in every weight and bias, so a swapped gate or bias shows
    let k = 10
    const params = Object.fromEntries(Object.entries(vars.params).map(([name, t]) => [name, Rng.normal(Rng.key(k++), (t as T.Tensor).shape, { dtype: 'float64' })])) as Record<'W' | 'U' | 'b' | 'bU', T.Tensor>
    const x = Rng.normal(Rng.key(20), [2, time, features], { dtype: 'float64' })
    const y = Net.apply(net, { params, state: {} }, x).y as T.Tensor
    const nums = { W: T.toNested(params.W) as number[][], U: T.toNested(params.U) as number[][], b: T.toArray(params.b), bU: T.toArray(params.bU) }
    const got = T.toNested(y) as number[][][]
    ;(T.toNested(x) as number[][][]).forEach((xs, i) => {
      const want = reference(nums, xs, units)
      want.forEach((h, t) => h.forEach((v, j) => expect(Math.abs(got[i]![t]![j]! - v)).toBeLessThan(1e-14)))
    })
  })

  it('a 1-unit GRU worked out by hand: σ(ln 3) = ¾, tanh(ln 2) = 0.6', () => {
    // W = [r 0, z ln 3, n 0], U = 0, b = 0, bU = [0, 0, 2 ln 2]; x = 1 then 0
    // step 1: r = ½, z = ¾, n = tanh(½·2 ln 2) = 0.6, h = ¼·0.6 = 0.15
    // step 2: r = ½, z = ½, n = 0.6, h = ½·0.6 + ½·0.15 = 0.375
    // (resetting before the recurrent bias would give n = tanh(2 ln 2); h = z·n + (1 − z)·h would give 0.45 first)
    const net = Net.gru(1, { returnSequences: true })
    const params = { W: T.tensor([[0, Math.log(3), 0]], 'float64'), U: T.zeros([1, 3], 'float64'), b: T.zeros([3], 'float64'), bU: T.tensor([0, 0, 2 * Math.log(2)], 'float64') }
    const y = T.toArray(Net.apply(net, { params, state: {} }, T.tensor([[[1], [0]]], 'float64')).y as T.Tensor)
    expect(y[0]).toBeCloseTo(0.15, 14)
    expect(y[1]).toBeCloseTo(0.375, 14)
  })
})
