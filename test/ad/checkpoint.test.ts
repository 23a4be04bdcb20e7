import { describe, expect, it } from 'vitest'
import { Ad, Rng, Tensor as T } from '../../src/index.js'
import { retainedBytes } from '../../src/ad/memory.js'
import { caught } from '../util.js'

// a deep MLP: 16 tanh layers of width 32 on a batch of 256, in blocks of 4 layers
const L = 16
const ws = Array.from({ length: L }, (_, i) => Rng.normal(Rng.key(i), [32, 32], { std: 0.25 }))
const x = Rng.normal(Rng.key(100), [256, 32])
const layer = (h: T.Tensor, w: T.Tensor) => T.tanh(T.matmul(h, w))
const mlp =
  (remat: boolean) =>
  (ps: ReadonlyArray<T.Tensor>): T.Tensor => {
    let h = x
    for (let i = 0; i < L; i += 4) {
      // the block closes over its weights; only its input is an argument
      const block = (z: T.Tensor) => ps.slice(i, i + 4).reduce(layer, z)
      h = remat ? Ad.checkpoint(block)(h) : block(h)
    }
    return T.mean(T.square(h))
  }

describe('checkpoint', () => {
  it('has the value and gradient of the block, bit for bit', () => {
    expect(T.equals(mlp(true)(ws), mlp(false)(ws))).toBe(true)
    const [g, h] = [Ad.grad(mlp(true))(ws), Ad.grad(mlp(false))(ws)]
    g.forEach((gi, i) => expect(T.equals(gi, h[i]!)).toBe(true))
  })

  it('keeps only the blocks’ inputs and outputs on the tape', () => {
    const plain = retainedBytes(mlp(false), ws)
    const remat = retainedBytes(mlp(true), ws)
    const weights = L * 32 * 32 * 4
    const activation = 256 * 32 * 4
    // plain: the weights, x, and two activations per layer (matmul, tanh) and the loss's
    expect(plain).toBeGreaterThanOrEqual(weights + activation * (1 + 2 * L))
    // checkpointed: the weights, x, the four blocks' outputs, the loss's square
    expect(remat).toBeLessThanOrEqual(weights + activation * (1 + 4 + 1) + 64)
    expect(remat).toBeLessThan(plain / 4)
  })

  it('composes with jvp, hvp, vmap and a second checkpoint, and passes non-tensor arguments', () => {
    const u = ws.map((w) => T.mul(w, 0.5))
    expect(T.equals(Ad.jvp(mlp(true), [ws], [u])[1], Ad.jvp(mlp(false), [ws], [u])[1])).toBe(true)
    const x3 = T.cast(T.slice(x, [0], [3]), 'float64')
    const small = (p: ReadonlyArray<T.Tensor>) => T.sum(Ad.checkpoint(Ad.checkpoint((z: T.Tensor, k: number) => T.mul(layer(layer(z, p[0]!), p[1]!), k)))(x3, 2))
    const ref = (p: ReadonlyArray<T.Tensor>) => T.sum(T.mul(layer(layer(x3, p[0]!), p[1]!), 2))
    const p = [T.cast(ws[0]!, 'float64'), T.cast(ws[1]!, 'float64')]
    const v = [T.cast(u[0]!, 'float64'), T.cast(u[1]!, 'float64')]
    Ad.hvp(small)(p, v).forEach((hv, i) => expect(T.allclose(hv, Ad.hvp(ref)(p, v)[i]!, { rtol: 1e-12, atol: 1e-14 })).toBe(true))
    const per = Ad.vmap(Ad.grad((w: T.Tensor, r: T.Tensor) => T.sum(Ad.checkpoint((z: T.Tensor) => layer(T.reshape(z, [1, 32]), w))(r))), { inAxes: [null, 0] })(ws[0]!, T.slice(x, [0], [5]))
    const loop = T.stack([0, 1, 2, 3, 4].map((i) => Ad.grad((w: T.Tensor) => T.sum(layer(T.slice(x, [i], [1]), w)))(ws[0]!)), 0)
    expect(T.equals(per, loop)).toBe(true)
  })

  it('refuses a block that does not return tensors', () => {
    expect(caught(() => Ad.checkpoint(() => 3 as never)()).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => Ad.checkpoint(5 as never)).code).toBe('INVALID_ARGUMENT')
  })
})
