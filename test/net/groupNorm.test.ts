/**
 * GroupNorm: the forward pass against an explicit-loop reference in float64, its gradient
 * through the statistics, and its refusals (groups at construction, channels at shape time).
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Net, Rng, Tensor as T } from '../../src/index.js'
import { caught } from '../util.js'

/** Group norm by loops over [N, H, W, C]: per example and group, statistics over H, W and the group's channels. */
const reference = (x: ReadonlyArray<number>, [n, h, w, c]: readonly [number, number, number, number], groups: number, eps: number, gamma: ReadonlyArray<number>, beta: ReadonlyArray<number>): number[] => {
  const y = new Array<number>(x.length).fill(Number.NaN)
  const per = c / groups
  const at = (b: number, i: number, j: number, k: number): number => ((b * h + i) * w + j) * c + k
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < groups; g++) {
      let sum = 0
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = g * per; k < (g + 1) * per; k++) sum += x[at(b, i, j, k)]!
      const mean = sum / (h * w * per)
      let sq = 0
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = g * per; k < (g + 1) * per; k++) sq += (x[at(b, i, j, k)]! - mean) ** 2
      const std = Math.sqrt(sq / (h * w * per) + eps)
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = g * per; k < (g + 1) * per; k++) y[at(b, i, j, k)] = ((x[at(b, i, j, k)]! - mean) / std) * gamma[k]! + beta[k]!
    }
  }
  return y
}

describe('Net.groupNorm', () => {
  it('agrees with an explicit-loop reference in float64 on [2, 3, 4, 6] with 3 groups (learned scale and offset)', () => {
    const net = Net.groupNorm(3, { eps: 1e-3 })
    const vars = Net.init(net, { key: Rng.key(0), inShape: [3, 4, 6], dtype: 'float64' })
    // non-trivial γ and β, and an input with an offset and a scale that differ per channel
    const gamma = Rng.normal(Rng.key(1), [6], { dtype: 'float64' })
    const beta = Rng.normal(Rng.key(2), [6], { dtype: 'float64' })
    const x = T.add(T.mul(Rng.normal(Rng.key(3), [2, 3, 4, 6], { dtype: 'float64' }), T.tensor([1, 2, 3, 0.5, 4, 1], 'float64')), T.tensor([5, -1, 0, 2, 3, -4], 'float64'))
    const y = Net.predict(net, { params: { gamma, beta }, state: vars.state }, x)
    expect(y.shape).toEqual([2, 3, 4, 6])
    expect(y.dtype).toBe('float64')
    const want = reference(T.toArray(x), [2, 3, 4, 6], 3, 1e-3, T.toArray(gamma), T.toArray(beta))
    const got = T.toArray(y)
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `element ${i}`).toBeLessThan(1e-12)
  })

  it('starts as γ = 1, β = 0 per channel, and on vectors normalises each group of features', () => {
    const vars = Net.init(Net.groupNorm(2), { key: Rng.key(0), inShape: [4] })
    const { gamma, beta } = vars.params as { readonly gamma: T.Tensor; readonly beta: T.Tensor }
    expect(T.toArray(gamma)).toEqual([1, 1, 1, 1])
    expect(T.toArray(beta)).toEqual([0, 0, 0, 0])
    const y = Net.predict(Net.groupNorm(2), vars, T.tensor([[1, 3, 10, 20]]))
    expect(T.allclose(y, T.tensor([[-1, 1, -1, 1]]), { atol: 1e-4 })).toBe(true)
  })

  it('labels itself with its groups in the summary', () => {
    expect(Net.summary(Net.serial(Net.conv2d(6, 3), Net.groupNorm(3)), [5, 5, 1])).toMatch(/1  GroupNorm\(3\) +\[\*, 3, 3, 6\] +12\n/)
  })

  it.each([[0], [-2], [1.5], [Number.NaN], ['2' as unknown as number]])('refuses groups %s at construction', (groups) => {
    const e = caught(() => Net.groupNorm(groups))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toMatch(/groups must be a whole number ≥ 1/)
  })

  it('refuses a non-positive eps and unknown options', () => {
    expect(caught(() => Net.groupNorm(2, { eps: 0 })).message).toMatch(/eps must be a finite number > 0/)
    expect(caught(() => Net.groupNorm(2, { epsilon: 1 } as never)).code).toBe('INVALID_ARGUMENT')
  })

  it('refuses at shape time a channel count not divisible by groups, naming both', () => {
    const r = Net.shape(Net.serial(Net.conv2d(7, 3), Net.groupNorm(3)), [5, 5, 1])
    expect(E.isLeft(r) && r.left.code).toBe('SHAPE_MISMATCH')
    expect(E.isLeft(r) && r.left.message).toMatch(/layer 1 \(GroupNorm\(3\)\) needs a channel count divisible by groups; got 7 channels for 3 groups/)
    expect(caught(() => Net.init(Net.groupNorm(4), { key: Rng.key(0), inShape: [6] })).message).toMatch(/got 6 channels for 4 groups/)
  })
})
