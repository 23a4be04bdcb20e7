/**
 * Laws of the random keys and samplers.
 *
 * Structural laws (determinism, prefix stability, ranges, couplings) are exact and checked over
 * random seeds. Statistical laws compute a statistic from a fixed key and compare it with a fixed
 * bound: deterministic, so never flaky; the bounds sit about five standard errors out, so a sound
 * generator passes them for essentially any key, while a broken one fails them.
 */
import { Ad, Rng, Tensor as T } from '../src/index.js'
import { type Equiv, equiv } from './Equiv.js'

/** A sampler with its parameters fixed: key and shape to tensor. */
export type Sampler = (k: Rng.Key, shape: ReadonlyArray<number>) => T.Tensor

/** Every sampler, with typical parameters. */
export const samplers: Readonly<Record<string, Sampler>> = {
  bits: (k, s) => Rng.bits(k, s),
  uniform: (k, s) => Rng.uniform(k, s),
  uniform64: (k, s) => Rng.uniform(k, s, { dtype: 'float64', min: -2, max: 3 }),
  normal: (k, s) => Rng.normal(k, s),
  normal64: (k, s) => Rng.normal(k, s, { dtype: 'float64', mean: 1, std: 2 }),
  truncatedNormal: (k, s) => Rng.truncatedNormal(k, s, { std: 0.1 }),
  truncatedNormal64: (k, s) => Rng.truncatedNormal(k, s, { dtype: 'float64', lower: 1, upper: 3 }),
  bernoulli: (k, s) => Rng.bernoulli(k, 0.3, s),
  integers: (k, s) => Rng.integers(k, s, -5, 1000),
}

const flat = (t: T.Tensor): T.Tensor => T.fromArray(T.toArray(t), [t.size], t.dtype)
const take = (t: T.Tensor, m: number): T.Tensor => T.fromArray(T.toArray(t).slice(0, m), [m], t.dtype)
const keyString = (k: Rng.Key): string => k.words.join(',')

// ---------------------------------------------------------------------------------------------
// structural laws

/** Same key ⇒ bit-identical tensors, also for a key that went through JSON. */
export const determinism = (sample: Sampler, k: Rng.Key, shape: ReadonlyArray<number>): Equiv<T.Tensor> =>
  equiv(sample(k, shape), sample(JSON.parse(JSON.stringify(k)) as Rng.Key, shape))

/** Only the element count matters: a sample of shape [a, b] flattened is the sample of [a·b]. */
export const shapeIndependence = (sample: Sampler, k: Rng.Key, a: number, b: number): Equiv<T.Tensor> =>
  equiv(flat(sample(k, [a, b])), sample(k, [a * b]))

/** Prefix stability: the first m values of a sample of n ≥ m are the sample of m. */
export const prefixStable = (sample: Sampler, k: Rng.Key, n: number, m: number): Equiv<T.Tensor> =>
  equiv(take(sample(k, [n]), m), sample(k, [m]))

/** split(k, n) gives n keys, distinct from each other and from k: n + 1 distinct keys in all. */
export const splitDistinct = (k: Rng.Key, n: number): Equiv<number> =>
  equiv(new Set([k, ...Rng.split(k, n)].map(keyString)).size, n + 1)

/** Splits are deterministic: the same key splits the same way, in any count asked twice. */
export const splitDeterministic = (k: Rng.Key, n: number): Equiv<ReadonlyArray<string>> =>
  equiv(Rng.split(k, n).map(keyString), Rng.split(JSON.parse(JSON.stringify(k)) as Rng.Key, n).map(keyString))

/** foldIn is injective in its data (Threefry is a bijection of the counter for a fixed key). */
export const foldInInjective = (k: Rng.Key, a: number, b: number): Equiv<boolean> =>
  equiv(keyString(Rng.foldIn(k, a)) === keyString(Rng.foldIn(k, b)), a === b)

/** float32 uniform on [0, 1) is (w >>> 9)·2^-23 of the key's raw words. */
export const uniformFromBits = (k: Rng.Key, n: number): Equiv<T.Tensor> =>
  equiv(
    Rng.uniform(k, [n]),
    T.fromArray(T.toArray(Rng.bits(k, [n])).map((w) => (w >>> 9) * 2 ** -23), [n], 'float32'),
  )

/** Every value of a sample lies in [lo, hi] (hiOpen: in [lo, hi)). */
export const inRange = (t: T.Tensor, lo: number, hi: number, hiOpen: boolean): Equiv<string> => {
  const bad = T.toArray(t).find((v) => !(v >= lo && (hiOpen ? v < hi : v <= hi)))
  return equiv(bad === undefined ? 'all in range' : `${bad} outside ${hiOpen ? `[${lo}, ${hi})` : `[${lo}, ${hi}]`}`, 'all in range')
}

/** normal(mean, std) is mean + std·normal(0, 1) from the same key (float64, exactly). */
export const normalAffine = (k: Rng.Key, n: number, mean: number, std: number): Equiv<T.Tensor> =>
  equiv(
    Rng.normal(k, [n], { dtype: 'float64', mean, std }),
    T.fromArray(T.toArray(Rng.normal(k, [n], { dtype: 'float64' })).map((z) => mean + std * z), [n], 'float64'),
  )

/** The same bits drive every p: for p ≤ q, bernoulli(k, p) ≤ bernoulli(k, q) elementwise. */
export const bernoulliMonotone = (k: Rng.Key, n: number, p: number, q: number): Equiv<T.Tensor> => {
  const [lo, hi] = p <= q ? [p, q] : [q, p]
  const a = T.toArray(Rng.bernoulli(k, lo, [n], { dtype: 'int32' }))
  const b = T.toArray(Rng.bernoulli(k, hi, [n], { dtype: 'int32' }))
  return equiv(T.fromArray(a.map((x, i) => Math.max(x, b[i]!)), [n], 'int32'), T.fromArray(b, [n], 'int32'))
}

/** permutation(k, n) sorted is 0 … n − 1. */
export const permutationIsPermutation = (k: Rng.Key, n: number): Equiv<T.Tensor> =>
  equiv(
    T.fromArray(T.toArray(Rng.permutation(k, n)).sort((x, y) => x - y), [n], 'int32'),
    T.fromArray(Array.from({ length: n }, (_, i) => i), [n], 'int32'),
  )

/** shuffle is gathering the slices at permutation(k, n) along the axis. */
export const shuffleIsGather = (k: Rng.Key, t: T.Tensor, axis: number): Equiv<T.Tensor> =>
  equiv(Rng.shuffle(k, t, axis), T.gather(t, Rng.permutation(k, t.shape.at(axis)!), axis))

// ---------------------------------------------------------------------------------------------
// keys as data (traced by jit, batched by vmap)

/** A sampler under jit (the key traced, as data) draws what it draws eagerly, bit for bit. */
export const jitEqualsEager = (sample: Sampler, k: Rng.Key, shape: ReadonlyArray<number>): Equiv<T.Tensor> =>
  equiv(Ad.jit((kk: Rng.Key) => sample(kk, shape))(k), sample(k, shape))

/** A sampler mapped by vmap over a batch of keys draws, for each key, what that key draws alone. */
export const vmapEqualsEach = (sample: Sampler, keys: ReadonlyArray<Rng.Key>, shape: ReadonlyArray<number>): Equiv<T.Tensor> =>
  equiv(
    Ad.vmap((kk: Rng.Key) => sample(kk, shape))(keys),
    T.stack(keys.map((kk) => sample(kk, shape))),
  )

/** split and foldIn of a traced key (the keys returned by the jitted function) are those of the key itself. */
export const derivedKeysUnderJit = (k: Rng.Key, n: number, data: number): Equiv<ReadonlyArray<string>> => {
  const traced = Ad.jit((kk: Rng.Key) => ({ split: Rng.split(kk, n), folded: Rng.foldIn(kk, data) }))(k)
  return equiv([...traced.split, traced.folded].map(keyString), [...Rng.split(k, n), Rng.foldIn(k, data)].map(keyString))
}

// ---------------------------------------------------------------------------------------------
// statistics (deterministic for a fixed key)

/** A statistic compared with a bound, as an Equiv that reads well when it fails. */
export const within = (name: string, value: number, lo: number, hi: number): Equiv<string> =>
  equiv(value >= lo && value <= hi ? 'within bounds' : `${name} = ${value}, outside [${lo}, ${hi}]`, 'within bounds')

/** Sample mean. */
export const mean = (xs: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]!
  return s / xs.length
}

/** Sample variance (divisor n). */
export const variance = (xs: ArrayLike<number>): number => {
  const m = mean(xs)
  let s = 0
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2
  return s / xs.length
}

/** Pearson correlation of two equally long samples. */
export const correlation = (xs: ArrayLike<number>, ys: ArrayLike<number>): number => {
  const mx = mean(xs)
  const my = mean(ys)
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i]! - mx
    const dy = ys[i]! - my
    sxy += dx * dy
    sxx += dx * dx
    syy += dy * dy
  }
  return sxy / Math.sqrt(sxx * syy)
}

/** Pearson's χ² of observed counts against equal expected counts. */
export const chiSquareUniform = (counts: ArrayLike<number>): number => {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]!
  const e = total / counts.length
  let x = 0
  for (let i = 0; i < counts.length; i++) x += (counts[i]! - e) ** 2 / e
  return x
}

/** Counts of values in [0, 1) falling into `buckets` equal buckets. */
export const bucketCounts = (xs: ArrayLike<number>, buckets: number): number[] => {
  const c = new Array<number>(buckets).fill(0)
  for (let i = 0; i < xs.length; i++) c[Math.floor(xs[i]! * buckets)]! += 1
  return c
}

/** A generous upper bound for a χ² statistic with `df` degrees of freedom: df + 5·√(2·df). */
export const chiSquareBound = (df: number): number => df + 5 * Math.sqrt(2 * df)

/** Kolmogorov–Smirnov distance of a sample to a CDF, times √n. */
export const ksStatistic = (xs: ArrayLike<number>, cdf: (x: number) => number): number => {
  const s = Array.from(xs).sort((a, b) => a - b)
  const n = s.length
  let d = 0
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]!)
    d = Math.max(d, (i + 1) / n - f, f - i / n)
  }
  return d * Math.sqrt(n)
}

/** Two uniform streams from the halves of a split are uncorrelated: |r| ≤ 4/√n. */
export const splitUncorrelated = (k: Rng.Key, n: number): Equiv<string> => {
  const [a, b] = Rng.split(k)
  const r = correlation(T.toArray(Rng.uniform(a, [n], { dtype: 'float64' })), T.toArray(Rng.uniform(b, [n], { dtype: 'float64' })))
  return within('correlation of the split halves', r, -4 / Math.sqrt(n), 4 / Math.sqrt(n))
}

/** Bucketed uniforms are flat: χ² over `buckets` buckets below chiSquareBound(buckets − 1). */
export const uniformFlat = (u: T.Tensor, buckets: number): Equiv<string> =>
  within(`χ² of ${buckets} buckets`, chiSquareUniform(bucketCounts(T.toArray(u), buckets)), 0, chiSquareBound(buckets - 1))
