/**
 * Eigenvectors of symmetric matrices, for PCA: the cyclic Jacobi method for small or complete
 * problems, and subspace (orthogonal) iteration with a Rayleigh–Ritz step for the leading k of
 * a large matrix. Float64 throughout. @internal
 */

/** Eigenvalues (descending) and eigenvectors (column j of the d×d row-major `vectors`) of a symmetric d×d matrix. */
export const jacobiEigen = (a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } => {
  const m = Float64Array.from(a)
  const v = new Float64Array(d * d)
  for (let i = 0; i < d; i++) v[i * d + i] = 1
  const scale = Math.sqrt(m.reduce((s, x) => s + x * x, 0)) || 1
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p * d + q]! ** 2
    if (Math.sqrt(off) <= 1e-15 * scale) break
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q]!
        if (Math.abs(apq) < 1e-300) continue
        // rotation angle that zeroes m[p, q] (Golub & Van Loan 8.4)
        const theta = (m[q * d + q]! - m[p * d + p]!) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < d; k++) {
          const mkp = m[k * d + p]!
          const mkq = m[k * d + q]!
          m[k * d + p] = c * mkp - s * mkq
          m[k * d + q] = s * mkp + c * mkq
        }
        for (let k = 0; k < d; k++) {
          const mpk = m[p * d + k]!
          const mqk = m[q * d + k]!
          m[p * d + k] = c * mpk - s * mqk
          m[q * d + k] = s * mpk + c * mqk
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!
          const vkq = v[k * d + q]!
          v[k * d + p] = c * vkp - s * vkq
          v[k * d + q] = s * vkp + c * vkq
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => m[j * d + j]! - m[i * d + i]!)
  const values = Float64Array.from(order, (i) => m[i * d + i]!)
  const vectors = new Float64Array(d * d)
  order.forEach((src, dst) => {
    for (let k = 0; k < d; k++) vectors[k * d + dst] = v[k * d + src]!
  })
  return { values, vectors }
}

/** Orthonormalises the k columns of a d×k row-major matrix in place (modified Gram–Schmidt). */
const orthonormalize = (q: Float64Array, d: number, k: number): void => {
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0
      for (let r = 0; r < d; r++) dot += q[r * k + i]! * q[r * k + j]!
      for (let r = 0; r < d; r++) q[r * k + j]! -= dot * q[r * k + i]!
    }
    let norm = 0
    for (let r = 0; r < d; r++) norm += q[r * k + j]! ** 2
    norm = Math.sqrt(norm) || 1
    for (let r = 0; r < d; r++) q[r * k + j]! /= norm
  }
}

/** The leading k eigenpairs of a symmetric d×d matrix by subspace iteration. */
export const topEigen = (a: Float64Array, d: number, k: number, start: Float64Array): { values: Float64Array; vectors: Float64Array } => {
  const q = Float64Array.from(start)
  orthonormalize(q, d, k)
  let values: Float64Array = new Float64Array(k)
  for (let iter = 0; iter < 500; iter++) {
    const z = new Float64Array(d * k)
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) {
      const arc = a[r * d + c]!
      if (arc !== 0) for (let j = 0; j < k; j++) z[r * k + j]! += arc * q[c * k + j]!
    }
    orthonormalize(z, d, k)
    // Rayleigh–Ritz: B = Zᵀ A Z, then rotate Z by B's eigenvectors
    const az = new Float64Array(d * k)
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) {
      const arc = a[r * d + c]!
      if (arc !== 0) for (let j = 0; j < k; j++) az[r * k + j]! += arc * z[c * k + j]!
    }
    const b = new Float64Array(k * k)
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
      let s = 0
      for (let r = 0; r < d; r++) s += z[r * k + i]! * az[r * k + j]!
      b[i * k + j] = s
    }
    const small = jacobiEigen(b, k)
    for (let r = 0; r < d; r++) for (let j = 0; j < k; j++) {
      let s = 0
      for (let i = 0; i < k; i++) s += z[r * k + i]! * small.vectors[i * k + j]!
      q[r * k + j] = s
    }
    const converged = small.values.every((v, i) => Math.abs(v - values[i]!) <= 1e-12 * Math.max(1, Math.abs(v)))
    values = small.values
    if (converged && iter > 2) break
  }
  return { values, vectors: q }
}
