/**
 * Deterministic elementary functions for the samplers.
 *
 * ECMAScript leaves `Math.log`, `Math.exp` and friends "implementation-approximated", so two
 * browsers may disagree in the last bit, and a sampler built on them would not give the same
 * numbers everywhere. The functions here are the classic fdlibm algorithms (Sun, 1993) written
 * with IEEE basic arithmetic (+ − × ÷, `Math.sqrt`) and exact bit manipulation only, so they
 * return the same double on every engine; fdlibm bounds their error below 1 ulp.
 * @internal
 */

// Reading and writing the two 32-bit halves of a double. The word order depends on the
// platform's endianness, found once here; the values read are the same everywhere.
const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)
f64[0] = 1
const HI = u32[1] === 0x3ff00000 ? 1 : 0
const LO = 1 - HI

/** High word (sign, exponent, top 20 mantissa bits) as a signed int32. @internal */
const highWord = (x: number): number => {
  f64[0] = x
  return u32[HI]! | 0
}

/** 2^k for an integer −1022 ≤ k ≤ 1023, built from its bits. @internal */
const pow2 = (k: number): number => {
  u32[HI] = (0x3ff00000 + (k << 20)) >>> 0
  u32[LO] = 0
  return f64[0]!
}

const ln2_hi = 6.93147180369123816490e-1 // 3fe62e42 fee00000
const ln2_lo = 1.90821492927058770002e-10 // 3dea39ef 35793c76
const two54 = 1.8014398509481984e16 // 43500000 00000000
const Lg1 = 6.666666666666735130e-1 // 3FE55555 55555593
const Lg2 = 3.999999999940941908e-1 // 3FD99999 9997FA04
const Lg3 = 2.857142874366239149e-1 // 3FD24924 94229359
const Lg4 = 2.222219843214978396e-1 // 3FCC71C5 1D8E78AF
const Lg5 = 1.818357216161805012e-1 // 3FC74664 96CB03DE
const Lg6 = 1.531383769920937332e-1 // 3FC39A09 D078C69F
const Lg7 = 1.479819860511658591e-1 // 3FC2F112 DF3E5244

/**
 * Natural logarithm, bit-for-bit the same on every engine (fdlibm `__ieee754_log`, error < 1 ulp).
 *
 * Writes x = 2^k·(1 + f) with √2/2 ≤ 1 + f < √2, then ln x = k·ln 2 + ln(1 + f) where
 * ln(1 + f) = 2s + s·R(s²), s = f / (2 + f), R a degree-14 minimax polynomial (Lg1…Lg7).
 * `log(0)` is −∞, `log(x < 0)` and `log(NaN)` are NaN, `log(∞)` is ∞.
 *
 * @example
 * assert.strictEqual(log(1), 0)
 * assert.ok(Math.abs(log(10) - 2.302585092994046) < 1e-15)
 * @category math
 */
export const log = (x: number): number => {
  f64[0] = x
  let hx = u32[HI]! | 0
  const lx = u32[LO]!
  let k = 0
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity
    if (hx < 0) return NaN
    k -= 54
    x *= two54
    f64[0] = x
    hx = u32[HI]! | 0
  }
  if (hx >= 0x7ff00000) return x + x
  k += (hx >> 20) - 1023
  hx &= 0x000fffff
  const i = (hx + 0x95f64) & 0x100000
  u32[HI] = (hx | (i ^ 0x3ff00000)) >>> 0 // normalise x or x/2; the low word is still x's
  x = f64[0]!
  k += i >> 20
  const f = x - 1.0
  if ((0x000fffff & (2 + hx)) < 3) {
    // -2^-20 <= f < 2^-20
    if (f === 0) {
      if (k === 0) return 0
      return k * ln2_hi + k * ln2_lo
    }
    const R = f * f * (0.5 - 0.33333333333333333 * f)
    if (k === 0) return f - R
    return k * ln2_hi - (R - k * ln2_lo - f)
  }
  const s = f / (2.0 + f)
  const dk = k
  const z = s * s
  let i2 = hx - 0x6147a
  const w = z * z
  const j = 0x6b851 - hx
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6))
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)))
  i2 |= j
  const R = t2 + t1
  if (i2 > 0) {
    const hfsq = 0.5 * f * f
    if (k === 0) return f - (hfsq - s * (hfsq + R))
    return dk * ln2_hi - (hfsq - (s * (hfsq + R) + dk * ln2_lo) - f)
  }
  if (k === 0) return f - s * (f - R)
  return dk * ln2_hi - (s * (f - R) - dk * ln2_lo - f)
}

const o_threshold = 7.09782712893383973096e2 // 0x40862E42 FEFA39EF
const u_threshold = -7.45133219101941108420e2 // 0xc0874910 D52D3051
const invln2 = 1.44269504088896338700 // 0x3ff71547 652b82fe
const twom1000 = 9.33263618503218878990e-302 // 2^-1000
const P1 = 1.66666666666666019037e-1 // 0x3FC55555 5555553E
const P2 = -2.77777777770155933842e-3 // 0xBF66C16C 16BEBD93
const P3 = 6.61375632143793436117e-5 // 0x3F11566A AF25DE2C
const P4 = -1.65339022054652515390e-6 // 0xBEBBBD41 C5D26BF1
const P5 = 4.13813679705723846039e-8 // 0x3E663769 72BEA4D0

/**
 * Exponential, bit-for-bit the same on every engine (fdlibm `__ieee754_exp`, error < 1 ulp).
 *
 * Reduces x = k·ln 2 + r with |r| ≤ ln 2 / 2, approximates e^r by a rational function of r
 * (P1…P5) and scales by 2^k.
 *
 * @example
 * assert.strictEqual(exp(0), 1)
 * assert.ok(Math.abs(exp(1) - Math.E) < 1e-15)
 * @category math
 */
export const exp = (x: number): number => {
  let hx = highWord(x)
  const xsb = hx >>> 31
  hx &= 0x7fffffff
  if (hx >= 0x40862e42) {
    // |x| >= 709.78…
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | u32[LO]!) !== 0) return x + x // NaN
      return xsb === 0 ? x : 0
    }
    if (x > o_threshold) return Infinity
    if (x < u_threshold) return 0
  }
  let hi = 0
  let lo = 0
  let k = 0
  if (hx > 0x3fd62e42) {
    // |x| > 0.5 ln2
    if (hx < 0x3ff0a2b2) {
      // and |x| < 1.5 ln2
      hi = xsb === 0 ? x - ln2_hi : x + ln2_hi
      lo = xsb === 0 ? ln2_lo : -ln2_lo
      k = 1 - xsb - xsb
    } else {
      k = (invln2 * x + (xsb === 0 ? 0.5 : -0.5)) | 0
      hi = x - k * ln2_hi // exact
      lo = k * ln2_lo
    }
    x = hi - lo
  } else if (hx < 0x3e300000) {
    // |x| < 2^-28
    return 1 + x
  }
  const t = x * x
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))))
  if (k === 0) return 1 - ((x * c) / (c - 2.0) - x)
  const y = 1 - (lo - (x * c) / (2.0 - c) - hi)
  if (k >= -1021) {
    if (k === 1024) return y * 2.0 * pow2(1023)
    return y * pow2(k)
  }
  return y * pow2(k + 1000) * twom1000
}

const erx = 8.45062911510467529297e-1
const pp0 = 1.28379167095512558561e-1
const pp1 = -3.25042107247001499370e-1
const pp2 = -2.84817495755985104766e-2
const pp3 = -5.77027029648944159157e-3
const pp4 = -2.37630166566501626084e-5
const qq1 = 3.97917223959155352819e-1
const qq2 = 6.50222499887672944485e-2
const qq3 = 5.08130628187576562776e-3
const qq4 = 1.32494738004321644526e-4
const qq5 = -3.96022827877536812320e-6
const pa0 = -2.36211856075265944077e-3
const pa1 = 4.14856118683748331666e-1
const pa2 = -3.72207876035701323847e-1
const pa3 = 3.18346619901161753674e-1
const pa4 = -1.10894694282396677476e-1
const pa5 = 3.54783043256182359371e-2
const pa6 = -2.16637559486879084300e-3
const qa1 = 1.06420880400844228286e-1
const qa2 = 5.40397917702171048937e-1
const qa3 = 7.18286544141962662868e-2
const qa4 = 1.26171219808761642112e-1
const qa5 = 1.36370839120290507362e-2
const qa6 = 1.19844998467991074170e-2
const ra0 = -9.86494403484714822705e-3
const ra1 = -6.93858572707181764372e-1
const ra2 = -1.05586262253232909814e1
const ra3 = -6.23753324503260060396e1
const ra4 = -1.62396669462573470355e2
const ra5 = -1.84605092906711035994e2
const ra6 = -8.12874355063065934246e1
const ra7 = -9.81432934416914548592
const sa1 = 1.96512716674392571292e1
const sa2 = 1.37657754143519042600e2
const sa3 = 4.34565877475229228821e2
const sa4 = 6.45387271733267880336e2
const sa5 = 4.29008140027567833386e2
const sa6 = 1.08635005541779435134e2
const sa7 = 6.57024977031928170135
const sa8 = -6.04244152148580987438e-2
const rb0 = -9.86494292470009928597e-3
const rb1 = -7.99283237680523006574e-1
const rb2 = -1.77579549177547519889e1
const rb3 = -1.60636384855821916062e2
const rb4 = -6.37566443368389627722e2
const rb5 = -1.02509513161107724954e3
const rb6 = -4.83519191608651397019e2
const sb1 = 3.03380607434824582924e1
const sb2 = 3.25792512996573918826e2
const sb3 = 1.53672958608443695994e3
const sb4 = 3.19985821950859553908e3
const sb5 = 2.55305040643316442583e3
const sb6 = 4.74528541206955367215e2
const sb7 = -2.24409524465858183362e1

/**
 * Complementary error function erfc(x) = 1 − erf(x) = (2/√π)∫ₓ^∞ e^(−t²) dt, bit-for-bit the same
 * on every engine (fdlibm `erfc`, accurate in the far right tail where 1 − erf(x) is not).
 *
 * @example
 * assert.strictEqual(erfc(0), 1)
 * assert.ok(Math.abs(erfc(1) - 0.15729920705028513) < 1e-16)
 * @category math
 */
export const erfc = (x: number): number => {
  const hx = highWord(x)
  const ix = hx & 0x7fffffff
  if (ix >= 0x7ff00000) {
    // erfc(NaN) = NaN, erfc(+∞) = 0, erfc(−∞) = 2
    return (hx < 0 ? 2 : 0) + 1 / x
  }
  if (ix < 0x3feb0000) {
    // |x| < 0.84375
    if (ix < 0x3c700000) return 1.0 - x // |x| < 2^-56
    const z = x * x
    const r = pp0 + z * (pp1 + z * (pp2 + z * (pp3 + z * pp4)))
    const s = 1.0 + z * (qq1 + z * (qq2 + z * (qq3 + z * (qq4 + z * qq5))))
    const y = r / s
    if (hx < 0x3fd00000) return 1.0 - (x + x * y) // x < 1/4
    return 0.5 - (x * y + (x - 0.5))
  }
  if (ix < 0x3ff40000) {
    // 0.84375 <= |x| < 1.25
    const s = Math.abs(x) - 1.0
    const P = pa0 + s * (pa1 + s * (pa2 + s * (pa3 + s * (pa4 + s * (pa5 + s * pa6)))))
    const Q = 1.0 + s * (qa1 + s * (qa2 + s * (qa3 + s * (qa4 + s * (qa5 + s * qa6)))))
    if (hx >= 0) return 1.0 - erx - P / Q
    return 1.0 + (erx + P / Q)
  }
  if (ix < 0x403c0000) {
    // |x| < 28
    const ax = Math.abs(x)
    const s = 1.0 / (ax * ax)
    let R: number
    let S: number
    if (ix < 0x4006db6d) {
      // |x| < 1/0.35
      R = ra0 + s * (ra1 + s * (ra2 + s * (ra3 + s * (ra4 + s * (ra5 + s * (ra6 + s * ra7))))))
      S = 1.0 + s * (sa1 + s * (sa2 + s * (sa3 + s * (sa4 + s * (sa5 + s * (sa6 + s * (sa7 + s * sa8)))))))
    } else {
      if (hx < 0 && ix >= 0x40180000) return 2.0 // x < -6 (2 - tiny rounds to 2)
      R = rb0 + s * (rb1 + s * (rb2 + s * (rb3 + s * (rb4 + s * (rb5 + s * rb6)))))
      S = 1.0 + s * (sb1 + s * (sb2 + s * (sb3 + s * (sb4 + s * (sb5 + s * (sb6 + s * sb7))))))
    }
    f64[0] = ax
    u32[LO] = 0
    const z = f64[0]!
    const r = exp(-z * z - 0.5625) * exp((z - ax) * (z + ax) + R / S)
    if (hx > 0) return r / ax
    return 2.0 - r / ax
  }
  return hx > 0 ? 0 : 2.0
}

/**
 * Standard normal CDF Φ(x) = ½·erfc(−x/√2), accurate in both tails (relative error ≈ 1e-15 down
 * to Φ(−37) ≈ 6e-300), the same on every engine.
 *
 * @example
 * assert.strictEqual(normalCdf(0), 0.5)
 * assert.ok(Math.abs(normalCdf(-1.959963984540054) - 0.025) < 1e-16)
 * @category math
 */
export const normalCdf = (x: number): number => 0.5 * erfc(-x * Math.SQRT1_2)

// Wichura (1988), Algorithm AS 241, PPND16.
const A0 = 3.3871328727963666080
const A1 = 1.3314166789178437745e2
const A2 = 1.9715909503065514427e3
const A3 = 1.3731693765509461125e4
const A4 = 4.5921953931549871457e4
const A5 = 6.7265770927008700853e4
const A6 = 3.3430575583588128105e4
const A7 = 2.5090809287301226727e3
const B1 = 4.2313330701600911252e1
const B2 = 6.8718700749205790830e2
const B3 = 5.3941960214247511077e3
const B4 = 2.1213794301586595867e4
const B5 = 3.9307895800092710610e4
const B6 = 2.8729085735721942674e4
const B7 = 5.2264952788528545610e3
const C0 = 1.42343711074968357734
const C1 = 4.6303378461565452959
const C2 = 5.7694972214606914055
const C3 = 3.64784832476320460504
const C4 = 1.27045825245236838258
const C5 = 2.4178072517745061177e-1
const C6 = 2.27238449892691845833e-2
const C7 = 7.7454501427834140764e-4
const D1 = 2.05319162663775882187
const D2 = 1.6763848301838038494
const D3 = 6.8976733498510000455e-1
const D4 = 1.4810397642748007459e-1
const D5 = 1.51986665636164571966e-2
const D6 = 5.475938084995344946e-4
const D7 = 1.05075007164441684324e-9
const E0 = 6.6579046435011037772
const E1 = 5.4637849111641143699
const E2 = 1.7848265399172913358
const E3 = 2.9656057182850489123e-1
const E4 = 2.6532189526576123093e-2
const E5 = 1.2426609473880784386e-3
const E6 = 2.71155556874348757815e-5
const E7 = 2.01033439929228813265e-7
const F1 = 5.9983220655588793769e-1
const F2 = 1.3692988092273580531e-1
const F3 = 1.48753612908506148525e-2
const F4 = 7.868691311456132591e-4
const F5 = 1.8463183175100546818e-5
const F6 = 1.4215117583164458887e-7
const F7 = 2.04426310338993978564e-15

/**
 * Standard normal quantile Φ⁻¹(p) (Wichura's AS 241 `PPND16`, relative accuracy about 1e-16),
 * the same on every engine. `p = 0` gives −∞, `p = 1` gives ∞, anything outside [0, 1] NaN.
 *
 * Three rational approximations: in q = p − ½ for |q| ≤ 0.425, and in r = √(−ln min(p, 1 − p))
 * for r ≤ 5 and r > 5.
 *
 * @example
 * assert.strictEqual(normalQuantile(0.5), 0)
 * assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-15)
 * @category math
 */
export const normalQuantile = (p: number): number => {
  const q = p - 0.5
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q
    return (
      (q * (((((((A7 * r + A6) * r + A5) * r + A4) * r + A3) * r + A2) * r + A1) * r + A0)) /
      (((((((B7 * r + B6) * r + B5) * r + B4) * r + B3) * r + B2) * r + B1) * r + 1.0)
    )
  }
  let r = q < 0 ? p : 1.0 - p
  if (!(r > 0)) return r === 0 ? (q < 0 ? -Infinity : Infinity) : NaN
  r = Math.sqrt(-log(r))
  let v: number
  if (r <= 5) {
    r -= 1.6
    v =
      (((((((C7 * r + C6) * r + C5) * r + C4) * r + C3) * r + C2) * r + C1) * r + C0) /
      (((((((D7 * r + D6) * r + D5) * r + D4) * r + D3) * r + D2) * r + D1) * r + 1.0)
  } else {
    r -= 5
    v =
      (((((((E7 * r + E6) * r + E5) * r + E4) * r + E3) * r + E2) * r + E1) * r + E0) /
      (((((((F7 * r + F6) * r + F5) * r + F4) * r + F3) * r + F2) * r + F1) * r + 1.0)
  }
  return q < 0 ? -v : v
}
