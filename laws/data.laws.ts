/**
 * Every fitted transform of Data has an inverse: unstandardize ∘ standardize and
 * pcaInverse ∘ pcaTransform give the data back (up to rounding), over random matrices of
 * examples, constant features and whitening included.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Data, Tensor as T } from '../src/index.js'

/** n × d examples, float64, with features of different scales; a column may be constant. */
const examples = fc
  .record({ n: fc.integer({ min: 2, max: 12 }), d: fc.integer({ min: 1, max: 5 }) })
  .chain(({ n, d }) =>
    fc.record({
      values: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n * d, maxLength: n * d }),
      scales: fc.array(fc.constantFrom(1e-3, 1, 1e3), { minLength: d, maxLength: d }),
      constant: fc.integer({ min: -1, max: d - 1 }),
    }).map(({ values, scales, constant }) => T.fromArray(values.map((v, i) => (i % d === constant ? 7 : v * scales[i % d]!)), [n, d], 'float64')),
  )

/** Close within a tolerance relative to the largest magnitude of `b`. */
const near = (a: T.Tensor, b: T.Tensor, rel: number): boolean => {
  const scale = Math.max(1, T.item(T.max(T.abs(b))))
  return T.allclose(a, b, { atol: rel * scale, rtol: 0 })
}

describe('inverses of the fitted transforms', () => {
  test.prop([examples])('unstandardize(s, standardize(s, x)) ≈ x, and standardize ∘ unstandardize ≈ id', (x) => {
    const s = Data.fitStandardizer(x)
    expect(near(Data.unstandardize(s, Data.standardize(s, x)), x, 1e-12)).toBe(true)
    const z = Data.standardize(s, x)
    expect(near(Data.standardize(s, Data.unstandardize(s, z)), z, 1e-12)).toBe(true)
  })

  test.prop([examples])('in float32 too, within float32 rounding', (x64) => {
    const x = T.cast(x64, 'float32')
    const s = Data.fitStandardizer(x)
    expect(near(Data.unstandardize(s, Data.standardize(s, x)), x, 1e-5)).toBe(true)
  })

  test.prop([examples, fc.boolean()])('pcaInverse(p, pcaTransform(p, x)) ≈ x with every component kept, whitened or not', (x, whiten) => {
    const p = Data.fitPca(x, { whiten })
    expect(near(Data.pcaInverse(p, Data.pcaTransform(p, x)), x, 1e-9)).toBe(true)
  })

  test.prop([examples, fc.boolean()])('with fewer components, pcaTransform(p, pcaInverse(p, z)) ≈ z: the reconstruction keeps the coordinates', (x, whiten) => {
    const k = Math.max(1, x.shape[1]! - 1)
    const p = Data.fitPca(x, { components: k, whiten })
    const z = Data.pcaTransform(p, x)
    expect(near(Data.pcaTransform(p, Data.pcaInverse(p, z)), z, 1e-9)).toBe(true)
  })
})
