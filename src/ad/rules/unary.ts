/**
 * Derivative rules of the unary elementwise primitives. A smooth one is given by its derivative f′(x, out), and both
 * modes use it: jvp = f′·t, vjp = f′·g. Piecewise-constant ones (floor, sign, predicates)
 * pass nothing. @internal
 */
import type { Tensor } from '../../core/Tensor.js'
import type { UnaryOp } from '../../kernels/Kernels.js'
import * as T from '../../tensor/index.js'
import { sameAxis } from './batch.js'
import type { Rule } from './Rule.js'

/** A smooth primitive from its derivative. */
const smooth = (d: (x: Tensor, out: Tensor) => Tensor, kink?: (x: Tensor) => Tensor): Rule<UnaryOp> => ({
  jvp: ([x], [t], out) => (t === null || t === undefined ? null : T.mul(t, d(x!, out))),
  vjp: (g, [x], out) => [T.mul(g, d(x!, out))],
  batch: sameAxis,
  ...(kink === undefined ? {} : { kink: ([x]) => kink(x!) }),
})

/** A primitive whose derivative is zero wherever it exists; `jump` is the signed coordinate of its jumps. */
const flat = (jump?: (x: Tensor) => Tensor): Rule<UnaryOp> => ({
  jvp: () => null,
  vjp: () => [null],
  constant: true,
  batch: sameAxis,
  ...(jump === undefined ? {} : { kink: ([x]) => jump(x!) }),
})

/** Signed offset from the nearest integer, where floor and ceil jump (it also flips sign at half-integers: harmless, it only makes the check more careful). */
const toInteger = (x: Tensor): Tensor => T.sub(x, T.round(x))
const identity = (x: Tensor): Tensor => x

const TWO_OVER_SQRT_PI = 1.1283791670955126

export const unaryRules: { readonly [P in UnaryOp]: Rule<P> } = {
  neg: { jvp: (_, [t]) => (t ? T.neg(t) : null), vjp: (g) => [T.neg(g)], batch: sameAxis },
  // d|x| = sign(x)·dx; the subgradient at 0 is 0
  abs: smooth((x) => T.sign(x), identity),
  // d eˣ = eˣ·dx
  exp: smooth((_, out) => out),
  // d(eˣ − 1) = eˣ·dx
  expm1: smooth((_, out) => T.add(out, 1)),
  // d log x = dx / x
  log: smooth((x) => T.reciprocal(x)),
  // d log(1 + x) = dx / (1 + x)
  log1p: smooth((x) => T.reciprocal(T.add(x, 1))),
  // d √x = dx / (2√x)
  sqrt: smooth((_, out) => T.div(0.5, out)),
  // d x^(−½) = −½ x^(−3/2) dx = −½ out³ dx
  rsqrt: smooth((_, out) => T.mul(T.mul(out, T.square(out)), -0.5)),
  // d x² = 2x dx
  square: smooth((x) => T.mul(x, 2)),
  // d(1/x) = −x⁻² dx = −out² dx
  reciprocal: smooth((_, out) => T.neg(T.square(out))),
  sin: smooth((x) => T.cos(x)),
  cos: smooth((x) => T.neg(T.sin(x))),
  // d tanh x = (1 − tanh² x) dx
  tanh: smooth((_, out) => T.sub(1, T.square(out))),
  // dσ = σ(1 − σ) dx
  sigmoid: smooth((_, out) => T.mul(out, T.sub(1, out))),
  // d relu = [x > 0] dx; the subgradient at 0 is 0
  relu: smooth((x) => T.greater(x, 0), identity),
  // d log(1 + eˣ) = σ(x) dx
  softplus: smooth((x) => T.sigmoid(x)),
  // d erf x = 2/√π e^(−x²) dx
  erf: smooth((x) => T.mul(T.exp(T.neg(T.square(x))), TWO_OVER_SQRT_PI)),
  sign: flat(identity),
  floor: flat(toInteger),
  ceil: flat(toInteger),
  // round jumps at half-integers
  round: flat((x) => T.sub(T.sub(x, T.floor(x)), 0.5)),
  isFinite: flat(),
  isNaN: flat(),
}
