/**
 * Matrix product, with either operand read transposed (no transposed copy is made by callers).
 *
 * Both operands are brought to "rows" form, a as m×k and b as n×k, so every output element is
 * a dot product of two contiguous rows; an operand already in that form (a plain, or b
 * transposed, the layout of `dy·Wᵀ`) is used in place, the other is packed once per matrix
 * (O(k·(m+n)) next to O(m·n·k) work). The product runs in 4×4 register tiles: 16 running sums
 * in float64, 8 loads per 16 multiply-adds. Each sum is rounded once into `out`.
 * Zeros are not skipped: 0 · ∞ and 0 · NaN give NaN, as IEEE arithmetic says.
 *
 * With k = 1 (outer products: the per-example weight gradients `xᵀ·dy` of a batch under
 * `vmap`) both layouts of each operand are the same contiguous vector, so nothing is packed and
 * each element is one product, written with the same rounding as the tiled path.
 * @internal
 */
import type { Buffer } from '../../core/dtype.js'
import type { Epilogue, MatmulSpec } from '../Kernels.js'

export const matmul = (a: Buffer, b: Buffer, out: Buffer, s: MatmulSpec): void => {
  const { m, n, k } = s
  if (k === 1) return outers(a, b, out, s)
  const packA = s.transA ? new Float64Array(m * k) : undefined
  const packB = s.transB ? undefined : new Float64Array(n * k)
  for (let p = 0; p < s.batch; p++) {
    const ao = p * s.aBatchStride
    const bo = p * s.bBatchStride
    // a as m×k rows
    let ra: Buffer = a
    let rao = ao
    if (packA !== undefined) {
      transposeInto(a, ao, k, m, packA)
      ra = packA
      rao = 0
    }
    // b as n×k rows
    let rb: Buffer = b
    let rbo = bo
    if (packB !== undefined) {
      transposeInto(b, bo, k, n, packB)
      rb = packB
      rbo = 0
    }
    rowsTimesRows(ra, rao, rb, rbo, out, p * m * n, m, n, k)
  }
}

/**
 * out[p, i, j] = a[p, i] · b[p, j]: the k = 1 case, each operand read in place whatever its
 * transposition. It only writes (B·m·n elements from B·(m + n)), so its time is that of the
 * writes: b's row is read once per matrix into float64 and each output row is written eight
 * elements a step.
 */
const outers = (a: Buffer, b: Buffer, out: Buffer, s: MatmulSpec): void => {
  const { m, n } = s
  const row = new Float64Array(n)
  const n8 = n - (n % 8)
  let o = 0
  for (let p = 0; p < s.batch; p++) {
    const ao = p * s.aBatchStride
    const bo = p * s.bBatchStride
    for (let j = 0; j < n; j++) row[j] = b[bo + j]!
    for (let i = 0; i < m; i++, o += n) {
      const x = a[ao + i]!
      // 0 + x·y as the tiled sums compute it (a product of -0 becomes +0 there too)
      let j = 0
      for (; j < n8; j += 8) {
        out[o + j] = 0 + x * row[j]!
        out[o + j + 1] = 0 + x * row[j + 1]!
        out[o + j + 2] = 0 + x * row[j + 2]!
        out[o + j + 3] = 0 + x * row[j + 3]!
        out[o + j + 4] = 0 + x * row[j + 4]!
        out[o + j + 5] = 0 + x * row[j + 5]!
        out[o + j + 6] = 0 + x * row[j + 6]!
        out[o + j + 7] = 0 + x * row[j + 7]!
      }
      for (; j < n; j++) out[o + j] = 0 + x * row[j]!
    }
  }
}

/** dst (c×r) = transpose of src (r×c) read from offset `o`. */
const transposeInto = (src: Buffer, o: number, r: number, c: number, dst: Float64Array): void => {
  for (let i = 0; i < r; i++) {
    const row = o + i * c
    for (let j = 0; j < c; j++) dst[j * r + i] = src[row + j]!
  }
}

/** out[i, j] = Σ_q a[i, q] · b[j, q] for a m×k and b n×k, both row-major. */
const rowsTimesRows = (a: Buffer, ao: number, b: Buffer, bo: number, out: Buffer, oo: number, m: number, n: number, k: number): void => {
  const m4 = m - (m % 4)
  const n4 = n - (n % 4)
  for (let i = 0; i < m4; i += 4) {
    const a0 = ao + i * k
    const a1 = a0 + k
    const a2 = a1 + k
    const a3 = a2 + k
    for (let j = 0; j < n4; j += 4) {
      const b0 = bo + j * k
      const b1 = b0 + k
      const b2 = b1 + k
      const b3 = b2 + k
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0
      for (let q = 0; q < k; q++) {
        const y0 = b[b0 + q]!
        const y1 = b[b1 + q]!
        const y2 = b[b2 + q]!
        const y3 = b[b3 + q]!
        let x = a[a0 + q]!
        c00 += x * y0; c01 += x * y1; c02 += x * y2; c03 += x * y3
        x = a[a1 + q]!
        c10 += x * y0; c11 += x * y1; c12 += x * y2; c13 += x * y3
        x = a[a2 + q]!
        c20 += x * y0; c21 += x * y1; c22 += x * y2; c23 += x * y3
        x = a[a3 + q]!
        c30 += x * y0; c31 += x * y1; c32 += x * y2; c33 += x * y3
      }
      let o = oo + i * n + j
      out[o] = c00; out[o + 1] = c01; out[o + 2] = c02; out[o + 3] = c03
      o += n
      out[o] = c10; out[o + 1] = c11; out[o + 2] = c12; out[o + 3] = c13
      o += n
      out[o] = c20; out[o + 1] = c21; out[o + 2] = c22; out[o + 3] = c23
      o += n
      out[o] = c30; out[o + 1] = c31; out[o + 2] = c32; out[o + 3] = c33
    }
  }
  // the edges: rows below m4 for every column, columns past n4 for the tiled rows
  if (m4 < m) dots(a, ao, b, bo, out, oo, m4, m, 0, n, n, k)
  if (n4 < n) dots(a, ao, b, bo, out, oo, 0, m4, n4, n, n, k)
}

/** Plain dot products for out rows [i0, i1) × columns [j0, j1). */
const dots = (a: Buffer, ao: number, b: Buffer, bo: number, out: Buffer, oo: number, i0: number, i1: number, j0: number, j1: number, n: number, k: number): void => {
  for (let i = i0; i < i1; i++) {
    const ai = ao + i * k
    for (let j = j0; j < j1; j++) {
      const bj = bo + j * k
      let s = 0
      for (let q = 0; q < k; q++) s += a[ai + q]! * b[bj + q]!
      out[oo + i * n + j] = s
    }
  }
}

/**
 * Applies a product's epilogue to `out` (rows of n elements) in place: out[i, j] + bias[j],
 * stored (rounded to out's dtype, as the add kernel stores it), then relu of the stored value
 * (as the relu kernel computes it: NaN propagates, −0 becomes +0).
 */
export const applyEpilogue = (out: Buffer, n: number, e: Epilogue): void => {
  const { bias } = e
  const relu = e.act === 'relu'
  for (let r = 0; r < out.length; r += n) {
    for (let j = 0; j < n; j++) {
      out[r + j] = out[r + j]! + bias[j]!
      if (relu) {
        const v = out[r + j]!
        out[r + j] = v > 0 ? v : v !== v ? v : 0
      }
    }
  }
}
