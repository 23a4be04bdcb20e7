/**
 * The convolutional layer kinds beyond conv2d (conv1d, conv2dTranspose, depthwiseConv2d,
 * upsampling2d, globalAvgPool, globalMaxPool): on random shapes and options, in float64, the
 * forward pass against a reference written with loops from the definitions (PyTorch's, for
 * the transposed convolution and bilinear upsampling), the shape inference against the shape
 * apply produces, gradCheck over parameters and input together with forward mode against
 * reverse mode, and the encode/decode round trip; then hand-computed values, summaries and the
 * refusals (at construction, at decoding and at shape time, naming the layer path and sizes).
 */
import { fc, test } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Ad, Net, Rng, Tensor as T, Tree } from '../../src/index.js'
import { caught, right } from '../util.js'

type Pair = readonly [number, number]
type Pad2 = 'valid' | 'same' | number | readonly [Pair, Pair]

const seed = fc.integer({ min: 0, max: 2 ** 30 })
const pair = (min: number, max: number): fc.Arbitrary<Pair> => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }))
const pad2 = (max: number): fc.Arbitrary<Pad2> => fc.oneof(fc.constantFrom<Pad2>('valid', 'same'), fc.integer({ min: 0, max }), fc.tuple(pair(0, max), pair(0, max)))

/** Explicit [before, after] padding and output size of one axis, by TensorFlow's formulas ('same': ⌈in / s⌉, the odd cell after). */
const axis = (size: number, k: number, s: number, d: number, pad: 'valid' | 'same' | Pair): { out: number; before: number } => {
  const e = (k - 1) * d + 1
  if (pad === 'same') {
    const out = Math.ceil(size / s)
    return { out, before: Math.floor(Math.max((out - 1) * s + e - size, 0) / 2) }
  }
  const [before, after] = pad === 'valid' ? [0, 0] : pad
  return { out: Math.floor((size + before + after - e) / s) + 1, before }
}
const along = (p: Pad2, i: 0 | 1): 'valid' | 'same' | Pair => (typeof p === 'string' ? p : typeof p === 'number' ? [p, p] : p[i])

const arr = (t: unknown): number[] => T.toArray(t as T.Tensor)
const paramsOf = (vars: Net.Vars): Record<string, T.Tensor> => vars.params as Record<string, T.Tensor>

/**
 * What every layer must show on one random case: shape inference equals the shape apply gives,
 * apply equals the reference (float64, 1e-12), gradCheck passes over parameters and input with
 * forward mode agreeing with reverse mode, and the model survives encode/decode bit for bit.
 */
const laws = (net: Net.Layer, inShape: ReadonlyArray<number>, batch: number, s: number, reference: (params: Record<string, T.Tensor>, x: T.Tensor) => { shape: ReadonlyArray<number>; values: ReadonlyArray<number> }): void => {
  const vars = Net.init(net, { key: Rng.key(s), inShape, dtype: 'float64' })
  // a bias that is not zero, so that a bias added twice or forgotten shows
  const params = Tree.map(vars.params, (t) => Rng.normal(Rng.key(s + t.size), t.shape, { dtype: 'float64' }))
  const x = Rng.normal(Rng.key(s + 1), [batch, ...inShape], { dtype: 'float64' })
  const y = Net.predict(net, { params, state: vars.state }, x)
  expect(y.shape.slice(1)).toEqual(right(Net.shape(net, inShape)))
  const want = reference(params as Record<string, T.Tensor>, x)
  expect(y.shape).toEqual(want.shape)
  const got = T.toArray(y)
  for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want.values[i]!), `element ${i}: ${got[i]} vs ${want.values[i]}`).toBeLessThan(1e-12)
  if (y.size > 0) {
    const weights = T.reshape(T.linspace(0.5, 1.5, y.size, 'float64'), y.shape)
    const loss = (p: { params: Tree.Tree; x: T.Tensor }) => T.sum(T.mul(Net.predict(net, { params: p.params, state: vars.state }, p.x), weights))
    const report = Ad.gradCheck(loss, { params, x })
    expect(report.verdict, Ad.showGradCheck(report)).toBe('ok')
    expect(report.forwardVsReverse).toBeLessThan(1e-9)
  }
  const back = right(Net.decode(Net.encode({ network: net, inShape, params, state: vars.state })))
  expect(back.network).toEqual(net)
  expect(T.equals(Net.predict(back.network, back, x), y)).toBe(true)
}

// ---------------------------------------------------------------------------------------------

type Pad1 = 'valid' | 'same' | 'causal' | number | Pair

describe('conv1d', () => {
  const cases = fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    steps: fc.integer({ min: 1, max: 8 }),
    c: fc.integer({ min: 1, max: 3 }),
    f: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 3 }),
    d: fc.integer({ min: 1, max: 2 }),
    padding: fc.oneof(fc.constantFrom<Pad1>('valid', 'same', 'causal'), fc.integer({ min: 0, max: 2 }), pair(0, 2)),
    useBias: fc.boolean(),
    seed,
  })
  test.prop([cases], { numRuns: 40 })('y[t, o] = Σ x[t·s − before + k·d, c]·W[k, c, o] + b[o]; shape, gradCheck, forward = reverse, codec', (cs) => {
    const net = Net.conv1d(cs.f, cs.k, { strides: cs.s, dilations: cs.d, padding: cs.padding, useBias: cs.useBias })
    const e = (cs.k - 1) * cs.d + 1
    const pad = cs.padding === 'causal' ? ([e - 1, 0] as const) : typeof cs.padding === 'number' ? ([cs.padding, cs.padding] as const) : cs.padding
    const g = axis(cs.steps, cs.k, cs.s, cs.d, pad)
    if (g.out < 1) {
      expect(E.isLeft(Net.shape(net, [cs.steps, cs.c]))).toBe(true)
      return
    }
    laws(net, [cs.steps, cs.c], cs.n, cs.seed, (p, x) => {
      const xs = arr(x)
      const W = arr(p['W'])
      const b = p['b'] === undefined ? undefined : arr(p['b'])
      const out: number[] = []
      for (let n = 0; n < cs.n; n++)
        for (let t = 0; t < g.out; t++)
          for (let o = 0; o < cs.f; o++) {
            let sum = b === undefined ? 0 : b[o]!
            for (let k = 0; k < cs.k; k++) {
              const i = t * cs.s - g.before + k * cs.d
              if (i >= 0 && i < cs.steps) for (let c = 0; c < cs.c; c++) sum += xs[(n * cs.steps + i) * cs.c + c]! * W[(k * cs.c + c) * cs.f + o]!
            }
            out.push(sum)
          }
      return { shape: [cs.n, g.out, cs.f], values: out }
    })
  })

  it("causal padding: output t sees steps ≤ t only (a change at the last step changes only the last output)", () => {
    const net = Net.conv1d(2, 3, { padding: 'causal', dilations: 2 })
    const vars = Net.init(net, { key: Rng.key(0), inShape: [6, 1], dtype: 'float64' })
    const x = Rng.normal(Rng.key(1), [1, 6, 1], { dtype: 'float64' })
    const bumped = T.add(x, T.reshape(T.tensor([0, 0, 0, 0, 0, 1], 'float64'), [1, 6, 1]))
    const [a, b] = [arr(Net.predict(net, vars, x)), arr(Net.predict(net, vars, bumped))]
    expect(a.slice(0, 10)).toEqual(b.slice(0, 10))
    expect(a.slice(10)).not.toEqual(b.slice(10))
  })
})

// ---------------------------------------------------------------------------------------------

describe('conv2dTranspose', () => {
  const cases = fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    hw: pair(1, 4),
    c: fc.integer({ min: 1, max: 3 }),
    f: fc.integer({ min: 1, max: 3 }),
    k: pair(1, 3),
    s: pair(1, 3),
    d: pair(1, 2),
    padding: pad2(2),
    op: pair(0, 2),
    useBias: fc.boolean(),
    seed,
  })
  test.prop([cases], { numRuns: 40 })("PyTorch's definition: y[i·s − top + a·d, j·s − left + b·d, f] += x[i, j, c]·W[a, b, f, c]; shape, gradCheck, forward = reverse, codec", (cs) => {
    // output padding must be smaller than the stride, and 'same' takes none
    const op: Pair = cs.padding === 'same' ? [0, 0] : [cs.op[0] % cs.s[0], cs.op[1] % cs.s[1]]
    const net = Net.conv2dTranspose(cs.f, cs.k, { strides: cs.s, dilations: cs.d, padding: cs.padding, outputPadding: op, useBias: cs.useBias })
    const [H, W] = cs.hw
    const e = (i: 0 | 1): number => (cs.k[i] - 1) * cs.d[i] + 1
    // 'same': output in·s, and the padding TensorFlow's 'same' convolution of that output has
    const geo = (i: 0 | 1, size: number): { out: number; before: number } => {
      if (cs.padding === 'same') {
        const out = size * cs.s[i]
        return { out, before: axis(out, cs.k[i], cs.s[i], cs.d[i], 'same').before }
      }
      const pad = along(cs.padding, i)
      const [before, after] = pad === 'valid' ? [0, 0] : (pad as Pair)
      return { out: (size - 1) * cs.s[i] + e(i) - before - after + op[i], before }
    }
    const [gh, gw] = [geo(0, H), geo(1, W)]
    if (gh.out < 1 || gw.out < 1) {
      const r = Net.shape(net, [H, W, cs.c])
      expect(E.isLeft(r) && r.left.message).toMatch(/crops the whole output/)
      return
    }
    laws(net, [H, W, cs.c], cs.n, cs.seed, (p, x) => {
      const xs = arr(x)
      const w = arr(p['W'])
      const y = new Array<number>(cs.n * gh.out * gw.out * cs.f).fill(0)
      for (let n = 0; n < cs.n; n++)
        for (let i = 0; i < H; i++)
          for (let j = 0; j < W; j++)
            for (let a = 0; a < cs.k[0]; a++)
              for (let b = 0; b < cs.k[1]; b++) {
                const r = i * cs.s[0] - gh.before + a * cs.d[0]
                const q = j * cs.s[1] - gw.before + b * cs.d[1]
                if (r < 0 || r >= gh.out || q < 0 || q >= gw.out) continue
                for (let f = 0; f < cs.f; f++)
                  for (let c = 0; c < cs.c; c++) y[((n * gh.out + r) * gw.out + q) * cs.f + f]! += xs[((n * H + i) * W + j) * cs.c + c]! * w[((a * cs.k[1] + b) * cs.f + f) * cs.c + c]!
              }
      const bias = p['b'] === undefined ? undefined : arr(p['b'])
      return { shape: [cs.n, gh.out, gw.out, cs.f], values: bias === undefined ? y : y.map((v, i) => v + bias[i % cs.f]!) }
    })
  })

  it('by hand: stride 2, padding 1 and output padding 1 turn 2×2 into 4×4 (PyTorch ConvTranspose2d(1, 1, 3, 2, 1, 1))', () => {
    const net = Net.conv2dTranspose(1, 3, { strides: 2, padding: 1, outputPadding: 1, useBias: false })
    // a kernel with one tap: W[a, b] = 1 at (a, b) = (2, 2) only, so y[2i + 1, 2j + 1] = x[i, j]
    const W = T.reshape(T.tensor([0, 0, 0, 0, 0, 0, 0, 0, 1]), [3, 3, 1, 1])
    const y = Net.predict(net, { params: { W }, state: {} }, T.reshape(T.tensor([1, 2, 3, 4]), [1, 2, 2, 1]))
    expect(T.toArray(y)).toEqual([0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4])
  })
})

// ---------------------------------------------------------------------------------------------

describe('depthwiseConv2d', () => {
  const cases = fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    hw: pair(1, 5),
    c: fc.integer({ min: 1, max: 3 }),
    m: fc.integer({ min: 1, max: 3 }),
    k: pair(1, 3),
    s: pair(1, 2),
    d: pair(1, 2),
    padding: pad2(1),
    useBias: fc.boolean(),
    seed,
  })
  test.prop([cases], { numRuns: 40 })('y[i, j, c·M + m] = Σ x[i·s − top + a·d, j·s − left + b·d, c]·W[a, b, c, m] + b; shape, gradCheck, forward = reverse, codec', (cs) => {
    const net = Net.depthwiseConv2d(cs.k, { depthMultiplier: cs.m, strides: cs.s, dilations: cs.d, padding: cs.padding, useBias: cs.useBias })
    const [H, W] = cs.hw
    const gh = axis(H, cs.k[0], cs.s[0], cs.d[0], along(cs.padding, 0))
    const gw = axis(W, cs.k[1], cs.s[1], cs.d[1], along(cs.padding, 1))
    if (gh.out < 1 || gw.out < 1) {
      expect(E.isLeft(Net.shape(net, [H, W, cs.c]))).toBe(true)
      return
    }
    laws(net, [H, W, cs.c], cs.n, cs.seed, (p, x) => {
      const xs = arr(x)
      const w = arr(p['W'])
      const bias = p['b'] === undefined ? undefined : arr(p['b'])
      const out: number[] = []
      for (let n = 0; n < cs.n; n++)
        for (let i = 0; i < gh.out; i++)
          for (let j = 0; j < gw.out; j++)
            for (let c = 0; c < cs.c; c++)
              for (let m = 0; m < cs.m; m++) {
                let sum = bias === undefined ? 0 : bias[c * cs.m + m]!
                for (let a = 0; a < cs.k[0]; a++)
                  for (let b = 0; b < cs.k[1]; b++) {
                    const r = i * cs.s[0] - gh.before + a * cs.d[0]
                    const q = j * cs.s[1] - gw.before + b * cs.d[1]
                    if (r >= 0 && r < H && q >= 0 && q < W) sum += xs[((n * H + r) * W + q) * cs.c + c]! * w[((a * cs.k[1] + b) * cs.c + c) * cs.m + m]!
                  }
                out.push(sum)
              }
      return { shape: [cs.n, gh.out, gw.out, cs.c * cs.m], values: out }
    })
  })
})

// ---------------------------------------------------------------------------------------------

/**
 * PyTorch's bilinear upsampling (aten/src/ATen/native/UpSample.h and UpSampleKernel.cpp, with
 * align_corners=False) written out for one axis: src = max(scale⁻¹·(dst + ½) − ½, 0),
 * i0 = ⌊src⌋, i1 = i0 + (i0 < size − 1 ? 1 : 0), λ₁ = src − i0, λ₀ = 1 − λ₁.
 */
const torchTaps = (size: number, scale: number, dst: number): { i0: number; i1: number; l0: number; l1: number } => {
  const src = Math.max((1 / scale) * (dst + 0.5) - 0.5, 0)
  const i0 = Math.floor(src)
  const i1 = i0 + (i0 < size - 1 ? 1 : 0)
  const l1 = src - i0
  return { i0, i1, l0: 1 - l1, l1 }
}

describe('upsampling2d', () => {
  const cases = fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    hw: pair(1, 4),
    c: fc.integer({ min: 1, max: 2 }),
    size: pair(1, 3),
    interpolation: fc.constantFrom<Net.Interpolation>('nearest', 'bilinear'),
    seed,
  })
  test.prop([cases], { numRuns: 40 })("nearest: x[⌊i/s⌋]; bilinear: PyTorch's formula (align_corners=False); shape, gradCheck, forward = reverse, codec", (cs) => {
    const net = Net.upsampling2d(cs.size, { interpolation: cs.interpolation })
    const [H, W] = cs.hw
    const [oh, ow] = [H * cs.size[0], W * cs.size[1]]
    laws(net, [H, W, cs.c], cs.n, cs.seed, (_, x) => {
      const xs = arr(x)
      const at = (n: number, i: number, j: number, c: number): number => xs[((n * H + i) * W + j) * cs.c + c]!
      const out: number[] = []
      for (let n = 0; n < cs.n; n++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let c = 0; c < cs.c; c++) {
              if (cs.interpolation === 'nearest') {
                out.push(at(n, Math.floor(i / cs.size[0]), Math.floor(j / cs.size[1]), c))
                continue
              }
              const h = torchTaps(H, cs.size[0], i)
              const w = torchTaps(W, cs.size[1], j)
              out.push(h.l0 * (w.l0 * at(n, h.i0, w.i0, c) + w.l1 * at(n, h.i0, w.i1, c)) + h.l1 * (w.l0 * at(n, h.i1, w.i0, c) + w.l1 * at(n, h.i1, w.i1, c)))
            }
      return { shape: [cs.n, oh, ow, cs.c], values: out }
    })
  })

  it("bilinear by hand, as PyTorch's F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False) prints it", () => {
    const x = T.reshape(T.tensor([1, 2, 3, 4], 'float64'), [1, 2, 2, 1])
    const y = Net.predict(Net.upsampling2d(2, { interpolation: 'bilinear' }), Net.init(Net.upsampling2d(2), { key: Rng.key(0), inShape: [2, 2, 1] }), x)
    expect(T.toArray(y)).toEqual([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4])
    // scale 3 along the width of [0, 3]: sources −⅓→0, 0, ⅓, ⅔, 1, 4/3 (past the last cell: the last cell)
    const z = Net.predict(Net.upsampling2d([1, 3], { interpolation: 'bilinear' }), { params: {}, state: {} }, T.reshape(T.tensor([0, 3], 'float64'), [1, 1, 2, 1]))
    expect(arr(z).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([0, 0, 1, 2, 3, 3])
  })
})

// ---------------------------------------------------------------------------------------------

describe('global pooling', () => {
  const cases = fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    spatial: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    c: fc.integer({ min: 1, max: 3 }),
    max: fc.boolean(),
    seed,
  })
  test.prop([cases], { numRuns: 40 })('the mean or max of each channel over every position, for sequences, images and volumes; shape, gradCheck, forward = reverse, codec', (cs) => {
    const net = cs.max ? Net.globalMaxPool : Net.globalAvgPool
    const cells = cs.spatial.reduce((a, b) => a * b, 1)
    laws(net, [...cs.spatial, cs.c], cs.n, cs.seed, (_, x) => {
      const xs = arr(x)
      const out: number[] = []
      for (let n = 0; n < cs.n; n++)
        for (let c = 0; c < cs.c; c++) {
          const vs = Array.from({ length: cells }, (_, p) => xs[(n * cells + p) * cs.c + c]!)
          out.push(cs.max ? Math.max(...vs) : vs.reduce((a, b) => a + b, 0) / cells)
        }
      return { shape: [cs.n, cs.c], values: out }
    })
  })
})

// ---------------------------------------------------------------------------------------------

describe('summaries', () => {
  it('label each layer with its hyperparameters and count its parameters', () => {
    const net = Net.serial(Net.conv1d(4, 3, { padding: 'causal' }), Net.globalMaxPool, Net.reshape([2, 2, 1]), Net.conv2dTranspose(3, 2, { strides: 2 }), Net.depthwiseConv2d(3, { depthMultiplier: 2, padding: 'same' }), Net.upsampling2d(2, { interpolation: 'bilinear' }), Net.globalAvgPool)
    const s = Net.summary(net, [10, 2])
    expect(s).toMatch(/0 {2}Conv1d\(4, 3, causal\) +\[\*, 10, 4\] +28\n/) // 3·2·4 + 4
    expect(s).toMatch(/1 {2}GlobalMaxPool +\[\*, 4\] +0\n/)
    expect(s).toMatch(/3 {2}Conv2dTranspose\(3, 2×2, stride 2×2, valid\) +\[\*, 4, 4, 3\] +15\n/) // 2·2·3·1 + 3
    expect(s).toMatch(/4 {2}DepthwiseConv2d\(3×3, ×2, same\) +\[\*, 4, 4, 6\] +60\n/) // 3·3·3·2 + 6
    expect(s).toMatch(/5 {2}Upsampling2d\(2×2, bilinear\) +\[\*, 8, 8, 6\] +0\n/)
    expect(s).toMatch(/6 {2}GlobalAvgPool +\[\*, 6\] +0\n/)
  })
})

describe('refusals', () => {
  it('refuses an output padding not smaller than the stride at construction, naming both', () => {
    const e = caught(() => Net.conv2dTranspose(4, 3, { strides: [2, 3], outputPadding: [1, 3] }))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toMatch(/outputPadding \[1, 3\] must be smaller than the strides \[2, 3\] along each axis/)
    expect(caught(() => Net.conv2dTranspose(4, 3, { outputPadding: 1 })).message).toMatch(/outputPadding \[1, 1\] must be smaller than the strides \[1, 1\]/)
    expect(caught(() => Net.conv2dTranspose(4, 3, { strides: 2, padding: 'same', outputPadding: 1 })).message).toMatch(/needs numeric padding/)
    expect(caught(() => Net.conv2dTranspose(4, 3, { outputPadding: -1 })).message).toMatch(/outputPadding must be two whole numbers ≥ 0/)
  })

  it('refuses such a layer in a saved model, naming its path', () => {
    const net = Net.serial(Net.reshape([2, 2, 1]), Net.conv2dTranspose(2, 3, { strides: 2, padding: 1, outputPadding: 1 }))
    const vars = Net.init(net, { key: Rng.key(0), inShape: [4] })
    const text = Net.encode({ network: net, inShape: [4], ...vars })
    const r = Net.decode(text.replace('"outputPadding":[1,1]', '"outputPadding":[1,2]'))
    expect(E.isLeft(r) && r.left.code).toBe('INVALID_VALUE')
    expect(E.isLeft(r) && r.left.message).toMatch(/layer 1: outputPadding \[1, 2\] must be smaller than the strides \[2, 2\]/)
  })

  it('refuses inputs of the wrong rank or size at shape time, naming the layer path and the sizes', () => {
    const left = (net: Net.Layer, inShape: ReadonlyArray<number>): string => {
      const r = Net.shape(net, inShape)
      if (E.isRight(r)) throw new Error('expected a refusal')
      expect(r.left.code).toBe('SHAPE_MISMATCH')
      return r.left.message
    }
    expect(left(Net.serial(Net.dense(3), Net.conv1d(2, 3)), [4])).toMatch(/layer 1 \(Conv1d\(2, 3, valid\)\) needs sequences of shape \[steps, channels\]; got \[3\] per example/)
    expect(left(Net.serial(Net.reshape([5, 2]), Net.conv1d(2, 3, { dilations: 3 })), [10])).toMatch(/layer 1 \(Conv1d\(2, 3, valid\)\) .*the window is larger than the padded input along the length: a 3-cell window dilated by 3 spans 7 cells, but the input length is 5/)
    expect(left(Net.serial(Net.reshape([2, 2, 1]), Net.conv2dTranspose(2, 3, { strides: 2, padding: 3 })), [4])).toMatch(
      /layer 1 \(Conv2dTranspose\(2, 3×3, stride 2×2, padded\)\) crops the whole output: a 3×3 kernel with strides 2×2 spreads a 2×2 input over 5×5 cells, and padding \[\[3, 3\], \[3, 3\]\] crops 6 rows and 6 columns/,
    )
    expect(left(Net.depthwiseConv2d(5), [3, 3, 2])).toMatch(/the network \(DepthwiseConv2d\(5×5, valid\)\) the window is larger than the padded input along the height: a 5-cell window, but the input height is 3/)
    expect(left(Net.serial(Net.flatten, Net.upsampling2d(2)), [2, 2])).toMatch(/layer 1 \(Upsampling2d\(2×2, nearest\)\) needs images of shape \[height, width, channels\]; got \[4\]/)
    expect(left(Net.serial(Net.dense(2), Net.globalAvgPool), [3])).toMatch(/layer 1 \(GlobalAvgPool\) needs at least one axis to pool over before the channels.*got \[2\] per example/)
    expect(left(Net.globalMaxPool, [0, 3])).toMatch(/GlobalMaxPool.*pools over 0 = 0 cells per channel/)
  })

  it('refuses bad hyperparameters and unknown options at construction', () => {
    expect(caught(() => Net.conv1d(2, 3, { padding: 'full' as never })).message).toMatch(/padding must be 'valid', 'same', 'causal'/)
    expect(caught(() => Net.conv1d(0, 3)).message).toMatch(/filters must be a whole number ≥ 1; got 0/)
    expect(caught(() => Net.depthwiseConv2d(3, { depthMultiplier: 0 })).message).toMatch(/depthMultiplier must be a whole number ≥ 1; got 0/)
    expect(caught(() => Net.upsampling2d(0)).message).toMatch(/size must be two whole numbers ≥ 1/)
    expect(caught(() => Net.upsampling2d(2, { interpolation: 'bicubic' as never })).message).toMatch(/interpolation must be 'nearest' or 'bilinear'; got "bicubic"/)
    for (const f of [() => Net.conv1d(2, 3, { stride: 2 } as never), () => Net.conv2dTranspose(2, 3, { output_padding: 1 } as never), () => Net.depthwiseConv2d(3, { multiplier: 2 } as never), () => Net.upsampling2d(2, { mode: 'bilinear' } as never)]) {
      expect(caught(f).code).toBe('INVALID_ARGUMENT')
    }
  })
})
