/**
 * From points to training data: a keyed train/test split (Data.split), the chosen features, and
 * standardisation with μ and σ fitted on the training part only (Data.fitStandardizer), applied
 * unchanged to the test points and to the grid the decision boundary is drawn on.
 */
import { Data, Rng, Tensor as T } from 'puregrad'
import { EXTENT, type Point } from './datasets.js'
import { type Feature, type FeatureName, featureRows, ordered } from './features.js'

export interface Inputs {
  readonly trainPoints: ReadonlyArray<Point>
  readonly testPoints: ReadonlyArray<Point>
  /** standardised features and labels ([n, 1], 0 or 1) */
  readonly train: Data.Dataset
  readonly test: Data.Dataset
  readonly features: ReadonlyArray<Feature>
  /** raw coordinates (x1, x2 pairs) to standardised feature rows */
  readonly encode: (coords: ArrayLike<number>) => T.Tensor
}

const toPoints = (ds: Data.Dataset): ReadonlyArray<Point> => {
  const xy = T.toArray(ds.x)
  return T.toArray(ds.y).map((label, i) => ({ x1: xy[2 * i]!, x2: xy[2 * i + 1]!, label: label > 0.5 ? 1 : 0 }))
}

export const prepare = (points: ReadonlyArray<Point>, chosen: ReadonlyArray<FeatureName>, trainRatio: number, key: Rng.Key): Inputs => {
  const all = Data.dataset(
    T.fromArray(points.flatMap((p) => [p.x1, p.x2]), [points.length, 2]),
    T.fromArray(points.map((p) => p.label), [points.length, 1]),
  )
  const [trainRaw, testRaw] = Data.split(key, all, [trainRatio, 1 - trainRatio])
  const features = ordered(chosen)
  const rows = (coords: ArrayLike<number>): T.Tensor => T.fromArray(featureRows(coords, features), [coords.length / 2, features.length])
  const standardizer = Data.fitStandardizer(rows(T.toArray(trainRaw!.x)))
  const encode = (coords: ArrayLike<number>): T.Tensor => Data.standardize(standardizer, rows(coords))
  const of = (ds: Data.Dataset): Data.Dataset => Data.dataset(encode(T.toArray(ds.x)), ds.y)
  return { trainPoints: toPoints(trainRaw!), testPoints: toPoints(testRaw!), train: of(trainRaw!), test: of(testRaw!), features, encode }
}

/**
 * The centres of a res × res grid of cells over [−EXTENT, EXTENT]², row by row from the top
 * (x2 = +EXTENT) down, as (x1, x2) pairs.
 */
export const gridCoords = (res: number): Float32Array => {
  const out = new Float32Array(res * res * 2)
  const cell = (2 * EXTENT) / res
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res; c++) {
      out[2 * (r * res + c)] = -EXTENT + (c + 0.5) * cell
      out[2 * (r * res + c) + 1] = EXTENT - (r + 0.5) * cell
    }
  }
  return out
}
