// im2col and its adjoint for NHWC convolutions; the products themselves run through gemm.
//
// `spec` points at 15 int32 values: batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH,
// strideW, dilationH, dilationW, padTop, padLeft (the fields of the TypeScript Conv2dSpec).
// Output pixel r = (n·outH + oh)·outW + ow owns the row r of the column matrix, whose K = kH·kW·inC
// columns are ordered (kh, kw, c) like the rows of an HWIO filter viewed as K × outC.

// @ts-ignore: decorator
@inline
function field(spec: usize, i: i32): i32 {
  return load<i32>(spec + (<usize>i << 2))
}

// A receptive field is copied a few channels at a time (inC floats per tap, often 1 to 64):
// v128 moves inline, where memory.copy and memory.fill would each be a call into the runtime.

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

/** dst[r − r0, :] = the (zero-padded) receptive field of output pixel r, for r in [r0, r0 + rows). */
export function im2col(x: usize, spec: usize, r0: i32, rows: i32, dst: usize): void {
  const inH = field(spec, 1), inW = field(spec, 2), inC = field(spec, 3)
  const outH = field(spec, 4), outW = field(spec, 5)
  const kH = field(spec, 7), kW = field(spec, 8)
  const sH = field(spec, 9), sW = field(spec, 10), dH = field(spec, 11), dW = field(spec, 12)
  const pT = field(spec, 13), pL = field(spec, 14)
  const cb = <usize>inC << 2
  for (let r = r0; r < r0 + rows; r++) {
    const ow = r % outW
    const t = r / outW
    const oh = t % outH
    const n = t / outH
    const img = x + <usize>n * <usize>inH * <usize>inW * cb
    for (let kh = 0; kh < kH; kh++) {
      const ih = oh * sH - pT + kh * dH
      for (let kw = 0; kw < kW; kw++) {
        const iw = ow * sW - pL + kw * dW
        if (ih >= 0 && ih < inH && iw >= 0 && iw < inW) copy(dst, img + (<usize>(ih * inW + iw)) * cb, cb)
        else zero(dst, cb)
        dst += cb
      }
    }
  }
}

/** The adjoint: dx[receptive field of r] += cols[r − r0, :] for r in [r0, r0 + rows). */
export function col2imAdd(cols: usize, spec: usize, r0: i32, rows: i32, dx: usize): void {
  const inH = field(spec, 1), inW = field(spec, 2), inC = field(spec, 3)
  const outH = field(spec, 4), outW = field(spec, 5)
  const kH = field(spec, 7), kW = field(spec, 8)
  const sH = field(spec, 9), sW = field(spec, 10), dH = field(spec, 11), dW = field(spec, 12)
  const pT = field(spec, 13), pL = field(spec, 14)
  const c4 = inC & ~3
  for (let r = r0; r < r0 + rows; r++) {
    const ow = r % outW
    const t = r / outW
    const oh = t % outH
    const n = t / outH
    const img = dx + (<usize>n * <usize>inH * <usize>inW * <usize>inC << 2)
    for (let kh = 0; kh < kH; kh++) {
      const ih = oh * sH - pT + kh * dH
      for (let kw = 0; kw < kW; kw++) {
        const iw = ow * sW - pL + kw * dW
        if (ih >= 0 && ih < inH && iw >= 0 && iw < inW) {
          const d = img + (<usize>((ih * inW + iw) * inC) << 2)
          let c = 0
          for (; c < c4; c += 4) {
            const o = <usize>c << 2
            v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(cols + o)))
          }
          for (; c < inC; c++) {
            const o = <usize>c << 2
            store<f32>(d + o, load<f32>(d + o) + load<f32>(cols + o))
          }
        }
        cols += <usize>inC << 2
      }
    }
  }
}
