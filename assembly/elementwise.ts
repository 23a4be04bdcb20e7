// float32 elementwise maps (WebAssembly SIMD).
//
// Every op here gives the same bits as the plain TypeScript kernel, which computes in float64 and
// rounds once on store: +, −, ×, ÷ and √ of float32 values rounded once to float32 equal the
// float64 result rounded to float32 (double rounding is innocuous for these when 53 ≥ 2·24 + 2),
// and the other ops are exact or are computed here in float64 with the TypeScript formula. The
// exceptions are `exp` and `sigmoid`, whose float64 exponential is a polynomial (relative error
// below 1e-15, so the float32 result is within one ulp of Math.exp's, and almost always equal).

export const ADD: i32 = 0
export const SUB: i32 = 1
export const MUL: i32 = 2
export const DIV: i32 = 3
export const MAXIMUM: i32 = 4
export const MINIMUM: i32 = 5
export const EQUAL: i32 = 6
export const NOT_EQUAL: i32 = 7
export const LESS: i32 = 8
export const LESS_EQUAL: i32 = 9
export const GREATER: i32 = 10
export const GREATER_EQUAL: i32 = 11

// @ts-ignore: decorator
@inline
function bin(op: i32, a: v128, b: v128): v128 {
  const one = f32x4.splat(1)
  switch (op) {
    case ADD: return f32x4.add(a, b)
    case SUB: return f32x4.sub(a, b)
    case MUL: return f32x4.mul(a, b)
    case DIV: return f32x4.div(a, b)
    // IEEE 754-2019, as Math.max/Math.min: NaN propagates, −0 < +0
    case MAXIMUM: return f32x4.max(a, b)
    case MINIMUM: return f32x4.min(a, b)
    case EQUAL: return v128.and(f32x4.eq(a, b), one)
    case NOT_EQUAL: return v128.and(f32x4.ne(a, b), one)
    case LESS: return v128.and(f32x4.lt(a, b), one)
    case LESS_EQUAL: return v128.and(f32x4.le(a, b), one)
    case GREATER: return v128.and(f32x4.gt(a, b), one)
    default: return v128.and(f32x4.ge(a, b), one)
  }
}

// @ts-ignore: decorator
@inline
function bin1(op: i32, a: f32, b: f32): f32 {
  return f32x4.extract_lane(bin(op, f32x4.splat(a), f32x4.splat(b)), 0)
}

/**
 * out[i] = op(a[i·sa], b[i·sb]) for i < n, where sa, sb ∈ {0, 1} (0: one value broadcast).
 */
// @ts-ignore: decorator
@inline
function binRun(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  const n4 = n & ~3
  let i = 0
  if (sa != 0 && sb != 0) {
    for (; i < n4; i += 4) {
      const o = <usize>i << 2
      v128.store(out + o, bin(op, v128.load(a + o), v128.load(b + o)))
    }
  } else if (sa != 0) {
    const vb = v128.load32_splat(b)
    for (; i < n4; i += 4) {
      const o = <usize>i << 2
      v128.store(out + o, bin(op, v128.load(a + o), vb))
    }
  } else if (sb != 0) {
    const va = v128.load32_splat(a)
    for (; i < n4; i += 4) {
      const o = <usize>i << 2
      v128.store(out + o, bin(op, va, v128.load(b + o)))
    }
  } else {
    const v = bin1(op, load<f32>(a), load<f32>(b))
    for (; i < n; i++) store<f32>(out + (<usize>i << 2), v)
    return
  }
  for (; i < n; i++) {
    const o = <usize>i << 2
    store<f32>(out + o, bin1(op, load<f32>(a + o * <usize>sa), load<f32>(b + o * <usize>sb)))
  }
}

/**
 * A broadcasting binary op over `rows` × `len` outputs (out is contiguous). Each operand moves by
 * `xRow` elements per row and `xCol` ∈ {0, 1} per column: (len, 1) is a full operand, (0, 1) a
 * row vector repeated on every row, (1, 0) a column vector (one value per row), (0, 0) a scalar.
 */
// @ts-ignore: decorator
@inline
function binRows(op: i32, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, out: usize, rows: i32, len: i32): void {
  for (let r = 0; r < rows; r++) {
    binRun(op, a, aCol, b, bCol, out, len)
    a += <usize>aRow << 2
    b += <usize>bRow << 2
    out += <usize>len << 2
  }
}

/** See binRows; `op` is one of the constants above. */
export function binary(op: i32, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, out: usize, rows: i32, len: i32): void {
  switch (op) {
    case ADD: binRows(ADD, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case SUB: binRows(SUB, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case MUL: binRows(MUL, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case DIV: binRows(DIV, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case MAXIMUM: binRows(MAXIMUM, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case MINIMUM: binRows(MINIMUM, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case EQUAL: binRows(EQUAL, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case NOT_EQUAL: binRows(NOT_EQUAL, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case LESS: binRows(LESS, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case LESS_EQUAL: binRows(LESS_EQUAL, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case GREATER: binRows(GREATER, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    default: binRows(GREATER_EQUAL, a, aRow, aCol, b, bRow, bCol, out, rows, len)
  }
}

// ---- unary --------------------------------------------------------------------------------

export const NEG: i32 = 0
export const ABS: i32 = 1
export const RELU: i32 = 2
export const SQUARE: i32 = 3
export const SQRT: i32 = 4
export const RSQRT: i32 = 5
export const RECIPROCAL: i32 = 6
export const EXP: i32 = 7
export const SIGMOID: i32 = 8
export const FLOOR: i32 = 9
export const CEIL: i32 = 10
export const SIGN: i32 = 11
export const IS_FINITE: i32 = 12
export const IS_NAN: i32 = 13

const LOG2E: f64 = 1.4426950408889634
const LN2_HI: f64 = 6.93147180369123816490e-1
const LN2_LO: f64 = 1.90821492927058770002e-10

/**
 * eˣ for two float64 lanes, for arguments that come from float32 values: x is clamped to
 * [−120, 100] (beyond float32's range either way), reduced as x = n·ln 2 + r with |r| ≤ ln2/2
 * (Cody–Waite, two-part ln 2), and e^r is its Taylor polynomial to degree 13 (truncation
 * error below 1e-16). NaN stays NaN.
 */
// @ts-ignore: decorator
@inline
function exp2x(x: v128): v128 {
  x = f64x2.min(f64x2.max(x, f64x2.splat(-120)), f64x2.splat(100))
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(LOG2E)))
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(n, f64x2.splat(LN2_HI))), f64x2.mul(n, f64x2.splat(LN2_LO)))
  let p = f64x2.splat(1.0 / 6227020800.0)
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 479001600.0))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 39916800.0))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 3628800.0))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 362880.0))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 40320.0))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040.0))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720.0))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120.0))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24.0))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6.0))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0))
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0))
  // 2ⁿ from the exponent bits; NaN lanes give n = 0 (saturating), and p is NaN there anyway
  const ni = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n))
  const scale = i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52)
  return f64x2.mul(p, scale)
}

/** JS: v ≥ 0 ? 1 / (1 + e^−v) : e^v / (1 + e^v), in float64. */
// @ts-ignore: decorator
@inline
function sigmoid2x(v: v128): v128 {
  const one = f64x2.splat(1)
  const pos = f64x2.ge(v, f64x2.splat(0))
  const e = exp2x(v128.bitselect(f64x2.neg(v), v, pos))
  const d = f64x2.add(one, e)
  return v128.bitselect(f64x2.div(one, d), f64x2.div(e, d), pos)
}

/** Applies a float64 map to four float32 lanes: promote each half, map, demote, rejoin. */
// @ts-ignore: decorator
@inline
function via64(op: i32, v: v128): v128 {
  const lo = f64x2.promote_low_f32x4(v)
  const hi = f64x2.promote_low_f32x4(v128.shuffle<u32>(v, v, 2, 3, 0, 1))
  let rl: v128, rh: v128
  if (op == EXP) {
    rl = exp2x(lo)
    rh = exp2x(hi)
  } else if (op == SIGMOID) {
    rl = sigmoid2x(lo)
    rh = sigmoid2x(hi)
  } else {
    // RSQRT
    rl = f64x2.div(f64x2.splat(1), f64x2.sqrt(lo))
    rh = f64x2.div(f64x2.splat(1), f64x2.sqrt(hi))
  }
  return v128.shuffle<u32>(f32x4.demote_f64x2_zero(rl), f32x4.demote_f64x2_zero(rh), 0, 1, 4, 5)
}

// @ts-ignore: decorator
@inline
function un(op: i32, v: v128): v128 {
  const zero = f32x4.splat(0)
  const one = f32x4.splat(1)
  switch (op) {
    case NEG: return f32x4.neg(v)
    case ABS: return f32x4.abs(v)
    // JS: v > 0 ? v : v !== v ? v : 0
    case RELU: return v128.bitselect(v, zero, v128.or(f32x4.gt(v, zero), f32x4.ne(v, v)))
    case SQUARE: return f32x4.mul(v, v)
    case SQRT: return f32x4.sqrt(v)
    case RECIPROCAL: return f32x4.div(one, v)
    case FLOOR: return f32x4.floor(v)
    case CEIL: return f32x4.ceil(v)
    // JS: v > 0 ? 1 : v < 0 ? −1 : v (keeps ±0 and NaN)
    case SIGN: return v128.bitselect(one, v128.bitselect(f32x4.splat(-1), v, f32x4.lt(v, zero)), f32x4.gt(v, zero))
    // |v| < ∞ is false for ±∞ and NaN
    case IS_FINITE: return v128.and(f32x4.lt(f32x4.abs(v), f32x4.splat(Infinity)), one)
    case IS_NAN: return v128.and(f32x4.ne(v, v), one)
    default: return via64(op, v)
  }
}

// @ts-ignore: decorator
@inline
function unRun(op: i32, x: usize, out: usize, n: i32): void {
  const n4 = n & ~3
  let i = 0
  for (; i < n4; i += 4) {
    const o = <usize>i << 2
    v128.store(out + o, un(op, v128.load(x + o)))
  }
  if (i < n) {
    // the last 1–3 elements through one padded vector
    const t = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(0),
      0, load<f32>(x + (<usize>i << 2))),
      1, i + 1 < n ? load<f32>(x + (<usize>(i + 1) << 2)) : 0),
      2, i + 2 < n ? load<f32>(x + (<usize>(i + 2) << 2)) : 0)
    const r = un(op, t)
    store<f32>(out + (<usize>i << 2), f32x4.extract_lane(r, 0))
    if (i + 1 < n) store<f32>(out + (<usize>(i + 1) << 2), f32x4.extract_lane(r, 1))
    if (i + 2 < n) store<f32>(out + (<usize>(i + 2) << 2), f32x4.extract_lane(r, 2))
  }
}

/** out[i] = op(x[i]) for i < n; `op` is one of the unary constants above. */
export function unary(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case NEG: unRun(NEG, x, out, n); break
    case ABS: unRun(ABS, x, out, n); break
    case RELU: unRun(RELU, x, out, n); break
    case SQUARE: unRun(SQUARE, x, out, n); break
    case SQRT: unRun(SQRT, x, out, n); break
    case RSQRT: unRun(RSQRT, x, out, n); break
    case RECIPROCAL: unRun(RECIPROCAL, x, out, n); break
    case EXP: unRun(EXP, x, out, n); break
    case SIGMOID: unRun(SIGMOID, x, out, n); break
    case FLOOR: unRun(FLOOR, x, out, n); break
    case CEIL: unRun(CEIL, x, out, n); break
    case SIGN: unRun(SIGN, x, out, n); break
    case IS_FINITE: unRun(IS_FINITE, x, out, n); break
    default: unRun(IS_NAN, x, out, n)
  }
}
