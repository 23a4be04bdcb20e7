// float32 elementwise maps (WebAssembly SIMD).
//
// Every op here gives the same bits as the plain TypeScript kernel, which computes in float64 and
// rounds once on store: +, −, ×, ÷ and √ of float32 values rounded once to float32 equal the
// float64 result rounded to float32 (double rounding is innocuous for these when 53 ≥ 2·24 + 2),
// and the other ops are exact or are computed here in float64 with the TypeScript formula. The
// exceptions are `exp` and `sigmoid`, whose float64 exponential is a polynomial (relative error
// below 1e-15, so the float32 result is within one ulp of Math.exp's, and almost always equal).

/**
 * The binary op codes. Each member is named after the `BinaryOp` (src/kernels/Kernels.ts) it
 * computes: wasm/build.mjs reads these from the compiled module's exports and generates the
 * TypeScript op-code maps (src/kernels/wasm/generated/opcodes.ts) from them, so a member here is
 * all it takes for the TypeScript side to use the kernel. The values are arbitrary.
 */
export enum Binary { add, sub, mul, div, maximum, minimum, equal, notEqual, less, lessEqual, greater, greaterEqual }

// @ts-ignore: decorator
@inline
function bin(op: i32, a: v128, b: v128): v128 {
  const one = f32x4.splat(1)
  switch (op) {
    case Binary.add: return f32x4.add(a, b)
    case Binary.sub: return f32x4.sub(a, b)
    case Binary.mul: return f32x4.mul(a, b)
    case Binary.div: return f32x4.div(a, b)
    // IEEE 754-2019, as Math.max/Math.min: NaN propagates, −0 < +0
    case Binary.maximum: return f32x4.max(a, b)
    case Binary.minimum: return f32x4.min(a, b)
    case Binary.equal: return v128.and(f32x4.eq(a, b), one)
    case Binary.notEqual: return v128.and(f32x4.ne(a, b), one)
    case Binary.less: return v128.and(f32x4.lt(a, b), one)
    case Binary.lessEqual: return v128.and(f32x4.le(a, b), one)
    case Binary.greater: return v128.and(f32x4.gt(a, b), one)
    case Binary.greaterEqual: return v128.and(f32x4.ge(a, b), one)
    // `op` is a constant wherever this is inlined (see binary), so the switch folds away
    default: unreachable(); return a
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

/** See binRows; `op` is a `Binary` code, and any other value traps (`unreachable`). */
export function binary(op: i32, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, out: usize, rows: i32, len: i32): void {
  switch (op) {
    case Binary.add: binRows(Binary.add, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case Binary.sub: binRows(Binary.sub, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case Binary.mul: binRows(Binary.mul, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case Binary.div: binRows(Binary.div, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case Binary.maximum: binRows(Binary.maximum, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case Binary.minimum: binRows(Binary.minimum, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case Binary.equal: binRows(Binary.equal, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case Binary.notEqual: binRows(Binary.notEqual, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case Binary.less: binRows(Binary.less, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case Binary.lessEqual: binRows(Binary.lessEqual, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case Binary.greater: binRows(Binary.greater, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    case Binary.greaterEqual: binRows(Binary.greaterEqual, a, aRow, aCol, b, bRow, bCol, out, rows, len); break
    default: unreachable()
  }
}

// ---- unary --------------------------------------------------------------------------------

/** The unary op codes, named after the `UnaryOp` each computes (see `Binary`). */
export enum Unary { neg, abs, relu, square, sqrt, rsqrt, reciprocal, exp, sigmoid, floor, ceil, sign, isFinite, isNaN, erf }

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

const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126
/** Terms of the erf series: enough for |x| < 4, where the terms fall below 1e-17 of the sum. */
const ERF_TERMS: i32 = 80

/**
 * erf for two float64 lanes, for arguments that come from float32 values: for |x| < 4 the
 * series 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) (positive terms, no cancellation;
 * relative error about 1e-14); for |x| ≥ 4, ±1 (erfc(4) ≈ 1.5e-8 is below half a float32 ulp of
 * 1). The sign of x is kept (erf is odd); NaN stays NaN.
 */
// @ts-ignore: decorator
@inline
function erf2x(x: v128): v128 {
  const a = f64x2.abs(x)
  const twoA2 = f64x2.mul(f64x2.mul(a, a), f64x2.splat(2))
  let t = a
  let s = a
  for (let n = 0; n < ERF_TERMS; n++) {
    t = f64x2.mul(t, f64x2.mul(twoA2, f64x2.splat(1.0 / <f64>(2 * n + 3))))
    s = f64x2.add(s, t)
  }
  const series = f64x2.mul(f64x2.mul(s, exp2x(f64x2.mul(twoA2, f64x2.splat(-0.5)))), f64x2.splat(TWO_OVER_SQRT_PI))
  const r = v128.bitselect(f64x2.splat(1), series, f64x2.ge(a, f64x2.splat(4)))
  const sign = i64x2.splat(0x8000000000000000)
  return v128.or(v128.andnot(r, sign), v128.and(x, sign))
}

/** Applies a float64 map to four float32 lanes: promote each half, map, demote, rejoin. */
// @ts-ignore: decorator
@inline
function via64(op: i32, v: v128): v128 {
  const lo = f64x2.promote_low_f32x4(v)
  const hi = f64x2.promote_low_f32x4(v128.shuffle<u32>(v, v, 2, 3, 0, 1))
  let rl: v128, rh: v128
  if (op == Unary.exp) {
    rl = exp2x(lo)
    rh = exp2x(hi)
  } else if (op == Unary.sigmoid) {
    rl = sigmoid2x(lo)
    rh = sigmoid2x(hi)
  } else if (op == Unary.erf) {
    rl = erf2x(lo)
    rh = erf2x(hi)
  } else {
    // Unary.rsqrt (`un` sends only rsqrt, exp, sigmoid and erf here)
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
    case Unary.neg: return f32x4.neg(v)
    case Unary.abs: return f32x4.abs(v)
    // JS: v > 0 ? v : v !== v ? v : 0
    case Unary.relu: return v128.bitselect(v, zero, v128.or(f32x4.gt(v, zero), f32x4.ne(v, v)))
    case Unary.square: return f32x4.mul(v, v)
    case Unary.sqrt: return f32x4.sqrt(v)
    case Unary.reciprocal: return f32x4.div(one, v)
    case Unary.floor: return f32x4.floor(v)
    case Unary.ceil: return f32x4.ceil(v)
    // JS: v > 0 ? 1 : v < 0 ? −1 : v (keeps ±0 and NaN)
    case Unary.sign: return v128.bitselect(one, v128.bitselect(f32x4.splat(-1), v, f32x4.lt(v, zero)), f32x4.gt(v, zero))
    // |v| < ∞ is false for ±∞ and NaN
    case Unary.isFinite: return v128.and(f32x4.lt(f32x4.abs(v), f32x4.splat(Infinity)), one)
    case Unary.isNaN: return v128.and(f32x4.ne(v, v), one)
    case Unary.rsqrt:
    case Unary.exp:
    case Unary.sigmoid:
    case Unary.erf: return via64(op, v)
    // `op` is a constant wherever this is inlined (see unary), so the switch folds away
    default: unreachable(); return v
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

/** out[i] = op(x[i]) for i < n; `op` is a `Unary` code, and any other value traps (`unreachable`). */
export function unary(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case Unary.neg: unRun(Unary.neg, x, out, n); break
    case Unary.abs: unRun(Unary.abs, x, out, n); break
    case Unary.relu: unRun(Unary.relu, x, out, n); break
    case Unary.square: unRun(Unary.square, x, out, n); break
    case Unary.sqrt: unRun(Unary.sqrt, x, out, n); break
    case Unary.rsqrt: unRun(Unary.rsqrt, x, out, n); break
    case Unary.reciprocal: unRun(Unary.reciprocal, x, out, n); break
    case Unary.exp: unRun(Unary.exp, x, out, n); break
    case Unary.sigmoid: unRun(Unary.sigmoid, x, out, n); break
    case Unary.floor: unRun(Unary.floor, x, out, n); break
    case Unary.ceil: unRun(Unary.ceil, x, out, n); break
    case Unary.sign: unRun(Unary.sign, x, out, n); break
    case Unary.isFinite: unRun(Unary.isFinite, x, out, n); break
    case Unary.isNaN: unRun(Unary.isNaN, x, out, n); break
    case Unary.erf: unRun(Unary.erf, x, out, n); break
    default: unreachable()
  }
}
