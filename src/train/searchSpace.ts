/**
 * The geometry of a search space, shared by `Train.search` and the study samplers: its check,
 * the map from the unit cube to configurations and back, the grid, and the expected improvement
 * of a Gaussian process fitted to scored points. @internal
 */
import { checkRecord, fail } from '../core/errors.js'

/** One hyperparameter's range. @category model */
export type Param =
  | { readonly kind: 'choice'; readonly values: ReadonlyArray<number | string | boolean> }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'logUniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }

/** A search space: named hyperparameters. @category model */
export type Space = { readonly [name: string]: Param }

/** A point of a space. @category model */
export type Config = { readonly [name: string]: number | string | boolean }

export const checkSpace = (space: Space, op = 'search'): void => {
  checkRecord(op, 'the space', space, "a record of hyperparameters such as { lr: Train.logUniform(1e-4, 1e-1), width: Train.choice(32, 64) }")
  const names = Object.keys(space)
  if (names.length === 0) fail('INVALID_ARGUMENT', op, 'the space has no hyperparameters.')
  for (const [name, p] of Object.entries(space)) {
    const bad = (why: string): never => fail('INVALID_ARGUMENT', op, `hyperparameter '${name}': ${why}.`)
    if (typeof p !== 'object' || p === null || !['choice', 'uniform', 'logUniform', 'int'].includes(p.kind)) bad('make it with Train.choice, Train.uniformParam, Train.logUniform or Train.intParam')
    if (p.kind === 'choice') {
      if (!Array.isArray(p.values) || p.values.length === 0) bad('a choice needs at least one value')
    } else if (!(Number.isFinite(p.min) && Number.isFinite(p.max) && p.min <= p.max)) bad(`min ${p.min} and max ${p.max} must be finite with min ≤ max`)
    else if (p.kind === 'logUniform' && !(p.min > 0)) bad('a log-uniform range must be positive')
    else if (p.kind === 'int' && !(Number.isInteger(p.min) && Number.isInteger(p.max))) bad('an int range needs whole-number bounds')
  }
}

/** Maps a point of the unit cube to a config (log scale for logUniform). */
export const fromUnit = (space: Space, u: ReadonlyArray<number>): Config =>
  Object.fromEntries(
    Object.entries(space).map(([name, p], i) => {
      const t = Math.min(Math.max(u[i]!, 0), 1)
      switch (p.kind) {
        case 'choice':
          return [name, p.values[Math.min(p.values.length - 1, Math.floor(t * p.values.length))]!]
        case 'uniform':
          return [name, p.min + t * (p.max - p.min)]
        case 'logUniform':
          return [name, Math.exp(Math.log(p.min) + t * (Math.log(p.max) - Math.log(p.min)))]
        case 'int':
          return [name, Math.min(p.max, p.min + Math.floor(t * (p.max - p.min + 1)))]
      }
    }),
  )

/** The point of the unit cube a config comes from: the inverse of `fromUnit` (the middle of a choice's or an int's cell). */
export const toUnit = (space: Space, config: Config): number[] =>
  Object.entries(space).map(([name, p]) => {
    const v = config[name]
    switch (p.kind) {
      case 'choice':
        return (Math.max(0, p.values.indexOf(v as never)) + 0.5) / p.values.length
      case 'uniform':
        return p.max === p.min ? 0.5 : ((v as number) - p.min) / (p.max - p.min)
      case 'logUniform':
        return p.max === p.min ? 0.5 : (Math.log(v as number) - Math.log(p.min)) / (Math.log(p.max) - Math.log(p.min))
      case 'int':
        return ((v as number) - p.min + 0.5) / (p.max - p.min + 1)
    }
  })

/** The grid: choices and ints enumerated (ints up to gridPoints values), continuous axes at gridPoints points. */
export const grid = (space: Space, points: number): Config[] => {
  const axes = Object.entries(space).map(([name, p]) => {
    const values: ReadonlyArray<number | string | boolean> =
      p.kind === 'choice'
        ? p.values
        : p.kind === 'int'
          ? Array.from(new Set(Array.from({ length: points }, (_, i) => Math.round(p.min + (i * (p.max - p.min)) / Math.max(1, points - 1)))))
          : Array.from({ length: points }, (_, i) => (fromUnit({ [name]: p }, [points === 1 ? 0.5 : i / (points - 1)])[name] as number))
    return [name, values] as const
  })
  return axes.reduce<Config[]>((configs, [name, values]) => configs.flatMap((c) => values.map((v) => ({ ...c, [name]: v }))), [{}])
}

// ---------------------------------------------------------------------------------------------
// Bayesian optimisation: a Gaussian process on the unit cube, RBF kernel, expected improvement

const rbf = (a: ReadonlyArray<number>, b: ReadonlyArray<number>, length: number): number =>
  Math.exp(-a.reduce((s, ai, i) => s + (ai - b[i]!) ** 2, 0) / (2 * length * length))

/** Lower-triangular Cholesky factor of a symmetric positive-definite n×n matrix. */
const cholesky = (m: number[][]): number[][] => {
  const n = m.length
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = m[i]![j]!
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!
      l[i]![j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j]![j]!
    }
  return l
}

const solveLower = (l: number[][], b: ReadonlyArray<number>): number[] => {
  const x: number[] = []
  for (let i = 0; i < b.length; i++) {
    let s = b[i]!
    for (let k = 0; k < i; k++) s -= l[i]![k]! * x[k]!
    x.push(s / l[i]![i]!)
  }
  return x
}

const normalPdf = (z: number): number => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI)
/** Φ(z) by the Abramowitz–Stegun 7.1.26 erf (1.5e-7 is plenty to rank candidates). */
const normalCdf = (z: number): number => {
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2)
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-(z * z) / 2)
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y)
}

/** Expected improvement (for minimisation) of each candidate under a GP fitted to the observations. */
export const expectedImprovement = (xs: ReadonlyArray<ReadonlyArray<number>>, ys: ReadonlyArray<number>, candidates: ReadonlyArray<ReadonlyArray<number>>): number[] => {
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length
  const sd = Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length) || 1
  const y = ys.map((v) => (v - mean) / sd)
  const length = 0.3
  const noise = 1e-6
  const l = cholesky(xs.map((a, i) => xs.map((b, j) => rbf(a, b, length) + (i === j ? noise : 0))))
  // α = K⁻¹y via the factor
  const z = solveLower(l, y)
  const lt = l.map((_, i) => l.map((row) => row[i]!))
  const alpha = new Array<number>(z.length).fill(0)
  for (let i = z.length - 1; i >= 0; i--) {
    let s = z[i]!
    for (let k = i + 1; k < z.length; k++) s -= lt[i]![k]! * alpha[k]!
    alpha[i] = s / lt[i]![i]!
  }
  const best = Math.min(...y)
  return candidates.map((c) => {
    const k = xs.map((x) => rbf(x, c, length))
    const mu = k.reduce((s, ki, i) => s + ki * alpha[i]!, 0)
    const v = solveLower(l, k)
    const sigma = Math.sqrt(Math.max(1 - v.reduce((s, vi) => s + vi * vi, 0), 1e-12))
    const zz = (best - mu) / sigma
    return (best - mu) * normalCdf(zz) + sigma * normalPdf(zz)
  })
}

