/**
 * Neighbouring floating-point values, found by exact bit manipulation, so that samplers can
 * keep results inside half-open intervals after rounding.
 * @internal
 */

const f64 = new Float64Array(1)
const i64 = new BigInt64Array(f64.buffer)
const f32 = new Float32Array(1)
const i32 = new Int32Array(f32.buffer)

/** The largest double strictly below a finite x. @internal */
export const prevDouble = (x: number): number => {
  if (x === 0) return -Number.MIN_VALUE
  f64[0] = x
  i64[0] = x > 0 ? i64[0]! - 1n : i64[0]! + 1n
  return f64[0]!
}

/** The largest float32 strictly below a finite x. @internal */
export const float32Below = (x: number): number => {
  const f = Math.fround(x)
  if (f < x) return f
  if (f === 0) return -1.401298464324817e-45
  f32[0] = f
  i32[0] = f > 0 ? i32[0]! - 1 : i32[0]! + 1
  return f32[0]!
}

/** The smallest float32 at or above a finite x. @internal */
export const float32AtOrAbove = (x: number): number => {
  const f = Math.fround(x)
  if (f >= x) return f
  if (f === 0) return 1.401298464324817e-45
  f32[0] = f
  i32[0] = f > 0 ? i32[0]! + 1 : i32[0]! - 1
  return f32[0]!
}

/** Largest finite float32. @internal */
export const F32_MAX = 3.4028234663852886e38
