import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { Tensor as T } from '../../src/index.js'
import type { Kernels } from '../../src/kernels/Kernels.js'
import { jsKernels } from '../../src/kernels/js/index.js'
import { useKernels } from '../../src/kernels/registry.js'
import { caught } from '../util.js'

// ---------------------------------------------------------------------------------------------
// Helpers

/** Deterministic values in [-1, 1) from a seed (fast; fast-check still shrinks shapes). */
const values = (seed: number, n: number): number[] => {
  let a = seed >>> 0
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 2 ** 31) - 1
  }
  return out
}

const size = (s: ReadonlyArray<number>): number => s.reduce((a, b) => a * b, 1)
const rand = (seed: number, shape: number[], dtype: T.DType = 'float64'): T.Tensor =>
  T.fromArray(values(seed, size(shape)), shape, dtype)
const dot = (a: T.Tensor, b: T.Tensor): number => {
  const x = T.toArray(a)
  const y = T.toArray(b)
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!
  return s
}
const abs = (t: T.Tensor): T.Tensor => T.fromArray(T.toArray(t).map(Math.abs), t.shape, t.dtype)
const close = (a: T.Tensor, b: T.Tensor, rtol = 1e-10, atol = 1e-12): void => {
  expect(a.shape).toEqual(b.shape)
  if (!T.allclose(a, b, { rtol, atol })) expect(T.toArray(a)).toEqual(T.toArray(b))
}

type Pad = 'valid' | 'same' | number | readonly [readonly [number, number], readonly [number, number]]

/** Explicit [before, after] padding and output size of one axis, by TensorFlow's formulas. */
const tfAxis = (size: number, k: number, s: number, d: number, pad: 'valid' | 'same' | readonly [number, number]) => {
  const e = (k - 1) * d + 1
  if (pad === 'same') {
    const out = Math.ceil(size / s)
    const total = Math.max((out - 1) * s + e - size, 0)
    return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) }
  }
  const [before, after] = pad === 'valid' ? [0, 0] : pad
  return { out: Math.floor((size + before + after - e) / s) + 1, before, after }
}

interface Geo {
  readonly outH: number
  readonly outW: number
  readonly top: number
  readonly left: number
  readonly sH: number
  readonly sW: number
  readonly dH: number
  readonly dW: number
}

const tfGeo = (H: number, W: number, kH: number, kW: number, s: readonly [number, number], d: readonly [number, number], pad: Pad): Geo => {
  const p = typeof pad === 'number' ? ([[pad, pad], [pad, pad]] as const) : pad
  const h = tfAxis(H, kH, s[0], d[0], typeof p === 'string' ? p : p[0])
  const w = tfAxis(W, kW, s[1], d[1], typeof p === 'string' ? p : p[1])
  return { outH: h.out, outW: w.out, top: h.before, left: w.before, sH: s[0], sW: s[1], dH: d[0], dW: d[1] }
}

// Textbook references, straight from the definitions (loops over every index, bounds tested).

const refConv = (x: T.Tensor, w: T.Tensor, g: Geo): T.Tensor => {
  const [N, H, W, C] = x.shape as [number, number, number, number]
  const [kH, kW, , O] = w.shape as [number, number, number, number]
  const xs = T.toArray(x)
  const ws = T.toArray(w)
  const out: number[] = []
  for (let n = 0; n < N; n++)
    for (let i = 0; i < g.outH; i++)
      for (let j = 0; j < g.outW; j++)
        for (let o = 0; o < O; o++) {
          let s = 0
          for (let a = 0; a < kH; a++)
            for (let b = 0; b < kW; b++)
              for (let c = 0; c < C; c++) {
                const p = i * g.sH - g.top + a * g.dH
                const q = j * g.sW - g.left + b * g.dW
                if (p >= 0 && p < H && q >= 0 && q < W) s += xs[((n * H + p) * W + q) * C + c]! * ws[((a * kW + b) * C + c) * O + o]!
              }
          out.push(s)
        }
  return T.fromArray(out, [N, g.outH, g.outW, O], x.dtype)
}

/** Both VJPs by scattering every term of the forward sum. */
const refConvGrads = (x: T.Tensor, w: T.Tensor, dy: T.Tensor, g: Geo): { dx: T.Tensor; dw: T.Tensor } => {
  const [N, H, W, C] = x.shape as [number, number, number, number]
  const [kH, kW, , O] = w.shape as [number, number, number, number]
  const xs = T.toArray(x)
  const ws = T.toArray(w)
  const gs = T.toArray(dy)
  const dx = new Array<number>(xs.length).fill(0)
  const dw = new Array<number>(ws.length).fill(0)
  for (let n = 0; n < N; n++)
    for (let i = 0; i < g.outH; i++)
      for (let j = 0; j < g.outW; j++)
        for (let o = 0; o < O; o++)
          for (let a = 0; a < kH; a++)
            for (let b = 0; b < kW; b++)
              for (let c = 0; c < C; c++) {
                const p = i * g.sH - g.top + a * g.dH
                const q = j * g.sW - g.left + b * g.dW
                if (p < 0 || p >= H || q < 0 || q >= W) continue
                const xi = ((n * H + p) * W + q) * C + c
                const wi = ((a * kW + b) * C + c) * O + o
                const gy = gs[((n * g.outH + i) * g.outW + j) * O + o]!
                dx[xi] = dx[xi]! + gy * ws[wi]!
                dw[wi] = dw[wi]! + gy * xs[xi]!
              }
  return { dx: T.fromArray(dx, x.shape, x.dtype), dw: T.fromArray(dw, w.shape, w.dtype) }
}

/** Pooling forward and backward references: cells of each window inside x, in row-major order. */
const refPool = (kind: 'max' | 'avg', x: T.Tensor, kH: number, kW: number, g: Geo, dy?: T.Tensor): { y: T.Tensor; dx: T.Tensor } => {
  const [N, H, W, C] = x.shape as [number, number, number, number]
  const xs = T.toArray(x)
  const gs = dy === undefined ? [] : T.toArray(dy)
  const y: number[] = []
  const dx = new Array<number>(xs.length).fill(0)
  for (let n = 0; n < N; n++)
    for (let i = 0; i < g.outH; i++)
      for (let j = 0; j < g.outW; j++)
        for (let c = 0; c < C; c++) {
          const cells: number[] = []
          for (let a = 0; a < kH; a++)
            for (let b = 0; b < kW; b++) {
              const p = i * g.sH - g.top + a
              const q = j * g.sW - g.left + b
              if (p >= 0 && p < H && q >= 0 && q < W) cells.push(((n * H + p) * W + q) * C + c)
            }
          const gy = gs[y.length] ?? 0
          if (cells.length === 0) {
            y.push(0)
          } else if (kind === 'avg') {
            y.push(cells.reduce((s, k) => s + xs[k]!, 0) / cells.length)
            for (const k of cells) dx[k] = dx[k]! + gy / cells.length
          } else {
            let best = cells[0]!
            for (const k of cells) if (xs[k]! > xs[best]!) best = k
            y.push(xs[best]!)
            dx[best] = dx[best]! + gy
          }
        }
  return { y: T.fromArray(y, [N, g.outH, g.outW, C], x.dtype), dx: T.fromArray(dx, x.shape, x.dtype) }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const pair = (min: number, max: number) => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }))
const padArb = (max: number): fc.Arbitrary<Pad> =>
  fc.oneof(
    fc.constant<Pad>('valid'),
    fc.constant<Pad>('same'),
    fc.integer({ min: 0, max }),
    fc.tuple(pair(0, max), pair(0, max)).map(([h, w]): Pad => [h, w]),
  )

/** Small convolution problems over every combination of stride, padding and dilation. */
const convCase = fc.record({
  n: fc.integer({ min: 1, max: 3 }),
  hw: pair(1, 8),
  c: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 7, max: 11 })),
  o: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 7, max: 11 })),
  k: pair(1, 3),
  strides: pair(1, 3),
  dilations: pair(1, 2),
  padding: padArb(2),
  seed: fc.integer(),
})
type ConvCase = typeof convCase extends fc.Arbitrary<infer A> ? A : never

const setup = (cs: ConvCase, dtype: T.DType = 'float64') => {
  const [H, W] = cs.hw
  const [kH, kW] = cs.k
  const geo = tfGeo(H, W, kH, kW, cs.strides, cs.dilations, cs.padding)
  const x = rand(cs.seed, [cs.n, H, W, cs.c], dtype)
  const w = rand(cs.seed + 1, [kH, kW, cs.c, cs.o], dtype)
  const opts: T.Conv2dOptions = { strides: cs.strides, dilations: cs.dilations, padding: cs.padding }
  return { x, w, geo, opts, valid: geo.outH >= 1 && geo.outW >= 1 }
}

const poolCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  hw: pair(1, 7),
  c: fc.integer({ min: 1, max: 4 }),
  size: pair(1, 3),
  strides: fc.option(pair(1, 3), { nil: undefined }),
  padding: padArb(3),
  seed: fc.integer(),
})
type PoolCase = typeof poolCase extends fc.Arbitrary<infer A> ? A : never

const poolSetup = (cs: PoolCase) => {
  const [H, W] = cs.hw
  const [kH, kW] = cs.size
  const strides = cs.strides ?? cs.size
  const geo = tfGeo(H, W, kH, kW, strides, [1, 1], cs.padding)
  const opts: T.Pool2dOptions = cs.strides === undefined ? { size: cs.size, padding: cs.padding } : { size: cs.size, strides: cs.strides, padding: cs.padding }
  // explicit padding must be smaller than the window: windows of padding alone are refused
  const explicit = typeof cs.padding === 'number' ? [[cs.padding, cs.padding], [cs.padding, cs.padding]] : Array.isArray(cs.padding) ? cs.padding : undefined
  const padOk = explicit === undefined || (Math.max(...explicit[0]!) < kH && Math.max(...explicit[1]!) < kW)
  return { shape: [cs.n, H, W, cs.c], kH, kW, geo, opts, valid: geo.outH >= 1 && geo.outW >= 1 && padOk }
}

// ---------------------------------------------------------------------------------------------
// Convolution

const ramp = T.fromArray(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1], 'float64')
const box3 = T.fromArray(new Array<number>(9).fill(1), [3, 3, 1, 1], 'float64')
const nested2d = (t: T.Tensor): number[][] => {
  const [, H, W] = t.shape as [number, number, number, number]
  const v = T.toArray(t)
  return Array.from({ length: H }, (_, i) => v.slice(i * W, (i + 1) * W))
}

describe('conv2d', () => {
  it('computes a 3×3 box filter on a 4×4 ramp by hand', () => {
    expect(nested2d(T.conv2d(ramp, box3))).toEqual([[45, 54], [81, 90]])
    expect(nested2d(T.conv2d(ramp, box3, { padding: 'same' }))).toEqual([
      [10, 18, 24, 18],
      [27, 45, 54, 39],
      [51, 81, 90, 63],
      [42, 66, 72, 50],
    ])
    // TensorFlow's 'same' with stride 2 on an even size pads 0 on top/left and 1 at bottom/right
    expect(nested2d(T.conv2d(ramp, box3, { padding: 'same', strides: 2 }))).toEqual([[45, 39], [66, 50]])
    // explicit padding and dilation: taps at offsets 0 and 2
    const w2 = T.fromArray([1, 1, 1, 1], [2, 2, 1, 1], 'float64')
    expect(nested2d(T.conv2d(ramp, w2, { dilations: 2 }))).toEqual([[0 + 2 + 8 + 10, 1 + 3 + 9 + 11], [4 + 6 + 12 + 14, 5 + 7 + 13 + 15]])
    expect(nested2d(T.conv2d(ramp, w2, { padding: [[1, 0], [0, 0]], strides: [3, 2] }))).toEqual([[0 + 1, 2 + 3], [8 + 9 + 12 + 13, 10 + 11 + 14 + 15]])
  })

  it('mixes channels: out[…, o] = Σ_c x[…, c] · w[0, 0, c, o]', () => {
    const x = T.tensor([[[[1, 2, 3]]]], 'float64') // [1, 1, 1, 3]
    const w = T.tensor([[[[1, 0], [0, 1], [10, 100]]]], 'float64') // [1, 1, 3, 2]
    expect(T.toNested(T.conv2d(x, w))).toEqual([[[[31, 302]]]])
  })

  test.prop([convCase], { numRuns: 300 })('matches the textbook formula, or refuses exactly when the window exceeds the padded input', (cs) => {
    const { x, w, geo, opts, valid } = setup(cs)
    if (!valid) {
      expect(caught(() => T.conv2d(x, w, opts)).code).toBe('INVALID_ARGUMENT')
      return
    }
    const y = T.conv2d(x, w, opts)
    expect(y.dtype).toBe('float64')
    close(y, refConv(x, w, geo))
  })

  test.prop([convCase.filter((cs) => setup(cs).valid)], { numRuns: 200 })('gradients match the textbook VJPs', (cs) => {
    const { x, w, geo, opts } = setup(cs)
    const dy = rand(cs.seed + 2, [cs.n, geo.outH, geo.outW, cs.o])
    const ref = refConvGrads(x, w, dy, geo)
    close(T.conv2dGradInput(dy, w, x.shape, opts), ref.dx)
    close(T.conv2dGradFilter(x, dy, w.shape, opts), ref.dw)
  })

  test.prop([convCase.filter((cs) => setup(cs).valid)], { numRuns: 200 })(
    'adjoint identities: ⟨conv2d(x, w), g⟩ = ⟨x, gradInput(g)⟩ = ⟨w, gradFilter(g)⟩',
    (cs) => {
      const { x, w, geo, opts } = setup(cs)
      const g = rand(cs.seed + 3, [cs.n, geo.outH, geo.outW, cs.o])
      const lhs = dot(T.conv2d(x, w, opts), g)
      const viaX = dot(x, T.conv2dGradInput(g, w, x.shape, opts))
      const viaW = dot(w, T.conv2dGradFilter(x, g, w.shape, opts))
      // relative to the sum of the magnitudes of all terms, so cancellation cannot fool the check
      const scale = dot(T.conv2d(abs(x), abs(w), opts), abs(g))
      expect(Math.abs(lhs - viaX)).toBeLessThanOrEqual(1e-10 * scale)
      expect(Math.abs(lhs - viaW)).toBeLessThanOrEqual(1e-10 * scale)
    },
  )

  test.prop([convCase.filter((cs) => setup(cs).valid)], { numRuns: 100 })('float32 agrees with the float64 result', (cs) => {
    const { x, w, geo, opts } = setup(cs, 'float32')
    const dy = rand(cs.seed + 2, [cs.n, geo.outH, geo.outW, cs.o], 'float32')
    const x64 = T.cast(x, 'float64')
    const w64 = T.cast(w, 'float64')
    const ref = refConvGrads(x64, w64, T.cast(dy, 'float64'), geo)
    const y = T.conv2d(x, w, opts)
    expect(y.dtype).toBe('float32')
    close(T.cast(y, 'float64'), refConv(x64, w64, geo), 1e-4, 1e-5)
    close(T.cast(T.conv2dGradInput(dy, w, x.shape, opts), 'float64'), ref.dx, 1e-4, 1e-5)
    close(T.cast(T.conv2dGradFilter(x, dy, w.shape, opts), 'float64'), ref.dw, 1e-4, 1e-5)
  })

  test.prop([fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 })])(
    "output sizes follow TensorFlow: 'same' ⌈H / s⌉, 'valid' ⌈(H − (k − 1)·d) / s⌉",
    (H, k, s, d) => {
      const x = T.zeros([1, H, 2, 1])
      const w = T.zeros([k, 1, 1, 1])
      expect(T.conv2d(x, w, { padding: 'same', strides: [s, 1], dilations: [d, 1] }).shape).toEqual([1, Math.ceil(H / s), 2, 1])
      const validH = Math.ceil((H - (k - 1) * d) / s)
      if (validH >= 1) expect(T.conv2d(x, w, { padding: 'valid', strides: [s, 1], dilations: [d, 1] }).shape).toEqual([1, validH, 2, 1])
      else expect(caught(() => T.conv2d(x, w, { strides: [s, 1], dilations: [d, 1] })).code).toBe('INVALID_ARGUMENT')
    },
  )

  it('handles an empty batch and zero channels', () => {
    expect(T.conv2d(T.zeros([0, 3, 3, 2]), T.zeros([2, 2, 2, 4])).shape).toEqual([0, 2, 2, 4])
    expect(T.toArray(T.conv2d(T.zeros([1, 2, 2, 0]), T.zeros([1, 1, 0, 2])))).toEqual(new Array(8).fill(0))
    expect(T.conv2dGradInput(T.zeros([0, 2, 2, 4]), T.zeros([2, 2, 2, 4]), [0, 3, 3, 2]).shape).toEqual([0, 3, 3, 2])
  })

  it('calls the kernels through the registry', () => {
    const calls: string[] = []
    const spy: Kernels = {
      ...jsKernels,
      name: 'spy',
      conv2d: (...a) => (calls.push('conv2d'), jsKernels.conv2d(...a)),
      conv2dBackInput: (...a) => (calls.push('backInput'), jsKernels.conv2dBackInput(...a)),
      conv2dBackFilter: (...a) => (calls.push('backFilter'), jsKernels.conv2dBackFilter(...a)),
      pool2d: (...a) => (calls.push(`pool2d ${a[0]}`), jsKernels.pool2d(...a)),
      pool2dBack: (...a) => (calls.push(`pool2dBack ${a[0]}`), jsKernels.pool2dBack(...a)),
    }
    const previous = useKernels(spy)
    try {
      const dy = T.conv2d(ramp, box3)
      T.conv2dGradInput(dy, box3, ramp.shape)
      T.conv2dGradFilter(ramp, dy, box3.shape)
      const p = T.maxPool2d(ramp, { size: 2 })
      T.maxPool2dGrad(ramp, p, { size: 2 })
      T.avgPool2d(ramp, { size: 2 })
      T.avgPool2dGrad(ramp.shape, p, { size: 2 })
    } finally {
      useKernels(previous)
    }
    expect(calls).toEqual(['conv2d', 'backInput', 'backFilter', 'pool2d max', 'pool2dBack max', 'pool2d avg', 'pool2dBack avg'])
  })
})

// ---------------------------------------------------------------------------------------------
// Pooling

describe('pooling', () => {
  it('pools a 4×4 ramp by hand', () => {
    expect(nested2d(T.maxPool2d(ramp, { size: 2 }))).toEqual([[5, 7], [13, 15]])
    expect(nested2d(T.avgPool2d(ramp, { size: 2 }))).toEqual([[2.5, 4.5], [10.5, 12.5]])
    // 'same' 3×3 stride 1: padding is not counted (corner: (0 + 1 + 4 + 5) / 4)
    expect(nested2d(T.avgPool2d(ramp, { size: 3, strides: 1, padding: 'same' }))[0]).toEqual([2.5, 3, 4, 4.5])
    // padding never wins a max, even when every value is negative
    const neg = T.fromArray(T.toArray(ramp).map((v) => -v - 1), ramp.shape, 'float64')
    expect(nested2d(T.maxPool2d(neg, { size: 3, strides: 1, padding: 'same' }))[0]).toEqual([-1, -1, -2, -3])
  })

  it('routes max-pool gradients to the first maximum of each window and accumulates overlaps', () => {
    const x = T.tensor([[[[1], [1]], [[1], [1]]]], 'float64') // a 2×2 tie
    expect(T.toArray(T.maxPool2dGrad(x, T.tensor([[[[5]]]], 'float64'), { size: 2 }))).toEqual([5, 0, 0, 0])
    // stride 1 windows overlap: the 9 sits in all four 2×2 windows of a 3×3 input
    const y = T.fromArray([0, 0, 0, 0, 9, 0, 0, 0, 0], [1, 3, 3, 1], 'float64')
    const g = T.fromArray([1, 2, 3, 4], [1, 2, 2, 1], 'float64')
    expect(T.toArray(T.maxPool2dGrad(y, g, { size: 2, strides: 1 }))).toEqual([0, 0, 0, 0, 10, 0, 0, 0, 0])
    expect(T.toArray(T.avgPool2dGrad(y, g, { size: 2, strides: 1 }))).toEqual([0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1])
  })

  it('refuses padding as large as the window, whose windows would hold padding alone', () => {
    const x = T.fromArray([-3, -4, -5, -6], [1, 2, 2, 1], 'float64')
    const opts: T.Pool2dOptions = { size: 2, padding: [[3, 0], [0, 0]] }
    expect(caught(() => T.maxPool2d(x, opts)).message).toMatch(/must be smaller than the window 2×2/)
    expect(caught(() => T.avgPool2d(x, opts)).code).toBe('INVALID_ARGUMENT')
    // one cell of padding on a 2×2 window leaves every window a real cell
    expect(T.toArray(T.maxPool2d(x, { size: 2, strides: 2, padding: 1 }))).toEqual([-3, -4, -5, -6])
  })

  it('propagates NaN through max pooling (the first NaN takes the gradient)', () => {
    const x = T.fromArray([1, NaN, 5, NaN], [1, 2, 2, 1], 'float64')
    expect(T.toArray(T.maxPool2d(x, { size: 2 }))).toEqual([NaN])
    expect(T.toArray(T.maxPool2dGrad(x, T.fromArray([1], [1, 1, 1, 1], 'float64'), { size: 2 }))).toEqual([0, 1, 0, 0])
    const inf = T.fromArray([-Infinity, -Infinity], [1, 1, 2, 1], 'float64')
    expect(T.toArray(T.maxPool2d(inf, { size: [1, 2] }))).toEqual([-Infinity])
    expect(T.toArray(T.maxPool2dGrad(inf, T.fromArray([1], [1, 1, 1, 1], 'float64'), { size: [1, 2] }))).toEqual([1, 0])
  })

  test.prop([poolCase, fc.boolean()], { numRuns: 300 })(
    'forward and gradients match the references (ties included), or refuse when the window exceeds the padded input',
    (cs, ties) => {
      const { shape, kH, kW, geo, opts, valid } = poolSetup(cs)
      // with ties, values are drawn from {-1, 0, 1} so that most windows hold several maxima
      const x = ties ? T.fromArray(values(cs.seed, size(shape)).map(Math.round), shape, 'float64') : rand(cs.seed, shape)
      if (!valid) {
        expect(caught(() => T.maxPool2d(x, opts)).code).toBe('INVALID_ARGUMENT')
        expect(caught(() => T.avgPool2d(x, opts)).code).toBe('INVALID_ARGUMENT')
        return
      }
      const dy = rand(cs.seed + 1, [cs.n, geo.outH, geo.outW, cs.c])
      for (const kind of ['max', 'avg'] as const) {
        const ref = refPool(kind, x, kH, kW, geo, dy)
        const y = kind === 'max' ? T.maxPool2d(x, opts) : T.avgPool2d(x, opts)
        close(y, ref.y)
        close(kind === 'max' ? T.maxPool2dGrad(x, dy, opts) : T.avgPool2dGrad(x, dy, opts), ref.dx)
      }
    },
  )

  test.prop([poolCase.filter((cs) => poolSetup(cs).valid)], { numRuns: 200 })('avg pooling is linear: ⟨avgPool(x), g⟩ = ⟨x, avgPoolGrad(g)⟩', (cs) => {
    const { shape, geo, opts } = poolSetup(cs)
    const x = rand(cs.seed, shape)
    const g = rand(cs.seed + 1, [cs.n, geo.outH, geo.outW, cs.c])
    const lhs = dot(T.avgPool2d(x, opts), g)
    const rhs = dot(x, T.avgPool2dGrad(shape, g, opts))
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-10 * dot(T.avgPool2d(abs(x), opts), abs(g)))
  })

  test.prop([poolCase.filter((cs) => poolSetup(cs).valid)], { numRuns: 60 })(
    'max-pool gradient equals the finite difference of Σ g·maxPool(x) where x has no ties',
    (cs) => {
      const { shape, geo, opts } = poolSetup(cs)
      // distinct values 0.25 apart, in a random order: a step of 1e-3 never changes a winner
      const n = size(shape)
      const keys = values(cs.seed, n)
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]!)
      const base = new Array<number>(n)
      order.forEach((k, rank) => (base[k] = (rank - n / 2) * 0.25))
      const x = T.fromArray(base, shape, 'float64')
      const g = rand(cs.seed + 1, [cs.n, geo.outH, geo.outW, cs.c])
      const f = (v: number[]): number => dot(T.maxPool2d(T.fromArray(v, shape, 'float64'), opts), g)
      const h = 1e-3
      const fd = base.map((_, k) => {
        const up = base.slice()
        const down = base.slice()
        up[k] = up[k]! + h
        down[k] = down[k]! - h
        return (f(up) - f(down)) / (2 * h)
      })
      close(T.maxPool2dGrad(x, g, opts), T.fromArray(fd, shape, 'float64'), 1e-7, 1e-9)
    },
  )

  test.prop([fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 5 }), fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined })])(
    "output sizes follow TensorFlow: 'same' ⌈H / s⌉, 'valid' ⌈(H − k + 1) / s⌉, strides default to the window",
    (H, k, s) => {
      const x = T.zeros([1, 2, H, 1])
      const stride = s ?? k
      const opts = s === undefined ? { size: [1, k] as const } : { size: [1, k] as const, strides: [1, s] as const }
      expect(T.maxPool2d(x, { ...opts, padding: 'same' }).shape).toEqual([1, 2, Math.ceil(H / stride), 1])
      const validW = Math.ceil((H - k + 1) / stride)
      if (validW >= 1) expect(T.avgPool2d(x, opts).shape).toEqual([1, 2, validW, 1])
      else expect(caught(() => T.avgPool2d(x, opts)).code).toBe('INVALID_ARGUMENT')
    },
  )
})

// ---------------------------------------------------------------------------------------------
// Immutability and refusals

describe('immutability', () => {
  test.prop([convCase.filter((cs) => setup(cs).valid)], { numRuns: 20 })('no operation changes its inputs', (cs) => {
    const { x, w, geo, opts } = setup(cs, 'float32')
    const dy = rand(cs.seed + 2, [cs.n, geo.outH, geo.outW, cs.o], 'float32')
    const before = [x, w, dy].map(T.toArray)
    T.conv2d(x, w, opts)
    T.conv2dGradInput(dy, w, x.shape, opts)
    T.conv2dGradFilter(x, dy, w.shape, opts)
    const p = T.maxPool2d(x, { size: 2, padding: 'same' })
    T.maxPool2dGrad(x, p, { size: 2, padding: 'same' })
    T.avgPool2dGrad(x, T.avgPool2d(x, { size: 2, padding: 'same' }), { size: 2, padding: 'same' })
    expect([x, w, dy].map(T.toArray)).toEqual(before)
  })
})

describe('refusals', () => {
  const x = T.zeros([1, 5, 5, 3])
  const w = T.zeros([3, 3, 3, 8])

  it('refuses ranks other than 4, naming the layout and both shapes', () => {
    let e = caught(() => T.conv2d(T.zeros([5, 5, 3]), w))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toContain('conv2d')
    expect(e.message).toContain('[batch, height, width, channels]')
    expect(e.message).toContain('x [5, 5, 3] (rank 3)')
    expect(e.message).toContain('w [3, 3, 3, 8]')
    e = caught(() => T.conv2d(x, T.zeros([3, 3, 3])))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toContain('HWIO')
    expect(e.message).toContain('w [3, 3, 3] (rank 3)')
    expect(e.message).toContain('x [1, 5, 5, 3]')
    e = caught(() => T.maxPool2d(T.zeros([5, 5]), { size: 2 }))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toContain('x [5, 5] (rank 2)')
  })

  it('refuses a channel mismatch, naming both shapes', () => {
    const e = caught(() => T.conv2d(x, T.zeros([3, 3, 4, 8])))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.op).toBe('conv2d')
    expect(e.message).toContain('input channels 3 of x [1, 5, 5, 3] ≠ filter in-channels 4 of w [3, 3, 4, 8]')
    const g = caught(() => T.conv2dGradFilter(x, T.zeros([1, 3, 3, 8]), [3, 3, 4, 8]))
    expect(g.code).toBe('SHAPE_MISMATCH')
    expect(g.message).toContain('input channels 3 of x [1, 5, 5, 3] ≠ filter in-channels 4 of w [3, 3, 4, 8]')
  })

  it('refuses mixed and integer dtypes', () => {
    let e = caught(() => T.conv2d(x, T.zeros([3, 3, 3, 8], 'float64')))
    expect(e.code).toBe('DTYPE_MISMATCH')
    expect(e.message).toContain('x [1, 5, 5, 3] is float32 but w [3, 3, 3, 8] is float64')
    e = caught(() => T.conv2d(T.zeros([1, 5, 5, 3], 'int32'), T.zeros([3, 3, 3, 8], 'int32')))
    expect(e.code).toBe('DTYPE_MISMATCH')
    expect(e.message).toContain('float')
    expect(e.message).toContain('x [1, 5, 5, 3] and w [3, 3, 3, 8] are int32')
    e = caught(() => T.maxPool2d(T.zeros([1, 2, 2, 1], 'int32'), { size: 2 }))
    expect(e.code).toBe('DTYPE_MISMATCH')
    expect(e.message).toContain('x [1, 2, 2, 1] is int32')
    e = caught(() => T.conv2dGradInput(T.zeros([1, 3, 3, 8], 'float64'), w, x.shape))
    expect(e.code).toBe('DTYPE_MISMATCH')
    expect(e.message).toContain('dy [1, 3, 3, 8] is float64 but w [3, 3, 3, 8] is float32')
  })

  it('refuses strides and dilations that are not whole numbers ≥ 1', () => {
    for (const bad of [0, -1, 1.5, NaN, [1, 0], [2], 'x']) {
      const s = caught(() => T.conv2d(x, w, { strides: bad as never }))
      expect(s.code).toBe('INVALID_ARGUMENT')
      expect(s.message).toContain('strides')
      expect(s.message).toContain('x [1, 5, 5, 3], w [3, 3, 3, 8]')
      const d = caught(() => T.conv2d(x, w, { dilations: bad as never }))
      expect(d.code).toBe('INVALID_ARGUMENT')
      expect(d.message).toContain('dilations')
      const p = caught(() => T.maxPool2d(x, { size: 2, strides: bad as never }))
      expect(p.code).toBe('INVALID_ARGUMENT')
      const z = caught(() => T.maxPool2d(x, { size: bad as never }))
      expect(z.code).toBe('INVALID_ARGUMENT')
      expect(z.message).toContain('size')
    }
  })

  it('refuses negative or malformed padding', () => {
    for (const bad of [-1, [[1, -1], [0, 0]], [[0, 0]], 'full', 0.5]) {
      const e = caught(() => T.conv2d(x, w, { padding: bad as never }))
      expect(e.code).toBe('INVALID_ARGUMENT')
      expect(e.message).toContain('padding')
      expect(e.message).toContain('x [1, 5, 5, 3], w [3, 3, 3, 8]')
      expect(caught(() => T.avgPool2d(x, { size: 2, padding: bad as never })).code).toBe('INVALID_ARGUMENT')
    }
  })

  it('refuses a kernel larger than the padded input', () => {
    let e = caught(() => T.conv2d(x, T.zeros([7, 3, 3, 8])))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toContain('height')
    expect(e.message).toContain('x [1, 5, 5, 3], w [7, 3, 3, 8]')
    e = caught(() => T.conv2d(x, w, { dilations: [1, 3] })) // spans 7 > 5
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toContain('width')
    expect(e.message).toContain('spans 7')
    expect(T.conv2d(x, T.zeros([7, 3, 3, 8]), { padding: 1 }).shape).toEqual([1, 1, 5, 8]) // 5 + 2 = 7 rows fit
    e = caught(() => T.maxPool2d(x, { size: 6 }))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toContain('x [1, 5, 5, 3]')
    e = caught(() => T.conv2d(T.zeros([1, 0, 5, 3]), w, { padding: 'same' }))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toContain('input height is 0 (x [1, 0, 5, 3], w [3, 3, 3, 8])')
  })

  it("refuses a dy whose shape is not conv2d's output shape", () => {
    let e = caught(() => T.conv2dGradInput(T.zeros([1, 5, 5, 8]), w, x.shape))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toContain('dy [1, 5, 5, 8] does not match the output shape [1, 3, 3, 8]')
    expect(e.message).toContain('x [1, 5, 5, 3] and w [3, 3, 3, 8]')
    e = caught(() => T.conv2dGradFilter(x, T.zeros([1, 3, 3, 8]), w.shape, { padding: 'same' }))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toContain('dy [1, 3, 3, 8] does not match the output shape [1, 5, 5, 8]')
    e = caught(() => T.maxPool2dGrad(x, T.zeros([1, 3, 3, 3]), { size: 2 }))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toContain('dy [1, 3, 3, 3] does not match the output shape [1, 2, 2, 3] that maxPool2d produces for x [1, 5, 5, 3]')
    e = caught(() => T.avgPool2dGrad([1, 5, 5, 3], T.zeros([1, 2, 2, 4]), { size: 2 }))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toContain('dy [1, 2, 2, 4]')
    expect(caught(() => T.conv2dGradInput(T.zeros([1, 3, 3, 8]), w, [1, -5, 5, 3])).code).toBe('INVALID_SHAPE')
  })
})
