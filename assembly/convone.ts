// The filter gradient of a convolution whose input has one channel (the first layer of an image
// network): dw[tap, o] = Σ over output pixels p of x[p's cell under tap] · dy[p, o].
//
// With one input channel, the column matrix of im2col has only kH·kW columns, too few to keep a
// product's tiles busy. Here each image is copied once into a zero-bordered scratch (so that no
// tap needs a bounds check), and three taps × eight (or four) output channels are accumulated in
// registers while walking the output pixels a few rows at a time (their dy rows stay in L1).
// Each sum is float32, over the pixels in order: within the float32 dot-product bound of the
// other convolution kernels.
//
// `spec` points at the 15 int32 fields of the TypeScript Conv2dSpec (see assembly/conv.ts).

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
  // the input rows and columns that land inside the bordered image
  const r0 = max(0, pT), r1 = min(Hp, inH + pT)
  const c0 = max(0, pL), c1 = min(Wp, inW + pL)
  const pixelStep = <usize>sW << 2
  const rowStep = <usize>(sH * Wp) << 2
  const dyPixel = <usize>O << 2
  for (let n = 0; n < batch; n++) {
    const img = x + ((<usize>n * <usize>inH * <usize>inW) << 2)
    if (c1 > c0) for (let r = r0; r < r1; r++) {
      memory.copy(scratch + ((<usize>(r * Wp + c0)) << 2), img + ((<usize>((r - pT) * inW + c0 - pL)) << 2), <usize>(c1 - c0) << 2)
    }
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
              a0 = f32x4.add(a0, f32x4.mul(x0, g0))
              b0 = f32x4.add(b0, f32x4.mul(x0, g1))
              const x1 = v128.load32_splat(xp + q1)
              a1 = f32x4.add(a1, f32x4.mul(x1, g0))
              b1 = f32x4.add(b1, f32x4.mul(x1, g1))
              const x2 = v128.load32_splat(xp + q2)
              a2 = f32x4.add(a2, f32x4.mul(x2, g0))
              b2 = f32x4.add(b2, f32x4.mul(x2, g1))
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
              a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xp + q0), g0))
              a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(xp + q1), g0))
              a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(xp + q2), g0))
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
