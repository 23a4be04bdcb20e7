/**
 * Adafactor against a reference written here over plain float64 arrays with explicit loops,
 * from optax's documented equations (`scale_by_factored_rms`, `clip_by_block_rms`,
 * `scale_by_param_block_rms`, `ema` without bias correction, `add_decayed_weights`): a factored
 * matrix [130, 129] and its transpose [129, 130], an unfactored small matrix [4, 3] and a
 * vector [5], random hyperparameters and gradients, a few steps.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { Optim, Tensor as T, Tree } from '../../src/index.js'
import { caught } from '../util.js'

// -------------------------------------------------------------------------------------
// the reference

/** A leaf as plain numbers: [rows, cols] (a vector is [1, n] with rank 1), row-major. */
interface Leaf {
  readonly rank: 1 | 2
  readonly rows: number
  readonly cols: number
  readonly data: number[]
}

interface Settings {
  readonly decayRate: number
  readonly learningRate: number | undefined
  readonly momentum: number | undefined
  readonly weightDecay: number
}

interface LeafState {
  /** Factored: the average of g² + ε over the largest axis (indexed by the other axis). */
  over: number[]
  /** Factored: the average over the second largest axis (indexed by the largest). */
  under: number[]
  /** Unfactored: the full average. */
  full: number[]
  /** Momentum. */
  m: number[]
}

const EPS = 1e-30
const rmsOf = (xs: ReadonlyArray<number>): number => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length)

/** Factored when a matrix's smaller side has at least 128 entries. */
const factored = (l: Leaf): boolean => l.rank === 2 && Math.min(l.rows, l.cols) >= 128

const referenceStep = (cfg: Settings, t: number, theta: Leaf, g: Leaf, s: LeafState): number[] => {
  const { rows, cols } = g
  const beta = 1 - t ** -cfg.decayRate
  const g2 = g.data.map((x) => x * x + EPS)
  let u: number[]
  if (factored(g)) {
    const rowMean: number[] = []
    for (let i = 0; i < rows; i++) {
      let a = 0
      for (let j = 0; j < cols; j++) a += g2[i * cols + j]!
      rowMean.push(a / cols)
    }
    const colMean: number[] = []
    for (let j = 0; j < cols; j++) {
      let a = 0
      for (let i = 0; i < rows; i++) a += g2[i * cols + j]!
      colMean.push(a / rows)
    }
    // the largest axis is the rows when there are more rows than columns
    const [overLargest, overSecond] = rows > cols ? [colMean, rowMean] : [rowMean, colMean]
    s.over = s.over.map((v, k) => beta * v + (1 - beta) * overLargest[k]!)
    s.under = s.under.map((v, k) => beta * v + (1 - beta) * overSecond[k]!)
    const meanOver = s.over.reduce((a, x) => a + x, 0) / s.over.length
    u = g.data.map((x, k) => {
      const [i, j] = [Math.floor(k / cols), k % cols]
      const [o, n] = rows > cols ? [s.over[j]!, s.under[i]!] : [s.over[i]!, s.under[j]!]
      return x / Math.sqrt((o / meanOver) * n)
    })
  } else {
    s.full = s.full.map((v, k) => beta * v + (1 - beta) * g2[k]!)
    u = g.data.map((x, k) => x / Math.sqrt(s.full[k]!))
  }
  const clip = Math.max(1, rmsOf(u) / 1)
  u = u.map((x) => x / clip)
  if (cfg.learningRate !== undefined) u = u.map((x) => x * cfg.learningRate!)
  const scale = Math.max(rmsOf(theta.data), 1e-3)
  u = u.map((x) => x * scale)
  if (cfg.momentum !== undefined) {
    s.m = s.m.map((m, k) => cfg.momentum! * m + (1 - cfg.momentum!) * u[k]!)
    u = [...s.m]
  }
  if (theta.rank === 2) u = u.map((x, k) => x + cfg.weightDecay * theta.data[k]!)
  return theta.data.map((x, k) => x - u[k]!)
}

// -------------------------------------------------------------------------------------
// the harness

const SHAPES = { W: [130, 129], V: [129, 130], M: [4, 3], b: [5] } as const
type Name = keyof typeof SHAPES
const NAMES = Object.keys(SHAPES) as Name[]

const leafOf = (name: Name, data: number[]): Leaf => {
  const s = SHAPES[name]
  return s.length === 1 ? { rank: 1, rows: 1, cols: s[0], data } : { rank: 2, rows: s[0], cols: s[1], data }
}
const sizeOf = (name: Name): number => SHAPES[name].reduce((a: number, d: number) => a * d, 1)
const toTree = (leaves: Record<Name, number[]>): Tree.Tree =>
  Object.fromEntries(NAMES.map((n) => [n, T.fromArray(leaves[n], [...SHAPES[n]], 'float64')]))

/** Numbers from a seed (mulberry32), in [−1, 1), each leaf's rows at their own scale. */
const randomLeaves = (seed: number): Record<Name, number[]> => {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1
  }
  return Object.fromEntries(
    NAMES.map((n) => {
      const cols = SHAPES[n].length === 1 ? SHAPES[n][0] : SHAPES[n][1]!
      return [n, Array.from({ length: sizeOf(n) }, (_, k) => next() * 10 ** (Math.floor(k / cols) % 3 - 1))]
    }),
  ) as Record<Name, number[]>
}

const settings = fc.record({
  decayRate: fc.double({ min: 0.5, max: 1, noNaN: true }),
  learningRate: fc.option(fc.double({ min: 1e-3, max: 0.5, noNaN: true }), { nil: undefined }),
  momentum: fc.option(fc.double({ min: 0, max: 0.99, noNaN: true }), { nil: undefined }),
  weightDecay: fc.constantFrom(0, 1e-3, 0.1),
})

describe('adafactor against the float64 reference', () => {
  test.prop([settings, fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 6 })('the same parameters after each of 4 steps', (cfg, seed) => {
    const tx = Optim.adafactor(cfg.learningRate, {
      decayRate: cfg.decayRate,
      ...(cfg.momentum === undefined ? {} : { momentum: cfg.momentum }),
      weightDecay: cfg.weightDecay,
    })
    const theta0 = randomLeaves(seed)
    let params = toTree(theta0)
    let state = tx.init(params)
    let ref = theta0
    const refState = Object.fromEntries(
      NAMES.map((n) => {
        const l = leafOf(n, theta0[n])
        const f = factored(l)
        return [n, { over: new Array<number>(f ? Math.min(l.rows, l.cols) : 0).fill(0), under: new Array<number>(f ? Math.max(l.rows, l.cols) : 0).fill(0), full: new Array<number>(l.data.length).fill(0), m: new Array<number>(l.data.length).fill(0) }]
      }),
    ) as Record<Name, LeafState>
    for (let t = 1; t <= 4; t++) {
      const g = randomLeaves(seed + 7919 * t)
      const [u, next] = tx.update(toTree(g), state, params)
      params = Optim.applyUpdates(params, u)
      state = next
      ref = Object.fromEntries(NAMES.map((n) => [n, referenceStep(cfg, t, leafOf(n, ref[n]), leafOf(n, g[n]), refState[n])])) as Record<Name, number[]>
      for (const n of NAMES) {
        const got = T.toArray((params as Record<Name, T.Tensor>)[n]).flat() as number[]
        got.forEach((x, k) => {
          const y = ref[n][k]!
          if (!(Math.abs(x - y) <= 1e-10 * (1 + Math.abs(y)))) expect.fail(`step ${t}, ${n}[${k}]: ${x} where the reference has ${y}`)
        })
      }
    }
  })
})

// -------------------------------------------------------------------------------------
// statistics, options, refusals

describe('scaleByFactoredRms', () => {
  it('factors a leaf when its second largest axis has at least minDimSizeToFactor entries', () => {
    const p = { W: T.zeros([130, 129]), V: T.zeros([129, 130]), S: T.zeros([130, 127]), R: T.zeros([2, 200, 150]), b: T.zeros([300]), c: T.scalar(0) }
    const s = Optim.scaleByFactoredRms().init(p)
    const shapes = (t: Tree.Tree) => Object.fromEntries(Tree.leaves(t).map((l) => [l.path, l.value.shape]))
    expect(shapes(s.vRow)).toEqual({ R: [2, 150], S: [1], V: [129], W: [129], b: [1], c: [1] })
    expect(shapes(s.vCol)).toEqual({ R: [2, 200], S: [1], V: [130], W: [130], b: [1], c: [1] })
    expect(shapes(s.v)).toEqual({ R: [1], S: [130, 127], V: [1], W: [1], b: [300], c: [] })
    expect(shapes(Optim.scaleByFactoredRms({ factored: false }).init(p).v)).toEqual(shapes(p))
  })
  it('a factored rank-3 leaf: each slice along the small axis is scaled by its own row and column averages', () => {
    const g = T.fromArray(Array.from({ length: 2 * 3 * 4 }, (_, k) => ((k * 7) % 11) - 5 + 0.5), [2, 3, 4], 'float64')
    const tx = Optim.scaleByFactoredRms({ minDimSizeToFactor: 3 })
    const [u] = tx.update({ g }, tx.init({ g }))
    // the first step keeps g² + ε alone; per slice i, with r the averages over the middle axis and
    // c over the last: u = g / √(r_k / mean(r) · c_j) (optax normalizes c instead: the means are equal)
    const x = T.toNested(g) as number[][][]
    const want = x.map((m) => {
      const r = [0, 1, 2, 3].map((k) => m.reduce((a, row) => a + row[k]! ** 2 + 1e-30, 0) / 3)
      const c = m.map((row) => row.reduce((a, v) => a + v * v + 1e-30, 0) / 4)
      const mr = r.reduce((a, v) => a + v, 0) / 4
      return m.map((row, j) => row.map((v, k) => v / Math.sqrt((r[k]! / mr) * c[j]!)))
    })
    expect(T.allclose(u.g, T.tensor(want, 'float64'), { rtol: 1e-12, atol: 0 })).toBe(true)
  })
  it('refuses unknown options and a state built for other parameters, naming the path', () => {
    expect(caught(() => Optim.scaleByFactoredRms({ minDim: 2 } as never)).message).toMatch(/scaleByFactoredRms: unknown option "minDim" \(did you mean "minDimSizeToFactor"\?\); the options of scaleByFactoredRms are "factored", "decayRate", "minDimSizeToFactor", "eps"/)
    expect(caught(() => Optim.scaleByFactoredRms({ minDimSizeToFactor: 0.5 })).code).toBe('INVALID_ARGUMENT')
    const tx = Optim.scaleByFactoredRms()
    const s = tx.init({ W: T.zeros([130, 129]) })
    const e = caught(() => tx.update({ W: T.zeros([140, 129]) }, s))
    expect([e.code, e.message]).toEqual(['TREE_MISMATCH', expect.stringMatching(/scaleByFactoredRms: at 'W' the state holds a float32 \[130\] where a gradient float32 \[140, 129\] needs float32 \[140\]/)])
    expect(caught(() => tx.update({ U: T.zeros([130, 129]) }, s)).message).toMatch(/the gradients and the state's vRow differ at 'U'/)
  })
})

describe('adafactor', () => {
  it("gives the objective values of optax's documented example (η 0.003 on Σx² from [1, 2, 3], float32)", () => {
    const tx = Optim.adafactor(0.003)
    let p = { x: T.tensor([1, 2, 3]) }
    let s = tx.init(p)
    const values: string[] = []
    for (let k = 0; k < 5; k++) {
      const [u, next] = tx.update({ x: T.mul(p.x, 2) }, s, p)
      p = Optim.applyUpdates(p, u)
      s = next
      values.push(T.item(T.sum(T.square(p.x))).toExponential(2))
    }
    expect(values).toEqual(['1.39e+1', '1.38e+1', '1.38e+1', '1.37e+1', '1.36e+1'])
  })
  it('refuses unknown options, a bad clipping threshold, and an update without the parameters', () => {
    expect(caught(() => Optim.adafactor(1e-2, { beta1: 0.9 } as never)).message).toMatch(/adafactor: unknown option "beta1"/)
    expect(caught(() => Optim.adafactor(undefined, { clippingThreshold: 0 })).message).toMatch(/adafactor: clippingThreshold is 0, which is not positive/)
    expect(caught(() => Optim.adafactor(undefined, { momentum: 1 })).message).toMatch(/adafactor: momentum is 1, outside \[0, 1\)/)
    const tx = Optim.adafactor()
    const p = { w: T.ones([2]) }
    expect(caught(() => tx.update(p, tx.init(p))).message).toMatch(/adafactor: multiplyByParameterScale needs the current parameters/)
  })
  it('clippingThreshold null and multiplyByParameterScale false leave the factored scaling alone', () => {
    const p = { w: T.full([3], 5, 'float64') }
    const g = { w: T.tensor([4, -3, 0], 'float64') }
    const tx = Optim.adafactor(0.1, { clippingThreshold: null, multiplyByParameterScale: false })
    const [u] = tx.update(g, tx.init(p), p)
    expect(T.allclose(u.w, T.tensor([-0.1, 0.1, 0], 'float64'), { rtol: 1e-12, atol: 1e-12 })).toBe(true)
    const clipped = Optim.adafactor(0.1, { clippingThreshold: 0.5, multiplyByParameterScale: false })
    const [v] = clipped.update(g, clipped.init(p), p)
    expect(T.allclose(v.w, T.mul(u.w, 0.5 / Math.sqrt(2 / 3)), { rtol: 1e-12, atol: 1e-12 })).toBe(true)
  })
})
