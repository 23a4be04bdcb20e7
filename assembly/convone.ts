// Convolutions whose input has one channel (the first layer of an image network).
//
// With one input channel, the column matrix of im2col has only kH·kW columns, too few to keep a
// product's tiles busy. Here each image is copied once into a zero-bordered scratch (so that no
// tap needs a bounds check), and the sums are kept in registers:
// - conv2dOneChannel: out[p, o] = Σ over taps in order of x[p's cell under tap] · w[tap, o], four
//   pixels × eight (or four) channels at a time; each product and sum rounded to float32 (fused
//   in the relaxed-SIMD build), as conv2dGemm sums them;
// - conv2dBackFilterOneChannel: dw[tap, o] = Σ over output pixels p of x[p's cell under tap] ·
//   dy[p, o], three taps × eight (or four) channels at a time while walking the output pixels a
//   few rows at a time (their dy rows stay in L1). Each sum is float32, over the pixels in order:
//   within the float32 dot-product bound of the other convolution kernels.
//
// `spec` points at the 15 int32 fields of the TypeScript Conv2dSpec (see assembly/conv.ts).

import { madd } from './gemm'

// @ts-ignore: decorator
@inline
function field(spec: usize, i: i32): i32 {
  return load<i32>(spec + (<usize>i << 2))
}

/** Output rows per block: their dy rows are walked once per tap chunk and channel block. */
const ROWS: i32 = 4

/**
 * dw (kH·kW × outC, overwritten) = the filter gradient for an input of one channel; outC must be
 * a multiple of 4. `scratch` holds the zero-bordered image:
 * ((outH − 1)·strideH + (kH − 1)·dilationH + 1) × ((outW − 1)·strideW + (kW − 1)·dilationW + 1) floats.
 */
export function conv2dBackFilterOneChannel(x: usize, dy: usize, dw: usize, spec: usize, scratch: usize): void {
  const batch = field(spec, 0), inH = field(spec, 1), inW = field(spec, 2)
  const outH = field(spec, 4), outW = field(spec, 5), O = field(spec, 6)
  const kH = field(spec, 7), kW = field(spec, 8)
  const sH = field(spec, 9), sW = field(spec, 10), dH = field(spec, 11), dW = field(spec, 12)
  const pT = field(spec, 13), pL = field(spec, 14)
  const Hp = (outH - 1) * sH + (kH - 1) * dH + 1, Wp = (outW - 1) * sW + (kW - 1) * dW + 1
  const T = kH * kW
  memory.fill(scratch, 0, (<usize>Hp * <usize>Wp) << 2)
  memory.fill(dw, 0, (<usize>T * <usize>O) << 2)
  const pixelStep = <usize>sW << 2
  const rowStep = <usize>(sH * Wp) << 2
  const dyPixel = <usize>O << 2
  for (let n = 0; n < batch; n++) {
    border(x + ((<usize>n * <usize>inH * <usize>inW) << 2), scratch, inH, inW, pT, pL, Hp, Wp)
    const dyImg = dy + ((<usize>n * <usize>outH * <usize>outW * <usize>O) << 2)
    for (let oh0 = 0; oh0 < outH; oh0 += ROWS) {
      const oh1 = min(outH, oh0 + ROWS)
      for (let t = 0; t < T; t += 3) {
        // three taps' offsets into the bordered image (a missing third or second tap repeats the first; its sums are dropped)
        const k1 = min(t + 1, T - 1), k2 = min(t + 2, T - 1)
        const q0 = <usize>(((t / kW) * dH * Wp + (t % kW) * dW)) << 2
        const q1 = <usize>(((k1 / kW) * dH * Wp + (k1 % kW) * dW)) << 2
        const q2 = <usize>(((k2 / kW) * dH * Wp + (k2 % kW) * dW)) << 2
        const w0 = dw + ((<usize>t * <usize>O) << 2)
        const w1 = dw + ((<usize>k1 * <usize>O) << 2)
        const w2 = dw + ((<usize>k2 * <usize>O) << 2)
        const n2 = T - t
        let o = 0
        for (; o + 8 <= O; o += 8) {
          const ob = <usize>o << 2
          let a0 = v128.load(w0 + ob), b0 = v128.load(w0 + ob + 16)
          let a1 = n2 > 1 ? v128.load(w1 + ob) : f32x4.splat(0), b1 = n2 > 1 ? v128.load(w1 + ob + 16) : f32x4.splat(0)
          let a2 = n2 > 2 ? v128.load(w2 + ob) : f32x4.splat(0), b2 = n2 > 2 ? v128.load(w2 + ob + 16) : f32x4.splat(0)
          for (let oh = oh0; oh < oh1; oh++) {
            let xp = scratch + <usize>oh * rowStep
            let d = dyImg + ((<usize>(oh * outW) * <usize>O) << 2) + ob
            for (let ow = 0; ow < outW; ow++, xp += pixelStep, d += dyPixel) {
              const g0 = v128.load(d), g1 = v128.load(d + 16)
              const x0 = v128.load32_splat(xp + q0)
              a0 = madd(x0, g0, a0)
              b0 = madd(x0, g1, b0)
              const x1 = v128.load32_splat(xp + q1)
              a1 = madd(x1, g0, a1)
              b1 = madd(x1, g1, b1)
              const x2 = v128.load32_splat(xp + q2)
              a2 = madd(x2, g0, a2)
              b2 = madd(x2, g1, b2)
            }
          }
          v128.store(w0 + ob, a0)
          v128.store(w0 + ob + 16, b0)
          if (n2 > 1) {
            v128.store(w1 + ob, a1)
            v128.store(w1 + ob + 16, b1)
          }
          if (n2 > 2) {
            v128.store(w2 + ob, a2)
            v128.store(w2 + ob + 16, b2)
          }
        }
        for (; o < O; o += 4) {
          const ob = <usize>o << 2
          let a0 = v128.load(w0 + ob)
          let a1 = n2 > 1 ? v128.load(w1 + ob) : f32x4.splat(0)
          let a2 = n2 > 2 ? v128.load(w2 + ob) : f32x4.splat(0)
          for (let oh = oh0; oh < oh1; oh++) {
            let xp = scratch + <usize>oh * rowStep
            let d = dyImg + ((<usize>(oh * outW) * <usize>O) << 2) + ob
            for (let ow = 0; ow < outW; ow++, xp += pixelStep, d += dyPixel) {
              const g0 = v128.load(d)
              a0 = madd(v128.load32_splat(xp + q0), g0, a0)
              a1 = madd(v128.load32_splat(xp + q1), g0, a1)
              a2 = madd(v128.load32_splat(xp + q2), g0, a2)
            }
          }
          v128.store(w0 + ob, a0)
          if (n2 > 1) v128.store(w1 + ob, a1)
          if (n2 > 2) v128.store(w2 + ob, a2)
        }
      }
    }
  }
}

/** Copies image `img` (inH × inW) into the zero-bordered image at `dst` (Hp × Wp, its border already zero). */
// @ts-ignore: decorator
@inline
function border(img: usize, dst: usize, inH: i32, inW: i32, pT: i32, pL: i32, Hp: i32, Wp: i32): void {
  const r0 = max(0, pT), r1 = min(Hp, inH + pT)
  const c0 = max(0, pL), c1 = min(Wp, inW + pL)
  if (c1 > c0) for (let r = r0; r < r1; r++) {
    memory.copy(dst + ((<usize>(r * Wp + c0)) << 2), img + ((<usize>((r - pT) * inW + c0 - pL)) << 2), <usize>(c1 - c0) << 2)
  }
}

/**
 * out (images n0 … n1 − 1, from its first byte; overwritten) = the convolution of an input of
 * one channel with w (kH·kW × outC); outC must be a multiple of 4. `scratch` holds the
 * zero-bordered image (as for conv2dBackFilterOneChannel).
 */
export function conv2dOneChannel(x: usize, w: usize, out: usize, spec: usize, n0: i32, n1: i32, scratch: usize): void {
  const inH = field(spec, 1), inW = field(spec, 2)
  const outH = field(spec, 4), outW = field(spec, 5), O = field(spec, 6)
  const kH = field(spec, 7), kW = field(spec, 8)
  const sH = field(spec, 9), sW = field(spec, 10), dH = field(spec, 11), dW = field(spec, 12)
  const pT = field(spec, 13), pL = field(spec, 14)
  const Hp = (outH - 1) * sH + (kH - 1) * dH + 1, Wp = (outW - 1) * sW + (kW - 1) * dW + 1
  memory.fill(scratch, 0, (<usize>Hp * <usize>Wp) << 2)
  const ps = <usize>sW << 2
  const rowStep = <usize>(sH * Wp) << 2
  const tapRow = <usize>(dH * Wp) << 2
  const tapCol = <usize>dW << 2
  const wTap = <usize>O << 2
  const ow4 = outW & ~3
  for (let n = n0; n < n1; n++) {
    border(x + ((<usize>n * <usize>inH * <usize>inW) << 2), scratch, inH, inW, pT, pL, Hp, Wp)
    const outImg = out + ((<usize>(n - n0) * <usize>outH * <usize>outW * <usize>O) << 2)
    for (let oh = 0; oh < outH; oh++) {
      const xRow = scratch + <usize>oh * rowStep
      const oRow = outImg + ((<usize>(oh * outW) * <usize>O) << 2)
      let o = 0
      for (; o + 8 <= O; o += 8) {
        const ob = <usize>o << 2
        let ow = 0
        for (; ow < ow4; ow += 4) {
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0)
          let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0)
          let wp = w + ob
          const xp = xRow + <usize>ow * ps
          for (let kh = 0; kh < kH; kh++) {
            let xt = xp + <usize>kh * tapRow
            for (let kw = 0; kw < kW; kw++, xt += tapCol, wp += wTap) {
              const w0 = v128.load(wp), w1 = v128.load(wp + 16)
              let v = v128.load32_splat(xt)
              a0 = madd(v, w0, a0)
              b0 = madd(v, w1, b0)
              v = v128.load32_splat(xt + ps)
              a1 = madd(v, w0, a1)
              b1 = madd(v, w1, b1)
              v = v128.load32_splat(xt + 2 * ps)
              a2 = madd(v, w0, a2)
              b2 = madd(v, w1, b2)
              v = v128.load32_splat(xt + 3 * ps)
              a3 = madd(v, w0, a3)
              b3 = madd(v, w1, b3)
            }
          }
          const op = oRow + ((<usize>ow * <usize>O) << 2) + ob
          v128.store(op, a0)
          v128.store(op + 16, b0)
          v128.store(op + wTap, a1)
          v128.store(op + wTap + 16, b1)
          v128.store(op + 2 * wTap, a2)
          v128.store(op + 2 * wTap + 16, b2)
          v128.store(op + 3 * wTap, a3)
          v128.store(op + 3 * wTap + 16, b3)
        }
        for (; ow < outW; ow++) {
          let a0 = f32x4.splat(0), b0 = f32x4.splat(0)
          let wp = w + ob
          const xp = xRow + <usize>ow * ps
          for (let kh = 0; kh < kH; kh++) {
            let xt = xp + <usize>kh * tapRow
            for (let kw = 0; kw < kW; kw++, xt += tapCol, wp += wTap) {
              const v = v128.load32_splat(xt)
              a0 = madd(v, v128.load(wp), a0)
              b0 = madd(v, v128.load(wp + 16), b0)
            }
          }
          const op = oRow + ((<usize>ow * <usize>O) << 2) + ob
          v128.store(op, a0)
          v128.store(op + 16, b0)
        }
      }
      for (; o < O; o += 4) {
        const ob = <usize>o << 2
        for (let ow = 0; ow < outW; ow++) {
          let a0 = f32x4.splat(0)
          let wp = w + ob
          const xp = xRow + <usize>ow * ps
          for (let kh = 0; kh < kH; kh++) {
            let xt = xp + <usize>kh * tapRow
            for (let kw = 0; kw < kW; kw++, xt += tapCol, wp += wTap) a0 = madd(v128.load32_splat(xt), v128.load(wp), a0)
          }
          v128.store(oRow + ((<usize>ow * <usize>O) << 2) + ob, a0)
        }
      }
    }
  }
}
