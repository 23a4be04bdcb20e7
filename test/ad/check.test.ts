import { describe, expect, it } from 'vitest'
import { Ad, PuregradError, Rng, Tensor as T } from '../../src/index.js'

const [k1, k2, k3, kDrop] = Rng.split(Rng.key(7), 4) as [Rng.Key, Rng.Key, Rng.Key, Rng.Key]
const X = Rng.normal(k1, [6, 4], { dtype: 'float64' })
const labels = T.oneHot([0, 1, 2, 0, 1, 2], 3, { dtype: 'float64' })
const init = () => ({
  dense1: { W: Rng.normal(k2, [4, 5], { std: 0.5 }), b: T.zeros([5]) },
  dense2: { W: Rng.normal(k3, [5, 3], { std: 0.5 }), b: T.zeros([3]) },
})
type P = ReturnType<typeof init>

/** Softmax cross-entropy of a 4-5-3 network, with an activation, optional inverted dropout and L2. */
const lossWith =
  (act: (x: T.Tensor) => T.Tensor, opts: { keep?: number; lambda?: number } = {}) =>
  (p: P): T.Tensor => {
    let h = act(T.add(T.matmul(X, p.dense1.W), p.dense1.b))
    if (opts.keep !== undefined) h = T.div(T.mul(h, Rng.bernoulli(kDrop, opts.keep, h.shape, { dtype: 'float64' })), opts.keep)
    const logits = T.add(T.matmul(h, p.dense2.W), p.dense2.b)
    const ce = T.neg(T.mean(T.sum(T.mul(labels, T.logSoftmax(logits)), -1)))
    const l2 = opts.lambda === undefined ? 0 : T.mul(T.add(T.sum(T.square(p.dense1.W)), T.sum(T.square(p.dense2.W))), opts.lambda / (2 * 6))
    return T.add(ce, l2)
  }

const activations: Record<string, (x: T.Tensor) => T.Tensor> = {
  sigmoid: T.sigmoid,
  tanh: T.tanh,
  relu: T.relu,
  leakyRelu: (x) => T.where(T.greater(x, 0), x, T.mul(x, 0.1)),
  elu: (x) => T.where(T.greater(x, 0), x, T.expm1(T.minimum(x, 0))),
  softplus: T.softplus,
  gelu: (x) => T.mul(T.mul(x, 0.5), T.add(1, T.erf(T.div(x, Math.SQRT2)))),
  maxout: (x) => T.max(T.reshape(T.concat([x, T.neg(x)], 1), [6, 2, 5]), 1),
}

describe('gradCheck on small networks', () => {
  for (const [name, act] of Object.entries(activations)) {
    it(`is ok for a 4-5-3 network with ${name}, L2 on, at initialisation`, () => {
      const r = Ad.gradCheck(lossWith(act, { lambda: 0.7 }), init())
      expect(r.verdict, Ad.showGradCheck(r)).toBe('ok')
      expect(r.parameters).toBe(4 * 5 + 5 + 5 * 3 + 3)
    })
  }
  it('is ok with dropout on, since the mask is a pure function of its key', () => {
    const r = Ad.gradCheck(lossWith(T.relu, { keep: 0.8 }), init())
    expect(r.verdict, Ad.showGradCheck(r)).toBe('ok')
  })
  it('is ok in fast mode, and names every leaf', () => {
    const r = Ad.gradCheck(lossWith(T.tanh), init(), { mode: 'fast', directions: 8 })
    expect(r.verdict).toBe('ok')
    expect(r.compared).toBe(8)
    expect(r.worst.map((w) => w.path).sort()).toEqual(['dense1.W', 'dense1.b', 'dense2.W', 'dense2.b'])
  })
})

describe('gradCheck finds bugs', () => {
  // a hand-written layer whose backward pass forgets the factor 2 of d(x²)
  const badSquare = Ad.custom('badSquare', (x) => T.square(x), { vjp: (g, [x]) => [T.mul(g, x!)], jvp: (_, [t], out) => T.mul(t!, T.div(out, 1)) })
  const buggy = (p: P) => T.add(lossWith(T.tanh)(p), T.sum(badSquare(p.dense2.b)))
  it('reports the wrong leaf with analytic and numeric values', () => {
    const p = { ...init(), dense2: { ...init().dense2, b: T.tensor([0.5, -0.25, 1]) } }
    const r = Ad.gradCheck(buggy, p)
    expect(r.verdict).toBe('wrong')
    expect(r.worst[0]!.path).toBe('dense2.b')
    expect(r.worst[0]!.index).toEqual([2])
    expect(Math.abs(r.worst[0]!.numeric - r.worst[0]!.analytic)).toBeGreaterThan(0.4)
    expect(Ad.showGradCheck(r)).toMatch(/^gradCheck: wrong \(the gradient is wrong\)/)
  })
  it('finds it in fast mode too, and the forward-vs-reverse oracle flags it', () => {
    const p = { ...init(), dense2: { ...init().dense2, b: T.tensor([0.5, -0.25, 1]) } }
    const r = Ad.gradCheck(buggy, p, { mode: 'fast' })
    expect(r.verdict).not.toBe('ok')
    expect(r.worst[0]!.path).toBe('dense2.b')
    expect(r.forwardVsReverse).toBeGreaterThan(1e-3)
  })
})

describe('gradCheck at kinks', () => {
  const absSum = (p: { w: T.Tensor }) => T.sum(T.abs(p.w))
  it('moves a point that sits on a kink', () => {
    const r = Ad.gradCheck(absSum, { w: T.tensor([0, 1, -2]) })
    expect(r).toMatchObject({ verdict: 'ok', moved: true, skipped: 0 })
  })
  it('or skips the coordinates whose differences straddle it', () => {
    const r = Ad.gradCheck(absSum, { w: T.tensor([0, 1, -2]) }, { kinks: 'skip' })
    expect(r).toMatchObject({ verdict: 'ok', moved: false, skipped: 1, compared: 2 })
  })
  it('handles ties of max and max pooling', () => {
    const f = (p: { x: T.Tensor }) => T.add(T.sum(T.max(p.x, 1)), T.sum(T.maxPool2d(T.reshape(p.x, [1, 2, 2, 1]), { size: 2 })))
    expect(Ad.gradCheck(f, { x: T.tensor([[1, 1], [2, 2]]) }).verdict).toBe('ok')
  })
})

describe('gradCheck verdicts and input', () => {
  it('uses the notes’ thresholds', () => {
    expect([1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2].map(Ad.verdictOf)).toEqual(['ok', 'ok', 'suspicious', 'suspicious', 'likelyWrong', 'likelyWrong', 'wrong'])
  })
  it('explains that data closed over must be float64, since the check runs in float64', () => {
    const x32 = T.tensor([[1, 2]])
    expect(() => Ad.gradCheck((p: T.Tensor) => T.sum(T.matmul(x32, p)), T.tensor([[1], [2]]))).toThrow(/the data it closes over must be float64 too/)
  })
  it('refuses a bad eps and a loss that is not a number', () => {
    expect(() => Ad.gradCheck((p: T.Tensor) => T.sum(p), T.tensor([1]), { eps: 0 })).toThrow(PuregradError)
    expect(() => Ad.gradCheck((p: T.Tensor) => p, T.tensor([1, 2]))).toThrow(/gradCheck needs a single number/)
  })
})
