/**
 * The four 2-D data sets, each a pure function of a key: the same seed gives the same points,
 * in any browser. Coordinates lie in about [−6, 6]²; labels are 1 (blue) or 0 (orange).
 * Noise (0 to 0.5) moves each point by a Gaussian step, or widens the clusters.
 */
import { Rng, Tensor as T } from 'puregrad'

export type DatasetName = 'circle' | 'xor' | 'gaussian' | 'spiral'

export interface Point {
  readonly x1: number
  readonly x2: number
  readonly label: 0 | 1
}

export const datasetNames: ReadonlyArray<DatasetName> = ['circle', 'xor', 'gaussian', 'spiral']

export const datasetTitles: Readonly<Record<DatasetName, string>> = {
  circle: 'Circle',
  xor: 'XOR',
  gaussian: 'Two Gaussians',
  spiral: 'Spiral',
}

/** Half the side of the square the data and the decision boundary cover. */
export const EXTENT = 6

/** The random numbers a data set is made from: uniforms in [0, 1) and standard normals, two per point. */
interface Draws {
  readonly u: (i: number, j: 0 | 1) => number
  readonly z: (i: number, j: 0 | 1) => number
}

const draws = (key: Rng.Key, n: number): Draws => {
  const [ku, kz] = Rng.split(key)
  const u = T.toArray(Rng.uniform(ku, [n, 2]))
  const z = T.toArray(Rng.normal(kz, [n, 2]))
  return { u: (i, j) => u[2 * i + j]!, z: (i, j) => z[2 * i + j]! }
}

const generators: Readonly<Record<DatasetName, (d: Draws, n: number, noise: number) => Point[]>> = {
  // an inner disc (radius ≤ 2) inside a ring (radius 3 to 5)
  circle: (d, n, noise) =>
    Array.from({ length: n }, (_, i) => {
      const inner = i < n / 2
      const r = inner ? 2 * Math.sqrt(d.u(i, 0)) : 3 + 2 * d.u(i, 0)
      const a = 2 * Math.PI * d.u(i, 1)
      const s = 2 * noise
      return { x1: r * Math.cos(a) + s * d.z(i, 0), x2: r * Math.sin(a) + s * d.z(i, 1), label: inner ? 1 : 0 }
    }),
  // the four quadrants, kept a little away from the axes; blue where x1 and x2 share a sign
  xor: (d, n, noise) =>
    Array.from({ length: n }, (_, i) => {
      const away = (v: number): number => v + Math.sign(v) * 0.3
      const x1 = away(10 * d.u(i, 0) - 5)
      const x2 = away(10 * d.u(i, 1) - 5)
      const s = 2 * noise
      return { x1: x1 + s * d.z(i, 0), x2: x2 + s * d.z(i, 1), label: x1 * x2 > 0 ? 1 : 0 }
    }),
  // two round clusters around (2, 2) and (−2, −2); noise widens them until they overlap
  gaussian: (d, n, noise) =>
    Array.from({ length: n }, (_, i) => {
      const blue = i < n / 2
      const c = blue ? 2 : -2
      const s = 0.7 + 2.5 * noise
      return { x1: c + s * d.z(i, 0), x2: c + s * d.z(i, 1), label: blue ? 1 : 0 }
    }),
  // two arms winding one and a half turns around the origin, half a turn apart
  spiral: (d, n, noise) => {
    const m = Math.floor(n / 2)
    return Array.from({ length: n }, (_, i) => {
      const blue = i < m
      const t = (blue ? i : i - m) / m
      const r = 0.4 + 4.8 * t
      const a = 3 * Math.PI * t + (blue ? 0 : Math.PI)
      const s = 1.2 * noise
      return { x1: r * Math.cos(a) + s * d.z(i, 0), x2: r * Math.sin(a) + s * d.z(i, 1), label: blue ? 1 : 0 }
    })
  },
}

/**
 * `n` labelled points of a data set; a pure function of its arguments.
 *
 * @example
 * generate('spiral', Rng.key(1), 500, 0.1)   // the same 500 points every time
 */
export const generate = (name: DatasetName, key: Rng.Key, n: number, noise: number): ReadonlyArray<Point> =>
  generators[name](draws(key, n), n, Math.min(0.5, Math.max(0, noise)))
