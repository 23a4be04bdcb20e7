/**
 * Each alias against its published algorithm, written out by hand here over plain numbers,
 * line by line from PyTorch's torch.optim documentation (and the Lion paper, and optax's NAdam):
 * random hyperparameters, random gradient sequences, float64 parameters {W: 2×2, b: 3}. The
 * default weight-decay mask decays W (rank 2) and not b.
 *
 * These are the tests that catch the notes' typos: RMSProp accumulating with `+=` instead of
 * assigning the moving average, and Adam's loop starting t at 0.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Optim, Tensor as T, Tree } from '../../src/index.js'

// -------------------------------------------------------------------------------------
// the harness

type Vec = number[]
type Params = { readonly W: T.Tensor; readonly b: T.Tensor }
/** Which coordinates weight decay touches: W's 4 (rank 2), not b's 3. */
const DECAY = [true, true, true, true, false, false, false]
const N = DECAY.length

const toParams = (v: Vec): Params => ({ W: T.tensor([v.slice(0, 2), v.slice(2, 4)], 'float64'), b: T.tensor(v.slice(4), 'float64') })
const toVec = (p: Tree.Tree): Vec => {
  const q = p as Params
  return [...T.toArray(q.W), ...T.toArray(q.b)]
}

/** A reference optimizer: a step over plain arrays with its own state. */
interface Reference<S> {
  readonly init: () => S
  readonly step: (s: S, theta: Vec, g: Vec) => readonly [Vec, S]
}

/** θ after each step, from the alias and from the reference; gradients fixed in advance. */
const trajectories = <S>(tx: Optim.GradientTransformation<unknown>, ref: Reference<S>, theta0: Vec, grads: ReadonlyArray<Vec>): readonly [Vec[], Vec[]] => {
  let p: Tree.Tree = toParams(theta0)
  let s: unknown = tx.init(p)
  let rθ = theta0
  let rs = ref.init()
  const got: Vec[] = []
  const want: Vec[] = []
  for (const g of grads) {
    const [u, s1]: readonly [Tree.Tree, unknown] = tx.update(toParams(g), s, p)
    p = Optim.applyUpdates(p, u)
    s = s1
    got.push(toVec(p))
    const [r1, rs1] = ref.step(rs, rθ, g)
    rθ = r1
    rs = rs1
    want.push(rθ)
  }
  return [got, want]
}

const close = (got: Vec[], want: Vec[], rtol = 1e-9): void => {
  got.forEach((v, k) =>
    v.forEach((x, i) => {
      const y = want[k]![i]!
      if (!(Math.abs(x - y) <= rtol * (1 + Math.abs(y)))) {
        throw new Error(`step ${k + 1}, coordinate ${i}: got ${x}, the published algorithm gives ${y}`)
      }
    }),
  )
}

const value = fc.double({ min: -10, max: 10, noNaN: true })
const vec = fc.array(value, { minLength: N, maxLength: N })
/**
 * Gradients at least 1e-3 in size: where |g| is near eps, g/(|g| + eps) amplifies the rounding of
 * earlier cancellations, and two correct orders of rounding part by more than any tolerance.
 */
const gradSeq = fc.array(vec.map((g) => g.map((v) => (v >= 0 ? v + 1e-3 : v - 1e-3))), { minLength: 1, maxLength: 8 })
const rate = fc.double({ min: 1e-4, max: 0.5, noNaN: true })
const beta = fc.double({ min: 0, max: 0.999, noNaN: true })
const decay = fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 0.1, noNaN: true }))
const runs = { numRuns: 60 }

const zeros = (): Vec => new Array<number>(N).fill(0)
const map = (n: number, f: (i: number) => number): Vec => Array.from({ length: n }, (_, i) => f(i))
/** PyTorch's coupled weight decay: g ← g + λθ (on the decayed coordinates). */
const l2 = (g: Vec, theta: Vec, wd: number): Vec => map(N, (i) => (DECAY[i] ? g[i]! + wd * theta[i]! : g[i]!))

// -------------------------------------------------------------------------------------
// SGD, momentum, Nesterov (torch.optim.SGD, dampening 0)

const sgdRef = (lr: number, mu: number, nesterov: boolean, wd: number): Reference<{ b: Vec | null }> => ({
  init: () => ({ b: null }),
  step: (s, theta, g0) => {
    let g = l2(g0, theta, wd)
    let b = s.b
    if (mu !== 0) {
      b = b === null ? g : map(N, (i) => mu * b![i]! + g[i]!) // first step: b₁ = g₁
      const bb = b
      g = nesterov ? map(N, (i) => g[i]! + mu * bb[i]!) : bb
    }
    return [map(N, (i) => theta[i]! - lr * g[i]!), { b }]
  },
})

describe('sgd ≡ torch.optim.SGD', () => {
  test.prop([vec, gradSeq, rate, beta, fc.boolean(), decay], runs)('plain, momentum and Nesterov, with weight decay', (θ, gs, lr, mu, nesterov, wd) => {
    const momentum = mu < 0.1 ? 0 : mu
    const n = nesterov && momentum > 0
    close(...trajectories(Optim.sgd(lr, { momentum, nesterov: n, weightDecay: wd }), sgdRef(lr, momentum, n, wd), θ, gs))
  })
})

// -------------------------------------------------------------------------------------
// Adagrad (torch.optim.Adagrad)

const adagradRef = (lr: number, lrDecay: number, wd: number, init: number, eps: number): Reference<{ t: number; sum: Vec }> => ({
  init: () => ({ t: 0, sum: new Array<number>(N).fill(init) }),
  step: (s, theta, g0) => {
    const t = s.t + 1
    const g = l2(g0, theta, wd)
    const clr = lr / (1 + (t - 1) * lrDecay)
    const sum = map(N, (i) => s.sum[i]! + g[i]! * g[i]!)
    return [map(N, (i) => theta[i]! - (clr * g[i]!) / (Math.sqrt(sum[i]!) + eps)), { t, sum }]
  },
})

describe('adagrad ≡ torch.optim.Adagrad', () => {
  test.prop([vec, gradSeq, rate, fc.constantFrom(0, 0.01, 0.5), decay, fc.constantFrom(0, 0.1)], runs)('with lr_decay, weight decay and initial accumulator', (θ, gs, lr, lrDecay, wd, init) => {
    close(...trajectories(Optim.adagrad(lr, { lrDecay, weightDecay: wd, initialAccumulatorValue: init }), adagradRef(lr, lrDecay, wd, init, 1e-10), θ, gs))
  })
})

// -------------------------------------------------------------------------------------
// RMSprop (torch.optim.RMSprop)

const rmspropRef = (lr: number, alpha: number, eps: number, wd: number, mu: number, centered: boolean): Reference<{ v: Vec; gAvg: Vec; b: Vec }> => ({
  init: () => ({ v: zeros(), gAvg: zeros(), b: zeros() }),
  step: (s, theta, g0) => {
    const g = l2(g0, theta, wd)
    const v = map(N, (i) => alpha * s.v[i]! + (1 - alpha) * g[i]! * g[i]!) // an assignment: `+=` is the notes' typo
    const gAvg = centered ? map(N, (i) => alpha * s.gAvg[i]! + (1 - alpha) * g[i]!) : s.gAvg
    const vt = centered ? map(N, (i) => v[i]! - gAvg[i]! * gAvg[i]!) : v
    const dir = map(N, (i) => g[i]! / (Math.sqrt(vt[i]!) + eps))
    if (mu > 0) {
      const b = map(N, (i) => mu * s.b[i]! + dir[i]!)
      return [map(N, (i) => theta[i]! - lr * b[i]!), { v, gAvg, b }]
    }
    return [map(N, (i) => theta[i]! - lr * dir[i]!), { v, gAvg, b: s.b }]
  },
})

describe('rmsprop ≡ torch.optim.RMSprop', () => {
  // α ≥ 0.5: with α near 0 the centered variance v − ḡ² ≈ α(1 − α)g² cancels catastrophically, and any two orders of rounding disagree
  test.prop([vec, gradSeq, rate, fc.double({ min: 0.5, max: 0.999, noNaN: true }), fc.constantFrom(0, 0.5, 0.9), fc.boolean(), decay], runs)('plain, centered, with momentum and weight decay', (θ, gs, lr, alpha, mu, centered, wd) => {
    close(...trajectories(Optim.rmsprop(lr, { alpha, momentum: mu, centered, weightDecay: wd, eps: 1e-8 }), rmspropRef(lr, alpha, 1e-8, wd, mu, centered), θ, gs), 1e-7)
  })
})

// -------------------------------------------------------------------------------------
// Adam, AMSGrad, AdamW (torch.optim.Adam, torch.optim.AdamW)

interface AdamS {
  t: number
  m: Vec
  v: Vec
  vMax: Vec
}
const adamCore = (b1: number, b2: number, eps: number, amsgrad: boolean) => (s: AdamS, g: Vec): readonly [Vec, AdamS] => {
  const t = s.t + 1 // t = 1 at the first step: starting at 0 is the notes' typo
  const m = map(N, (i) => b1 * s.m[i]! + (1 - b1) * g[i]!)
  const v = map(N, (i) => b2 * s.v[i]! + (1 - b2) * g[i]! * g[i]!)
  const vMax = amsgrad ? map(N, (i) => Math.max(s.vMax[i]!, v[i]!)) : s.vMax
  const bc1 = 1 - b1 ** t
  const bc2 = 1 - b2 ** t
  const denom = map(N, (i) => Math.sqrt((amsgrad ? vMax[i]! : v[i]!) / bc2) + eps)
  return [map(N, (i) => m[i]! / bc1 / denom[i]!), { t, m, v, vMax }]
}
const adamInit = (): AdamS => ({ t: 0, m: zeros(), v: zeros(), vMax: zeros() })

const adamRef = (lr: number, b1: number, b2: number, eps: number, wd: number, amsgrad: boolean): Reference<AdamS> => ({
  init: adamInit,
  step: (s, theta, g0) => {
    const [dir, s1] = adamCore(b1, b2, eps, amsgrad)(s, l2(g0, theta, wd))
    return [map(N, (i) => theta[i]! - lr * dir[i]!), s1]
  },
})

const adamwRef = (lr: number, b1: number, b2: number, eps: number, wd: number, amsgrad: boolean): Reference<AdamS> => ({
  init: adamInit,
  step: (s, theta, g) => {
    const decayed = map(N, (i) => (DECAY[i] ? theta[i]! * (1 - lr * wd) : theta[i]!))
    const [dir, s1] = adamCore(b1, b2, eps, amsgrad)(s, g)
    return [map(N, (i) => decayed[i]! - lr * dir[i]!), s1]
  },
})

describe('adam ≡ torch.optim.Adam, adamw ≡ torch.optim.AdamW', () => {
  test.prop([vec, gradSeq, rate, beta, beta, fc.boolean(), decay], runs)('adam, with AMSGrad and L2 weight decay', (θ, gs, lr, b1, b2, amsgrad, wd) => {
    close(...trajectories(Optim.adam(lr, { b1, b2, amsgrad, weightDecay: wd }), adamRef(lr, b1, b2, 1e-8, wd, amsgrad), θ, gs))
  })
  test.prop([vec, gradSeq, rate, beta, beta, fc.boolean(), decay], runs)('adamw: decoupled weight decay', (θ, gs, lr, b1, b2, amsgrad, wd) => {
    close(...trajectories(Optim.adamw(lr, { b1, b2, amsgrad, weightDecay: wd }), adamwRef(lr, b1, b2, 1e-8, wd, amsgrad), θ, gs))
  })
})

// -------------------------------------------------------------------------------------
// Adamax (torch.optim.Adamax), Adadelta (torch.optim.Adadelta)

const adamaxRef = (lr: number, b1: number, b2: number, eps: number, wd: number): Reference<{ t: number; m: Vec; u: Vec }> => ({
  init: () => ({ t: 0, m: zeros(), u: zeros() }),
  step: (s, theta, g0) => {
    const t = s.t + 1
    const g = l2(g0, theta, wd)
    const m = map(N, (i) => b1 * s.m[i]! + (1 - b1) * g[i]!)
    const u = map(N, (i) => Math.max(b2 * s.u[i]!, Math.abs(g[i]!) + eps))
    const clr = lr / (1 - b1 ** t)
    return [map(N, (i) => theta[i]! - (clr * m[i]!) / u[i]!), { t, m, u }]
  },
})

const adadeltaRef = (lr: number, rho: number, eps: number, wd: number): Reference<{ v: Vec; a: Vec }> => ({
  init: () => ({ v: zeros(), a: zeros() }),
  step: (s, theta, g0) => {
    const g = l2(g0, theta, wd)
    const v = map(N, (i) => rho * s.v[i]! + (1 - rho) * g[i]! * g[i]!)
    const delta = map(N, (i) => (Math.sqrt(s.a[i]! + eps) / Math.sqrt(v[i]! + eps)) * g[i]!)
    const a = map(N, (i) => rho * s.a[i]! + (1 - rho) * delta[i]! * delta[i]!)
    return [map(N, (i) => theta[i]! - lr * delta[i]!), { v, a }]
  },
})

describe('adamax ≡ torch.optim.Adamax, adadelta ≡ torch.optim.Adadelta', () => {
  test.prop([vec, gradSeq, rate, beta, beta, decay], runs)('adamax', (θ, gs, lr, b1, b2, wd) => {
    close(...trajectories(Optim.adamax(lr, { b1, b2, weightDecay: wd }), adamaxRef(lr, b1, b2, 1e-8, wd), θ, gs))
  })
  test.prop([vec, gradSeq, fc.double({ min: 0.1, max: 2, noNaN: true }), beta, decay], runs)('adadelta', (θ, gs, lr, rho, wd) => {
    close(...trajectories(Optim.adadelta(lr, { rho, weightDecay: wd }), adadeltaRef(lr, rho, 1e-6, wd), θ, gs))
  })
})

// -------------------------------------------------------------------------------------
// NAdam (torch.optim.NAdam; optax's nadam for a constant momentum)

const nadamRef = (lr: number, b1: number, b2: number, eps: number, wd: number, psi: number, decoupled: boolean): Reference<{ t: number; muProduct: number; m: Vec; v: Vec }> => ({
  init: () => ({ t: 0, muProduct: 1, m: zeros(), v: zeros() }),
  step: (s, theta0, g0) => {
    const t = s.t + 1
    const theta = decoupled ? map(N, (i) => (DECAY[i] ? theta0[i]! * (1 - lr * wd) : theta0[i]!)) : theta0
    const g = decoupled ? g0 : l2(g0, theta0, wd)
    const mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
    const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
    const muProduct = s.muProduct * mu
    const m = map(N, (i) => b1 * s.m[i]! + (1 - b1) * g[i]!)
    const v = map(N, (i) => b2 * s.v[i]! + (1 - b2) * g[i]! * g[i]!)
    const denom = map(N, (i) => Math.sqrt(v[i]! / (1 - b2 ** t)) + eps)
    const next = map(N, (i) => theta[i]! - (lr * (1 - mu) * g[i]!) / (1 - muProduct) / denom[i]! - (lr * muNext * m[i]!) / (1 - muProduct * muNext) / denom[i]!)
    return [next, { t, muProduct, m, v }]
  },
})

/** optax's nadam: Adam with Nesterov momentum, μ = β₁ constant (Dozat's simplified form). */
const optaxNadamRef = (lr: number, b1: number, b2: number, eps: number): Reference<{ t: number; m: Vec; v: Vec }> => ({
  init: () => ({ t: 0, m: zeros(), v: zeros() }),
  step: (s, theta, g) => {
    const t = s.t + 1
    const m = map(N, (i) => b1 * s.m[i]! + (1 - b1) * g[i]!)
    const v = map(N, (i) => b2 * s.v[i]! + (1 - b2) * g[i]! * g[i]!)
    const mHat = map(N, (i) => (b1 * m[i]!) / (1 - b1 ** (t + 1)) + ((1 - b1) * g[i]!) / (1 - b1 ** t))
    return [map(N, (i) => theta[i]! - (lr * mHat[i]!) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps)), { t, m, v }]
  },
})

describe('nadam ≡ torch.optim.NAdam', () => {
  test.prop([vec, gradSeq, rate, beta, beta, decay, fc.constantFrom(4e-3, 0, 0.1), fc.boolean()], runs)('with its momentum schedule and (decoupled) weight decay', (θ, gs, lr, b1, b2, wd, psi, decoupled) => {
    close(...trajectories(Optim.nadam(lr, { b1, b2, weightDecay: wd, momentumDecay: psi, decoupledWeightDecay: decoupled }), nadamRef(lr, b1, b2, 1e-8, wd, psi, decoupled), θ, gs), 1e-8)
  })
  test.prop([vec, gradSeq, rate, beta, beta], runs)('momentumDecay: Infinity is optax\'s nadam (constant μ = β₁)', (θ, gs, lr, b1, b2) => {
    close(...trajectories(Optim.nadam(lr, { b1, b2, momentumDecay: Infinity }), optaxNadamRef(lr, b1, b2, 1e-8), θ, gs), 1e-8)
  })
})

// -------------------------------------------------------------------------------------
// Lion (Chen et al. 2023, Algorithm 2)

const lionRef = (lr: number, b1: number, b2: number, wd: number): Reference<{ m: Vec }> => ({
  init: () => ({ m: zeros() }),
  step: (s, theta, g) => {
    const c = map(N, (i) => b1 * s.m[i]! + (1 - b1) * g[i]!)
    const next = map(N, (i) => theta[i]! - lr * (Math.sign(c[i]!) + (DECAY[i] ? wd * theta[i]! : 0)))
    return [next, { m: map(N, (i) => b2 * s.m[i]! + (1 - b2) * g[i]!) }]
  },
})

describe('lion ≡ the Lion paper', () => {
  test.prop([vec, gradSeq, rate, beta, beta, decay], runs)('sign of the interpolated momentum, decoupled weight decay', (θ, gs, lr, b1, b2, wd) => {
    close(...trajectories(Optim.lion(lr, { b1, b2, weightDecay: wd }), lionRef(lr, b1, b2, wd), θ, gs))
  })
})

// -------------------------------------------------------------------------------------
// the notes' typos, stated directly

describe("the notes' typos are not reproduced", () => {
  const g = toParams([1, 1, 1, 1, 1, 1, 1])
  const p = toParams(zeros())
  test("RMSProp's average is an assignment, not `+=`: a constant gradient keeps a constant step", () => {
    const tx = Optim.rmsprop(0.1, { alpha: 0.9 })
    let s = tx.init(p)
    const steps: number[] = []
    for (let k = 0; k < 50; k++) {
      const [u, s1] = tx.update(g, s, p)
      steps.push(T.toArray((u as Params).b)[0]!)
      s = s1
    }
    // with v ← αv + (1−α)g², v → g² and the step → −η; with `+=` it would shrink like 1/√t
    expect(Math.abs(steps[49]! + 0.1)).toBeLessThan(1e-3)
  })
  test("Adam's first step is finite and has size η: t starts at 1", () => {
    const tx = Optim.adam(0.1)
    const [u] = tx.update(g, tx.init(p), p)
    expect(T.toArray((u as Params).W).every((x) => Math.abs(x + 0.1) < 1e-6)).toBe(true)
  })
})
