/**
 * Tensor.attention: the forward pass against an explicit-loop reference in float64, exact
 * weights with huge scores, masked keys contributing exactly nothing, fully masked queries
 * giving 0 with zero and finite gradients, and the refusals.
 */
import { describe, expect, it } from 'vitest'
import { Ad, Rng, Tensor as T } from '../../src/index.js'
import { caught } from '../util.js'

/** softmax(q·kᵀ·scale) v by loops over [b, tq, d], [b, tk, d], [b, tk, dv]; allowed(b, i, j) says which pairs count. */
export const referenceAttention = (
  q: ReadonlyArray<number>,
  k: ReadonlyArray<number>,
  v: ReadonlyArray<number>,
  [b, tq, tk, d, dv]: readonly [number, number, number, number, number],
  scale: number,
  allowed: (n: number, i: number, j: number) => boolean,
): number[] => {
  const out = new Array<number>(b * tq * dv).fill(0)
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < tq; i++) {
      const s: number[] = []
      for (let j = 0; j < tk; j++) {
        let dot = 0
        for (let c = 0; c < d; c++) dot += q[(n * tq + i) * d + c]! * k[(n * tk + j) * d + c]!
        s.push(dot * scale)
      }
      const keys = s.map((_, j) => j).filter((j) => allowed(n, i, j))
      if (keys.length === 0) continue // all masked: 0
      const top = Math.max(...keys.map((j) => s[j]!))
      const e = keys.map((j) => Math.exp(s[j]! - top))
      const z = e.reduce((a, x) => a + x, 0)
      keys.forEach((j, m) => {
        for (let c = 0; c < dv; c++) out[(n * tq + i) * dv + c]! += (e[m]! / z) * v[(n * tk + j) * dv + c]!
      })
    }
  }
  return out
}

const normal = (seed: number, shape: ReadonlyArray<number>, std = 1): T.Tensor => Rng.normal(Rng.key(seed), shape, { std, dtype: 'float64' })

describe('Tensor.attention', () => {
  const [b, tq, tk, d, dv] = [3, 4, 5, 6, 2]
  const q = normal(1, [b, tq, d])
  const k = normal(2, [b, tk, d])
  const v = normal(3, [b, tk, dv])
  // example 0: keys 1 and 3 padded; example 1: every key padded; example 2: none
  const padded = T.tensor([[1, 0, 1, 0, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], 'int32')
  const keyMask = T.reshape(padded, [b, 1, tk])
  const pad = T.toArray(padded)

  it.each([
    ['no mask', {}, () => true],
    ['causal', { causal: true }, (_: number, i: number, j: number) => j <= i],
    ['a key mask', { mask: keyMask }, (n: number, _: number, j: number) => pad[n * tk + j] !== 0],
    ['a key mask, causal and scale 0.7', { mask: keyMask, causal: true, scale: 0.7 }, (n: number, i: number, j: number) => j <= i && pad[n * tk + j] !== 0],
  ] as const)('agrees with an explicit-loop reference in float64 with %s', (_, opts, allowed) => {
    const y = T.attention(q, k, v, opts)
    expect(y.shape).toEqual([b, tq, dv])
    const scale = 'scale' in opts ? opts.scale : 1 / Math.sqrt(d)
    const want = referenceAttention(T.toArray(q), T.toArray(k), T.toArray(v), [b, tq, tk, d, dv], scale, allowed)
    const got = T.toArray(y)
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `element ${i}`).toBeLessThan(1e-12)
  })

  it('a full [Tq, Tk] mask and leading axes [batch, heads] broadcast', () => {
    const q4 = normal(4, [2, 3, tq, d])
    const k4 = normal(5, [2, 3, tk, d])
    const v4 = normal(6, [2, 3, tk, dv])
    const full = T.tensor(Array.from({ length: tq * tk }, (_, i) => ((i * 7) % 3 === 0 ? 0 : 1)), 'float64')
    const y = T.attention(q4, k4, v4, { mask: T.reshape(full, [tq, tk]) })
    const want = referenceAttention(T.toArray(q4), T.toArray(k4), T.toArray(v4), [6, tq, tk, d, dv], 1 / Math.sqrt(d), (_, i, j) => T.toArray(full)[i * tk + j] !== 0)
    T.toArray(y).forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(1e-12))
  })

  it('scores of ±1e4 give exact weights in float32 (the softmax subtracts the largest allowed score)', () => {
    const big = T.tensor([[[100, 0], [0, 100]]])
    const keys = T.tensor([[[100, 0], [0, 100], [-100, -100]]])
    const vals = T.tensor([[[1], [2], [3]]])
    expect(T.toArray(T.attention(big, keys, vals, { scale: 1 }))).toEqual([1, 2])
    // the key that would win is masked: the next one takes all the weight, never NaN
    const y = T.attention(big, keys, vals, { scale: 1, mask: T.tensor([[[0, 1, 1]]]) })
    expect(T.toArray(y)).toEqual([2, 2])
  })

  it('a masked key contributes exactly nothing: changing its key or value leaves the output bit for bit', () => {
    const y = T.attention(q, k, v, { mask: keyMask })
    // key 1 of example 0 is masked: give it a huge key and value
    const bump = T.mul(T.reshape(T.tensor(Array.from({ length: b * tk }, (_, i) => (i === 1 ? 1 : 0)), 'float64'), [b, tk, 1]), 1e6)
    const y2 = T.attention(q, T.add(k, bump), T.add(v, bump), { mask: keyMask })
    expect(T.toArray(y2)).toEqual(T.toArray(y))
  })

  it('a query whose keys are all masked gets output 0 and zero, finite gradients; the other examples are unaffected', () => {
    const y = T.attention(q, k, v, { mask: keyMask, causal: true })
    const rows = T.toNested(y) as number[][][]
    expect(rows[1]!.flat()).toEqual(new Array(tq * dv).fill(0))
    // causal and padding together: query 0 of example 0 sees key 0, so it is not all masked
    expect(rows[0]![0]!.every((x) => x !== 0 && Number.isFinite(x))).toBe(true)
    const w = normal(7, [b, tq, dv])
    const loss = (p: { q: T.Tensor; k: T.Tensor; v: T.Tensor }) => T.sum(T.mul(T.attention(p.q, p.k, p.v, { mask: keyMask, causal: true }), w))
    const g = Ad.grad(loss)({ q, k, v })
    for (const [name, t] of Object.entries(g)) {
      const a = T.toNested(t) as number[][][]
      expect(a.flat(2).every(Number.isFinite), name).toBe(true)
      expect(a[1]!.flat(), name).toEqual(new Array(a[1]!.flat().length).fill(0))
      expect(a[0]!.flat().some((x) => x !== 0), name).toBe(true)
    }
    const report = Ad.gradCheck(loss, { q, k, v })
    expect(report.verdict, Ad.showGradCheck(report)).toBe('ok')
  })

  it('refuses a mask that does not broadcast to the scores, naming both shapes', () => {
    const e = caught(() => T.attention(q, k, v, { mask: T.ones([b, tk + 1]) }))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toMatch(/the mask \[3, 6\] does not broadcast to the scores' shape \[3, 4, 5\]/)
    // a mask that would grow the scores is refused too
    expect(caught(() => T.attention(q, k, v, { mask: T.ones([2, b, tq, tk]) })).code).toBe('SHAPE_MISMATCH')
  })

  it('refuses mismatched feature sizes, key and value counts, bad options', () => {
    expect(caught(() => T.attention(q, normal(8, [b, tk, d + 1]), v)).message).toMatch(/queries and keys need one feature size; got q \[3, 4, 6\] \(size 6\) and k \[3, 5, 7\]/)
    expect(caught(() => T.attention(q, k, normal(9, [b, tk + 1, dv]))).message).toMatch(/5 keys.*6 values/)
    expect(caught(() => T.attention(T.ones([d]), k, v)).code).toBe('SHAPE_MISMATCH')
    expect(caught(() => T.attention(q, k, v, { scale: Number.NaN })).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => T.attention(q, k, v, { causal: 1 as unknown as boolean })).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => T.attention(q, k, v, { masks: keyMask } as never)).code).toBe('INVALID_ARGUMENT')
  })
})
