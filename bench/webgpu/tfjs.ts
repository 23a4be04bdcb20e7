/**
 * TensorFlow.js 4.22 on its WebGPU backend (`@tensorflow/tfjs-backend-webgpu`), as a tfjs user
 * writes it: variables, `tf.train.adam(...).minimize`, `tf.tidy`, results read with `await data()`.
 */
import * as tf from '@tensorflow/tfjs-core'
// the gradients, which the @tensorflow/tfjs bundle registers and tfjs-core alone does not
import '@tensorflow/tfjs-core/dist/register_all_gradients'
import '@tensorflow/tfjs-backend-webgpu'
import { CNN, LR, type Lib, type Sizes, labels, values, weights } from './cases.js'

/** Runs f in a tidy scope and reads its results back, then frees them. */
const read = async (f: () => tf.Tensor | tf.Tensor[]): Promise<unknown> => {
  const out = tf.tidy(f)
  const list = Array.isArray(out) ? out : [out]
  const got = await Promise.all(list.map((t) => t.data()))
  list.forEach((t) => t.dispose())
  return got
}

const step = (vars: tf.Variable[], loss: () => tf.Scalar): (() => Promise<number>) => {
  const opt = tf.train.adam(LR)
  return async () => {
    const l = opt.minimize(loss, true, vars)!
    const v = (await l.data())[0]!
    l.dispose()
    return v
  }
}

export const tfjsWebGpu = async (): Promise<Lib> => {
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend did not start')
  await tf.ready()
  tf.enableProdMode()
  return {
    name: 'tfjs-webgpu',
    matmul: async (n) => {
      const a = tf.tensor2d(values(n * n, 0, 0.5), [n, n])
      const b = tf.tensor2d(values(n * n, 1, 0.5), [n, n])
      return () => read(() => tf.matMul(a, b))
    },
    conv: async (s) => {
      const x = tf.tensor4d(values(s.batch * s.h * s.w * s.c, 0, 0.5), [s.batch, s.h, s.w, s.c])
      const w = tf.tensor4d(values(s.k * s.k * s.c * s.o, 2, 0.2), [s.k, s.k, s.c, s.o])
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))
      return {
        forward: () => read(() => tf.conv2d(x, w, 1, 'same')),
        gradient: () => read(() => grads([x, w])),
      }
    },
    mlp: async (s: Sizes['mlp']) => {
      const L = s.layers
      const ws = L.slice(1).map((n, i) => tf.variable(tf.tensor2d(weights(L[i]! * n, L[i]!, i), [L[i]!, n])))
      const bs = L.slice(1).map((n) => tf.variable(tf.zeros([n])))
      const x = tf.tensor2d(values(s.batch * L[0]!, 5, 0.5), [s.batch, L[0]!])
      const y = tf.tensor2d(labels(s.batch).oneHot, [s.batch, 10])
      return step([...ws, ...bs], () => {
        let h: tf.Tensor = x
        ws.forEach((w, i) => {
          h = tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), bs[i]!)
          if (i < ws.length - 1) h = tf.relu(h)
        })
        return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar
      })
    },
    cnn: async (s: Sizes['cnn']) => {
      const shapes = [CNN.conv1, CNN.conv2, CNN.dense1, CNN.dense2] as ReadonlyArray<readonly number[]>
      const ws = shapes.map((sh, i) => tf.variable(tf.tensor(weights(sh.reduce((a, d) => a * d, 1), sh.slice(0, -1).reduce((a, d) => a * d, 1), i), [...sh])))
      const bs = shapes.map((sh) => tf.variable(tf.zeros([sh.at(-1)!])))
      const x = tf.tensor4d(values(s.batch * 28 * 28, 5, 0.5), [s.batch, 28, 28, 1])
      const y = tf.tensor2d(labels(s.batch).oneHot, [s.batch, 10])
      return step([...ws, ...bs], () => {
        const block = (h: tf.Tensor4D, i: number): tf.Tensor4D => tf.maxPool(tf.relu(tf.add(tf.conv2d(h, ws[i] as tf.Tensor4D, 1, 'same'), bs[i]!)) as tf.Tensor4D, 2, 2, 'valid')
        const f = tf.reshape(block(block(x, 0), 1), [s.batch, 7 * 7 * 32]) as tf.Tensor2D
        const h = tf.relu(tf.add(tf.matMul(f, ws[2] as tf.Tensor2D), bs[2]!)) as tf.Tensor2D
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, ws[3] as tf.Tensor2D), bs[3]!)) as tf.Scalar
      })
    },
  }
}
