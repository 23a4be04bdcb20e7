/** puregrad on WebGPU (`useWebGpu`, tensors moved with `Tensor.toGpu`, read with `await Tensor.data`). */
import { Ad, Loss, Optim, Tensor as T, type Tree, useWebGpu } from '../../src/index.js'
import { CNN, LR, type Lib, type Sizes, labels, values, weights } from './cases.js'

type Params = { readonly w: T.Tensor[]; readonly b: T.Tensor[] }

const gpu = (data: Float32Array, shape: number[]): T.Tensor => T.toGpu(T.fromArray(data, shape))

/**
 * A training step with Adam on parameters held on the GPU, the loss read back. Gradient and update
 * are jitted as `Train.fit`'s step is: on the GPU, each fused elementwise group (Adam's update of
 * a parameter, relu's derivative) runs as one kernel.
 */
const trainer = (params: Params, loss: (p: Params, x: T.Tensor, y: T.Tensor) => T.Tensor, x: T.Tensor, y: T.Tensor): (() => Promise<number>) => {
  const opt = Optim.adam(LR)
  let p = params as unknown as Tree.Tree
  let o = opt.init(p)
  const gradient = Ad.jit((q: Tree.Tree, xb: T.Tensor, yb: T.Tensor) => Ad.valueAndGrad((r: Tree.Tree) => loss(r as unknown as Params, xb, yb))(q))
  const update = Ad.jit((g: Tree.Tree, s: typeof o, q: Tree.Tree) => {
    const [u, next] = opt.update(g, s, q)
    return [Optim.applyUpdates(q, u), next] as const
  })
  return async () => {
    const [l, g] = gradient(p, x, y)
    ;[p, o] = update(g, o, p)
    return (await T.data(l))[0]!
  }
}

export const puregradWebGpu = async (): Promise<Lib> => {
  await useWebGpu()
  return {
    name: 'puregrad-webgpu',
    matmul: async (n) => {
      const a = gpu(values(n * n, 0, 0.5), [n, n])
      const b = gpu(values(n * n, 1, 0.5), [n, n])
      return () => T.data(T.matmul(a, b))
    },
    conv: async (s) => {
      const x = gpu(values(s.batch * s.h * s.w * s.c, 0, 0.5), [s.batch, s.h, s.w, s.c])
      const w = gpu(values(s.k * s.k * s.c * s.o, 2, 0.2), [s.k, s.k, s.c, s.o])
      const grad = Ad.grad((a: T.Tensor, b: T.Tensor) => T.sum(T.conv2d(a, b, { padding: 'same' })), { argnums: [0, 1] }) as (a: T.Tensor, b: T.Tensor) => T.Tensor[]
      return {
        forward: () => T.data(T.conv2d(x, w, { padding: 'same' })),
        gradient: () => Promise.all(grad(x, w).map((g) => T.data(g))),
      }
    },
    mlp: async (s: Sizes['mlp']) => {
      const L = s.layers
      const params: Params = {
        w: L.slice(1).map((n, i) => gpu(weights(L[i]! * n, L[i]!, i), [L[i]!, n])),
        b: L.slice(1).map((n) => gpu(new Float32Array(n), [n])),
      }
      const x = gpu(values(s.batch * L[0]!, 5, 0.5), [s.batch, L[0]!])
      const y = T.fromArray(labels(s.batch).ints, [s.batch], 'int32')
      const loss = (p: Params, xb: T.Tensor, yb: T.Tensor): T.Tensor => {
        let h = xb
        p.w.forEach((w, i) => {
          h = T.add(T.matmul(h, w), p.b[i]!)
          if (i < p.w.length - 1) h = T.relu(h)
        })
        return Loss.softmaxCrossEntropy(h, yb)
      }
      return trainer(params, loss, x, y)
    },
    cnn: async (s: Sizes['cnn']) => {
      const shapes = [CNN.conv1, CNN.conv2, CNN.dense1, CNN.dense2] as ReadonlyArray<readonly number[]>
      const params: Params = {
        w: shapes.map((sh, i) => gpu(weights(sh.reduce((a, d) => a * d, 1), sh.slice(0, -1).reduce((a, d) => a * d, 1), i), [...sh])),
        b: shapes.map((sh) => gpu(new Float32Array(sh.at(-1)!), [sh.at(-1)!])),
      }
      const x = gpu(values(s.batch * 28 * 28, 5, 0.5), [s.batch, 28, 28, 1])
      const y = T.fromArray(labels(s.batch).ints, [s.batch], 'int32')
      const loss = (p: Params, xb: T.Tensor, yb: T.Tensor): T.Tensor => {
        const block = (h: T.Tensor, i: number): T.Tensor => T.maxPool2d(T.relu(T.add(T.conv2d(h, p.w[i]!, { padding: 'same' }), p.b[i]!)), { size: 2 })
        const f = T.reshape(block(block(xb, 0), 1), [xb.shape[0]!, 7 * 7 * 32])
        const h = T.relu(T.add(T.matmul(f, p.w[2]!), p.b[2]!))
        return Loss.softmaxCrossEntropy(T.add(T.matmul(h, p.w[3]!), p.b[3]!), yb)
      }
      return trainer(params, loss, x, y)
    },
  }
}
