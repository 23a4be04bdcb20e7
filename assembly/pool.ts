// Max pooling over NHWC images and its two adjoints, four channels at a time.
//
// `spec` points at 12 int32 values: batch, inH, inW, channels, outH, outW, kH, kW, strideH,
// strideW, padTop, padLeft (the fields of the TypeScript Pool2dSpec). Each window's cells are
// visited in row-major order, each channel on its own, exactly as the TypeScript kernels
// (src/kernels/js/conv.ts) visit them: the same comparisons in the same order give the same bits.
// Padding never wins; a window lying entirely in the padding has no cells.

// @ts-ignore: decorator
@inline
function field(spec: usize, i: i32): i32 {
  return load<i32>(spec + (<usize>i << 2))
}

/** out[window, c] = the max of x over the window's cells (the first NaN wins and stays); 0 for windows with no cell. */
export function maxPool2d(x: usize, out: usize, spec: usize): void {
  const batch = field(spec, 0), inH = field(spec, 1), inW = field(spec, 2), C = field(spec, 3)
  const outH = field(spec, 4), outW = field(spec, 5), kH = field(spec, 6), kW = field(spec, 7)
  const sH = field(spec, 8), sW = field(spec, 9), padTop = field(spec, 10), padLeft = field(spec, 11)
  const C4 = C & ~3
  const xRow = <usize>(inW * C) << 2
  const xImg = <usize>inH * xRow
  let o = out
  for (let n = 0; n < batch; n++) {
    const xn = x + <usize>n * xImg
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * sH - padTop
      const kh0 = max(0, -ih0), kh1 = min(kH, inH - ih0)
      for (let ow = 0; ow < outW; ow++, o += <usize>C << 2) {
        const iw0 = ow * sW - padLeft
        const kw0 = max(0, -iw0), kw1 = min(kW, inW - iw0)
        if (kh0 >= kh1 || kw0 >= kw1) {
          for (let c = 0; c < C; c++) store<f32>(o + (<usize>c << 2), 0)
          continue
        }
        const first = xn + <usize>(ih0 + kh0) * xRow + (<usize>((iw0 + kw0) * C) << 2)
        let c = 0
        for (; c < C4; c += 4) {
          const cb = <usize>c << 2
          let m = v128.load(first + cb)
          for (let kh = kh0; kh < kh1; kh++) {
            const xr = xn + <usize>(ih0 + kh) * xRow + cb
            for (let kw = kh === kh0 ? kw0 + 1 : kw0; kw < kw1; kw++) {
              const v = v128.load(xr + (<usize>((iw0 + kw) * C) << 2))
              // v > m takes a larger value; v ≠ v lets a NaN in (and nothing beats a NaN)
              m = v128.bitselect(v, m, v128.or(f32x4.gt(v, m), f32x4.ne(v, v)))
            }
          }
          v128.store(o + cb, m)
        }
        for (; c < C; c++) {
          const cb = <usize>c << 2
          let m = load<f32>(first + cb)
          for (let kh = kh0; kh < kh1; kh++) {
            const xr = xn + <usize>(ih0 + kh) * xRow + cb
            for (let kw = kh === kh0 ? kw0 + 1 : kw0; kw < kw1; kw++) {
              const v = load<f32>(xr + (<usize>((iw0 + kw) * C) << 2))
              if (v > m || v != v) m = v
            }
          }
          store<f32>(o + cb, m)
        }
      }
    }
  }
}

/**
 * For every window with a cell, each channel's first maximum of x (strictly greater keeps the
 * first of tied maxima; the first NaN wins and stays): `back` 1 adds dy[window, c] into
 * dx at that cell (dx zeroed first: the gradient of maxPool2d); `back` 0 writes
 * t[that cell] to out[window, c] (out zeroed first: maxPool2dSelect). `y` is dy or out, `d`
 * is dx or t.
 */
export function maxPool2dRoute(x: usize, y: usize, d: usize, spec: usize, back: i32): void {
  const batch = field(spec, 0), inH = field(spec, 1), inW = field(spec, 2), C = field(spec, 3)
  const outH = field(spec, 4), outW = field(spec, 5), kH = field(spec, 6), kW = field(spec, 7)
  const sH = field(spec, 8), sW = field(spec, 9), padTop = field(spec, 10), padLeft = field(spec, 11)
  const C4 = C & ~3
  const xRow = <usize>(inW * C) << 2
  const xImg = <usize>inH * xRow
  if (back) memory.fill(d, 0, <usize>batch * xImg)
  else memory.fill(y, 0, <usize>(batch * outH * outW * C) << 2)
  const lanes = i32x4(0, 4, 8, 12)
  let o = y
  for (let n = 0; n < batch; n++) {
    const xn = <usize>n * xImg
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * sH - padTop
      const kh0 = max(0, -ih0), kh1 = min(kH, inH - ih0)
      for (let ow = 0; ow < outW; ow++, o += <usize>C << 2) {
        const iw0 = ow * sW - padLeft
        const kw0 = max(0, -iw0), kw1 = min(kW, inW - iw0)
        if (kh0 >= kh1 || kw0 >= kw1) continue
        // byte offsets into x (and into dx or t, laid out as x)
        const first = xn + <usize>(ih0 + kh0) * xRow + (<usize>((iw0 + kw0) * C) << 2)
        let c = 0
        for (; c < C4; c += 4) {
          const cb = <usize>c << 2
          let m = v128.load(x + first + cb)
          let w = i32x4.add(i32x4.splat(<i32>(first + cb)), lanes)
          for (let kh = kh0; kh < kh1; kh++) {
            const xr = xn + <usize>(ih0 + kh) * xRow + cb
            for (let kw = kh === kh0 ? kw0 + 1 : kw0; kw < kw1; kw++) {
              const at = xr + (<usize>((iw0 + kw) * C) << 2)
              const v = v128.load(x + at)
              const take = v128.or(f32x4.gt(v, m), v128.and(f32x4.ne(v, v), f32x4.eq(m, m)))
              m = v128.bitselect(v, m, take)
              w = v128.bitselect(i32x4.add(i32x4.splat(<i32>at), lanes), w, take)
            }
          }
          const w0 = <usize>i32x4.extract_lane(w, 0), w1 = <usize>i32x4.extract_lane(w, 1)
          const w2 = <usize>i32x4.extract_lane(w, 2), w3 = <usize>i32x4.extract_lane(w, 3)
          if (back) {
            store<f32>(d + w0, load<f32>(d + w0) + load<f32>(o + cb))
            store<f32>(d + w1, load<f32>(d + w1) + load<f32>(o + cb + 4))
            store<f32>(d + w2, load<f32>(d + w2) + load<f32>(o + cb + 8))
            store<f32>(d + w3, load<f32>(d + w3) + load<f32>(o + cb + 12))
          } else {
            v128.store(o + cb, f32x4(load<f32>(d + w0), load<f32>(d + w1), load<f32>(d + w2), load<f32>(d + w3)))
          }
        }
        for (; c < C; c++) {
          const cb = <usize>c << 2
          let m = load<f32>(x + first + cb)
          let w = first + cb
          for (let kh = kh0; kh < kh1; kh++) {
            const xr = xn + <usize>(ih0 + kh) * xRow + cb
            for (let kw = kh === kh0 ? kw0 + 1 : kw0; kw < kw1; kw++) {
              const at = xr + (<usize>((iw0 + kw) * C) << 2)
              const v = load<f32>(x + at)
              if (v > m || (v != v && m == m)) {
                m = v
                w = at
              }
            }
          }
          if (back) store<f32>(d + w, load<f32>(d + w) + load<f32>(o + cb))
          else store<f32>(o + cb, load<f32>(d + w))
        }
      }
    }
  }
}
