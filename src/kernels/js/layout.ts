/** Strided copies and gathers: the kernels behind transpose, slice, concat, pad, broadcastTo and gather. @internal */
import type { Buffer } from '../../core/dtype.js'
import type { Shape } from '../../core/shape.js'
import type { Strided } from '../Kernels.js'

export const copy = (src: Strided, dst: Strided, shape: Shape): void => {
  const rank = shape.length
  if (rank === 0) {
    dst.data[dst.offset] = src.data[src.offset]!
    return
  }
  for (const d of shape) if (d === 0) return
  const len = shape[rank - 1]!
  const ss = src.strides[rank - 1]!
  const ds = dst.strides[rank - 1]!
  const idx = new Array<number>(rank - 1).fill(0)
  let so = src.offset
  let doff = dst.offset
  const s = src.data
  const d = dst.data
  for (;;) {
    if (ss === 1 && ds === 1) d.set(s.subarray(so, so + len), doff)
    else for (let i = 0, a = so, b = doff; i < len; i++, a += ss, b += ds) d[b] = s[a]!
    let ax = rank - 2
    for (; ax >= 0; ax--) {
      const n = shape[ax]!
      if (++idx[ax]! < n) {
        so += src.strides[ax]!
        doff += dst.strides[ax]!
        break
      }
      idx[ax] = 0
      so -= (n - 1) * src.strides[ax]!
      doff -= (n - 1) * dst.strides[ax]!
    }
    if (ax < 0) return
  }
}

export const gather = (x: Buffer, outer: number, axisSize: number, inner: number, indices: Int32Array, out: Buffer): void => {
  const m = indices.length
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const from = (o * axisSize + indices[j]!) * inner
      out.set(x.subarray(from, from + inner), (o * m + j) * inner)
    }
  }
}

export const scatterAdd = (u: Buffer, outer: number, axisSize: number, inner: number, indices: Int32Array, out: Buffer): void => {
  const m = indices.length
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const to = (o * axisSize + indices[j]!) * inner
      const from = (o * m + j) * inner
      for (let i = 0; i < inner; i++) out[to + i]! += u[from + i]!
    }
  }
}
