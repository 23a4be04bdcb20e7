// float32 sums, maxima and minima over one contiguous block of axes (WebAssembly SIMD).
//
// The input is viewed as outer × mid × inner and reduced over mid: out[o, i] = ⊕_m x[o, m, i].
// Sums accumulate in float64 and are rounded once, like the TypeScript kernel. With inner > 1
// each output cell adds its inputs in the same order as that kernel (bit-identical); with
// inner = 1 (the last axes) eight float64 partial sums are kept, so the float32 result may
// differ from the sequential sum by the float64 rounding of the order (far below one float32
// ulp unless the sum cancels). max/min are exact, lane by lane, with the TypeScript rule
// `v > acc || v !== v` (NaN wins, the first of equal values stays).

/** The reduction op codes, named after the `ReduceOp` each computes (see `Binary` in elementwise.ts). */
export enum Reduce { sum, mean, max, min }

/**
 * Reduces x, viewed as outer × mid × inner, over mid into out (outer × inner); `op` is a `Reduce`
 * code, and any other value traps (`unreachable`). `scratch` holds 8·inner + 16 bytes.
 */
export function reduce(op: i32, x: usize, outer: i32, mid: i32, inner: i32, out: usize, scratch: usize): void {
  switch (op) {
    case Reduce.sum: sumMid(x, outer, mid, inner, out, scratch, 1); break
    case Reduce.mean: sumMid(x, outer, mid, inner, out, scratch, <f64>mid); break
    case Reduce.max: extremumMid(1, x, outer, mid, inner, out); break
    case Reduce.min: extremumMid(0, x, outer, mid, inner, out); break
    default: unreachable()
  }
}

/** Sums over mid, each divided by `divisor` (1 for sums, mid for means) before rounding; `scratch` holds 8·inner bytes (float64 accumulators). */
function sumMid(x: usize, outer: i32, mid: i32, inner: i32, out: usize, scratch: usize, divisor: f64): void {
  const acc = (scratch + 15) & ~15
  for (let o = 0; o < outer; o++) {
    if (inner == 1) {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0)
      const m8 = mid & ~7
      let m = 0
      for (; m < m8; m += 8) {
        const p = x + (<usize>m << 2)
        const v0 = v128.load(p)
        const v1 = v128.load(p, 16)
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0))
        a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<u32>(v0, v0, 2, 3, 0, 1)))
        a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1))
        a3 = f64x2.add(a3, f64x2.promote_low_f32x4(v128.shuffle<u32>(v1, v1, 2, 3, 0, 1)))
      }
      const t = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3))
      let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1)
      for (; m < mid; m++) s += <f64>load<f32>(x + (<usize>m << 2))
      store<f32>(out, <f32>(s / divisor))
      x += <usize>mid << 2
      out += 4
      continue
    }
    const i4 = inner & ~3
    memory.fill(acc, 0, <usize>inner << 3)
    for (let m = 0; m < mid; m++) {
      let i = 0
      for (; i < i4; i += 4) {
        const v = v128.load(x + (<usize>i << 2))
        const q = acc + (<usize>i << 3)
        v128.store(q, f64x2.add(v128.load(q), f64x2.promote_low_f32x4(v)))
        v128.store(q, f64x2.add(v128.load(q, 16), f64x2.promote_low_f32x4(v128.shuffle<u32>(v, v, 2, 3, 0, 1))), 16)
      }
      for (; i < inner; i++) {
        const q = acc + (<usize>i << 3)
        store<f64>(q, load<f64>(q) + <f64>load<f32>(x + (<usize>i << 2)))
      }
      x += <usize>inner << 2
    }
    for (let i = 0; i < inner; i++) store<f32>(out + (<usize>i << 2), <f32>(load<f64>(acc + (<usize>i << 3)) / divisor))
    out += <usize>inner << 2
  }
}

/** max (isMax ≠ 0) or min over mid, for inner ≥ 1; out is overwritten. */
function extremumMid(isMax: i32, x: usize, outer: i32, mid: i32, inner: i32, out: usize): void {
  const i4 = inner & ~3
  const init = isMax != 0 ? -Infinity : Infinity
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) store<f32>(out + (<usize>i << 2), <f32>init)
    for (let m = 0; m < mid; m++) {
      let i = 0
      for (; i < i4; i += 4) {
        const q = out + (<usize>i << 2)
        const v = v128.load(x + (<usize>i << 2))
        const a = v128.load(q)
        const win = v128.or(isMax != 0 ? f32x4.gt(v, a) : f32x4.lt(v, a), f32x4.ne(v, v))
        v128.store(q, v128.bitselect(v, a, win))
      }
      for (; i < inner; i++) {
        const q = out + (<usize>i << 2)
        const v = load<f32>(x + (<usize>i << 2))
        const a = load<f32>(q)
        if ((isMax != 0 ? v > a : v < a) || v != v) store<f32>(q, v)
      }
      x += <usize>inner << 2
    }
    out += <usize>inner << 2
  }
}
