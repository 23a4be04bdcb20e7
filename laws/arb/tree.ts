/** fast-check arbitraries for parameter trees, their leaves, and functions over leaves. */
import fc from 'fast-check'
import { Tensor as T, Tree } from '../../src/index.js'
import { type ShapeOptions, shape } from './tensor.js'

const DTYPES: ReadonlyArray<T.DType> = ['float32', 'float64', 'int32']
const I32_MIN = -2147483648
const I32_MAX = 2147483647

export interface LeafOptions extends ShapeOptions {
  /** dtypes to draw from (default all three) */
  readonly dtypes?: ReadonlyArray<T.DType>
  /**
   * Draw from every value the dtype holds: NaN, ±Infinity, −0, subnormals, the extremes
   * (default false: finite values in [−10, 10], small integers).
   */
  readonly special?: boolean
}

/** One value of a dtype. */
export const valueOf = (dtype: T.DType, special = false): fc.Arbitrary<number> => {
  switch (dtype) {
    case 'float64':
      return special ? fc.double() : fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true })
    case 'float32':
      return special ? fc.float() : fc.float({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true })
    case 'int32':
      return special ? fc.integer({ min: I32_MIN, max: I32_MAX }) : fc.integer({ min: -100, max: 100 })
  }
}

/** A tensor of a given shape and dtype. */
export const leafOf = (s: ReadonlyArray<number>, dtype: T.DType, special = false): fc.Arbitrary<T.Tensor> => {
  const n = T.sizeOf(s)
  return fc.array(valueOf(dtype, special), { minLength: n, maxLength: n }).map((vs) => T.fromArray(vs, s, dtype))
}

/** A tensor of a random shape (rank ≤ 3, sizes 0…3 by default, so empty tensors occur) and dtype. */
export const leaf = (o: LeafOptions = {}): fc.Arbitrary<T.Tensor> =>
  fc
    .tuple(
      shape({ minRank: o.minRank ?? 0, maxRank: o.maxRank ?? 3, minDim: o.minDim ?? 0, maxDim: o.maxDim ?? 3 }),
      fc.constantFrom(...(o.dtypes ?? DTYPES)),
    )
    .chain(([s, d]) => leafOf(s, d, o.special ?? false))

/** Record keys: parameter-like names, keys that sort differently as strings and as numbers, and awkward ones. */
export const key: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('W', 'b', 'layers', 'mu', 'nu', 'gamma', 'beta', 'a', 'Z', '0', '9', '10'),
  fc.constantFrom('', 'x.y', '__proto__', 'constructor', 'é'),
  fc.string({ maxLength: 3 }),
)

export interface TreeOptions extends LeafOptions {
  /** deepest nesting of arrays and records (default 3) */
  readonly maxDepth?: number
  /** most children of an array or record (default 4) */
  readonly maxChildren?: number
}

/** A random tree: nested arrays and records (some with a null prototype) of random tensors. */
export const tree = (o: TreeOptions = {}): fc.Arbitrary<Tree.Tree> => {
  const depthIdentifier = fc.createDepthIdentifier()
  const maxLength = o.maxChildren ?? 4
  const { node } = fc.letrec<{ node: Tree.Tree; array: ReadonlyArray<Tree.Tree>; record: Readonly<Record<string, Tree.Tree>> }>(
    (tie) => ({
      node: fc.oneof(
        { maxDepth: o.maxDepth ?? 3, withCrossShrink: true, depthIdentifier },
        { arbitrary: leaf(o), weight: 1 },
        { arbitrary: tie('array'), weight: 1 },
        { arbitrary: tie('record'), weight: 2 },
      ),
      array: fc.array(tie('node'), { maxLength, depthIdentifier }),
      record: fc.dictionary(key, tie('node'), { maxKeys: maxLength, depthIdentifier }),
    }),
  )
  return node
}

/** A tree with at least one leaf. */
export const nonEmptyTree = (o: TreeOptions = {}): fc.Arbitrary<Tree.Tree> => tree(o).filter((t) => Tree.count(t) > 0)

const isRecord = (u: Tree.Tree): u is { readonly [key: string]: Tree.Tree } => !T.isTensor(u) && !Array.isArray(u)

/** A tree with the same structure as `t` (keys, lengths, shapes, dtypes) and fresh values. */
export const treeLike = (t: Tree.Tree, special = false): fc.Arbitrary<Tree.Tree> => {
  if (T.isTensor(t)) return leafOf(t.shape, t.dtype, special)
  if (Array.isArray(t)) return fc.tuple(...t.map((c: Tree.Tree) => treeLike(c, special)))
  if (!isRecord(t)) throw new Error('unreachable')
  const keys = Object.keys(t)
  return fc
    .tuple(...keys.map((k) => treeLike(t[k]!, special)))
    .map((vs) => Object.fromEntries(keys.map((k, i) => [k, vs[i]!])) as Tree.Tree)
}

/** Two, three… trees of the same structure. */
export const sameStructure = (n: number, o: TreeOptions = {}): fc.Arbitrary<Tree.Tree[]> =>
  tree(o).chain((t) => fc.tuple(fc.constant(t), ...Array.from({ length: n - 1 }, () => treeLike(t, o.special ?? false))))

/** A θ that `flatten(t).unflatten` accepts: for each leaf, values its dtype holds exactly. */
export const thetaFor = (t: Tree.Tree, special = false): fc.Arbitrary<T.Tensor> =>
  treeLike(t, special).map((u) => Tree.flatten(u).theta)

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
