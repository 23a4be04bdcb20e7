/**
 * Jacobians and Hessians of a 100-parameter function: `Ad.jacfwd`, `Ad.jacrev` and
 * `Ad.hessian` (one batched pass mapped by vmap) against the loops they replaced (one jvp per
 * parameter, one backward pass per output).
 */
import { Ad, Rng, Tensor as T } from '../../src/index.js'
import { hessianLoop, jacfwdLoop, jacrevLoop } from '../../laws/jacobians.js'

export interface JacobianTimes {
  readonly name: string
  /** milliseconds per call, mapped by vmap */
  readonly vmapped: number
  /** milliseconds per call, the loop */
  readonly loop: number
}

/**
 * θ ∈ ℝ¹⁰⁰ unpacked as W1 [4, 10], b1 [10], W2 [10, 5] of a tanh network on 16 fixed inputs:
 * `logits(θ)` has 80 outputs (the Jacobians), `loss(θ)` is their mean square (the Hessian).
 */
export const jacobianTimes = (time: (f: () => unknown, minMs?: number) => number, minMs: number): ReadonlyArray<JacobianTimes> => {
  const [kx, kt] = Rng.split(Rng.key(21))
  const x = Rng.normal(kx!, [16, 4])
  const theta = Rng.normal(kt!, [100], { std: 0.3 })
  const logits = (t: T.Tensor): T.Tensor => {
    const W1 = T.reshape(T.slice(t, [0], [40]), [4, 10])
    const b1 = T.slice(t, [40], [10])
    const W2 = T.reshape(T.slice(t, [50], [50]), [10, 5])
    return T.reshape(T.matmul(T.tanh(T.add(T.matmul(x, W1), b1)), W2), [80])
  }
  const loss = (t: T.Tensor): T.Tensor => T.mean(T.square(logits(t)))
  return [
    { name: 'jacfwd, 100 → 80', vmapped: time(() => Ad.jacfwd(logits)(theta), minMs), loop: time(() => jacfwdLoop(logits)(theta), minMs) },
    { name: 'jacrev, 100 → 80', vmapped: time(() => Ad.jacrev(logits)(theta), minMs), loop: time(() => jacrevLoop(logits)(theta), minMs) },
    { name: 'hessian, 100 → 1', vmapped: time(() => Ad.hessian(loss)(theta), minMs), loop: time(() => hessianLoop(loss)(theta), minMs) },
  ]
}
