/**
 * Per-example gradients of the MLP 784-128-64-10 (batch 128): `vmap(grad(loss))` against a
 * loop of `Ad.grad` over the examples and against one gradient of the whole batch's loss.
 */
import { Ad, Rng, Tensor as T } from '../../src/index.js'
import { type Params, initWeights, pgLoss, pgParams } from './mlp.js'

export interface PerExampleTimes {
  /** one gradient of the batch's mean loss */
  readonly batch: number
  /** one gradient per example, by a loop of Ad.grad */
  readonly loop: number
  /** one gradient per example, by vmap(grad(loss)) */
  readonly vmap: number
}

/** Milliseconds per call of each way, `time` measuring one function. */
export const perExampleGradients = (time: (f: () => unknown, minMs?: number) => number, minMs: number): PerExampleTimes => {
  const n = 128
  const params = pgParams(initWeights(7))
  const [kx, ky] = Rng.split(Rng.key(11))
  const x = Rng.uniform(kx!, [n, 784])
  const y = T.oneHot(T.toArray(Rng.integers(ky!, [n], 0, 10)), 10)
  // one example's loss: a batch of one
  const lossOne = (p: Params, xi: T.Tensor, yi: T.Tensor): T.Tensor => pgLoss(p, T.reshape(xi, [1, 784]), T.reshape(yi, [1, 10]))
  const xs = Array.from({ length: n }, (_, i) => T.reshape(T.slice(x, [i, 0], [1, 784]), [784]))
  const ys = Array.from({ length: n }, (_, i) => T.reshape(T.slice(y, [i, 0], [1, 10]), [10]))
  const perExample = Ad.vmap(Ad.grad(lossOne), { inAxes: [null, 0, 0] })
  return {
    batch: time(() => Ad.grad(pgLoss)(params, x, y), minMs),
    loop: time(() => xs.map((xi, i) => Ad.grad(lossOne)(params, xi, ys[i]!)), minMs),
    vmap: time(() => perExample(params, x, y), minMs),
  }
}
