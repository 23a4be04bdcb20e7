/**
 * Scalar special functions with full float64 accuracy, for kernels that JavaScript's `Math`
 * lacks. @internal
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126

/**
 * The error function, within a few ulps (relative error below 5e-16).
 * |x| < 3: erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1))  (positive terms, no cancellation);
 * 3 ≤ |x| < 6: 1 − erfc(x), erfc by its continued fraction (modified Lentz);
 * |x| ≥ 6: ±1 (erfc(6) ≈ 2e−17).
 */
export const erf = (x: number): number => {
  if (Number.isNaN(x)) return x
  const a = Math.abs(x)
  if (a >= 6) return x > 0 ? 1 : -1
  if (a < 3) {
    const x2 = x * x
    let term = x
    let sum = x
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1)
      sum += term
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum
  }
  return x > 0 ? 1 - erfcLarge(a) : erfcLarge(a) - 1
}

/** erfc(a) for a ≥ 3: e^(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + …)))), by modified Lentz. */
const erfcLarge = (a: number): number => {
  // erfc(a) = e^(−a²)/√π · K, K = 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + …)))))
  const tiny = 1e-300
  let f = a
  let c = a
  let d = 0
  for (let n = 1; n < 300; n++) {
    const an = n / 2
    d = a + an * d
    d = Math.abs(d) < tiny ? tiny : d
    c = a + an / c
    c = Math.abs(c) < tiny ? tiny : c
    d = 1 / d
    const delta = c * d
    f *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return Math.exp(-a * a) / (1.7724538509055159 * f)
}
