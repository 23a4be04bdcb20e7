/**
 * Grouped convolution kernels (NHWC input, HWIO filter, NHWC output), for `groups > 1`; the
 * ungrouped convolution has its own faster kernels in `conv.ts`, whose geometry this file
 * shares. @internal
 *
 * With `cg = inC / groups` input and `og = outC / groups` output channels per group, the
 * filter is `w[kh, kw, ci, o]` with `ci < cg`, and output channel `o` of group `g = ⌊o / og⌋`
 * reads input channels `g·cg … g·cg + cg − 1`:
 *
 *   out[n, oh, ow, o] = Σ_{kh, kw, ci < cg} x[n, ih, iw, g·cg + ci] · w[kh, kw, ci, o]
 *
 * with `ih = oh·strideH − padTop + kh·dilationH` (likewise for widths), padding read as 0. A
 * depthwise convolution is `groups = inC` (`cg = 1`). Sums are kept in float64 locals and
 * rounded once when stored, as in `conv.ts`.
 */
import type { Buffer } from '../../core/dtype.js'
import type { Conv2dSpec } from '../Kernels.js'
import { endTap, firstTap, tapsPerInput } from './conv.js'

/** Forward grouped convolution; overwrites every element of `out`. */
export const groupedConv2d = (x: Buffer, w: Buffer, out: Buffer, s: Conv2dSpec, groups: number): void => {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = s
  const cg = inC / groups
  const og = outC / groups
  const xRow = inW * inC
  const wKh = kW * cg * outC
  const wKw = cg * outC
  let ob = 0
  for (let n = 0; n < batch; n++) {
    const xn = n * inH * xRow
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop
      const kh0 = firstTap(ih0, dilationH)
      const kh1 = endTap(ih0, dilationH, inH, kH)
      for (let ow = 0; ow < outW; ow++, ob += outC) {
        const iw0 = ow * strideW - padLeft
        const kw0 = firstTap(iw0, dilationW)
        const kw1 = endTap(iw0, dilationW, inW, kW)
        for (let g = 0, o = 0; g < groups; g++) {
          const c0 = g * cg
          for (let m = 0; m < og; m++, o++) {
            let a = 0
            for (let kh = kh0; kh < kh1; kh++) {
              const xr = xn + (ih0 + kh * dilationH) * xRow + c0
              for (let kw = kw0; kw < kw1; kw++) {
                const xb = xr + (iw0 + kw * dilationW) * inC
                let wb = kh * wKh + kw * wKw + o
                for (let ci = 0; ci < cg; ci++, wb += outC) a += x[xb + ci]! * w[wb]!
              }
            }
            out[ob + o] = a
          }
        }
      }
    }
  }
}

/**
 * Gradient with respect to the input (the adjoint of `groupedConv2d` in x), added into the
 * zero-filled `dx`: dx[n, ih, iw, g·cg + ci] = Σ dy[n, oh, ow, o] · w[kh, kw, ci, o] over the
 * taps (kh, oh), (kw, ow) reaching (ih, iw) and the outputs o of group g. Gathers per input cell.
 */
export const groupedConv2dBackInput = (dy: Buffer, w: Buffer, dx: Buffer, s: Conv2dSpec, groups: number): void => {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = s
  const cg = inC / groups
  const og = outC / groups
  const rows = tapsPerInput(inH, outH, kH, strideH, dilationH, padTop)
  const cols = tapsPerInput(inW, outW, kW, strideW, dilationW, padLeft)
  const dyRow = outW * outC
  const wKh = kW * cg * outC
  const wKw = cg * outC
  let xb = 0
  for (let n = 0; n < batch; n++) {
    const dn = n * outH * dyRow
    for (let ih = 0; ih < inH; ih++) {
      const mh = rows.counts[ih]!
      const lh = ih * kH * 2
      for (let iw = 0; iw < inW; iw++, xb += inC) {
        const mw = cols.counts[iw]!
        const lw = iw * kW * 2
        for (let g = 0, c = 0; g < groups; g++) {
          const o0 = g * og
          for (let ci = 0; ci < cg; ci++, c++) {
            let a = 0
            for (let i = 0; i < mh; i++) {
              const kh = rows.pairs[lh + 2 * i]!
              const dr = dn + rows.pairs[lh + 2 * i + 1]! * dyRow + o0
              for (let j = 0; j < mw; j++) {
                const d = dr + cols.pairs[lw + 2 * j + 1]! * outC
                const t = kh * wKh + cols.pairs[lw + 2 * j]! * wKw + ci * outC + o0
                for (let m = 0; m < og; m++) a += dy[d + m]! * w[t + m]!
              }
            }
            dx[xb + c] = dx[xb + c]! + a
          }
        }
      }
    }
  }
}

/**
 * Gradient with respect to the filter (the adjoint of `groupedConv2d` in w), added into the
 * zero-filled `dw`: dw[kh, kw, ci, o] = Σ_{n, oh, ow} x[n, ih, iw, g·cg + ci] · dy[n, oh, ow, o]
 * with g the group of o. One image at a time, the valid output rows and columns of each tap
 * computed once.
 */
export const groupedConv2dBackFilter = (x: Buffer, dy: Buffer, dw: Buffer, s: Conv2dSpec, groups: number): void => {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = s
  const cg = inC / groups
  const og = outC / groups
  const xRow = inW * inC
  const dyRow = outW * outC
  const wKh = kW * cg * outC
  const wKw = cg * outC
  const xStep = strideW * inC
  for (let n = 0; n < batch; n++) {
    const xn = n * inH * xRow
    const dn = n * outH * dyRow
    for (let kh = 0; kh < kH; kh++) {
      const offH = kh * dilationH - padTop
      const oh0 = firstTap(offH, strideH)
      const oh1 = endTap(offH, strideH, inH, outH)
      for (let kw = 0; kw < kW; kw++) {
        const offW = kw * dilationW - padLeft
        const ow0 = firstTap(offW, strideW)
        const ow1 = endTap(offW, strideW, inW, outW)
        if (oh0 >= oh1 || ow0 >= ow1) continue
        const xCol0 = (ow0 * strideW + offW) * inC
        for (let g = 0, o = 0; g < groups; g++) {
          for (let m = 0; m < og; m++, o++) {
            for (let ci = 0; ci < cg; ci++) {
              const c = g * cg + ci
              let a = 0
              for (let oh = oh0; oh < oh1; oh++) {
                let xi = xn + (oh * strideH + offH) * xRow + xCol0 + c
                let di = dn + oh * dyRow + ow0 * outC + o
                for (let ow = ow0; ow < ow1; ow++, xi += xStep, di += outC) a += x[xi]! * dy[di]!
              }
              const p = kh * wKh + kw * wKw + ci * outC + o
              dw[p] = dw[p]! + a
            }
          }
        }
      }
    }
  }
}
