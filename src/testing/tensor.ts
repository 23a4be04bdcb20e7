/** fast-check arbitraries for shapes and tensors. */
import fc from 'fast-check'
import * as T from '../tensor/index.js'

/** Bounds of a random shape. @category arbitraries */
export interface ShapeOptions {
  readonly minRank?: number
  readonly maxRank?: number
  /** smallest size of an axis (0 allows empty tensors) */
  readonly minDim?: number
  readonly maxDim?: number
}

/**
 * A random shape: rank in [minRank, maxRank] (default 0…4), sizes in [minDim, maxDim] (default 1…4).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { fc, shape } from 'puregrad/testing'
 * for (const s of fc.sample(shape({ minRank: 1, maxRank: 2, maxDim: 3 }), 20)) assert.ok(s.length >= 1 && s.length <= 2 && s.every((d) => d >= 1 && d <= 3))
 * ```
 * @category arbitraries
 */
export const shape = (o: ShapeOptions = {}): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: o.minDim ?? 1, max: o.maxDim ?? 4 }), { minLength: o.minRank ?? 0, maxLength: o.maxRank ?? 4 })

/** The dtype and range of random values. @category arbitraries */
export interface ValueOptions {
  readonly dtype?: T.FloatDType
  readonly min?: number
  readonly max?: number
}

/**
 * Finite values in [min, max] (default [-10, 10]) that the dtype represents exactly.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { fc, value } from 'puregrad/testing'
 * for (const v of fc.sample(value({ min: 0, max: 1 }), 20)) assert.ok(v >= 0 && v <= 1 && Math.fround(v) === v)
 * ```
 * @category arbitraries
 */
export const value = (o: ValueOptions = {}): fc.Arbitrary<number> => {
  const min = o.min ?? -10
  const max = o.max ?? 10
  return o.dtype === 'float64'
    ? fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
    : fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true })
}

/**
 * A tensor of a given shape (float32 unless `dtype` says otherwise).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { fc, tensorOfShape } from 'puregrad/testing'
 * const [x] = fc.sample(tensorOfShape([2, 3], { dtype: 'float64' }), 1)
 * assert.deepEqual([x!.shape, x!.dtype], [[2, 3], 'float64'])
 * ```
 * @category arbitraries
 */
export const tensorOfShape = (s: ReadonlyArray<number>, o: ValueOptions = {}): fc.Arbitrary<T.Tensor> => {
  const n = T.sizeOf(s)
  return fc.array(value(o), { minLength: n, maxLength: n }).map((vs) => T.fromArray(vs, s, o.dtype ?? 'float32'))
}

/**
 * A tensor of a random shape.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { fc, tensor } from 'puregrad/testing'
 * for (const x of fc.sample(tensor({ maxRank: 2 }), 10)) assert.ok(x.shape.length <= 2 && x.dtype === 'float32')
 * ```
 * @category arbitraries
 */
export const tensor = (o: ValueOptions & ShapeOptions = {}): fc.Arbitrary<T.Tensor> =>
  shape(o).chain((s) => tensorOfShape(s, o))

/**
 * Two shapes that broadcast together (sizes dropped or set to 1 on either side).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { fc, broadcastablePair } from 'puregrad/testing'
 * for (const [a, b] of fc.sample(broadcastablePair(), 10)) assert.ok(T.add(T.zeros(a), T.zeros(b)))
 * ```
 * @category arbitraries
 */
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
