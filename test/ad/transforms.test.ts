import { describe, expect, it } from 'vitest'
import { Ad, Tensor as T } from '../../src/index.js'
import { caught } from '../util.js'

const f64 = (v: T.NestedArray) => T.tensor(v, 'float64')

describe('grad and valueAndGrad', () => {
  it('differentiate trees, keeping their structure and dtypes', () => {
    const p = { w: T.tensor([1, 2]), layers: [{ b: T.tensor([3]) }] }
    const g = Ad.grad((q: typeof p) => T.add(T.sum(T.square(q.w)), T.sum(q.layers[0]!.b)))(p)
    expect(T.toArray(g.w)).toEqual([2, 4])
    expect(T.toArray(g.layers[0]!.b)).toEqual([1])
    expect(g.w.dtype).toBe('float32')
  })
  it('give zero gradients to parameters the value does not use', () => {
    const g = Ad.grad((q: { a: T.Tensor; b: T.Tensor }) => T.sum(q.a))({ a: f64([1]), b: f64([5, 6]) })
    expect(T.toArray(g.b)).toEqual([0, 0])
  })
  it('take argnums and pass auxiliary outputs through', () => {
    const f = (a: T.Tensor, b: T.Tensor) => [T.sum(T.mul(a, b)), { b2: T.mul(b, 2) }] as const
    const [[v, aux], [ga, gb]] = Ad.valueAndGrad(f, { argnums: [0, 1], hasAux: true })(f64([2]), f64([3]))
    expect(T.item(v)).toBe(6)
    expect(T.toArray(aux.b2)).toEqual([6])
    expect(T.isTensor(aux.b2) && String(aux.b2).startsWith('Tensor')).toBe(true) // no trace leaks out
    expect([T.item(ga), T.item(gb)]).toEqual([3, 2])
  })
  it('sum gradients over broadcast axes (bias of a dense layer)', () => {
    const x = f64([[1, 2], [3, 4], [5, 6]])
    const g = Ad.grad((b: T.Tensor) => T.sum(T.add(x, b)))(f64([0, 0]))
    expect(T.toArray(g)).toEqual([3, 3])
  })
  it('refuse a value that is not a single number, saying what to do', () => {
    const e = caught(() => Ad.grad((x: T.Tensor) => T.mul(x, 2))(f64([1, 2])))
    expect(e.code).toBe('NOT_SCALAR')
    expect(e.message).toMatch(/shape \[2\]; grad needs a single number \(reduce it with sum or mean\)/)
  })
  it('refuse integer leaves, naming them', () => {
    const e = caught(() => Ad.grad((p: { w: T.Tensor; step: T.Tensor }) => T.sum(p.w))({ w: f64([1]), step: T.tensor([3], 'int32') }))
    expect(e.code).toBe('DTYPE_MISMATCH')
    expect(e.message).toMatch(/the leaf 'step' is int32/)
  })
})

describe('nesting', () => {
  it('keeps perturbations apart: d/dx (x · d/dy (x + y)) = 1, not 2', () => {
    const inner = (x: T.Tensor) => Ad.grad((y: T.Tensor) => T.sum(T.add(x, y)))(f64([2])) as T.Tensor
    const outer = (x: T.Tensor) => T.sum(T.mul(x, inner(x)))
    expect(T.toArray(Ad.grad(outer)(f64([1])))).toEqual([1])
    // the same in forward mode over reverse mode
    expect(T.toArray(Ad.jvp(outer, [f64([1])], [f64([1])])[1])).toEqual([1])
  })
  it('differentiates derivatives: the third derivative of x⁴ at 2 is 48', () => {
    const d = (f: (x: T.Tensor) => T.Tensor) => (x: T.Tensor) => Ad.grad((z: T.Tensor) => T.sum(f(z)))(x) as T.Tensor
    const quartic = (x: T.Tensor) => T.pow(x, 4)
    expect(T.toArray(d(d(d(quartic)))(f64([2])))).toEqual([48])
  })
  it('hvp matches the Hessian times the vector', () => {
    const f = (x: T.Tensor) => T.sum(T.mul(T.sin(x), T.exp(x)))
    const x = f64([0.5, -1, 2])
    const v = f64([1, 2, -1])
    const H = Ad.hessian(f)(x)
    expect(T.allclose(Ad.hvp(f)(x, v), T.matmul(H, v), { rtol: 1e-12 })).toBe(true)
  })
  it('refuses a traced value that escaped its call', () => {
    let leaked: T.Tensor | undefined
    Ad.grad((x: T.Tensor) => {
      leaked = T.mul(x, 2)
      return T.sum(x)
    })(f64([1]))
    const e = caught(() => T.add(leaked!, 1))
    expect(e.code).toBe('ESCAPED_TRACER')
    expect(e.message).toMatch(/was used after that call returned/)
  })
})

describe('jvp, vjp and Jacobians', () => {
  it('jacfwd and jacrev agree and have shape out + in', () => {
    const f = (x: T.Tensor) => T.matmul(T.reshape(x, [2, 2]), T.reshape(T.tanh(x), [2, 2]))
    const x = f64([0.1, 0.2, -0.3, 0.4])
    const Jf = Ad.jacfwd(f)(x)
    expect(Jf.shape).toEqual([2, 2, 4])
    expect(T.allclose(Jf, Ad.jacrev(f)(x), { rtol: 1e-12, atol: 1e-15 })).toBe(true)
  })
  it('vjp pulls back through trees and checks the cotangent', () => {
    const [y, back] = Ad.vjp((p: { a: T.Tensor }) => ({ out: T.mul(p.a, 3) }), { a: f64([1, 2]) })
    expect(T.toArray(y.out)).toEqual([3, 6])
    expect(T.toArray(back({ out: f64([1, 1]) })[0].a)).toEqual([3, 3])
    expect(caught(() => back({ other: f64([1, 1]) } as never)).code).toBe('TREE_MISMATCH')
  })
  it('jvp refuses tangents that do not match the primals', () => {
    expect(caught(() => Ad.jvp((x: T.Tensor) => x, [f64([1])], [f64([1, 2])])).code).toBe('TREE_MISMATCH')
  })
})

describe('custom rules and stopGradient', () => {
  it('use the given rule instead of the body', () => {
    // a "straight-through" round: rounds forward, identity backward
    const st = Ad.custom('roundST', (x) => T.round(x), { jvp: (_, [t]) => t!, vjp: (g) => [g] })
    const x = f64([0.3, 1.7])
    expect(T.toArray(st(x))).toEqual([0, 2])
    expect(T.toArray(Ad.grad((z: T.Tensor) => T.sum(st(z)))(x))).toEqual([1, 1])
    expect(T.toArray(Ad.jvp(st, [x], [f64([2, 3])])[1])).toEqual([2, 3])
  })
  it('trace the body in a mode whose rule is missing', () => {
    const cube = Ad.customVjp('cube', (x) => T.pow(x, 3), (g, [x]) => [T.mul(g, T.mul(3, T.square(x!)))])
    expect(T.toArray(Ad.jvp(cube, [f64([2])], [f64([1])])[1])).toEqual([12])
    expect(T.toArray(Ad.grad((z: T.Tensor) => T.sum(cube(z)))(f64([2])))).toEqual([12])
  })
  it('stopGradient holds its input constant', () => {
    const g = Ad.grad((x: T.Tensor) => T.sum(T.mul(x, Ad.stopGradient(x))))(f64([3]))
    expect(T.toArray(g)).toEqual([3])
  })
})

describe('source note 003, the worked backpropagation example', () => {
  // inputs 0.05, 0.10; w1..w8 = 0.15 … 0.55; biases 0.35 and 0.60; targets 0.01, 0.99; sigmoid everywhere; E = ½Σ(target − out)²
  const x = f64([0.05, 0.1])
  const target = f64([0.01, 0.99])
  const params = { W1: f64([[0.15, 0.25], [0.2, 0.3]]), b1: f64(0.35), W2: f64([[0.4, 0.5], [0.45, 0.55]]), b2: f64(0.6) }
  type P = typeof params
  const forward = (p: P) => {
    const h = T.sigmoid(T.add(T.matmul(x, p.W1), p.b1))
    return { h, o: T.sigmoid(T.add(T.matmul(h, p.W2), p.b2)) }
  }
  const error = (p: P) => T.mul(T.sum(T.square(T.sub(target, forward(p).o))), 0.5)
  it('gives the notes’ forward values', () => {
    const { h, o } = forward(params)
    expect(T.get(h, 0)).toBeCloseTo(0.593269992, 9)
    expect(T.get(o, 0)).toBeCloseTo(0.75136507, 8)
    expect(T.item(error(params))).toBeCloseTo(0.298371109, 9)
  })
  it('gives the notes’ weights after one step with η = 0.5 (biases held, as in the notes)', () => {
    const g = Ad.grad(error)(params)
    const W2 = T.sub(params.W2, T.mul(g.W2, 0.5))
    const W1 = T.sub(params.W1, T.mul(g.W1, 0.5))
    // W2 = [[w5, w7], [w6, w8]], W1[0][0] = w1
    expect(T.get(W2, 0, 0)).toBeCloseTo(0.35891648, 8)
    expect(T.get(W2, 1, 0)).toBeCloseTo(0.408666186, 9)
    expect(T.get(W2, 0, 1)).toBeCloseTo(0.51130127, 8)
    expect(T.get(W2, 1, 1)).toBeCloseTo(0.561370121, 9)
    expect(T.get(W1, 0, 0)).toBeCloseTo(0.149780716, 9)
  })
})
