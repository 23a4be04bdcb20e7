/**
 * Explicit, splittable random keys (Threefry-2x32, 20 rounds, the JAX design).
 *
 * ```ts
 * import { Rng } from 'puregrad'
 * const [kW, kDrop] = Rng.split(Rng.key(42))
 * const W = Rng.truncatedNormal(kW, [784, 128], { std: 0.05 })
 * const mask = Rng.bernoulli(Rng.foldIn(kDrop, step), 0.9, [batch, 128])
 * ```
 *
 * There is no global generator and no `Math.random`: every sampler takes a key, the same key
 * gives bit-identical results on every JavaScript engine, and independent streams come from
 * `split` / `foldIn`. Use each key once: either derive keys from it or sample with it.
 *
 * @category namespaces
 * @since 0.1.0
 * @module
 */
export { type Key, isKey, key, keyFromWords, keyData, keyFromData, split, foldIn } from './Key.js'
export { threefry2x32 } from './threefry.js'
export { type UniformOptions, type BernoulliOptions, bits, uniform, bernoulli } from './uniform.js'
export { type NormalOptions, type TruncatedNormalOptions, normal, truncatedNormal } from './normal.js'
export { integers, permutation, shuffle } from './discrete.js'
