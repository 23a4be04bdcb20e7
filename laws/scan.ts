/**
 * Laws of `scan` and `checkpoint`, as pure functions returning `Equiv`s: a scan equals the loop
 * written out, in value and in derivatives, and a checkpointed function equals the function.
 * A body is `step(w)(carry, x) → [carry, y]`, `w` a tensor it closes over.
 */
import { Ad, Tensor as T } from '../src/index.js'
import { type Equiv, equiv } from './Equiv.js'

export type Step = (w: T.Tensor) => (c: T.Tensor, x: T.Tensor) => readonly [T.Tensor, T.Tensor]

/** The steps of xs along its first axis. */
export const rows = (xs: T.Tensor): T.Tensor[] => Array.from({ length: xs.shape[0]! }, (_, t) => T.reshape(T.slice(xs, [t], [1]), xs.shape.slice(1)))

/** The loop written out: the final carry and the outputs stacked. */
export const unrolled = (step: (c: T.Tensor, x: T.Tensor) => readonly [T.Tensor, T.Tensor], c0: T.Tensor, xs: T.Tensor, reverse: boolean): readonly [T.Tensor, T.Tensor] => {
  const steps = rows(xs)
  const ys: T.Tensor[] = new Array(steps.length)
  let c = c0
  for (let i = 0; i < steps.length; i++) {
    const t = reverse ? steps.length - 1 - i : i
    ;[c, ys[t]] = step(c, steps[t]!)
  }
  return [c, T.stack(ys, 0)]
}

type Run = (step: (c: T.Tensor, x: T.Tensor) => readonly [T.Tensor, T.Tensor], c0: T.Tensor, xs: T.Tensor, reverse: boolean) => readonly [T.Tensor, T.Tensor]
const scanned: Run = (step, c0, xs, reverse) => Ad.scan(step, c0, xs, { reverse })

/** One number from the final carry and the outputs, weighting each element differently. */
const lossWith = (run: Run, step: Step, reverse: boolean) => (w: T.Tensor, c0: T.Tensor, xs: T.Tensor): T.Tensor => {
  const [c, ys] = run(step(w), c0, xs, reverse)
  const weigh = (t: T.Tensor) => T.sum(T.mul(t, T.reshape(T.linspace(-1, 1, t.size, t.dtype), t.shape)))
  return T.add(weigh(c), weigh(ys))
}

/** scan equals the loop: final carry and stacked outputs. */
export const scanEqualsLoop = (step: Step, w: T.Tensor, c0: T.Tensor, xs: T.Tensor, reverse: boolean): Equiv<T.Tensor> => {
  const [c, ys] = scanned(step(w), c0, xs, reverse)
  const [lc, lys] = unrolled(step(w), c0, xs, reverse)
  return equiv(T.concat([T.reshape(c, [-1]), T.reshape(ys, [-1])]), T.concat([T.reshape(lc, [-1]), T.reshape(lys, [-1])]))
}

const flat = (gs: ReadonlyArray<T.Tensor>): T.Tensor => T.concat(gs.map((g) => T.reshape(g, [-1])))

/** The gradient through scan (with respect to the closed-over w, the initial carry and xs) equals the loop's. */
export const scanGradEqualsLoop = (step: Step, w: T.Tensor, c0: T.Tensor, xs: T.Tensor, reverse: boolean): Equiv<T.Tensor> => {
  const argnums = [0, 1, 2] as const
  return equiv(
    flat(Ad.grad(lossWith(scanned, step, reverse), { argnums })(w, c0, xs)),
    flat(Ad.grad(lossWith(unrolled, step, reverse), { argnums })(w, c0, xs)),
  )
}

/** Forward and reverse mode agree through scan: ⟨∇f, u⟩ = jvp(f)(u), for directions u of (w, c0, xs). */
export const scanForwardEqualsReverse = (step: Step, w: T.Tensor, c0: T.Tensor, xs: T.Tensor, u: readonly [T.Tensor, T.Tensor, T.Tensor], reverse: boolean): Equiv<number> => {
  const f = lossWith(scanned, step, reverse)
  const g = Ad.grad(f, { argnums: [0, 1, 2] })(w, c0, xs)
  const inner = g.reduce((s, gi, i) => s + T.item(T.sum(T.mul(gi, u[i]!))), 0)
  return equiv(inner, T.item(Ad.jvp(f, [w, c0, xs], [...u])[1]))
}

/** vmap of scan (over a batch of xs, or of closed-over weights) equals the loop over the batch. */
export const vmapOfScanEqualsLoop = (step: Step, w: T.Tensor, c0: T.Tensor, batch: T.Tensor, mapWeights: boolean): Equiv<T.Tensor> => {
  const f = lossWith(scanned, step, false)
  return mapWeights
    ? equiv(Ad.vmap((wi: T.Tensor) => f(wi, c0, batch))(w), T.stack(rows(w).map((wi) => f(wi, c0, batch)), 0))
    : equiv(Ad.vmap((xs: T.Tensor) => f(w, c0, xs))(batch), T.stack(rows(batch).map((xs) => f(w, c0, xs)), 0))
}

/** checkpoint(f) has the value and gradient of f. */
export const checkpointEqualsF = (f: (x: T.Tensor) => T.Tensor, x: T.Tensor): Equiv<T.Tensor> => {
  const scalar = (g: (x: T.Tensor) => T.Tensor) => (z: T.Tensor) => T.sum(T.mul(g(z), T.reshape(T.linspace(-1, 1, z.size, z.dtype), z.shape)))
  const both = (g: (x: T.Tensor) => T.Tensor) => T.concat([T.reshape(g(x), [-1]), T.reshape(Ad.grad(scalar(g))(x), [-1])])
  return equiv(both(Ad.checkpoint(f)), both(f))
}
