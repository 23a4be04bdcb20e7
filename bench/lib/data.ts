/**
 * The benchmark's data, shared by every library in the run: MNIST from the `mnist` package
 * (its images ship inside the package), `set(8000, 2000)`, which yields 8000 training and
 * 1756 test images (the package is short of some digits), as in the peer measurements.
 * The package shuffles with Math.random; a seeded generator stands in during the call, so
 * the order is the same on every run.
 */
import { createRequire } from 'node:module'

interface Sample {
  readonly input: ReadonlyArray<number>
  readonly output: ReadonlyArray<number>
}
interface Mnist {
  set(training: number, test: number): { training: Sample[]; test: Sample[] }
}

/** n samples as rows: x is n × 784 in [0, 1], y is n × 10 one-hot, labels are the digits. */
export interface Split {
  readonly n: number
  readonly x: Float32Array
  readonly y: Float32Array
  readonly labels: Int32Array
}

/** A seeded generator in [0, 1) (mulberry32). */
export const prng = (seed: number): (() => number) => {
  let t = seed >>> 0
  return () => {
    t = (t + 0x6d2b79f5) >>> 0
    let r = Math.imul(t ^ (t >>> 15), 1 | t)
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
}

const toSplit = (samples: Sample[]): Split => {
  const n = samples.length
  const x = new Float32Array(n * 784)
  const y = new Float32Array(n * 10)
  const labels = new Int32Array(n)
  samples.forEach((s, i) => {
    x.set(s.input, i * 784)
    y.set(s.output, i * 10)
    labels[i] = s.output.indexOf(1)
  })
  return { n, x, y, labels }
}

/** Loads the training and test splits. */
export const loadMnist = (): { readonly train: Split; readonly test: Split } => {
  const mnist = createRequire(import.meta.url)('mnist') as Mnist
  const random = Math.random
  Math.random = prng(20261123)
  try {
    const { training, test } = mnist.set(8000, 2000)
    return { train: toSplit(training), test: toSplit(test) }
  } finally {
    Math.random = random
  }
}

/** A seeded permutation of 0 … n−1 for one epoch. */
export const epochOrder = (n: number, epoch: number): Int32Array => {
  const r = prng(1000 + epoch)
  const p = Int32Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1))
    const t = p[i]!
    p[i] = p[j]!
    p[j] = t
  }
  return p
}

/** Batches of one epoch: rows of x and y gathered in `order`, `size` at a time (the last one shorter). */
export function* batches(d: Split, order: Int32Array, size: number): Generator<{ x: Float32Array; y: Float32Array; rows: number }> {
  for (let s = 0; s < order.length; s += size) {
    const rows = Math.min(size, order.length - s)
    const x = new Float32Array(rows * 784)
    const y = new Float32Array(rows * 10)
    for (let r = 0; r < rows; r++) {
      const i = order[s + r]!
      x.set(d.x.subarray(i * 784, (i + 1) * 784), r * 784)
      y.set(d.y.subarray(i * 10, (i + 1) * 10), r * 10)
    }
    yield { x, y, rows }
  }
}
