/**
 * Scalar arithmetic written once for numbers and for float64 scalar tensors, so a schedule is
 * one formula that runs on a number (called by a user) and on a traced step count (inside a
 * jitted update), with the same IEEE operations in the same order: the two agree bit for bit.
 *
 * @internal
 */
import * as T from '../tensor/index.js'

type Tensor = T.Tensor

/** The operations schedules use, over a scalar type X (numbers mix in as constants). @internal */
export interface Scalar<X> {
  readonly add: (a: X | number, b: X | number) => X
  readonly sub: (a: X | number, b: X | number) => X
  readonly mul: (a: X | number, b: X | number) => X
  readonly div: (a: X | number, b: X | number) => X
  readonly pow: (a: X | number, b: X | number) => X
  readonly min: (a: X | number, b: X | number) => X
  readonly max: (a: X | number, b: X | number) => X
  readonly floor: (a: X) => X
  readonly cos: (a: X) => X
  /** cond ? a : b, with cond = (p < q) */
  readonly ifLess: (p: X | number, q: X | number, a: X | number, b: X | number) => X
}

/** Numbers: the formulas as plain JavaScript arithmetic. @internal */
export const numbers: Scalar<number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  min: Math.min,
  max: Math.max,
  floor: Math.floor,
  cos: Math.cos,
  ifLess: (p, q, a, b) => (p < q ? a : b),
}

const f64 = (x: Tensor | number): Tensor => (typeof x === 'number' ? T.scalar(x, 'float64') : x)

/**
 * Float64 scalar tensors: the same formulas as primitives, so they trace under `jit`. Math.min
 * and Math.max return NaN when either operand is; `minimum`/`maximum` do too. @internal
 */
export const tensors: Scalar<Tensor> = {
  add: (a, b) => T.add(f64(a), f64(b)),
  sub: (a, b) => T.sub(f64(a), f64(b)),
  mul: (a, b) => T.mul(f64(a), f64(b)),
  div: (a, b) => T.div(f64(a), f64(b)),
  pow: (a, b) => T.pow(f64(a), f64(b)),
  min: (a, b) => T.minimum(f64(a), f64(b)),
  max: (a, b) => T.maximum(f64(a), f64(b)),
  floor: (a) => T.floor(a),
  cos: (a) => T.cos(a),
  ifLess: (p, q, a, b) => T.where(T.less(f64(p), f64(q)), f64(a), f64(b)),
}
