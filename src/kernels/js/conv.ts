/**
 * Convolution and pooling kernels (NHWC input, HWIO filter, NHWC output). @internal
 *
 * Layout reminders, with `x[n, ih, iw, c]`, `w[kh, kw, c, o]`, `out[n, oh, ow, o]` and
 * `ih = oh·strideH − padTop + kh·dilationH` (likewise for widths):
 *
 *   out[n, oh, ow, o] = Σ_{kh, kw, c} x[n, ih, iw, c] · w[kh, kw, c, o]
 *
 * Cells with `ih` or `iw` outside the input are padding (zeros for a convolution, absent for a
 * pooling window). No loop tests bounds per element: for each output row/column the valid
 * range of kernel taps is computed once (`firstTap` / `endTap`), so padding costs nothing.
 *
 * Speed notes (plain JS, no SIMD): the hot loops keep 8 running sums in locals (registers)
 * over 8 consecutive channels, which are contiguous in both `w` and `out` (or `dy`, `dw`), so
 * each multiply–add costs one load instead of a load–add–store into a typed array. The
 * sums are float64 locals rounded once when stored. Channels left over after the blocks of 8
 * go through a one-channel loop.
 */
import type { Buffer } from '../../core/dtype.js'
import type { Conv2dSpec, Pool2dSpec } from '../Kernels.js'

/** First tap k ≥ 0 with `start + k·dilation ≥ 0`. */
export const firstTap = (start: number, dilation: number): number => (start < 0 ? Math.ceil(-start / dilation) : 0)

/** One past the last tap k < taps with `start + k·dilation < size`. */
export const endTap = (start: number, dilation: number, size: number, taps: number): number =>
  Math.min(taps, Math.max(0, Math.ceil((size - start) / dilation)))

/**
 * Forward convolution: out[n, oh, ow, o] = Σ_{kh, kw, c} x[n, ih, iw, c] · w[kh, kw, c, o].
 * Overwrites every element of `out`.
 */
export const conv2d = (x: Buffer, w: Buffer, out: Buffer, s: Conv2dSpec): void => {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = s
  const xRow = inW * inC
  const xImg = inH * xRow
  const wKh = kW * inC * outC // distance between kh taps in w
  const wKw = inC * outC // distance between kw taps in w
  const o8 = outC - (outC % 8)
  let ob = 0 // start of out[n, oh, ow, :]
  for (let n = 0; n < batch; n++) {
    const xn = n * xImg
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop
      const kh0 = firstTap(ih0, dilationH)
      const kh1 = endTap(ih0, dilationH, inH, kH)
      for (let ow = 0; ow < outW; ow++, ob += outC) {
        const iw0 = ow * strideW - padLeft
        const kw0 = firstTap(iw0, dilationW)
        const kw1 = endTap(iw0, dilationW, inW, kW)
        let o = 0
        for (; o < o8; o += 8) {
          let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0
          for (let kh = kh0; kh < kh1; kh++) {
            const xr = xn + (ih0 + kh * dilationH) * xRow
            for (let kw = kw0; kw < kw1; kw++) {
              const xb = xr + (iw0 + kw * dilationW) * inC
              let wb = kh * wKh + kw * wKw + o
              for (let c = 0; c < inC; c++, wb += outC) {
                const v = x[xb + c]!
                a0 += v * w[wb]!
                a1 += v * w[wb + 1]!
                a2 += v * w[wb + 2]!
                a3 += v * w[wb + 3]!
                a4 += v * w[wb + 4]!
                a5 += v * w[wb + 5]!
                a6 += v * w[wb + 6]!
                a7 += v * w[wb + 7]!
              }
            }
          }
          const p = ob + o
          out[p] = a0
          out[p + 1] = a1
          out[p + 2] = a2
          out[p + 3] = a3
          out[p + 4] = a4
          out[p + 5] = a5
          out[p + 6] = a6
          out[p + 7] = a7
        }
        for (; o < outC; o++) {
          let a = 0
          for (let kh = kh0; kh < kh1; kh++) {
            const xr = xn + (ih0 + kh * dilationH) * xRow
            for (let kw = kw0; kw < kw1; kw++) {
              const xb = xr + (iw0 + kw * dilationW) * inC
              let wb = kh * wKh + kw * wKw + o
              for (let c = 0; c < inC; c++, wb += outC) a += x[xb + c]! * w[wb]!
            }
          }
          out[ob + o] = a
        }
      }
    }
  }
}

/**
 * For each input coordinate `i` along one axis, the taps `k` and output coordinates `q` with
 * `q·stride − pad + k·dilation = i` and both in range, packed as pairs in `pairs[(i·taps + m)·2]`,
 * with `counts[i]` pairs for `i`.
 */
export const tapsPerInput = (
  size: number,
  outSize: number,
  taps: number,
  stride: number,
  dilation: number,
  pad: number,
): { pairs: Int32Array; counts: Int32Array } => {
  const pairs = new Int32Array(size * taps * 2)
  const counts = new Int32Array(size)
  for (let i = 0; i < size; i++) {
    let m = 0
    for (let k = 0; k < taps; k++) {
      const t = i + pad - k * dilation
      if (t >= 0 && t % stride === 0 && t / stride < outSize) {
        pairs[(i * taps + m) * 2] = k
        pairs[(i * taps + m) * 2 + 1] = t / stride
        m++
      }
    }
    counts[i] = m
  }
  return { pairs, counts }
}

/**
 * Gradient with respect to the input (the adjoint of `conv2d` in x, a transposed convolution):
 * dx[n, ih, iw, c] += Σ_{kh, kw, o} dy[n, oh, ow, o] · w[kh, kw, c, o] over the (kh, oh), (kw, ow)
 * that reach (ih, iw). Gathers per input cell, with the filter transposed to [kh, kw, o, c] so
 * that 8 consecutive input channels are contiguous.
 */
export const conv2dBackInput = (dy: Buffer, w: Buffer, dx: Buffer, s: Conv2dSpec): void => {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = s
  const kc = inC * outC
  const wt = w instanceof Float32Array ? new Float32Array(w.length) : new Float64Array(w.length)
  for (let k = 0, base = 0; k < kH * kW; k++, base += kc) {
    for (let c = 0; c < inC; c++) {
      for (let o = 0; o < outC; o++) wt[base + o * inC + c] = w[base + c * outC + o]!
    }
  }
  const rows = tapsPerInput(inH, outH, kH, strideH, dilationH, padTop)
  const cols = tapsPerInput(inW, outW, kW, strideW, dilationW, padLeft)
  const rowPairs = rows.pairs
  const colPairs = cols.pairs
  const dyRow = outW * outC
  const dyImg = outH * dyRow
  const tKh = kW * kc
  const c8 = inC - (inC % 8)
  let xb = 0 // start of dx[n, ih, iw, :]
  for (let n = 0; n < batch; n++) {
    const dn = n * dyImg
    for (let ih = 0; ih < inH; ih++) {
      const mh = rows.counts[ih]!
      const lh = ih * kH * 2
      for (let iw = 0; iw < inW; iw++, xb += inC) {
        const mw = cols.counts[iw]!
        const lw = iw * kW * 2
        let c = 0
        for (; c < c8; c += 8) {
          let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0
          for (let i = 0; i < mh; i++) {
            const kh = rowPairs[lh + 2 * i]!
            const dr = dn + rowPairs[lh + 2 * i + 1]! * dyRow
            for (let j = 0; j < mw; j++) {
              const d = dr + colPairs[lw + 2 * j + 1]! * outC
              let t = kh * tKh + colPairs[lw + 2 * j]! * kc + c
              for (let o = 0; o < outC; o++, t += inC) {
                const g = dy[d + o]!
                a0 += g * wt[t]!
                a1 += g * wt[t + 1]!
                a2 += g * wt[t + 2]!
                a3 += g * wt[t + 3]!
                a4 += g * wt[t + 4]!
                a5 += g * wt[t + 5]!
                a6 += g * wt[t + 6]!
                a7 += g * wt[t + 7]!
              }
            }
          }
          const p = xb + c
          dx[p] = dx[p]! + a0
          dx[p + 1] = dx[p + 1]! + a1
          dx[p + 2] = dx[p + 2]! + a2
          dx[p + 3] = dx[p + 3]! + a3
          dx[p + 4] = dx[p + 4]! + a4
          dx[p + 5] = dx[p + 5]! + a5
          dx[p + 6] = dx[p + 6]! + a6
          dx[p + 7] = dx[p + 7]! + a7
        }
        for (; c < inC; c++) {
          let a = 0
          for (let i = 0; i < mh; i++) {
            const kh = rowPairs[lh + 2 * i]!
            const dr = dn + rowPairs[lh + 2 * i + 1]! * dyRow
            for (let j = 0; j < mw; j++) {
              const d = dr + colPairs[lw + 2 * j + 1]! * outC
              let t = kh * tKh + colPairs[lw + 2 * j]! * kc + c
              for (let o = 0; o < outC; o++, t += inC) a += dy[d + o]! * wt[t]!
            }
          }
          dx[xb + c] = dx[xb + c]! + a
        }
      }
    }
  }
}

/**
 * Gradient with respect to the filter (the adjoint of `conv2d` in w):
 * dw[kh, kw, c, o] += Σ_{n, oh, ow} x[n, ih, iw, c] · dy[n, oh, ow, o].
 * One image at a time (so its x and dy stay in cache); for each tap (kh, kw) the valid output
 * rows/columns are computed once, and 8 output channels are summed in registers.
 */
export const conv2dBackFilter = (x: Buffer, dy: Buffer, dw: Buffer, s: Conv2dSpec): void => {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = s
  const xRow = inW * inC
  const xImg = inH * xRow
  const dyRow = outW * outC
  const dyImg = outH * dyRow
  const wKh = kW * inC * outC
  const wKw = inC * outC
  const xStep = strideW * inC
  const o8 = outC - (outC % 8)
  for (let n = 0; n < batch; n++) {
    const xn = n * xImg
    const dn = n * dyImg
    for (let kh = 0; kh < kH; kh++) {
      // ih = oh·strideH + offH must lie in [0, inH)
      const offH = kh * dilationH - padTop
      const oh0 = firstTap(offH, strideH)
      const oh1 = endTap(offH, strideH, inH, outH)
      for (let kw = 0; kw < kW; kw++) {
        const offW = kw * dilationW - padLeft
        const ow0 = firstTap(offW, strideW)
        const ow1 = endTap(offW, strideW, inW, outW)
        if (oh0 >= oh1 || ow0 >= ow1) continue
        const xCol0 = (ow0 * strideW + offW) * inC
        for (let c = 0; c < inC; c++) {
          const wb = kh * wKh + kw * wKw + c * outC
          let o = 0
          for (; o < o8; o += 8) {
            const p = wb + o
            let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0
            for (let oh = oh0; oh < oh1; oh++) {
              let xi = xn + (oh * strideH + offH) * xRow + xCol0 + c
              let di = dn + oh * dyRow + ow0 * outC + o
              for (let ow = ow0; ow < ow1; ow++, xi += xStep, di += outC) {
                const v = x[xi]!
                a0 += v * dy[di]!
                a1 += v * dy[di + 1]!
                a2 += v * dy[di + 2]!
                a3 += v * dy[di + 3]!
                a4 += v * dy[di + 4]!
                a5 += v * dy[di + 5]!
                a6 += v * dy[di + 6]!
                a7 += v * dy[di + 7]!
              }
            }
            dw[p] = dw[p]! + a0
            dw[p + 1] = dw[p + 1]! + a1
            dw[p + 2] = dw[p + 2]! + a2
            dw[p + 3] = dw[p + 3]! + a3
            dw[p + 4] = dw[p + 4]! + a4
            dw[p + 5] = dw[p + 5]! + a5
            dw[p + 6] = dw[p + 6]! + a6
            dw[p + 7] = dw[p + 7]! + a7
          }
          for (; o < outC; o++) {
            let a = 0
            for (let oh = oh0; oh < oh1; oh++) {
              let xi = xn + (oh * strideH + offH) * xRow + xCol0 + c
              let di = dn + oh * dyRow + ow0 * outC + o
              for (let ow = ow0; ow < ow1; ow++, xi += xStep, di += outC) a += x[xi]! * dy[di]!
            }
            dw[wb + o] = dw[wb + o]! + a
          }
        }
      }
    }
  }
}

/**
 * Pooling: out[n, oh, ow, c] = max (or mean) of x[n, ih, iw, c] over the window cells inside the
 * input. Padding never wins a max and is never counted in a mean (count_include_pad = false).
 * Max propagates NaN (the first NaN of a window wins). A window lying entirely in the padding
 * has no cells: it yields 0 for both kinds (never −Infinity or NaN). Overwrites all of `out`.
 */
export const pool2d = (kind: 'max' | 'avg', x: Buffer, out: Buffer, s: Pool2dSpec): void => {
  const { batch, inH, inW, channels: C, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = s
  const xRow = inW * C
  const xImg = inH * xRow
  const sum = kind === 'avg' ? new Float64Array(C) : undefined
  let ob = 0
  for (let n = 0; n < batch; n++) {
    const xn = n * xImg
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop
      const kh0 = firstTap(ih0, 1)
      const kh1 = endTap(ih0, 1, inH, kH)
      for (let ow = 0; ow < outW; ow++, ob += C) {
        const iw0 = ow * strideW - padLeft
        const kw0 = firstTap(iw0, 1)
        const kw1 = endTap(iw0, 1, inW, kW)
        if (kh0 >= kh1 || kw0 >= kw1) {
          out.fill(0, ob, ob + C)
          continue
        }
        if (sum === undefined) {
          // start from the first valid cell, so no sentinel (−Infinity) is ever needed
          let first = true
          for (let kh = kh0; kh < kh1; kh++) {
            const xr = xn + (ih0 + kh) * xRow
            for (let kw = kw0; kw < kw1; kw++) {
              const xb = xr + (iw0 + kw) * C
              if (first) {
                for (let c = 0; c < C; c++) out[ob + c] = x[xb + c]!
                first = false
              } else {
                for (let c = 0; c < C; c++) {
                  const v = x[xb + c]!
                  // v > m takes a larger value; v !== v lets a NaN in (and nothing beats a NaN)
                  if (v > out[ob + c]! || v !== v) out[ob + c] = v
                }
              }
            }
          }
        } else {
          sum.fill(0)
          for (let kh = kh0; kh < kh1; kh++) {
            const xr = xn + (ih0 + kh) * xRow
            for (let kw = kw0; kw < kw1; kw++) {
              const xb = xr + (iw0 + kw) * C
              for (let c = 0; c < C; c++) sum[c] = sum[c]! + x[xb + c]!
            }
          }
          const count = (kh1 - kh0) * (kw1 - kw0)
          for (let c = 0; c < C; c++) out[ob + c] = sum[c]! / count
        }
      }
    }
  }
}

/**
 * Pooling gradient, added into the zero-filled `dx`. Max: each dy goes to the first maximal
 * cell of its window in row-major window order (the first NaN if the window holds one). Avg:
 * each dy is spread as dy / count over the window cells inside the input. Windows entirely in
 * the padding send nothing back.
 */
/**
 * Visits every output window that holds at least one valid cell, with `where[c]` the input
 * index of the first maximum of channel c (strictly greater keeps the first of tied maxima;
 * the first NaN wins and stays) and `ob` the window's output offset.
 */
const forEachWindowMax = (x: Buffer, s: Pool2dSpec, visit: (ob: number, where: Int32Array) => void): void => {
  const { batch, inH, inW, channels: C, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = s
  const xRow = inW * C
  const xImg = inH * xRow
  const best = new Float64Array(C)
  const where = new Int32Array(C)
  let ob = 0
  for (let n = 0; n < batch; n++) {
    const xn = n * xImg
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop
      const kh0 = firstTap(ih0, 1)
      const kh1 = endTap(ih0, 1, inH, kH)
      for (let ow = 0; ow < outW; ow++, ob += C) {
        const iw0 = ow * strideW - padLeft
        const kw0 = firstTap(iw0, 1)
        const kw1 = endTap(iw0, 1, inW, kW)
        if (kh0 >= kh1 || kw0 >= kw1) continue
        let first = true
        for (let kh = kh0; kh < kh1; kh++) {
          const xr = xn + (ih0 + kh) * xRow
          for (let kw = kw0; kw < kw1; kw++) {
            const xb = xr + (iw0 + kw) * C
            if (first) {
              for (let c = 0; c < C; c++) {
                best[c] = x[xb + c]!
                where[c] = xb + c
              }
              first = false
            } else {
              for (let c = 0; c < C; c++) {
                const v = x[xb + c]!
                const m = best[c]!
                if (v > m || (v !== v && m === m)) {
                  best[c] = v
                  where[c] = xb + c
                }
              }
            }
          }
        }
        visit(ob, where)
      }
    }
  }
}

export const pool2dBack = (kind: 'max' | 'avg', x: Buffer, dy: Buffer, dx: Buffer, s: Pool2dSpec): void => {
  const C = s.channels
  if (kind === 'max') {
    forEachWindowMax(x, s, (ob, where) => {
      for (let c = 0; c < C; c++) {
        const i = where[c]!
        dx[i] = dx[i]! + dy[ob + c]!
      }
    })
    return
  }
  const { batch, inH, inW, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = s
  const xRow = inW * C
  const xImg = inH * xRow
  const share = new Float64Array(C)
  let ob = 0
  for (let n = 0; n < batch; n++) {
    const xn = n * xImg
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop
      const kh0 = firstTap(ih0, 1)
      const kh1 = endTap(ih0, 1, inH, kH)
      for (let ow = 0; ow < outW; ow++, ob += C) {
        const iw0 = ow * strideW - padLeft
        const kw0 = firstTap(iw0, 1)
        const kw1 = endTap(iw0, 1, inW, kW)
        if (kh0 >= kh1 || kw0 >= kw1) continue
        const count = (kh1 - kh0) * (kw1 - kw0)
        for (let c = 0; c < C; c++) share[c] = dy[ob + c]! / count
        for (let kh = kh0; kh < kh1; kh++) {
          const xr = xn + (ih0 + kh) * xRow
          for (let kw = kw0; kw < kw1; kw++) {
            const xb = xr + (iw0 + kw) * C
            for (let c = 0; c < C; c++) dx[xb + c] = dx[xb + c]! + share[c]!
          }
        }
      }
    }
  }
}

/** out[window] = t at the first maximum of x in that window; 0 for windows with no valid cell. */
export const pool2dSelect = (x: Buffer, t: Buffer, out: Buffer, s: Pool2dSpec): void => {
  const C = s.channels
  out.fill(0)
  forEachWindowMax(x, s, (ob, where) => {
    for (let c = 0; c < C; c++) out[ob + c] = t[where[c]!]!
  })
}
