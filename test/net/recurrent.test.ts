// The recurrent layers run their time loop with Ad.scan; their values and gradients equal the
// unrolled loop they used to run, bit for bit.
import { describe, expect, it } from 'vitest'
import { Ad, Net, Rng, Tensor as T } from '../../src/index.js'
import { retainedBytes } from '../../src/ad/memory.js'

type P = { readonly W: T.Tensor; readonly U: T.Tensor; readonly b: T.Tensor }

/** The loop the layers ran before scan: one slice per step, the outputs stacked along time. */
const unrolled = <S>(xw: T.Tensor, s0: S, step: (xwt: T.Tensor, s: S) => readonly [T.Tensor, S], sequences: boolean): T.Tensor => {
  const [n, time, width] = xw.shape as [number, number, number]
  let s = s0
  const hs: T.Tensor[] = []
  let h: T.Tensor | undefined
  for (let t = 0; t < time; t++) {
    ;[h, s] = step(T.reshape(T.slice(xw, [0, t, 0], [n, 1, width]), [n, width]), s)
    hs.push(h)
  }
  return sequences ? T.stack(hs, 1) : h!
}

const lstmRef = (p: P, x: T.Tensor, u: number, sequences: boolean): T.Tensor => {
  const n = x.shape[0]!
  const gate = (z: T.Tensor, k: number): T.Tensor => T.slice(z, [0, k * u], [n, u])
  const zero = T.zeros([n, u], x.dtype)
  return unrolled(T.add(T.matmul(x, p.W), p.b), { h: zero, c: zero }, (xwt, s) => {
    const z = T.add(xwt, T.matmul(s.h, p.U))
    const c = T.add(T.mul(T.sigmoid(gate(z, 1)), s.c), T.mul(T.sigmoid(gate(z, 0)), T.tanh(gate(z, 2))))
    const h = T.mul(T.sigmoid(gate(z, 3)), T.tanh(c))
    return [h, { h, c }] as const
  }, sequences)
}

const rnnRef = (p: P, x: T.Tensor, u: number, sequences: boolean): T.Tensor => {
  const h0 = T.zeros([x.shape[0]!, u], x.dtype)
  return unrolled(T.add(T.matmul(x, p.W), p.b), h0, (xwt, h) => {
    const next = T.tanh(T.add(xwt, T.matmul(h, p.U)))
    return [next, next] as const
  }, sequences)
}

const bits = (a: T.Tensor, b: T.Tensor): void => {
  expect(a.shape).toEqual(b.shape)
  expect(T.equals(a, b), `max |difference| ${T.item(T.max(T.abs(T.sub(a, b))))}`).toBe(true)
}

const cases = [
  ['lstm', (u: number, s: boolean) => Net.lstm(u, { returnSequences: s }), lstmRef],
  ['simpleRnn', (u: number, s: boolean) => Net.simpleRnn(u, { returnSequences: s }), rnnRef],
] as const

describe('recurrent layers on scan', () => {
  for (const [name, layer, ref] of cases) {
    for (const sequences of [false, true]) {
      for (const dtype of ['float32', 'float64'] as const) {
        it(`${name}${sequences ? ' (sequences)' : ''} ${dtype}: value and gradient equal the unrolled loop bit for bit`, () => {
          const [n, time, features, units] = [3, 7, 4, 5]
          const net = layer(units, sequences)
          const { params } = Net.init(net, { key: Rng.key(1), inShape: [time, features], dtype })
          const x = Rng.normal(Rng.key(2), [n, time, features], { dtype })
          const w = Rng.normal(Rng.key(3), sequences ? [n, time, units] : [n, units], { dtype })
          const loss = (f: (p: P) => T.Tensor) => (p: P) => T.sum(T.mul(f(p), w))
          const viaScan = loss((p) => (Net.apply(net, { params: p, state: {} }, x).y as T.Tensor))
          const viaLoop = loss((p) => ref(p, x, units, sequences))
          const p = params as unknown as P
          bits(viaScan(p), viaLoop(p))
          const [gs, gl] = [Ad.grad(viaScan)(p), Ad.grad(viaLoop)(p)]
          for (const k of ['W', 'U', 'b'] as const) bits(gs[k], gl[k])
        })
      }
    }
  }

  it('one step and vmap of an lstm agree with the loop', () => {
    const net = Net.lstm(3, { returnSequences: true })
    const { params } = Net.init(net, { key: Rng.key(4), inShape: [1, 2] })
    const x = Rng.normal(Rng.key(5), [2, 1, 2])
    bits((Net.apply(net, { params, state: {} }, x).y as T.Tensor), lstmRef(params as unknown as P, x, 3, true))
    const xs = Rng.normal(Rng.key(6), [4, 2, 5, 2])
    const net5 = Net.lstm(3)
    const vars = Net.init(net5, { key: Rng.key(4), inShape: [5, 2] })
    const batched = Ad.vmap((xi: T.Tensor) => (Net.apply(net5, vars, xi).y as T.Tensor))(xs)
    const looped = T.stack([0, 1, 2, 3].map((i) => lstmRef(vars.params as unknown as P, T.reshape(T.slice(xs, [i], [1]), [2, 5, 2]), 3, false)), 0)
    bits(batched, looped)
  })

  it('the tape of an lstm holds the states entering each step, not every intermediate', () => {
    const [n, time, features, units] = [8, 20, 6, 16]
    const net = Net.lstm(units)
    const { params } = Net.init(net, { key: Rng.key(1), inShape: [time, features] })
    const x = Rng.normal(Rng.key(2), [n, time, features])
    const scanned = retainedBytes((p: P) => T.sum((Net.apply(net, { params: p, state: {} }, x).y as T.Tensor)), params as unknown as P)
    const looped = retainedBytes((p: P) => T.sum(lstmRef(p, x, units, false)), params as unknown as P)
    console.log(scanned, looped); expect(scanned).toBeLessThan(looped / 2)
  })
})
