/**
 * Derivative rules of the binary elementwise primitives (with NumPy broadcasting) and `where`. Cotangents are returned
 * at the output's shape; the reverse interpreter sums them down to each input's shape.
 * @internal
 */
import type { Tensor } from '../../core/Tensor.js'
import type { BinaryOp } from '../../kernels/Kernels.js'
import * as T from '../../tensor/index.js'
import { minus, orZeros, plus, times } from './linear.js'
import { broadcasting } from './batch.js'
import type { Rule } from './Rule.js'

/** Comparisons: 0/1 outputs, nothing flows. */
const compare: Rule<BinaryOp> = {
  jvp: () => null,
  vjp: () => [null, null],
  constant: true,
  kink: ([a, b]) => T.sub(a!, b!),
  batch: broadcasting,
}

/** Weights of a in max(a, b) (or min): 1 where a wins, ½ on ties, 0 where b wins. */
const winner = (a: Tensor, b: Tensor, aWins: (a: Tensor, b: Tensor) => Tensor): Tensor => T.add(aWins(a, b), T.mul(T.equal(a, b), 0.5))

/** Same-shape log for pow's exponent term: log a, with 0 where a = 0 (where aᵇ's b-derivative is 0·log 0). */
const safeLog = (a: Tensor): Tensor => T.log(T.where(T.equal(a, 0), 1, a))

type Rules = { readonly [P in BinaryOp | 'where']: Rule<P> }

export const binaryRules: Rules = {
  add: { jvp: (_, [ta, tb]) => plus(ta!, tb!), vjp: (g) => [g, g], batch: broadcasting },
  sub: { jvp: (_, [ta, tb]) => minus(ta!, tb!), vjp: (g) => [g, T.neg(g)], batch: broadcasting },
  // d(ab) = b·da + a·db
  mul: {
    jvp: ([a, b], [ta, tb]) => plus(times(ta!, b!), times(tb!, a!)),
    vjp: (g, [a, b]) => [T.mul(g, b!), T.mul(g, a!)],
    batch: broadcasting,
  },
  // d(a/b) = da/b − (a/b)·db/b
  div: {
    jvp: ([, b], [ta, tb], out) => {
      const n = minus(ta!, times(tb!, out))
      return n === null ? null : T.div(n, b!)
    },
    vjp: (g, [, b], out) => {
      const gb = T.div(g, b!)
      return [gb, T.neg(T.mul(gb, out))]
    },
    batch: broadcasting,
  },
  // d aᵇ = b·aᵇ⁻¹·da + log(a)·aᵇ·db
  pow: {
    jvp: ([a, b], [ta, tb], out) => plus(times(ta!, T.mul(b!, T.pow(a!, T.sub(b!, 1)))), times(tb!, T.mul(safeLog(a!), out))),
    vjp: (g, [a, b], out) => [T.mul(g, T.mul(b!, T.pow(a!, T.sub(b!, 1)))), T.mul(g, T.mul(safeLog(a!), out))],
    batch: broadcasting,
  },
  // ties split the derivative evenly (the mean of the two one-sided derivatives)
  maximum: {
    jvp: ([a, b], [ta, tb]) => {
      const w = winner(a!, b!, T.greater)
      return plus(times(ta!, w), times(tb!, T.sub(1, w)))
    },
    vjp: (g, [a, b]) => {
      const w = winner(a!, b!, T.greater)
      return [T.mul(g, w), T.mul(g, T.sub(1, w))]
    },
    kink: ([a, b]) => T.sub(a!, b!),
    batch: broadcasting,
  },
  minimum: {
    jvp: ([a, b], [ta, tb]) => {
      const w = winner(a!, b!, T.less)
      return plus(times(ta!, w), times(tb!, T.sub(1, w)))
    },
    vjp: (g, [a, b]) => {
      const w = winner(a!, b!, T.less)
      return [T.mul(g, w), T.mul(g, T.sub(1, w))]
    },
    kink: ([a, b]) => T.sub(a!, b!),
    batch: broadcasting,
  },
  // d atan2(y, x) = (x·dy − y·dx) / (x² + y²)
  atan2: {
    jvp: ([y, x], [ty, tx]) => {
      const r2 = T.add(T.square(x!), T.square(y!))
      const n = minus(times(ty!, x!), times(tx!, y!))
      return n === null ? null : T.div(n, r2)
    },
    vjp: (g, [y, x]) => {
      const s = T.div(g, T.add(T.square(x!), T.square(y!)))
      return [T.mul(s, x!), T.neg(T.mul(s, y!))]
    },
    batch: broadcasting,
  },
  equal: compare,
  notEqual: compare,
  less: compare,
  lessEqual: compare,
  greater: compare,
  greaterEqual: compare,
  // the condition carries no derivative; each branch gets the cotangent where it was picked
  where: {
    jvp: ([c, a, b], [, ta, tb]) => (ta === null && tb === null ? null : T.where(c!, orZeros(ta!, a!), orZeros(tb!, b!))),
    vjp: (g, [c]) => [null, T.where(c!, g, 0), T.where(c!, 0, g)],
    batch: broadcasting,
  },
}
