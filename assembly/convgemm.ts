// NHWC convolution forward as an implicit matrix product: out (R × outC) = cols (R × K) · W (K × outC),
// where the column matrix of conv.ts's `im2col` is never written. Its row r (output pixel r) is
// the kH·kW taps of r's receptive field, each inC contiguous floats of the input (or zeros where
// the tap falls in the padding), so the micro-kernel reads A straight from the input through a
// table of MR pointers per run of contiguous taps (a filter row inside the image is one run of
// kW·inC floats when the dilation is 1), and only W is packed (once per call and CKC × NC block, in
// gemm.ts's panel layout).
//
// The table of runs is rebuilt for every MR output pixels. When the whole of K is one block (CKC),
// the runs are the kH filter rows and come straight from the coordinates: MR pointers sW·inC
// floats apart when the MR pixels lie in one output row, into the image when all their taps are
// inside it horizontally (most pixels of a padded convolution), else into a strip where the rows
// they read are copied with zeros for the padding; otherwise (pixels in two output rows, or
// fewer than MR) each pixel's pointer on its own, into the image or a copy of its taps. When K
// spans several blocks, they take the general path, pointer by pointer with runs merged where
// they continue (measured on conv2d 32×28×28×16 → 32, 3×3 'same', one thread: that table took
// 14% of the time, and the runs from the coordinates made the kernel 10% faster; for
// 64×28×28×1 → 16, where it was half the time, the strip made it 1.35× faster).
//
// The loops and the float32 operations per output element are those of `gemm` on the column
// matrix, with blocks of K of CKC rather than KC (jc by NC, pc by CKC, a sum from 0 over p in
// order per block, stored or added to C in block order; padding taps are multiplied as zeros,
// not skipped): for K ≤ KC the bits of im2col + gemm. Each output pixel's row is computed alike
// whatever the range [r0, r1) it falls in, so threads that take blocks of pixels, and calls
// that take chunks of pixels, give the bits of one call.

// @ts-nocheck: AssemblyScript source (compiled by asc, not tsc)
import { KC, MC, MR, NC, NR, madd, micro, packB, storeTile } from './gemm'

/** Bytes of one run of `conv2dGemm`'s table: MR pointers and a length. */
const SEG: i32 = (MR + 1) * 4

// @ts-ignore: decorator
@inline
function field(spec: usize, i: i32): i32 {
  return load<i32>(spec + (<usize>i << 2))
}

/**
 * The block of K whose packed W panels the micro-kernel streams: up to 512 (16 KiB per panel of
 * NR columns, beside the MR·512 floats of A it reads, within a 32 KiB L1), twice gemm's KC, so that
 * K = kH·kW·inC up to 512 (3×3 filters over up to 56 channels) is one block, the case of the runs
 * taken straight from the coordinates, with no partial sums to add (measured on 3×3 convolutions
 * with 32 input channels, K = 288, one thread: 1.05-1.1× faster than blocks of 256).
 */
export const CKC: i32 = 512

/**
 * Floats of the strip where `conv2dGemm` copies, for MR pixels at the left or right edge of the
 * image, the input rows they read with zeros for the padding, so that they too take one run per
 * filter row (up to 16 KiB: 3×3 filters over up to 170 channels at unit strides).
 */
const STRIP: i32 = 4096

/** Copies `bytes` bytes (a multiple of 4) from src to dst, 16 at a time. */
// @ts-ignore: decorator
@inline
function copy(dst: usize, src: usize, bytes: usize): void {
  let o: usize = 0
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, v128.load(src + o))
  for (; o < bytes; o += 4) store<f32>(dst + o, load<f32>(src + o))
}

/** Zeroes `bytes` bytes (a multiple of 4) at dst, 16 at a time. */
// @ts-ignore: decorator
@inline
function zero(dst: usize, bytes: usize): void {
  let o: usize = 0
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, i32x4.splat(0))
  for (; o < bytes; o += 4) store<f32>(dst + o, 0)
}

/** Bytes of scratch `conv2dGemm` needs for K = kH·kW·inC and outC output channels. */
export function conv2dGemmScratchBytes(K: i32, outC: i32, inC: i32): i32 {
  const kc = min(K, CKC)
  const nc = (min(outC, NC) + NR - 1) / NR * NR
  // packed W block, one edge tile, zeros (a tap or a filter row of them), the tap table (MR pointers per tap of a block), the runs (SEG bytes each), the strip, the pixels' copies of taps
  return (kc * nc + MR * NR + max(inC, kc) + (kc + 2) * MR + STRIP + MR * kc) * 4 + (kc + 2) * SEG + 64
}

/**
 * out[r, :] = Σ_p cols(r, p)·W(p, :) for output pixels r in [r0, r1) (out: row stride outC,
 * W: HWIO viewed as K × outC). `scratch` holds conv2dGemmScratchBytes(K, outC, inC) bytes.
 */
export function conv2dGemm(x: usize, w: usize, out: usize, spec: usize, r0: i32, r1: i32, scratch: usize): void {
  const inH = field(spec, 1), inW = field(spec, 2), inC = field(spec, 3)
  const outH = field(spec, 4), outW = field(spec, 5), O = field(spec, 6)
  const kH = field(spec, 7), kW = field(spec, 8)
  const sH = field(spec, 9), sW = field(spec, 10), dH = field(spec, 11), dW = field(spec, 12)
  const pT = field(spec, 13), pL = field(spec, 14)
  const K = kH * kW * inC
  if (r1 <= r0 || O <= 0) return
  if (K <= 0) {
    memory.fill(out + (<usize>(r0 * O) << 2), 0, <usize>((r1 - r0) * O) << 2)
    return
  }
  const kcMax = min(K, CKC)
  const ncMax = (min(O, NC) + NR - 1) / NR * NR
  const pb = (scratch + 15) & ~15
  const tmp = pb + (<usize>(kcMax * ncMax) << 2)
  const zeros = tmp + (<usize>(MR * NR) << 2)
  const tab = zeros + (<usize>max(inC, kcMax) << 2)
  const segs = tab + (<usize>((kcMax + 2) * MR) << 2)
  const strip = (segs + <usize>((kcMax + 2) * SEG) + 15) & ~15
  const pstrip = strip + (<usize>STRIP << 2)
  memory.fill(zeros, 0, <usize>max(inC, kcMax) << 2)
  // input pixels of a row that MR pixels of an output row read, and whether kH rows of them fit the strip
  const span = (MR - 1) * sW + (kW - 1) * dW + 1
  const strips = kH * span * inC <= STRIP
  const cb = <usize>inC << 2
  const ld = <usize>O << 2
  for (let jc = 0; jc < O; jc += NC) {
    const nc = min(NC, O - jc)
    for (let pc = 0; pc < K; pc += CKC) {
      const kc = min(CKC, K - pc)
      packB(w, O, 1, pc, kc, jc, nc, O, pb)
      const acc = pc > 0
      const whole = kc == K
      // taps t0 .. t1 (inclusive) hold this block's p; the first starts at channel c0
      const t0 = pc / inC
      const c0 = pc - t0 * inC
      const t1 = (pc + kc - 1) / inC
      const kh0 = t0 / kW
      const kw0 = t0 - kh0 * kW
      // the next pixel's coordinates, advanced pixel by pixel (no division per pixel or tap)
      let ow = r0 % outW
      let oh = (r0 / outW) % outH
      let img = x + <usize>(r0 / outW / outH) * <usize>inH * <usize>inW * cb
      for (let r = r0; r < r1; r += MR) {
        const rows = min(MR, r1 - r)
        let nseg = 0
        const iw0 = ow * sW - pL
        const inside = iw0 >= 0 && iw0 + span <= inW
        if (whole && rows == MR && ow + MR <= outW && (inside || strips)) {
          // the MR pixels lie in one output row: one run per filter row (per tap when the dilation
          // is not 1), the MR pointers sW·inC floats apart, into the image when every tap is inside
          // it horizontally, else into a copy of the row's span with zeros for the padding (the
          // same values); a filter row above or below the image is one run of zeros (kW·inC ≤ K floats)
          let g = segs
          const ps = <usize>sW * cb
          let ih = oh * sH - pT
          const jl = inside ? 0 : min(span, max(0, -iw0))
          const jr = inside ? span : max(jl, min(span, inW - iw0))
          for (let kh = 0; kh < kH; kh++) {
            if (ih >= 0 && ih < inH) {
              let a0 = img + <usize>(ih * inW + iw0) * cb
              if (!inside) {
                a0 = strip + <usize>(kh * span) * cb
                zero(a0, <usize>jl * cb)
                copy(a0 + <usize>jl * cb, img + <usize>(ih * inW + iw0 + jl) * cb, <usize>(jr - jl) * cb)
                zero(a0 + <usize>jr * cb, <usize>(span - jr) * cb)
              }
              for (let kw = 0; kw < kW; kw += dW == 1 ? kW : 1) {
                const a = a0 + <usize>(kw * dW) * cb
                store<usize>(g, a)
                store<usize>(g, a + ps, 4)
                store<usize>(g, a + 2 * ps, 8)
                store<usize>(g, a + 3 * ps, 12)
                store<i32>(g, dW == 1 ? kW * inC : inC, 16)
                g += SEG
                nseg++
              }
            } else {
              store<usize>(g, zeros)
              store<usize>(g, zeros, 4)
              store<usize>(g, zeros, 8)
              store<usize>(g, zeros, 12)
              store<i32>(g, kW * inC, 16)
              g += SEG
              nseg++
            }
            ih += dH
          }
          ow += MR
          if (ow == outW) {
            ow = 0
            if (++oh == outH) {
              oh = 0
              img += <usize>inH * <usize>inW * cb
            }
          }
        } else if (whole) {
          // pixels in two output rows, or fewer than MR: one run per filter row too, each pixel's
          // pointer on its own: into the image (unit dilation, every tap inside horizontally), else
          // into a copy of its kW taps with zeros for the padding (the same values), or the zeros
          // (a filter row above or below the image, or a pixel past r1)
          for (let kh = 0; kh < kH; kh++) store<i32>(segs + <usize>(kh * SEG), kW * inC, 16)
          nseg = kH
          for (let i = 0; i < MR; i++) {
            let g = segs + (<usize>i << 2)
            if (i < rows) {
              const iwp = ow * sW - pL
              const ins = dW == 1 && iwp >= 0 && iwp + kW <= inW
              let ih = oh * sH - pT
              for (let kh = 0; kh < kH; kh++) {
                let a = zeros
                if (ih >= 0 && ih < inH) {
                  const row = img + <usize>(ih * inW) * cb
                  if (ins) {
                    a = row + <usize>iwp * cb
                  } else {
                    a = pstrip + <usize>((i * kH + kh) * kW) * cb
                    let iw = iwp
                    for (let kw = 0; kw < kW; kw++) {
                      const d = a + <usize>kw * cb
                      if (iw >= 0 && iw < inW) copy(d, row + <usize>iw * cb, cb)
                      else zero(d, cb)
                      iw += dW
                    }
                  }
                }
                store<usize>(g, a)
                g += SEG
                ih += dH
              }
              if (++ow == outW) {
                ow = 0
                if (++oh == outH) {
                  oh = 0
                  img += <usize>inH * <usize>inW * cb
                }
              }
            } else {
              for (let kh = 0; kh < kH; kh++) {
                store<usize>(g, zeros)
                g += SEG
              }
            }
          }
        } else {
          // tab[(t − t0)·MR + i] = where tap t of pixel r + i starts (zeros outside the image or past r1)
          for (let i = 0; i < MR; i++) {
            let e = tab + (<usize>i << 2)
            if (i < rows) {
              let kh = kh0
              let kw = kw0
              let ih = oh * sH - pT + kh * dH
              const iw0 = ow * sW - pL
              let iw = iw0 + kw * dW
              for (let t = t0; t <= t1; t++) {
                store<usize>(e, ih >= 0 && ih < inH && iw >= 0 && iw < inW ? img + <usize>(ih * inW + iw) * cb : zeros)
                e += MR * 4
                if (++kw == kW) {
                  kw = 0
                  iw = iw0
                  kh++
                  ih += dH
                } else {
                  iw += dW
                }
              }
              if (++ow == outW) {
                ow = 0
                if (++oh == outH) {
                  oh = 0
                  img += <usize>inH * <usize>inW * cb
                }
              }
            } else {
              for (let t = t0; t <= t1; t++) {
                store<usize>(e, zeros)
                e += MR * 4
              }
            }
          }
          // segs: runs of p whose MR rows are contiguous in memory, [a0, a1, a2, a3, length] each: the
          // block's taps, the first from channel c0, with a tap merged into the run before it when all
          // MR rows continue where that run ends (the taps along a filter row, inside the image)
          {
            let e = tab
            let g = segs
            let c = c0
            let left = kc
            while (left > 0) {
              const len = min(inC - c, left)
              const off = <usize>c << 2
              const a0 = load<usize>(e) + off, a1 = load<usize>(e, 4) + off
              const a2 = load<usize>(e, 8) + off, a3 = load<usize>(e, 12) + off
              const prev = g - SEG
              const end = <usize>load<i32>(prev, 16) << 2
              if (nseg > 0 && load<usize>(prev) + end == a0 && load<usize>(prev, 4) + end == a1 && load<usize>(prev, 8) + end == a2 && load<usize>(prev, 12) + end == a3) {
                store<i32>(prev, load<i32>(prev, 16) + len, 16)
              } else {
                store<usize>(g, a0)
                store<usize>(g, a1, 4)
                store<usize>(g, a2, 8)
                store<usize>(g, a3, 12)
                store<i32>(g, len, 16)
                g += SEG
                nseg++
              }
              left -= len
              c = 0
              e += MR * 4
            }
          }
        }
        for (let jr = 0; jr < nc; jr += NR) {
          let bp = pb + (<usize>(jr * kc) << 2)
          let c00 = f32x4.splat(0), c01 = f32x4.splat(0)
          let c10 = f32x4.splat(0), c11 = f32x4.splat(0)
          let c20 = f32x4.splat(0), c21 = f32x4.splat(0)
          let c30 = f32x4.splat(0), c31 = f32x4.splat(0)
          let g = segs
          for (let k = 0; k < nseg; k++) {
            let a0 = load<usize>(g)
            let a1 = load<usize>(g, 4)
            let a2 = load<usize>(g, 8)
            let a3 = load<usize>(g, 12)
            const seg = load<i32>(g, 16)
            const end = bp + (<usize>(seg * NR) << 2)
            while (bp < end) {
              const b0 = v128.load(bp)
              const b1 = v128.load(bp, 16)
              let v = v128.load32_splat(a0)
              c00 = madd(v, b0, c00)
              c01 = madd(v, b1, c01)
              v = v128.load32_splat(a1)
              c10 = madd(v, b0, c10)
              c11 = madd(v, b1, c11)
              v = v128.load32_splat(a2)
              c20 = madd(v, b0, c20)
              c21 = madd(v, b1, c21)
              v = v128.load32_splat(a3)
              c30 = madd(v, b0, c30)
              c31 = madd(v, b1, c31)
              a0 += 4
              a1 += 4
              a2 += 4
              a3 += 4
              bp += NR * 4
            }
            g += SEG
          }
          storeTile(c00, c01, c10, c11, c20, c21, c30, c31, out + <usize>r * ld + (<usize>(jc + jr) << 2), O, rows, min(NR, nc - jr), acc, tmp)
        }
      }
    }
  }
}

/** Bytes of scratch `conv2dGemmBackFilter` needs for chunks of `rows` output pixels. */
export function conv2dGemmBackFilterScratchBytes(rows: i32, outC: i32, taps: i32, inC: i32): i32 {
  const kc = min(rows, KC)
  const nc = (min(outC, NC) + NR - 1) / NR * NR
  // packed A block, packed dy block, one edge tile, the tap table (taps pointers per pixel of a block), a row of zeros
  return (MC * kc + kc * nc + MR * NR + kc * taps + inC) * 4 + 64
}

/**
 * dW (K × outC) = colsᵀ·dy over output pixels [r0, r0 + rows) (+ dW when `accumulate`), where
 * cols(r, p) is read from the input as in `conv2dGemm`: `gemm`'s loops and float32 operations on
 * the im2col chunk, the column matrix packed straight from the input (K ≥ MR: with fewer rows
 * `gemm` takes another path). `scratch` holds conv2dGemmBackFilterScratchBytes(rows, outC, kH·kW, inC) bytes.
 */
export function conv2dGemmBackFilter(x: usize, dy: usize, dw: usize, spec: usize, r0: i32, rows: i32, accumulate: i32, scratch: usize): void {
  const inH = field(spec, 1), inW = field(spec, 2), inC = field(spec, 3)
  const outH = field(spec, 4), outW = field(spec, 5), O = field(spec, 6)
  const kH = field(spec, 7), kW = field(spec, 8)
  const sH = field(spec, 9), sW = field(spec, 10), dH = field(spec, 11), dW = field(spec, 12)
  const pT = field(spec, 13), pL = field(spec, 14)
  const taps = kH * kW
  const K = taps * inC
  if (rows <= 0 || O <= 0 || K < MR) return
  const kcMax = min(rows, KC)
  const ncMax = (min(O, NC) + NR - 1) / NR * NR
  const pa = (scratch + 15) & ~15
  const pb = pa + (<usize>(MC * kcMax) << 2)
  const tmp = pb + (<usize>(kcMax * ncMax) << 2)
  const tab = tmp + (<usize>(MR * NR) << 2)
  const zeros = tab + (<usize>(kcMax * taps) << 2)
  memory.fill(zeros, 0, <usize>inC << 2)
  const cb = <usize>inC << 2
  const ld = <usize>O << 2
  for (let jc = 0; jc < O; jc += NC) {
    const nc = min(NC, O - jc)
    for (let pc = 0; pc < rows; pc += KC) {
      const kc = min(KC, rows - pc)
      packB(dy, O, 1, r0 + pc, kc, jc, nc, O, pb)
      // tab[p·taps + t] = where tap t of output pixel r0 + pc + p starts (zeros outside the image)
      let e = tab
      const q0 = r0 + pc
      let ow = q0 % outW
      let oh = (q0 / outW) % outH
      let img = x + <usize>(q0 / outW / outH) * <usize>inH * <usize>inW * cb
      for (let p = 0; p < kc; p++) {
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * sH - pT + kh * dH
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * sW - pL + kw * dW
            store<usize>(e, ih >= 0 && ih < inH && iw >= 0 && iw < inW ? img + <usize>(ih * inW + iw) * cb : zeros)
            e += 4
          }
        }
        if (++ow == outW) {
          ow = 0
          if (++oh == outH) {
            oh = 0
            img += <usize>inH * <usize>inW * cb
          }
        }
      }
      const acc = accumulate != 0 || pc > 0
      const tstep = <usize>taps << 2
      for (let ic = 0; ic < K; ic += MC) {
        const mc = min(MC, K - ic)
        // pack A(i, p) = cols(r0 + pc + p, i) for i in [ic, ic + mc) as gemm's packA: pa[(panel·kc + p)·MR + r]
        let dst = pa
        for (let ir = 0; ir < mc; ir += MR) {
          const i = ic + ir
          const t = i / inC
          const ch = i - t * inC
          if (i + MR <= K && ch + MR <= inC) {
            // the panel's MR rows are MR channels of one tap: one v128 per pixel
            let src = tab + (<usize>t << 2)
            const off = <usize>ch << 2
            for (let p = 0; p < kc; p++) {
              v128.store(dst, v128.load(load<usize>(src) + off))
              src += tstep
              dst += MR * 4
            }
          } else {
            // rows across taps (or past K): where each of the MR rows reads, as (tap pointer, channel
            // offset), worked out once per panel; a row past K reads the zeros
            let t0 = tab, t1 = tab, t2 = tab, t3 = tab
            let o0: usize = 0, o1: usize = 0, o2: usize = 0, o3: usize = 0
            const z0 = i >= K, z1 = i + 1 >= K, z2 = i + 2 >= K, z3 = i + 3 >= K
            if (!z0) { const tt = i / inC; t0 = tab + (<usize>tt << 2); o0 = <usize>(i - tt * inC) << 2 }
            if (!z1) { const tt = (i + 1) / inC; t1 = tab + (<usize>tt << 2); o1 = <usize>(i + 1 - tt * inC) << 2 }
            if (!z2) { const tt = (i + 2) / inC; t2 = tab + (<usize>tt << 2); o2 = <usize>(i + 2 - tt * inC) << 2 }
            if (!z3) { const tt = (i + 3) / inC; t3 = tab + (<usize>tt << 2); o3 = <usize>(i + 3 - tt * inC) << 2 }
            for (let p = 0; p < kc; p++) {
              store<f32>(dst, z0 ? 0 : load<f32>(load<usize>(t0) + o0))
              store<f32>(dst, z1 ? 0 : load<f32>(load<usize>(t1) + o1), 4)
              store<f32>(dst, z2 ? 0 : load<f32>(load<usize>(t2) + o2), 8)
              store<f32>(dst, z3 ? 0 : load<f32>(load<usize>(t3) + o3), 12)
              t0 += tstep
              t1 += tstep
              t2 += tstep
              t3 += tstep
              dst += MR * 4
            }
          }
        }
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr)
          const bp = pb + (<usize>(jr * kc) << 2)
          for (let ir = 0; ir < mc; ir += MR) {
            micro(pa + (<usize>(ir * kc) << 2), bp, kc, dw + <usize>(ic + ir) * ld + (<usize>(jc + jr) << 2), O, min(MR, mc - ir), cols, acc, tmp)
          }
        }
      }
    }
  }
}
