/**
 * Laws of the Jacobians and the Hessian: `jacfwd`, `jacrev` and `hessian`, which map `jvp` and
 * `vjp` over a basis with `vmap`, equal the loops they replace (one `jvp` per input element,
 * one backward pass per output element), kept here as references.
 */
import { Ad, Tensor as T } from '../src/index.js'
import { type Equiv, equiv } from './Equiv.js'

type Fn = (x: T.Tensor) => T.Tensor

/** The i-th basis tensor of a shape. */
const basis = (like: T.Tensor, i: number): T.Tensor => T.reshape(T.oneHot([i], like.size, { dtype: like.dtype }), like.shape)

/** The reference Jacobian by forward mode: one jvp per input element, the columns stacked. */
export const jacfwdLoop =
  (f: Fn) =>
  (x: T.Tensor): T.Tensor => {
    const value = f(x)
    const cols = Array.from({ length: x.size }, (_, i) => T.reshape(Ad.jvp(f, [x], [basis(x, i)])[1], [value.size]))
    const J = cols.length === 0 ? T.zeros([value.size, 0], value.dtype) : T.stack(cols, 1)
    return T.reshape(J, [...value.shape, ...x.shape])
  }

/** The reference Jacobian by reverse mode: one backward pass per output element, the rows stacked. */
export const jacrevLoop =
  (f: Fn) =>
  (x: T.Tensor): T.Tensor => {
    const [value, back] = Ad.vjp(f, x)
    const rows = Array.from({ length: value.size }, (_, j) => T.reshape(back(basis(value, j))[0], [x.size]))
    const J = rows.length === 0 ? T.zeros([0, x.size], x.dtype) : T.stack(rows, 0)
    return T.reshape(J, [...value.shape, ...x.shape])
  }

/** The reference Hessian: the forward loop over the reverse loop. */
export const hessianLoop = (f: Fn): Fn => jacfwdLoop((x) => T.reshape(jacrevLoop(f)(x), x.shape))

/** jacfwd(f) equals the loop of jvps. */
export const jacfwdEqualsLoop = (f: Fn, x: T.Tensor): Equiv<T.Tensor> => equiv(Ad.jacfwd(f)(x), jacfwdLoop(f)(x))

/** jacrev(f) equals the loop of backward passes. */
export const jacrevEqualsLoop = (f: Fn, x: T.Tensor): Equiv<T.Tensor> => equiv(Ad.jacrev(f)(x), jacrevLoop(f)(x))

/** hessian(f) equals the loop over the loop. */
export const hessianEqualsLoop = (f: Fn, x: T.Tensor): Equiv<T.Tensor> => equiv(Ad.hessian(f)(x), hessianLoop(f)(x))
