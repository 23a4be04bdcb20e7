/** fast-check arbitraries for shapes and tensors. */
import fc from 'fast-check'
import { Tensor as T } from '../../src/index.js'

export interface ShapeOptions {
  readonly minRank?: number
  readonly maxRank?: number
  /** smallest size of an axis (0 allows empty tensors) */
  readonly minDim?: number
  readonly maxDim?: number
}

export const shape = (o: ShapeOptions = {}): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: o.minDim ?? 1, max: o.maxDim ?? 4 }), { minLength: o.minRank ?? 0, maxLength: o.maxRank ?? 4 })

export interface ValueOptions {
  readonly dtype?: T.FloatDType
  readonly min?: number
  readonly max?: number
}

/** Finite values in [min, max] (default [-10, 10]) that the dtype represents exactly. */
export const value = (o: ValueOptions = {}): fc.Arbitrary<number> => {
  const min = o.min ?? -10
  const max = o.max ?? 10
  return o.dtype === 'float64'
    ? fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
    : fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true })
}

/** A tensor of a given shape. */
export const tensorOfShape = (s: ReadonlyArray<number>, o: ValueOptions = {}): fc.Arbitrary<T.Tensor> => {
  const n = T.sizeOf(s)
  return fc.array(value(o), { minLength: n, maxLength: n }).map((vs) => T.fromArray(vs, s, o.dtype ?? 'float32'))
}

/** A tensor of a random shape. */
export const tensor = (o: ValueOptions & ShapeOptions = {}): fc.Arbitrary<T.Tensor> =>
  shape(o).chain((s) => tensorOfShape(s, o))

/** Two shapes that broadcast together (sizes dropped or set to 1 on either side). */
export const broadcastablePair = (o: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> =>
  shape({ minRank: o.minRank ?? 0, maxRank: o.maxRank ?? 4, minDim: o.minDim ?? 1, maxDim: o.maxDim ?? 4 }).chain((full) =>
    fc
      .tuple(
        fc.integer({ min: 0, max: full.length }),
        fc.integer({ min: 0, max: full.length }),
        fc.array(fc.constantFrom(0, 1, 2), { minLength: full.length, maxLength: full.length }),
      )
      .map(([da, db, mask]) => {
        // 0: both keep the size; 1: a has 1; 2: b has 1
        const a = full.map((d, i) => (mask[i] === 1 ? 1 : d)).slice(da)
        const b = full.map((d, i) => (mask[i] === 2 ? 1 : d)).slice(db)
        return [a, b] as [number[], number[]]
      }),
  )
