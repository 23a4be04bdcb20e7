/**
 * Elementwise kernels: unary maps, broadcasting binary maps, and `where`.
 *
 * Binary kernels read both operands through strides (0 on broadcast axes) and walk the output
 * row by row, so the inner loop is a plain strided loop whatever the broadcast pattern.
 * @internal
 */
import type { Buffer } from '../../core/dtype.js'
import type { Shape } from '../../core/shape.js'
import { erf } from '../../core/special.js'
import type { BinaryOp, Strided, UnaryOp } from '../Kernels.js'

const sigmoid = (v: number): number => {
  if (v >= 0) return 1 / (1 + Math.exp(-v))
  const e = Math.exp(v)
  return e / (1 + e)
}

/** softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), stable for any x. */
const softplus = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))

export const unaryFns: { readonly [P in UnaryOp]: (v: number) => number } = {
  neg: (v) => -v,
  abs: Math.abs,
  sign: (v) => (v > 0 ? 1 : v < 0 ? -1 : v), // keeps ±0 and NaN
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (v) => 1 / Math.sqrt(v),
  square: (v) => v * v,
  reciprocal: (v) => 1 / v,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid,
  relu: (v) => (v > 0 ? v : v !== v ? v : 0), // NaN propagates
  softplus,
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (v) => Math.sign(v) * Math.round(Math.abs(v)), // half away from zero
  isFinite: (v) => (Number.isFinite(v) ? 1 : 0),
  isNaN: (v) => (v !== v ? 1 : 0),
}

export const unary = (op: UnaryOp, x: Buffer, out: Buffer): void => {
  const n = x.length
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i]!
      return
    case 'square':
      for (let i = 0; i < n; i++) {
        const v = x[i]!
        out[i] = v * v
      }
      return
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!)
      return
    case 'relu':
      for (let i = 0; i < n; i++) {
        const v = x[i]!
        out[i] = v > 0 ? v : v !== v ? v : 0
      }
      return
    default: {
      const f = unaryFns[op]
      for (let i = 0; i < n; i++) out[i] = f(x[i]!)
    }
  }
}

export const binaryFns: { readonly [P in BinaryOp]: (a: number, b: number) => number } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: Math.max,
  minimum: Math.min,
  atan2: Math.atan2,
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
}

/** One strided row: out[o + i] = op(a[ai + i·sa], b[bi + i·sb]) for i < len. */
const row = (op: BinaryOp, a: Buffer, ai: number, sa: number, b: Buffer, bi: number, sb: number, out: Buffer, o: number, len: number): void => {
  switch (op) {
    case 'add':
      for (let i = 0; i < len; i++, ai += sa, bi += sb) out[o + i] = a[ai]! + b[bi]!
      return
    case 'sub':
      for (let i = 0; i < len; i++, ai += sa, bi += sb) out[o + i] = a[ai]! - b[bi]!
      return
    case 'mul':
      for (let i = 0; i < len; i++, ai += sa, bi += sb) out[o + i] = a[ai]! * b[bi]!
      return
    case 'div':
      for (let i = 0; i < len; i++, ai += sa, bi += sb) out[o + i] = a[ai]! / b[bi]!
      return
    default: {
      const f = binaryFns[op]
      for (let i = 0; i < len; i++, ai += sa, bi += sb) out[o + i] = f(a[ai]!, b[bi]!)
    }
  }
}

/**
 * Calls `body(offsets…, outOffset)` once per output row (all axes but the last), tracking each
 * operand's offset through its strides with an odometer.
 */
const forEachRow = (shape: Shape, operands: ReadonlyArray<Strided>, body: (offsets: Int32Array | number[], o: number, len: number) => void): void => {
  const rank = shape.length
  const len = rank === 0 ? 1 : shape[rank - 1]!
  const rows = rank <= 1 ? 1 : shape.slice(0, rank - 1).reduce((p, d) => p * d, 1)
  if (len === 0 || rows === 0) return
  const k = operands.length
  const offs = operands.map((s) => s.offset)
  const idx = new Array<number>(Math.max(rank - 1, 0)).fill(0)
  for (let r = 0; r < rows; r++) {
    body(offs, r * len, len)
    // advance the odometer over axes rank-2 … 0
    for (let ax = rank - 2; ax >= 0; ax--) {
      const n = shape[ax]!
      if (++idx[ax]! < n) {
        for (let j = 0; j < k; j++) offs[j]! += operands[j]!.strides[ax]!
        break
      }
      idx[ax] = 0
      for (let j = 0; j < k; j++) offs[j]! -= (n - 1) * operands[j]!.strides[ax]!
    }
  }
}

const lastStride = (s: Strided, rank: number): number => (rank === 0 ? 0 : s.strides[rank - 1]!)

export const binary = (op: BinaryOp, a: Strided, b: Strided, shape: Shape, out: Buffer): void => {
  const rank = shape.length
  const sa = lastStride(a, rank)
  const sb = lastStride(b, rank)
  if (isContiguous(a, shape) && isContiguous(b, shape)) {
    row(op, a.data, a.offset, 1, b.data, b.offset, 1, out, 0, out.length)
    return
  }
  forEachRow(shape, [a, b], (offs, o, len) => row(op, a.data, offs[0]!, sa, b.data, offs[1]!, sb, out, o, len))
}

export const where = (cond: Strided, a: Strided, b: Strided, shape: Shape, out: Buffer): void => {
  const rank = shape.length
  const sc = lastStride(cond, rank)
  const sa = lastStride(a, rank)
  const sb = lastStride(b, rank)
  const c = cond.data
  const x = a.data
  const y = b.data
  forEachRow(shape, [cond, a, b], (offs, o, len) => {
    let ci = offs[0]!
    let ai = offs[1]!
    let bi = offs[2]!
    for (let i = 0; i < len; i++, ci += sc, ai += sa, bi += sb) out[o + i] = c[ci] !== 0 ? x[ai]! : y[bi]!
  })
}

/** True when the operand is read in plain row-major order over `shape`. */
const isContiguous = (s: Strided, shape: Shape): boolean => {
  let expect = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!
    if (d !== 1 && s.strides[i] !== expect) return false
    expect *= d
  }
  return true
}
