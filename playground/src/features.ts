/**
 * Input features: what the network sees of a point (x1, x2). Besides the coordinates, squares,
 * their product and sines let a small network draw curved boundaries with few neurons.
 */
export type FeatureName = 'x1' | 'x2' | 'x1Squared' | 'x2Squared' | 'x1x2' | 'sinX1' | 'sinX2'

export interface Feature {
  readonly name: FeatureName
  /** label as HTML (superscripts) */
  readonly label: string
  readonly f: (x1: number, x2: number) => number
}

export const allFeatures: ReadonlyArray<Feature> = [
  { name: 'x1', label: 'x<sub>1</sub>', f: (x1) => x1 },
  { name: 'x2', label: 'x<sub>2</sub>', f: (_, x2) => x2 },
  { name: 'x1Squared', label: 'x<sub>1</sub><sup>2</sup>', f: (x1) => x1 * x1 },
  { name: 'x2Squared', label: 'x<sub>2</sub><sup>2</sup>', f: (_, x2) => x2 * x2 },
  { name: 'x1x2', label: 'x<sub>1</sub>x<sub>2</sub>', f: (x1, x2) => x1 * x2 },
  { name: 'sinX1', label: 'sin x<sub>1</sub>', f: (x1) => Math.sin(x1) },
  { name: 'sinX2', label: 'sin x<sub>2</sub>', f: (_, x2) => Math.sin(x2) },
]

/** The chosen features in the fixed display order. */
export const ordered = (chosen: ReadonlyArray<FeatureName>): ReadonlyArray<Feature> => allFeatures.filter((f) => chosen.includes(f.name))

/** Rows of feature values, one row per point, as a flat row-major array. */
export const featureRows = (coords: ArrayLike<number>, chosen: ReadonlyArray<Feature>): Float32Array => {
  const n = coords.length / 2
  const out = new Float32Array(n * chosen.length)
  for (let i = 0; i < n; i++) {
    const x1 = coords[2 * i]!
    const x2 = coords[2 * i + 1]!
    chosen.forEach((c, j) => {
      out[i * chosen.length + j] = c.f(x1, x2)
    })
  }
  return out
}
