/**
 * jax-js (`@jax-js/jax`) on its WebGPU backend, as a JAX user writes it: every case under `jit`,
 * Adam written out as optax's (as bench/lib/jax.ts), results read with `await data()`. Its
 * convolution takes NCHW images and OIHW filters: the same sizes and flops in its own layout.
 * jax-js arrays are moved into the functions that take them: `.ref` keeps one alive.
 */
import { defaultDevice, init, jit, lax, nn, numpy as np, tree, valueAndGrad } from '@jax-js/jax'
import { CNN, LR, type Lib, type Sizes, labels, values, weights } from './cases.js'

type Arr = np.Array
type State = { count: Arr; m: Arr[]; v: Arr[] }

const B1 = 0.9
const B2 = 0.999
const EPS = 1e-8

/** A jitted Adam step of `loss` over a flat list of parameters, with the loss read back. */
const trainer = (params: Arr[], loss: (p: Arr[], x: Arr, y: Arr) => Arr, x: Arr, y: Arr): (() => Promise<number>) => {
  const adam = jit((p: Arr[], s: State, xb: Arr, yb: Arr): [Arr[], State, Arr] => {
    const [l, g] = valueAndGrad(loss)(tree.ref(p), xb, yb)
    const t = s.count.add(1)
    const c1 = np.power(B1, t.ref).neg().add(1)
    const c2 = np.power(B2, t.ref).neg().add(1)
    const m = s.m.map((mi, i) => mi.mul(B1).add(g[i]!.ref.mul(1 - B1)))
    const v = s.v.map((vi, i) => vi.mul(B2).add(g[i]!.ref.mul(g[i]!).mul(1 - B2)))
    const next = p.map((w, i) => w.sub(m[i]!.ref.div(c1.ref).div(np.sqrt(v[i]!.ref.div(c2.ref)).add(EPS)).mul(LR)))
    c1.dispose()
    c2.dispose()
    return [next, { count: t, m, v }, l]
  })
  let p = params
  let s: State = { count: np.array([0], { shape: [] }), m: p.map((w) => np.zerosLike(w.ref)), v: p.map((w) => np.zerosLike(w.ref)) }
  return async () => {
    let l: Arr
    ;[p, s, l] = adam(p, s, x.ref, y.ref)
    return ((await l.data()) as Float32Array)[0]!
  }
}

export const jaxWebGpu = async (): Promise<Lib> => {
  const got = await init('webgpu')
  if (!got.includes('webgpu')) throw new Error(`jax-js: the webgpu backend did not start (available: ${got.join(', ') || 'none'})`)
  defaultDevice('webgpu')
  return {
    name: 'jax-js-webgpu',
    matmul: async (n) => {
      const a = np.array(values(n * n, 0, 0.5), { shape: [n, n] })
      const b = np.array(values(n * n, 1, 0.5), { shape: [n, n] })
      const f = jit((x: Arr, y: Arr) => np.matmul(x, y))
      return () => f(a.ref, b.ref).data()
    },
    conv: async (s) => {
      // the same values as the NHWC / HWIO inputs of the others, in NCHW / OIHW
      const x = np.array(values(s.batch * s.h * s.w * s.c, 0, 0.5), { shape: [s.batch, s.h, s.w, s.c] }).transpose([0, 3, 1, 2])
      const w = np.array(values(s.k * s.k * s.c * s.o, 2, 0.2), { shape: [s.k, s.k, s.c, s.o] }).transpose([3, 2, 0, 1])
      const fwd = jit((a: Arr, b: Arr) => lax.conv(a, b, [1, 1], 'SAME'))
      const grad = jit((a: Arr, b: Arr) => valueAndGrad((q: Arr[]) => np.sum(lax.conv(q[0]!, q[1]!, [1, 1], 'SAME')))([a, b])[1])
      return {
        forward: () => fwd(x.ref, w.ref).data(),
        gradient: () => Promise.all(grad(x.ref, w.ref).map((g: Arr) => g.data())),
      }
    },
    mlp: async (s: Sizes['mlp']) => {
      const L = s.layers
      const ws = L.slice(1).map((n, i) => np.array(weights(L[i]! * n, L[i]!, i), { shape: [L[i]!, n] }))
      const bs = L.slice(1).map((n) => np.zeros([n]))
      const x = np.array(values(s.batch * L[0]!, 5, 0.5), { shape: [s.batch, L[0]!] })
      const y = np.array(labels(s.batch).oneHot, { shape: [s.batch, 10] })
      const k = ws.length
      const loss = (p: Arr[], xb: Arr, yb: Arr): Arr => {
        let h = xb
        for (let i = 0; i < k; i++) {
          h = np.matmul(h, p[i]!).add(p[k + i]!)
          if (i < k - 1) h = nn.relu(h)
        }
        return np.mean(np.sum(yb.mul(nn.logSoftmax(h, -1)), -1)).neg()
      }
      return trainer([...ws, ...bs], loss, x, y)
    },
    cnn: async (s: Sizes['cnn']) => {
      const B = s.batch
      // filters in OIHW: the HWIO values transposed
      const hwio = (sh: readonly number[], i: number): Arr => np.array(weights(sh.reduce((a, d) => a * d, 1), sh.slice(0, -1).reduce((a, d) => a * d, 1), i), { shape: [...sh] }).transpose([3, 2, 0, 1])
      const params = [hwio(CNN.conv1, 0), hwio(CNN.conv2, 1), np.array(weights(CNN.dense1[0] * CNN.dense1[1], CNN.dense1[0], 2), { shape: [...CNN.dense1] }), np.array(weights(CNN.dense2[0] * CNN.dense2[1], CNN.dense2[0], 3), { shape: [...CNN.dense2] })]
      const biases = [16, 32, 64, 10].map((n) => np.zeros([n]))
      const x = np.array(values(B * 28 * 28, 5, 0.5), { shape: [B, 1, 28, 28] })
      const y = np.array(labels(B).oneHot, { shape: [B, 10] })
      const pool = (h: Arr, c: number, side: number): Arr => np.max(h.reshape([B, c, side / 2, 2, side / 2, 2]), [3, 5])
      const loss = (p: Arr[], xb: Arr, yb: Arr): Arr => {
        const block = (h: Arr, i: number, c: number, side: number): Arr => pool(nn.relu(lax.conv(h, p[i]!, [1, 1], 'SAME').add(p[4 + i]!.reshape([1, c, 1, 1]))), c, side)
        const f = block(block(xb, 0, 16, 28), 1, 32, 14).reshape([B, 32 * 7 * 7])
        const h = nn.relu(np.matmul(f, p[2]!).add(p[6]!))
        return np.mean(np.sum(yb.mul(nn.logSoftmax(np.matmul(h, p[3]!).add(p[7]!), -1)), -1)).neg()
      }
      return trainer([...params, ...biases], loss, x, y)
    },
  }
}
