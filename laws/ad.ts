/**
 * Laws of differentiation, as pure functions returning `Equiv`s. `f` is a function to a single
 * number, `g` a function between tensors.
 */
import { Ad, Tensor as T } from '../src/index.js'
import { inner } from '../src/testing/ad.js'
import { type Equiv, equiv } from './Equiv.js'

type Fn = (x: T.Tensor) => T.Tensor

/** ⟨a, b⟩ as a number; reverse mode equals forward mode: ⟨∇f(x), u⟩ = jvp(f)(x; u) (those of puregrad/testing). */
export { inner, forwardEqualsReverseAt as forwardEqualsReverse } from '../src/testing/ad.js'

/** The VJP is the adjoint of the JVP: ⟨vjp(c), u⟩ = ⟨c, jvp(u)⟩. */
export const vjpIsAdjointOfJvp = (g: Fn, x: T.Tensor, u: T.Tensor, c: T.Tensor): Equiv<number> => {
  const [, back] = Ad.vjp(g, x)
  return equiv(inner(back(c)[0], u), inner(c, Ad.jvp(g, [x], [u])[1]))
}

/** The JVP is linear in the tangent: jvp(a·u + b·v) = a·jvp(u) + b·jvp(v). */
export const jvpIsLinear = (g: Fn, x: T.Tensor, u: T.Tensor, v: T.Tensor, a: number, b: number): Equiv<T.Tensor> => {
  const t = (w: T.Tensor): T.Tensor => Ad.jvp(g, [x], [w])[1]
  return equiv(t(T.add(T.mul(u, a), T.mul(v, b))), T.add(T.mul(t(u), a), T.mul(t(v), b)))
}

/** A zero cotangent pulls back to a zero gradient. */
export const zeroCotangentGivesZero = (g: Fn, x: T.Tensor): Equiv<T.Tensor> => {
  const [y, back] = Ad.vjp(g, x)
  return equiv(back(T.zerosLike(y))[0], T.zerosLike(x))
}

/** The chain rule: the VJP of a composition is the composition of the VJPs, in reverse order. */
export const chainRule = (outer: Fn, inner_: Fn, x: T.Tensor, c: T.Tensor): Equiv<T.Tensor> => {
  const [, backComposite] = Ad.vjp((z: T.Tensor) => outer(inner_(z)), x)
  const [h, backInner] = Ad.vjp(inner_, x)
  const [, backOuter] = Ad.vjp(outer, h)
  return equiv(backComposite(c)[0], backInner(backOuter(c)[0])[0])
}

/**
 * The gradient agrees with finite differences: gradCheck's relative error (0 is perfect),
 * or undefined when x sits on a kink (the law is stated away from kinks).
 */
export const matchesFiniteDifferences = (f: Fn, x: T.Tensor): Equiv<number> | undefined => {
  const report = Ad.gradCheck(f, x)
  return report.moved ? undefined : equiv(report.relativeError, 0)
}

/** hvp(f)(x, v) equals the central difference of gradients (∇f(x + hv) − ∇f(x − hv)) / 2h. */
export const hvpMatchesDifferenceOfGradients = (f: Fn, x: T.Tensor, v: T.Tensor, h = 1e-5): Equiv<T.Tensor> => {
  const gradAt = (s: number): T.Tensor => Ad.grad(f)(T.add(x, T.mul(v, s))) as T.Tensor
  return equiv(Ad.hvp(f)(x, v), T.div(T.sub(gradAt(h), gradAt(-h)), 2 * h))
}

/** hessian(f) is symmetric. */
export const hessianIsSymmetric = (f: Fn, x: T.Tensor): Equiv<T.Tensor> => {
  const H = T.reshape(Ad.hessian(f)(x), [x.size, x.size])
  return equiv(H, T.transpose(H))
}
