/**
 * Naive reference implementations, written from the definitions with explicit index loops, that
 * the kernels are checked against. Slow on purpose: obvious beats fast here.
 */
import { Tensor as T } from '../src/index.js'

type Shape = ReadonlyArray<number>

export const strides = (s: Shape): number[] => s.map((_, i) => s.slice(i + 1).reduce((p, d) => p * d, 1))

/** All multi-indices of a shape, row-major. */
export const indices = (s: Shape): number[][] => {
  const out: number[][] = []
  const rec = (prefix: number[]): void => {
    if (prefix.length === s.length) out.push(prefix)
    else for (let i = 0; i < s[prefix.length]!; i++) rec([...prefix, i])
  }
  rec([])
  return out
}

const at = (t: T.Tensor, data: number[], ix: ReadonlyArray<number>): number => {
  const st = strides(t.shape)
  // right-aligned broadcast read: size-1 axes read index 0
  const off = ix.length - t.rank
  return data[t.shape.reduce((o, d, i) => o + (d === 1 ? 0 : ix[off + i]!) * st[i]!, 0)]!
}

export const broadcastShape = (a: Shape, b: Shape): number[] => {
  const r = Math.max(a.length, b.length)
  return Array.from({ length: r }, (_, i) => {
    const x = a[a.length - r + i] ?? 1
    const y = b[b.length - r + i] ?? 1
    return x === 1 ? y : x
  })
}

const round = (dtype: T.DType, v: number): number => (dtype === 'float32' ? Math.fround(v) : dtype === 'int32' ? v | 0 : v)

/** Elementwise binary op by explicit loop over the broadcast shape. */
export const binary = (f: (x: number, y: number) => number, a: T.Tensor, b: T.Tensor): T.Tensor => {
  const shape = broadcastShape(a.shape, b.shape)
  const da = T.toArray(a)
  const db = T.toArray(b)
  return T.fromArray(indices(shape).map((ix) => round(a.dtype, f(at(a, da, ix), at(b, db, ix)))), shape, a.dtype)
}

export const where = (c: T.Tensor, a: T.Tensor, b: T.Tensor): T.Tensor => {
  const shape = broadcastShape(c.shape, broadcastShape(a.shape, b.shape))
  const [dc, da, db] = [T.toArray(c), T.toArray(a), T.toArray(b)]
  return T.fromArray(indices(shape).map((ix) => (at(c, dc, ix) !== 0 ? at(a, da, ix) : at(b, db, ix))), shape, a.dtype)
}

/** (batched) matmul by the textbook triple loop, in float64, operands given untransposed. */
export const matmul = (a: T.Tensor, b: T.Tensor): T.Tensor => {
  const [m, k] = a.shape.slice(-2) as [number, number]
  const n = b.shape[b.rank - 1]!
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2))
  const da = T.toArray(a)
  const db = T.toArray(b)
  const out: number[] = []
  for (const bi of indices(batch)) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0
        for (let q = 0; q < k; q++) s += at(a, da, [...bi, i, q]) * at(b, db, [...bi, q, j])
        out.push(round(a.dtype, s))
      }
    }
  }
  return T.fromArray(out, [...batch, m, n], a.dtype)
}

/** Reduction over axes by grouping every element under its output multi-index. */
export const reduce = (f: (xs: number[]) => number, x: T.Tensor, axes: ReadonlyArray<number>, keepdims: boolean): T.Tensor => {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
  const groups = new Map<string, number[]>()
  const data = T.toArray(x)
  indices(x.shape).forEach((ix, flat) => {
    const key = ix.map((v, i) => (axes.includes(i) ? 0 : v)).join(',')
    const g = groups.get(key) ?? []
    g.push(data[flat]!)
    groups.set(key, g)
  })
  const values = indices(kept).map((ix) => round(x.dtype, f(groups.get(ix.join(',')) ?? [])))
  return T.fromArray(values, keepdims ? kept : x.shape.filter((_, i) => !axes.includes(i)), x.dtype)
}
