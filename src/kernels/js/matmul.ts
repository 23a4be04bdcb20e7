/**
 * Matrix product, with either operand read transposed in place (no copy).
 *
 * Each of the four layouts uses the loop order that keeps the innermost loop on contiguous
 * memory; sums are accumulated in float64 and rounded once into `out`. Zeros are not skipped:
 * 0 · ∞ and 0 · NaN must give NaN, as IEEE arithmetic says.
 * @internal
 */
import type { Buffer } from '../../core/dtype.js'
import type { MatmulSpec } from '../Kernels.js'

export const matmul = (a: Buffer, b: Buffer, out: Buffer, s: MatmulSpec): void => {
  const { m, n, k } = s
  const acc = new Float64Array(m * n)
  for (let p = 0; p < s.batch; p++) {
    const ao = p * s.aBatchStride
    const bo = p * s.bBatchStride
    const oo = p * m * n
    acc.fill(0)
    if (!s.transA && !s.transB) nn(a, ao, b, bo, acc, m, n, k)
    else if (!s.transA && s.transB) nt(a, ao, b, bo, acc, m, n, k)
    else if (s.transA && !s.transB) tn(a, ao, b, bo, acc, m, n, k)
    else tt(a, ao, b, bo, acc, m, n, k)
    for (let i = 0; i < m * n; i++) out[oo + i] = acc[i]!
  }
}

/** a m×k, b k×n: i-k-j, the inner loop runs along rows of b and out. */
const nn = (a: Buffer, ao: number, b: Buffer, bo: number, acc: Float64Array, m: number, n: number, k: number): void => {
  for (let i = 0; i < m; i++) {
    const ci = i * n
    const ai = ao + i * k
    for (let q = 0; q < k; q++) {
      const v = a[ai + q]!
      const bq = bo + q * n
      for (let j = 0; j < n; j++) acc[ci + j]! += v * b[bq + j]!
    }
  }
}

/** a m×k, b stored n×k: each out element is a dot product of two contiguous rows. */
const nt = (a: Buffer, ao: number, b: Buffer, bo: number, acc: Float64Array, m: number, n: number, k: number): void => {
  const k4 = k - (k % 4)
  for (let i = 0; i < m; i++) {
    const ai = ao + i * k
    for (let j = 0; j < n; j++) {
      const bj = bo + j * k
      let s0 = 0
      let s1 = 0
      let s2 = 0
      let s3 = 0
      let q = 0
      for (; q < k4; q += 4) {
        s0 += a[ai + q]! * b[bj + q]!
        s1 += a[ai + q + 1]! * b[bj + q + 1]!
        s2 += a[ai + q + 2]! * b[bj + q + 2]!
        s3 += a[ai + q + 3]! * b[bj + q + 3]!
      }
      for (; q < k; q++) s0 += a[ai + q]! * b[bj + q]!
      acc[i * n + j] = s0 + s1 + s2 + s3
    }
  }
}

/** a stored k×m, b k×n: k-i-j, rank-1 updates along contiguous rows. */
const tn = (a: Buffer, ao: number, b: Buffer, bo: number, acc: Float64Array, m: number, n: number, k: number): void => {
  for (let q = 0; q < k; q++) {
    const aq = ao + q * m
    const bq = bo + q * n
    for (let i = 0; i < m; i++) {
      const v = a[aq + i]!
      const ci = i * n
      for (let j = 0; j < n; j++) acc[ci + j]! += v * b[bq + j]!
    }
  }
}

/** a stored k×m, b stored n×k. */
const tt = (a: Buffer, ao: number, b: Buffer, bo: number, acc: Float64Array, m: number, n: number, k: number): void => {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const bj = bo + j * k
      let s = 0
      for (let q = 0; q < k; q++) s += a[ao + q * m + i]! * b[bj + q]!
      acc[i * n + j] = s
    }
  }
}
