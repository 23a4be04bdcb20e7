import { describe, expect, it } from 'vitest'
import { Ad, Rng, Tensor as T } from '../../src/index.js'
import { retainedBytes } from '../../src/ad/memory.js'
import { caught } from '../util.js'

const f64 = (v: T.NestedArray) => T.tensor(v, 'float64')
const close = (a: T.Tensor, b: T.Tensor, rtol = 1e-12) => expect(T.allclose(a, b, { rtol, atol: 1e-12 }), `${T.toArray(a)} vs ${T.toArray(b)}`).toBe(true)

/** The reference: the loop written out, ys stacked. */
const unrolled = <C, X>(f: (c: C, x: X) => readonly [C, T.Tensor], init: C, xs: ReadonlyArray<X>, reverse = false): readonly [C, T.Tensor] => {
  let c = init
  const ys: T.Tensor[] = new Array(xs.length)
  for (let i = 0; i < xs.length; i++) {
    const t = reverse ? xs.length - 1 - i : i
    const [next, y] = f(c, xs[t]!)
    c = next
    ys[t] = y
  }
  return [c, T.stack(ys, 0)]
}

const rows = (x: T.Tensor): T.Tensor[] => Array.from({ length: x.shape[0]! }, (_, t) => T.reshape(T.slice(x, [t], [1]), x.shape.slice(1)))

// an RNN-like cell closing over weights, its carry a tree with an integer counter
const W = Rng.normal(Rng.key(1), [3, 3], { dtype: 'float64', std: 0.6 })
const cell = (w: T.Tensor) => (c: { h: T.Tensor; n: T.Tensor }, x: T.Tensor) => {
  const h = T.tanh(T.add(T.matmul(T.reshape(c.h, [1, 3]), w), x))
  return [{ h: T.reshape(h, [3]), n: T.add(c.n, T.scalar(1, 'int32')) }, T.mul(T.sum(h), T.sum(x))] as const
}
const init = { h: f64([0.1, -0.2, 0.3]), n: T.scalar(0, 'int32') }
const xs = Rng.normal(Rng.key(2), [5, 3], { dtype: 'float64' })
const lossScan = (reverse: boolean) => (w: T.Tensor, x: T.Tensor) => {
  const [c, ys] = Ad.scan(cell(w), init, x, { reverse })
  return T.add(T.sum(T.mul(c.h, c.h)), T.sum(T.mul(ys, T.linspace(1, 2, x.shape[0]!, 'float64'))))
}
const lossLoop = (reverse: boolean) => (w: T.Tensor, x: T.Tensor) => {
  const [c, ys] = unrolled(cell(w), init, rows(x), reverse)
  return T.add(T.sum(T.mul(c.h, c.h)), T.sum(T.mul(ys, T.linspace(1, 2, x.shape[0]!, 'float64'))))
}

describe('scan', () => {
  it('runs the loop: carries, stacked outputs, reverse, length without xs, trees of xs', () => {
    const [s, ys] = Ad.scan((c: T.Tensor, x: T.Tensor) => [T.add(c, x), T.mul(c, 10)] as const, T.scalar(0), T.tensor([1, 2, 3]))
    expect(T.item(s)).toBe(6)
    expect(T.toArray(ys)).toEqual([0, 10, 30])
    const [r, yr] = Ad.scan((c: T.Tensor, x: T.Tensor) => [T.add(c, x), c] as const, T.scalar(0), T.tensor([1, 2, 3]), { reverse: true })
    expect([T.item(r), T.toArray(yr)]).toEqual([6, [5, 3, 0]])
    const [n, counts] = Ad.scan((c: T.Tensor) => [T.add(c, 1), c] as const, T.scalar(0, 'int32'), undefined, { length: 4 })
    expect([T.item(n), T.toArray(counts)]).toEqual([4, [0, 1, 2, 3]])
    const [, pairs] = Ad.scan((c: T.Tensor, x: { a: T.Tensor; b: T.Tensor[] }) => [c, { s: T.add(x.a, x.b[0]!) }] as const, T.scalar(0), { a: T.tensor([1, 2]), b: [T.tensor([10, 20])] })
    expect(T.toArray(pairs.s)).toEqual([11, 22])
    const [c0, none] = Ad.scan((c: T.Tensor, x: T.Tensor) => [T.add(c, x), T.mul(x, 2)] as const, T.tensor([7, 8]), T.zeros([0, 2]))
    expect([T.toArray(c0), none.shape]).toEqual([[7, 8], [0, 2]])
  })

  for (const reverse of [false, true]) {
    it(`${reverse ? 'reverse: ' : ''}value, gradient (weights closed over and xs), jvp and hvp equal the unrolled loop`, () => {
      expect(T.equals(lossScan(reverse)(W, xs), lossLoop(reverse)(W, xs))).toBe(true)
      const [gw, gx] = Ad.grad(lossScan(reverse), { argnums: [0, 1] })(W, xs)
      const [lw, lx] = Ad.grad(lossLoop(reverse), { argnums: [0, 1] })(W, xs)
      close(gw, lw)
      close(gx, lx)
      const u = Rng.normal(Rng.key(3), [3, 3], { dtype: 'float64' })
      close(Ad.jvp((w: T.Tensor) => lossScan(reverse)(w, xs), [W], [u])[1], Ad.jvp((w: T.Tensor) => lossLoop(reverse)(w, xs), [W], [u])[1])
      close(Ad.hvp((w: T.Tensor) => lossScan(reverse)(w, xs))(W, u), Ad.hvp((w: T.Tensor) => lossLoop(reverse)(w, xs))(W, u), 1e-10)
    })
  }

  it('vmap of scan equals the loop over the batch, for batched xs, weights or carry', () => {
    const xb = Rng.normal(Rng.key(4), [4, 5, 3], { dtype: 'float64' })
    const loop = T.stack(rows(xb).map((x) => lossLoop(false)(W, x)), 0)
    expect(T.equals(Ad.vmap((x: T.Tensor) => lossScan(false)(W, x))(xb), loop)).toBe(true)
    const wb = Rng.normal(Rng.key(5), [2, 3, 3], { dtype: 'float64' })
    expect(T.equals(Ad.vmap((w: T.Tensor) => lossScan(false)(w, xs))(wb), T.stack(rows(wb).map((w) => lossLoop(false)(w, xs)), 0))).toBe(true)
    const hb = Rng.normal(Rng.key(6), [3, 3], { dtype: 'float64' })
    const c0 = (h: T.Tensor) => ({ h, n: T.scalar(0, 'int32') })
    close(Ad.vmap((h: T.Tensor) => T.sum(Ad.scan(cell(W), c0(h), xs)[1]))(hb), T.stack(rows(hb).map((h) => T.sum(unrolled(cell(W), c0(h), rows(xs))[1])), 0))
    // per-example gradients through the scan
    close(Ad.vmap(Ad.grad((w: T.Tensor, x: T.Tensor) => lossScan(false)(w, x)), { inAxes: [null, 0] })(W, xb), T.stack(rows(xb).map((x) => Ad.grad(lossLoop(false))(W, x)), 0))
  })

  it('nests: a scan in the body of a scan, differentiated to second order', () => {
    const inner = (w: T.Tensor) => (h: T.Tensor) => Ad.scan((g: T.Tensor, x: T.Tensor) => [T.sin(T.add(T.mul(g, w), x)), undefined] as const, h, f64([0.1, 0.2]))[0]
    const outer = (w: T.Tensor) => T.sum(Ad.scan((h: T.Tensor, x: T.Tensor) => [T.add(inner(w)(h), x), undefined] as const, f64([0.5, -0.5]), f64([[1, 2], [3, 4], [5, 6]]))[0])
    const innerL = (w: T.Tensor) => (h: T.Tensor) => unrolled((g: T.Tensor, x: T.Tensor) => [T.sin(T.add(T.mul(g, w), x)), x] as const, h, rows(f64([0.1, 0.2])))[0]
    const outerL = (w: T.Tensor) => T.sum(unrolled((h: T.Tensor, x: T.Tensor) => [T.add(innerL(w)(h), x), x] as const, f64([0.5, -0.5]), rows(f64([[1, 2], [3, 4], [5, 6]])))[0])
    const w = f64(0.7)
    expect(T.equals(outer(w), outerL(w))).toBe(true)
    close(Ad.grad(outer)(w), Ad.grad(outerL)(w))
    close(Ad.grad(Ad.grad(outer))(w), Ad.grad(Ad.grad(outerL))(w), 1e-10)
    close(Ad.hvp(outer)(w, f64(1)), Ad.hvp(outerL)(w, f64(1)), 1e-10)
  })

  it('keeps one carry per step on the tape, not every intermediate of every step', () => {
    // a small carry, larger intermediates: [4] → outer product [4, 4] → matmul → tanh → mean
    const w = Rng.normal(Rng.key(8), [4, 4], { dtype: 'float64' })
    const body = (v: T.Tensor) => (h: T.Tensor, x: T.Tensor) => [T.mean(T.tanh(T.matmul(T.mul(T.reshape(h, [4, 1]), T.reshape(x, [1, 4])), v)), 1), undefined] as const
    const long = Rng.normal(Rng.key(7), [100, 4], { dtype: 'float64' })
    const h0 = f64([1, 2, 3, 4])
    const scanned = retainedBytes((v: T.Tensor) => T.sum(Ad.scan(body(v), h0, long)[0]), w)
    const looped = retainedBytes((v: T.Tensor) => T.sum(unrolled((h: T.Tensor, x: T.Tensor) => [body(v)(h, x)[0], x] as const, h0, rows(long))[0]), w)
    expect(scanned).toBeLessThan(looped / 4)
  })
})

describe('scan refuses', () => {
  const step = (c: T.Tensor, x: T.Tensor) => [T.add(c, x), x] as const
  it('xs whose leaves disagree on the number of steps, naming the paths and sizes', () => {
    const e = caught(() => Ad.scan(step, T.zeros([2]), { a: T.zeros([3, 2]), b: T.zeros([4, 2]) } as never))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toMatch(/xs at 'a' has 3 \(shape \[3, 2\]\) but xs at 'b' has 4 \(shape \[4, 2\]\)/)
    expect(caught(() => Ad.scan(step, T.zeros([2]), T.zeros([3, 2]), { length: 2 })).code).toBe('SHAPE_MISMATCH')
    expect(caught(() => Ad.scan(step, T.zeros([]), T.scalar(1))).code).toBe('INVALID_SHAPE')
    expect(caught(() => Ad.scan(step, T.zeros([2]), undefined as never)).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => Ad.scan(step, T.zeros([2]), undefined as never, { length: -1 })).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => Ad.scan(step, T.zeros([2]), T.zeros([3, 2]), { revers: true } as never)).code).toBe('INVALID_ARGUMENT')
  })
  it('a carry that changes its structure, a shape or a dtype, naming the path', () => {
    const init = { h: T.zeros([2]), c: T.zeros([2]) }
    const e1 = caught(() => Ad.scan((c: typeof init) => [{ h: c.h } as never, undefined] as const, init, undefined, { length: 2 }))
    expect(e1.code).toBe('TREE_MISMATCH')
    expect(e1.message).toMatch(/"c"/)
    const e2 = caught(() => Ad.scan((c: typeof init) => [{ h: T.concat([c.h, c.h]), c: c.c }, undefined] as const, init, undefined, { length: 2 }))
    expect(e2.code).toBe('SHAPE_MISMATCH')
    expect(e2.message).toMatch(/carry at 'h' with shape \[4\], but it entered the step with \[2\]/)
    const e3 = caught(() => Ad.scan((c: typeof init) => [{ h: c.h, c: T.cast(c.c, 'float64') }, undefined] as const, init, undefined, { length: 2 }))
    expect(e3.code).toBe('DTYPE_MISMATCH')
    expect(e3.message).toMatch(/carry at 'c' as float64, but it entered the step as float32/)
    // the same under grad, where the body runs in the backward pass too
    expect(caught(() => Ad.grad((w: T.Tensor) => T.sum(Ad.scan((c: T.Tensor) => [T.concat([c, w]), undefined] as const, w, undefined, { length: 2 })[0]))(T.zeros([2]))).code).toBe('SHAPE_MISMATCH')
  })
  it('a body that does not return [carry, y], or outputs that change between steps', () => {
    expect(caught(() => Ad.scan((c: T.Tensor) => c as never, T.zeros([2]), undefined, { length: 2 })).code).toBe('INVALID_ARGUMENT')
    let calls = 0
    const e = caught(() => Ad.scan((c: T.Tensor) => [c, calls++ < 2 ? c : T.concat([c, c])] as const, T.zeros([2]), undefined, { length: 3 }))
    expect(e.code).toBe('TREE_MISMATCH')
    expect(e.message).toMatch(/shapes differ: \[2\].*\[4\]/)
  })
})
