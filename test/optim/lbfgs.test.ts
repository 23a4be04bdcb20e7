/** L-BFGS and its strong Wolfe line search: Rosenbrock, budgets, counting, purity, the Wolfe conditions. */
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { Optim, Tensor as T, Tree } from '../../src/index.js'
import { deepFreezeAll, fromJSON, sameValue } from '../../laws/optim.js'

type XY = { readonly xy: T.Tensor }

/** Rosenbrock's function of (x, y), with its gradient by hand; counts its calls in `calls`. */
const rosenbrock = (calls = { n: 0 }) => (p: XY): readonly [number, Tree.Tree] => {
  calls.n++
  const [x, y] = T.toArray(p.xy) as [number, number]
  return [(1 - x) ** 2 + 100 * (y - x * x) ** 2, { xy: T.tensor([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)], p.xy.dtype) }]
}

/** The extended Rosenbrock function in n dimensions (a chain of coupled valleys). */
const rosenbrockN = (p: { readonly x: T.Tensor }): readonly [number, Tree.Tree] => {
  const x = T.toArray(p.x)
  let f = 0
  const g = new Array<number>(x.length).fill(0)
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i]!
    const b = x[i + 1]!
    f += 100 * (b - a * a) ** 2 + (1 - a) ** 2
    g[i] = g[i]! - 400 * a * (b - a * a) - 2 * (1 - a)
    g[i + 1] = g[i + 1]! + 200 * (b - a * a)
  }
  return [f, { x: T.tensor(g, 'float64') }]
}

const start = (): XY => ({ xy: T.tensor([-1.2, 1], 'float64') })

describe('L-BFGS on Rosenbrock from (−1.2, 1), float64', () => {
  it('reaches (1, 1) within 1e-6 (gradient tolerance only)', () => {
    const calls = { n: 0 }
    const r = Optim.minimize(rosenbrock(calls), start(), { toleranceChange: 0 })
    const [x, y] = T.toArray(r.params.xy) as [number, number]
    console.info(`L-BFGS (strong Wolfe, history 10) on Rosenbrock from (−1.2, 1): ${r.evaluations} evaluations, ${r.iterations} iterations, |x − 1| = ${Math.abs(x - 1).toExponential(1)}, |y − 1| = ${Math.abs(y - 1).toExponential(1)}`)
    expect(r.reason).toBe('gradient')
    expect(Math.max(Math.abs(x - 1), Math.abs(y - 1))).toBeLessThan(1e-6)
    expect(r.evaluations).toBe(calls.n)
    expect(r.evaluations).toBeLessThanOrEqual(60)
  })

  it("with PyTorch's default tolerances it stops on a flat slope, a few 1e-6 from the minimum", () => {
    const r = Optim.minimize(rosenbrock(), start())
    expect(r.converged).toBe(true)
    expect(['flat', 'value', 'step', 'gradient']).toContain(r.reason)
    expect(T.allclose(r.params.xy, T.tensor([1, 1], 'float64'), { atol: 1e-5, rtol: 0 })).toBe(true)
    expect(r.evaluations).toBeLessThanOrEqual(60)
  })

  it.each([1, 3, 100])('converges with historySize %i, whose history never grows past it', (m) => {
    const solver = Optim.lbfgs({ historySize: m, toleranceChange: 0 })
    const f = rosenbrock()
    let s = solver.init(f, start())
    for (let k = 0; k < 400 && s.status === 'running' && Math.abs(s.value) > 1e-18; k++) {
      s = solver.step(f, s)
      expect(s.s.length).toBeLessThanOrEqual(m)
      expect(s.y.length).toBe(s.s.length)
    }
    expect(s.value).toBeLessThan(1e-12)
  })

  it('converges on the 10-dimensional extended Rosenbrock function', () => {
    const x0 = { x: T.tensor([-1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1], 'float64') }
    const r = Optim.minimize(rosenbrockN, x0, { toleranceChange: 0, maxIterations: 1000 })
    expect(r.converged).toBe(true)
    expect(T.allclose(r.params.x, T.ones([10], 'float64'), { atol: 1e-5, rtol: 0 })).toBe(true)
  })

  it('works on float32 parameters, keeping their dtype', () => {
    const r = Optim.minimize(rosenbrock(), { xy: T.tensor([-1.2, 1]) }, { maxIterations: 200 })
    expect(r.params.xy.dtype).toBe('float32')
    expect(T.allclose(r.params.xy, T.tensor([1, 1]), { atol: 1e-2, rtol: 0 })).toBe(true)
  })
})

describe('budgets and counting', () => {
  it('stops at maxIterations and at maxEvaluations, counting every call', () => {
    const calls = { n: 0 }
    const a = Optim.minimize(rosenbrock(calls), start(), { maxIterations: 5, maxEvaluations: 100 })
    expect([a.reason, a.iterations, a.evaluations]).toEqual(['maxIterations', 5, calls.n])
    const b = Optim.minimize(rosenbrock(), start(), { maxEvaluations: 12, maxIterations: 100 })
    expect(b.reason).toBe('maxEvaluations')
    expect(b.evaluations).toBeLessThanOrEqual(12)
    expect(b.converged).toBe(false)
  })
  it('starts already converged when the gradient is zero', () => {
    const r = Optim.minimize(rosenbrock(), { xy: T.tensor([1, 1], 'float64') })
    expect([r.reason, r.iterations, r.evaluations]).toEqual(['gradient', 0, 1])
  })
})

describe('a pure state machine', () => {
  const f = rosenbrock()
  const solver = Optim.lbfgs()

  it('step never changes its (deep-frozen) state, and the same state gives the same next state', () => {
    let s = deepFreezeAll(solver.init(f, start()))
    for (let k = 0; k < 6; k++) {
      const copy = JSON.stringify(s)
      const a = solver.step(f, s)
      const b = solver.step(f, s)
      expect(JSON.stringify(s)).toBe(copy)
      expect(sameValue(a, b)).toBe(true)
      s = deepFreezeAll(a)
    }
  })

  it('a state saved as JSON resumes the same run, bit for bit', () => {
    let a = solver.init(f, start())
    let b = a
    for (let k = 0; k < 8; k++) {
      a = solver.step(f, a)
      b = solver.step(f, fromJSON<Optim.LbfgsState>(JSON.parse(JSON.stringify(b))))
    }
    expect(sameValue(a, b)).toBe(true)
  })

  it('values never increase from step to step', () => {
    let s = solver.init(f, start())
    for (let k = 0; k < 30; k++) {
      const next = solver.step(f, s)
      expect(next.value).toBeLessThanOrEqual(s.value)
      s = next
    }
  })
})

describe('strongWolfe', () => {
  /** φ(α) = f(x + αd) for f(z) = Σ cᵢ·zᵢ⁴/4 + aᵢ·zᵢ²/2 − bᵢzᵢ (smooth, bounded below). */
  const problem = fc.record({
    x: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
    a: fc.array(fc.double({ min: -1, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 }),
    b: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 }),
    c: fc.array(fc.double({ min: 0.1, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 }),
    alpha1: fc.double({ min: 1e-3, max: 10, noNaN: true }),
  })
  test.prop([problem], { numRuns: 300 })('a step it reports as satisfying both conditions does satisfy them', ({ x, a, b, c, alpha1 }) => {
    const grad = (z: number[]) => z.map((v, i) => c[i]! * v ** 3 + a[i]! * v - b[i]!)
    const f = (z: number[]) => z.reduce((s, v, i) => s + (c[i]! * v ** 4) / 4 + (a[i]! * v * v) / 2 - b[i]! * v, 0)
    const d = grad(x).map((v) => -v)
    const at = (alpha: number) => x.map((v, i) => v + alpha * d[i]!)
    const phi = (alpha: number): readonly [number, number] => [f(at(alpha)), grad(at(alpha)).reduce((s, v, i) => s + v * d[i]!, 0)]
    const [f0, g0] = phi(0)
    fc.pre(g0 < -1e-8)
    const r = Optim.strongWolfe(phi, f0, g0, alpha1, { maxEvaluations: 50 })
    expect(r.evaluations).toBeLessThanOrEqual(50)
    expect(r.value).toBeLessThanOrEqual(f0)
    if (r.satisfied) {
      expect(r.value).toBeLessThanOrEqual(f0 + 1e-4 * r.alpha * g0)
      expect(Math.abs(r.slope)).toBeLessThanOrEqual(0.9 * Math.abs(g0) + 1e-12)
    }
  })
  test.prop([problem], { numRuns: 200 })('with a generous budget it finds a step satisfying them', ({ x, a, b, c, alpha1 }) => {
    const grad = (z: number[]) => z.map((v, i) => c[i]! * v ** 3 + a[i]! * v - b[i]!)
    const f = (z: number[]) => z.reduce((s, v, i) => s + (c[i]! * v ** 4) / 4 + (a[i]! * v * v) / 2 - b[i]! * v, 0)
    const d = grad(x).map((v) => -v)
    const at = (alpha: number) => x.map((v, i) => v + alpha * d[i]!)
    const phi = (alpha: number): readonly [number, number] => [f(at(alpha)), grad(at(alpha)).reduce((s, v, i) => s + v * d[i]!, 0)]
    const [f0, g0] = phi(0)
    fc.pre(g0 < -1e-6)
    expect(Optim.strongWolfe(phi, f0, g0, alpha1, { maxEvaluations: 100, toleranceChange: 0 }).satisfied).toBe(true)
  })
})
