/**
 * One probe per primitive: a small function of float inputs that exercises it, with the
 * shapes and value ranges of its inputs. The table's type makes the compiler demand one for
 * each primitive (stopGradient, which a gradient check cannot probe, is left out). Shared by
 * the laws that go through every primitive.
 */
import { Ad, Rng, Tensor as T } from '../src/index.js'
import { bind } from '../src/prims/bind.js'
import type { Prim } from '../src/prims/Prim.js'
import { poolSpec } from '../src/tensor/geometry.js'

export type F = (...xs: T.Tensor[]) => T.Tensor

/** Shapes of the float inputs and the function of them that exercises the primitive. */
export interface Probe {
  readonly shapes: ReadonlyArray<ReadonlyArray<number>>
  readonly f: F
  /** input values in [−range, range] (default 2) */
  readonly range?: number
  /** gradCheck's eps, when the default does not suit */
  readonly eps?: number
  /** inputs made exactly representable on a 2^−10 grid (for casts) */
  readonly grid?: boolean
  /** tolerance of forward vs reverse mode (default 1e-9; a float32 round trip rounds tangents) */
  readonly modesAgreeTo?: number
}

const u1 = (f: (x: T.Tensor) => T.Tensor): Probe => ({ shapes: [[2, 3]], f })
const b2 = (f: (a: T.Tensor, b: T.Tensor) => T.Tensor): Probe => ({ shapes: [[2, 3], [3]], f })
/** A primitive that passes no derivative, checked inside a product with its input. */
const flat1 = (op: (x: T.Tensor) => T.Tensor): Probe => u1((x) => T.mul(op(x), x))
const flat2 = (op: (a: T.Tensor, b: T.Tensor) => T.Tensor): Probe => b2((a, b) => T.mul(op(a, b), T.add(a, b)))

const convOpts = { strides: 2, padding: 'same' } as const
const grouped = { ...convOpts, groups: 2 } as const
const poolOpts = { size: 2, strides: 1, padding: 'same' } as const

/** One probe per primitive; stopGradient is checked separately (finite differences must disagree with it). */
export const probes: { readonly [P in Exclude<Prim, 'stopGradient'>]: Probe } = {
  neg: u1(T.neg),
  abs: u1(T.abs),
  sign: flat1(T.sign),
  exp: u1(T.exp),
  expm1: u1(T.expm1),
  log: { ...u1(T.log), range: -0.2 },
  log1p: { ...u1(T.log1p), range: -0.5 },
  sqrt: { ...u1(T.sqrt), range: -0.2 },
  rsqrt: { ...u1(T.rsqrt), range: -0.2 },
  square: u1(T.square),
  reciprocal: { ...u1(T.reciprocal), range: -0.2 },
  sin: u1(T.sin),
  cos: u1(T.cos),
  tanh: u1(T.tanh),
  sigmoid: u1(T.sigmoid),
  relu: u1(T.relu),
  softplus: u1(T.softplus),
  erf: u1(T.erf),
  floor: flat1(T.floor),
  ceil: flat1(T.ceil),
  round: flat1(T.round),
  isFinite: flat1(T.isFinite),
  isNaN: flat1((x) => T.sub(1, T.isNaN(x))),
  add: b2(T.add),
  sub: b2(T.sub),
  mul: b2(T.mul),
  div: { ...b2(T.div), range: -0.3 },
  pow: { ...b2(T.pow), range: -0.3 },
  maximum: b2(T.maximum),
  minimum: b2(T.minimum),
  atan2: b2(T.atan2),
  equal: flat2(T.equal),
  notEqual: flat2(T.notEqual),
  less: flat2(T.less),
  lessEqual: flat2(T.lessEqual),
  greater: flat2(T.greater),
  greaterEqual: flat2(T.greaterEqual),
  where: { shapes: [[2, 3], [2, 3], [3]], f: (c, a, b) => T.where(T.greater(c!, 0), a!, b!) },
  matmul: { shapes: [[2, 3, 4], [4, 2]], f: (a, b) => T.add(T.matmul(a!, b!), T.matmul(b!, a!, { transposeA: true, transposeB: true }).shape.length) },
  sum: u1((x) => T.sum(x, 1, true)),
  mean: u1((x) => T.mean(x, [0, 1], true)),
  max: u1((x) => T.max(x, 0)),
  min: u1((x) => T.min(x, [0, 1])),
  argmax: u1((x) => T.mul(T.cast(T.argmax(x, 1), 'float64'), T.sum(x, 1))),
  argmin: u1((x) => T.mul(T.cast(T.argmin(x, 0), 'float64'), T.sum(x, 0))),
  reshape: u1((x) => T.reshape(x, [3, 2])),
  transpose: { shapes: [[2, 3, 4]], f: (x) => T.transpose(x!, [2, 0, 1]) },
  broadcastTo: u1((x) => T.broadcastTo(x, [4, 2, 3])),
  slice: u1((x) => T.slice(x, [1, 1], [1, 2])),
  pad: u1((x) => T.pad(x, [[1, 0], [2, 1]], 5)),
  concat: b2((a, b) => T.concat([a, T.reshape(b, [1, 3]), a], 0)),
  gather: u1((x) => T.gather(x, [2, 0, 2, 1], 1)),
  scatterAdd: u1((x) => T.scatterAdd(x, [0, 2, 0], [2, 4], 1)),
  oneHot: u1((x) => T.mul(T.oneHot([2, 0], 3, { dtype: 'float64' }), x)),
  cast: { ...u1((x) => T.cast(T.mul(T.cast(x, 'float32'), 3), 'float64')), grid: true, eps: 2 ** -10, range: 0.9, modesAgreeTo: 1e-6 },
  // each convolution probe also runs a grouped one (groups 2: w [3, 3, 1, 2], the first in-channel and two filters of the plain one)
  conv2d: {
    shapes: [[2, 5, 5, 2], [3, 3, 2, 3]],
    f: (x, w) => T.concat([T.conv2d(x!, w!, convOpts), T.conv2d(x!, T.slice(w!, [0, 0, 0, 0], [3, 3, 1, 2]), grouped)], -1),
  },
  conv2dGradInput: {
    shapes: [[2, 3, 3, 3], [3, 3, 2, 3]],
    f: (dy, w) => T.concat([T.conv2dGradInput(dy!, w!, [2, 5, 5, 2], convOpts), T.conv2dGradInput(T.slice(dy!, [0, 0, 0, 0], [2, 3, 3, 2]), T.slice(w!, [0, 0, 0, 0], [3, 3, 1, 2]), [2, 5, 5, 2], grouped)], -1),
  },
  conv2dGradFilter: {
    shapes: [[2, 5, 5, 2], [2, 3, 3, 3]],
    f: (x, dy) => T.concat([T.reshape(T.conv2dGradFilter(x!, dy!, [3, 3, 2, 3], convOpts), [-1]), T.reshape(T.conv2dGradFilter(x!, T.slice(dy!, [0, 0, 0, 0], [2, 3, 3, 2]), [3, 3, 1, 2], grouped), [-1])], 0),
  },
  maxPool2d: { shapes: [[1, 4, 4, 2]], f: (x) => T.maxPool2d(x!, poolOpts) },
  maxPool2dGrad: { shapes: [[1, 4, 4, 2], [1, 4, 4, 2]], f: (x, dy) => T.maxPool2dGrad(x!, dy!, poolOpts) },
  maxPool2dSelect: { shapes: [[1, 4, 4, 2], [1, 4, 4, 2]], f: (x, t) => bind('maxPool2dSelect', [x!, t!], { spec: poolSpec('maxPool2dSelect', [1, 4, 4, 2], poolOpts) }) },
  avgPool2d: { shapes: [[1, 4, 4, 2]], f: (x) => T.avgPool2d(x!, poolOpts) },
  avgPool2dGrad: { shapes: [[1, 4, 4, 2]], f: (dy) => T.avgPool2dGrad([1, 4, 4, 2], dy!, poolOpts) },
  // the random primitives with a fixed key: their words, as float64, scale the input
  randomBits: u1((x) => T.mul(T.cast(bind('randomBits', [Rng.keyData(Rng.key(3))], { shape: [2, 3] }), 'float64'), x)),
  threefry2x32: u1((x) => T.mul(T.cast(T.reshape(bind('threefry2x32', [Rng.keyData(Rng.key(3)), T.tensor([[0, 1], [2, 3], [-4, 5]], 'int32')], {}), [2, 3]), 'float64'), x)),
  fromBits: u1((x) => T.mul(bind('fromBits', [bind('randomBits', [Rng.keyData(Rng.key(3))], { shape: [2, 3, 2] })], { dist: 'normal', dtype: 'float64', mean: 0, std: 1 }), x)),
  custom: u1(
    Ad.custom('softsign', (x) => T.div(x, T.add(T.abs(x), 1)), {
      // d x/(1+|x|) = dx / (1+|x|)²
      jvp: ([x], [t]) => T.div(t!, T.square(T.add(T.abs(x!), 1))),
      vjp: (g, [x]) => [T.div(g, T.square(T.add(T.abs(x!), 1)))],
    }),
  ),
}

/** Random inputs for a probe: values in [−r, r], or in [|r|, 2|r|+1] when r < 0 (positive domains). */
export const inputsFor = (probe: Probe, seed: number): T.Tensor[] => {
  const keys = Rng.split(Rng.key(seed), probe.shapes.length)
  const r = probe.range ?? 2
  return probe.shapes.map((s, i) => {
    const v = r < 0 ? Rng.uniform(keys[i]!, s, { dtype: 'float64', min: -r, max: -2 * r + 1 }) : Rng.uniform(keys[i]!, s, { dtype: 'float64', min: -r, max: r })
    return probe.grid === true ? T.div(T.round(T.mul(v, 1024)), 1024) : v
  })
}
