/** Functions over leaves, for the tree laws; the tree arbitraries are those of puregrad/testing. */
import fc from 'fast-check'
import { Tensor as T } from '../../src/index.js'

export * from '../../src/testing/tree.js'

// -------------------------------------------------------------------------------------
// functions over leaves

/** A function over leaves, named so fast-check prints it in counterexamples. */
export type LeafFn = ((leaf: T.Tensor, path: string) => T.Tensor) & { readonly toString: () => string }

const named = (name: string, f: (leaf: T.Tensor, path: string) => T.Tensor): LeafFn =>
  Object.assign(f, { toString: () => name })

/** Elementwise through raw copies, never through the arithmetic ops under test elsewhere. */
const pointwise = (t: T.Tensor, g: (v: number, i: number) => number, dtype: T.DType = t.dtype): T.Tensor => {
  const src = T.toTypedArray(t)
  const out = dtype === 'float64' ? new Float64Array(src.length) : dtype === 'float32' ? new Float32Array(src.length) : new Int32Array(src.length)
  for (let i = 0; i < src.length; i++) out[i] = g(src[i]!, i)
  return T.fromArray(out, t.shape, dtype)
}

/** Functions that keep each leaf's shape and dtype (so the structure stays the same). */
export const shapePreservingFns: ReadonlyArray<LeafFn> = [
  named('identity', (x) => x),
  named('negate', (x) => pointwise(x, (v) => (x.dtype === 'int32' ? -v | 0 : -v))),
  named('plusIndex', (x) => pointwise(x, (v, i) => (x.dtype === 'int32' ? (v + i) | 0 : v + i))),
  named('zerosLike', (x) => T.zerosLike(x)),
  named('negateWhenPathIsLong', (x, path) => (path.length > 3 ? pointwise(x, (v) => (x.dtype === 'int32' ? -v | 0 : -v)) : x)),
  named('fillWithPathLength', (x, path) => T.fullLike(x, path.length)),
]

/** Functions that may change a leaf's shape or dtype. */
export const anyFns: ReadonlyArray<LeafFn> = [
  ...shapePreservingFns,
  named('ravel', (x) => T.fromArray(T.toTypedArray(x), [x.size], x.dtype)),
  named('sizeAsScalar', (x) => T.scalar(x.size, 'int32')),
  named('toFloat64', (x) => pointwise(x, (v) => v, 'float64')),
  named('appendAxis', (x) => T.fromArray(T.toTypedArray(x), [...x.shape, 1], x.dtype)),
]

/** A function that keeps shapes and dtypes. */
export const shapePreservingFn: fc.Arbitrary<LeafFn> = fc.constantFrom(...shapePreservingFns)

/** A function over leaves. */
export const leafFn: fc.Arbitrary<LeafFn> = fc.constantFrom(...anyFns)
