/**
 * Laws of `vmap`, as pure functions returning `Equiv`s: mapping a function over a batch equals
 * applying it to each example's slices and stacking the results, through differentiation and
 * nesting. `f` is a function of tensors, `axes` the mapped axis of each argument (null for one
 * every example shares).
 */
import { Ad, Tensor as T } from '../src/index.js'
import { type Equiv, equiv } from './Equiv.js'

type Fn = (...xs: T.Tensor[]) => T.Tensor
type Axis = number | null

/** Example i of x along axis (x itself when the axis is null). */
export const example = (x: T.Tensor, axis: Axis, i: number): T.Tensor => {
  if (axis === null) return x
  const a = axis < 0 ? axis + x.rank : axis
  return T.reshape(T.slice(x, x.shape.map((_, k) => (k === a ? i : 0)), x.shape.map((d, k) => (k === a ? 1 : d))), x.shape.filter((_, k) => k !== a))
}

/** The batch size: the size of the first mapped argument along its axis. */
export const sizeOf = (xs: ReadonlyArray<T.Tensor>, axes: ReadonlyArray<Axis>): number => {
  const j = axes.findIndex((a) => a !== null)
  const a = axes[j]!
  return xs[j]!.shape[a < 0 ? a + xs[j]!.rank : a]!
}

/** The reference: f applied to each example's slices, the results stacked along `outAxis`. */
export const loop = (f: Fn, xs: ReadonlyArray<T.Tensor>, axes: ReadonlyArray<Axis>, outAxis = 0): T.Tensor =>
  T.stack(
    Array.from({ length: sizeOf(xs, axes) }, (_, i) => f(...xs.map((x, j) => example(x, axes[j]!, i)))),
    outAxis,
  )

/** vmap(f)(xs) equals stacking f over the slices of xs. */
export const vmapEqualsLoop = (f: Fn, xs: ReadonlyArray<T.Tensor>, axes: ReadonlyArray<Axis>, outAxis = 0): Equiv<T.Tensor> =>
  equiv(Ad.vmap(f, { inAxes: [...axes], outAxes: outAxis })(...xs), loop(f, xs, axes, outAxis))

/**
 * vmap(grad(f)) equals the per-example loop of gradients, `f` a function to one number
 * differentiated with respect to every argument; the gradients are concatenated along their
 * (leading) batch axis.
 */
export const vmapOfGradEqualsLoop = (f: Fn, xs: ReadonlyArray<T.Tensor>, axes: ReadonlyArray<Axis>): Equiv<T.Tensor> => {
  const argnums = xs.map((_, i) => i)
  const grads = (...ys: T.Tensor[]): T.Tensor => T.concat((Ad.grad(f, { argnums })(...ys) as T.Tensor[]).map((g) => T.reshape(g, [-1])), 0)
  return equiv(Ad.vmap(grads, { inAxes: [...axes] })(...xs), loop(grads, xs, axes))
}

/** Nested maps with their own in and out axes equal the double loop. */
export const nestedVmapEqualsLoop = (f: Fn, x: T.Tensor, outer: readonly [number, number], inner: readonly [number, number]): Equiv<T.Tensor> => {
  const mapped = Ad.vmap(Ad.vmap(f, { inAxes: inner[0], outAxes: inner[1] }), { inAxes: outer[0], outAxes: outer[1] })
  const innerLoop = (y: T.Tensor): T.Tensor => loop(f, [y], [inner[0]], inner[1])
  return equiv(mapped(x), loop(innerLoop, [x], [outer[0]], outer[1]))
}

/** grad(vmap(f)) equals the gradient of the loop: both of ⟨c, the batch of outputs⟩. */
export const gradOfVmapEqualsLoop = (f: Fn, x: T.Tensor, axis: number, c: T.Tensor): Equiv<T.Tensor> =>
  equiv(
    Ad.grad((z: T.Tensor) => T.sum(T.mul(Ad.vmap(f, { inAxes: axis })(z), c)))(x),
    Ad.grad((z: T.Tensor) => T.sum(T.mul(loop(f, [z], [axis]), c)))(x),
  )

/** jvp(vmap(f)) equals the loop of per-example jvps. */
export const jvpOfVmapEqualsLoop = (f: Fn, x: T.Tensor, u: T.Tensor, axis: number): Equiv<T.Tensor> =>
  equiv(
    Ad.jvp(Ad.vmap(f, { inAxes: axis }), [x], [u])[1],
    loop((xi, ui) => Ad.jvp(f, [xi!], [ui!])[1], [x, u], [axis, axis]),
  )
