/**
 * Grouped convolution (`groups` in the options of conv2d and its gradients): the forward pass
 * against the textbook formula written out with loops, the gradients against the ungrouped
 * convolution of each group on its own (sliced out and concatenated again), the adjoint
 * identities, float32 against float64, and the refusals.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { Rng, Tensor as T } from '../../src/index.js'
import { caught } from '../util.js'

type Pad = 'valid' | 'same' | number

/** Explicit top padding and output size of one axis, by TensorFlow's formulas. */
const axis = (size: number, k: number, s: number, d: number, pad: Pad): { out: number; before: number } => {
  const e = (k - 1) * d + 1
  if (pad === 'same') {
    const out = Math.ceil(size / s)
    return { out, before: Math.floor(Math.max((out - 1) * s + e - size, 0) / 2) }
  }
  const p = pad === 'valid' ? 0 : pad
  return { out: Math.floor((size + 2 * p - e) / s) + 1, before: p }
}

const groupCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  hw: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })),
  groups: fc.integer({ min: 1, max: 4 }),
  cg: fc.integer({ min: 1, max: 3 }), // input channels per group
  og: fc.integer({ min: 1, max: 3 }), // output channels per group
  k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  dilations: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  padding: fc.constantFrom<Pad>('valid', 'same', 1),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
})
type Case = typeof groupCase extends fc.Arbitrary<infer A> ? A : never

const setup = (cs: Case, dtype: 'float32' | 'float64' = 'float64') => {
  const [H, W] = cs.hw
  const C = cs.groups * cs.cg
  const O = cs.groups * cs.og
  const h = axis(H, cs.k[0], cs.strides[0], cs.dilations[0], cs.padding)
  const w = axis(W, cs.k[1], cs.strides[1], cs.dilations[1], cs.padding)
  const [kx, kw, kg] = Rng.split(Rng.key(cs.seed), 3)
  return {
    C,
    O,
    x: Rng.uniform(kx!, [cs.n, H, W, C], { dtype, min: -1, max: 1 }),
    w: Rng.uniform(kw!, [cs.k[0], cs.k[1], cs.cg, O], { dtype, min: -1, max: 1 }),
    g: Rng.uniform(kg!, [cs.n, Math.max(h.out, 1), Math.max(w.out, 1), O], { dtype, min: -1, max: 1 }),
    h,
    wd: w,
    opts: { strides: cs.strides, dilations: cs.dilations, padding: cs.padding, groups: cs.groups },
    valid: h.out >= 1 && w.out >= 1,
  }
}

/** out[n, i, j, o] = Σ_{a, b, c' < cg} x[n, i·s − top + a·d, j·s − left + b·d, g·cg + c'] · w[a, b, c', o], g = ⌊o / og⌋. */
const textbook = (cs: Case, s: ReturnType<typeof setup>): number[] => {
  const [H, W] = cs.hw
  const [kH, kW] = cs.k
  const xs = T.toArray(s.x)
  const ws = T.toArray(s.w)
  const out: number[] = []
  for (let n = 0; n < cs.n; n++)
    for (let i = 0; i < s.h.out; i++)
      for (let j = 0; j < s.wd.out; j++)
        for (let o = 0; o < s.O; o++) {
          const g = Math.floor(o / cs.og)
          let sum = 0
          for (let a = 0; a < kH; a++)
            for (let b = 0; b < kW; b++)
              for (let c = 0; c < cs.cg; c++) {
                const p = i * cs.strides[0] - s.h.before + a * cs.dilations[0]
                const q = j * cs.strides[1] - s.wd.before + b * cs.dilations[1]
                if (p >= 0 && p < H && q >= 0 && q < W) sum += xs[((n * H + p) * W + q) * s.C + g * cs.cg + c]! * ws[((a * kW + b) * cs.cg + c) * s.O + o]!
              }
          out.push(sum)
        }
  return out
}

/** The channels [from, from + size) of the last axis. */
const channels = (t: T.Tensor, from: number, size: number): T.Tensor => T.slice(t, [0, 0, 0, from], [t.shape[0]!, t.shape[1]!, t.shape[2]!, size])

const close = (a: T.Tensor, b: T.Tensor, tol = 1e-12): void => {
  expect(a.shape).toEqual(b.shape)
  if (!T.allclose(a, b, { rtol: tol, atol: tol })) expect(T.toArray(a)).toEqual(T.toArray(b))
}

const dot = (a: T.Tensor, b: T.Tensor): number => T.item(T.sum(T.mul(a, b)))

describe('grouped conv2d', () => {
  it('a depthwise convolution with a channel multiplier, by hand: output channel c·M + m reads input channel c', () => {
    const x = T.tensor([[[[1, 10], [2, 20]]]], 'float64') // [1, 1, 2, 2]: two pixels, two channels
    // [1, 2, 1, 4]: a 1×2 window, one in-channel per group, two filters per channel (M = 2)
    const w = T.tensor([[[[1, 2, 3, 4]], [[5, 6, 7, 8]]]], 'float64')
    // channel 0: 1·1 + 2·5 = 11, 1·2 + 2·6 = 14; channel 1: 10·3 + 20·7 = 170, 10·4 + 20·8 = 200
    expect(T.toNested(T.conv2d(x, w, { groups: 2 }))).toEqual([[[[11, 14, 170, 200]]]])
  })

  test.prop([groupCase], { numRuns: 150 })('matches the textbook formula, or refuses when the window exceeds the padded input', (cs) => {
    const s = setup(cs)
    if (!s.valid) {
      expect(caught(() => T.conv2d(s.x, s.w, s.opts)).code).toBe('INVALID_ARGUMENT')
      return
    }
    close(T.conv2d(s.x, s.w, s.opts), T.fromArray(textbook(cs, s), [cs.n, s.h.out, s.wd.out, s.O], 'float64'))
  })

  test.prop([groupCase.filter((cs) => setup(cs).valid)], { numRuns: 100 })('forward and gradients equal the ungrouped convolution of each group, concatenated', (cs) => {
    const { x, w, g, opts } = setup(cs)
    const ungrouped = { ...opts, groups: 1 }
    const parts = Array.from({ length: cs.groups }, (_, k) => ({ x: channels(x, k * cs.cg, cs.cg), w: channels(w, k * cs.og, cs.og), g: channels(g, k * cs.og, cs.og) }))
    close(T.conv2d(x, w, opts), T.concat(parts.map((p) => T.conv2d(p.x, p.w, ungrouped)), -1))
    close(T.conv2dGradInput(g, w, x.shape, opts), T.concat(parts.map((p) => T.conv2dGradInput(p.g, p.w, p.x.shape, ungrouped)), -1))
    close(T.conv2dGradFilter(x, g, w.shape, opts), T.concat(parts.map((p) => T.conv2dGradFilter(p.x, p.g, p.w.shape, ungrouped)), -1))
  })

  test.prop([groupCase.filter((cs) => setup(cs).valid)], { numRuns: 100 })('adjoint identities: ⟨conv2d(x, w), g⟩ = ⟨x, gradInput(g)⟩ = ⟨w, gradFilter(g)⟩', (cs) => {
    const { x, w, g, opts } = setup(cs)
    const lhs = dot(T.conv2d(x, w, opts), g)
    const scale = dot(T.conv2d(T.abs(x), T.abs(w), opts), T.abs(g)) + 1e-300
    expect(Math.abs(lhs - dot(x, T.conv2dGradInput(g, w, x.shape, opts))) / scale).toBeLessThan(1e-12)
    expect(Math.abs(lhs - dot(w, T.conv2dGradFilter(x, g, w.shape, opts))) / scale).toBeLessThan(1e-12)
  })

  test.prop([groupCase.filter((cs) => setup(cs).valid)], { numRuns: 40 })('float32 agrees with float64', (cs) => {
    const s32 = setup(cs, 'float32')
    const s64 = setup(cs, 'float64')
    const x = T.cast(s32.x, 'float64')
    const w = T.cast(s32.w, 'float64')
    const g = T.cast(s32.g, 'float64')
    const y = T.conv2d(s32.x, s32.w, s32.opts)
    expect(y.dtype).toBe('float32')
    close(T.cast(y, 'float64'), T.conv2d(x, w, s64.opts), 1e-5)
    close(T.cast(T.conv2dGradInput(s32.g, s32.w, s32.x.shape, s32.opts), 'float64'), T.conv2dGradInput(g, w, x.shape, s64.opts), 1e-5)
    close(T.cast(T.conv2dGradFilter(s32.x, s32.g, s32.w.shape, s32.opts), 'float64'), T.conv2dGradFilter(x, g, w.shape, s64.opts), 1e-5)
  })

  it('refuses groups that do not divide the channels, or that are not whole numbers ≥ 1', () => {
    const x = T.zeros([1, 4, 4, 6])
    let e = caught(() => T.conv2d(x, T.zeros([3, 3, 2, 4]), { groups: 3 }))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toContain('with 3 groups, the input channels 6 of x [1, 4, 4, 6] must be 3 × the filter in-channels 2 of w [3, 3, 2, 4], and the filters 4 a multiple of 3')
    e = caught(() => T.conv2d(x, T.zeros([3, 3, 3, 6]), { groups: 3 }))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toContain('give w the shape [kH, kW, 2, a multiple of 3]')
    e = caught(() => T.conv2dGradInput(T.zeros([1, 2, 2, 4]), T.zeros([3, 3, 2, 4]), [1, 4, 4, 5], { groups: 2 }))
    expect(e.code).toBe('SHAPE_MISMATCH')
    for (const groups of [0, 1.5, -2, NaN]) {
      e = caught(() => T.conv2d(x, T.zeros([1, 1, 6, 6]), { groups }))
      expect(e.code).toBe('INVALID_ARGUMENT')
      expect(e.message).toMatch(/groups must be a whole number ≥ 1/)
    }
  })
})
