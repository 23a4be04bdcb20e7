/**
 * Laws of `jit`, as pure functions returning `Equiv`s: a compiled function equals the function,
 * through every transformation and through nesting. On the JavaScript kernels (the laws' own)
 * every side is computed with the same formulas in the same order, so the comparator is exact.
 */
import { Ad, PuregradError, Tensor as T } from '../src/index.js'
import { type Equiv, equiv } from './Equiv.js'

export type Fn = (...xs: T.Tensor[]) => T.Tensor

/** jit(f)(xs) equals f(xs); called twice, so the second call runs the cached program. */
export const jitEqualsEager = (f: Fn, xs: ReadonlyArray<T.Tensor>): Equiv<T.Tensor> => {
  const g = Ad.jit(f)
  g(...xs)
  return equiv(g(...xs), f(...xs))
}

/** The gradient of `f` (to one number) with respect to every argument, concatenated flat. */
const gradAll = (f: Fn) => (...xs: T.Tensor[]): T.Tensor =>
  T.concat((Ad.grad(f, { argnums: xs.map((_, i) => i) })(...xs) as unknown as T.Tensor[]).map((g) => T.reshape(g, [-1])), 0)

/** jit(grad(f)) equals grad(f). */
export const jitOfGrad = (f: Fn, xs: ReadonlyArray<T.Tensor>): Equiv<T.Tensor> => jitEqualsEager(gradAll(f), xs)

/** grad(jit(f)) equals grad(f): the gradient of the program is the gradient of the function. */
export const gradOfJit = (f: Fn, xs: ReadonlyArray<T.Tensor>): Equiv<T.Tensor> => equiv(gradAll(Ad.jit(f))(...xs), gradAll(f)(...xs))

/** jvp(jit(f)) equals jvp(f), value and tangent side by side. */
export const jvpOfJit = (f: (x: T.Tensor) => T.Tensor, x: T.Tensor, t: T.Tensor): Equiv<T.Tensor> => {
  const both = (g: (x: T.Tensor) => T.Tensor): T.Tensor => {
    const [y, dy] = Ad.jvp(g, [x], [t])
    return T.concat([T.reshape(y, [-1]), T.reshape(dy, [-1])], 0)
  }
  return equiv(both(Ad.jit(f)), both(f))
}

/** jit(vmap(f)) and vmap(jit(f)) equal vmap(f). */
export const jitOfVmap = (f: Fn, xs: ReadonlyArray<T.Tensor>): Equiv<T.Tensor> => jitEqualsEager(Ad.vmap(f), xs)
export const vmapOfJit = (f: Fn, xs: ReadonlyArray<T.Tensor>): Equiv<T.Tensor> => equiv(Ad.vmap(Ad.jit(f))(...xs), Ad.vmap(f)(...xs))

/** jit(g ∘ jit(f)) equals g ∘ f: an inner jit is inlined. */
export const nestedJit = (f: Fn, g: (y: T.Tensor) => T.Tensor, xs: ReadonlyArray<T.Tensor>): Equiv<T.Tensor> => {
  const inner = Ad.jit(f)
  return jitEqualsEager((...ys) => g(inner(...ys)), xs)
}

/**
 * jit(f, { donate: every argument }) equals f, bit for bit, and changes nothing the caller can
 * still see. Each call donates fresh results of a compiled copy of xs, whose buffers the call may
 * write; the caller keeps a reshape of the first call's first argument (a view: that buffer must
 * not be written), every result, and xs. Three calls, the later ones running the cached program
 * and its pool. The last element of each side is 1 when every tensor the first call took is
 * refused afterwards (INVALID_ARGUMENT).
 */
export const donationInvisible = (f: Fn, xs: ReadonlyArray<T.Tensor>): Equiv<T.Tensor> => {
  const g = Ad.jit(f, { donate: xs.map((_, i) => i) })
  const copy = Ad.jit((...ys: T.Tensor[]) => ys.map((y) => T.mul(y, T.scalar(1, y.dtype))))
  const first = copy(...xs)
  const view = T.reshape(first[0]!, [-1])
  const results = [g(...first), g(...copy(...xs)), g(...copy(...xs))]
  const refused = first.every((t) => {
    try {
      T.toArray(t)
      return false
    } catch (e) {
      return e instanceof PuregradError && e.code === 'INVALID_ARGUMENT'
    }
  })
  const flat = (ts: ReadonlyArray<T.Tensor>): T.Tensor => T.concat(ts.map((t) => T.reshape(T.cast(t, 'float64'), [-1])), 0)
  const want = f(...xs)
  return equiv(flat([...results, view, ...xs, T.scalar(refused ? 1 : 0)]), flat([want, want, want, T.reshape(xs[0]!, [-1]), ...xs, T.scalar(1)]))
}
