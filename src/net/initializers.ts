/**
 * Weight initialisers: random starting points that break the symmetry between units (source
 * notes 003, 004). With n_in and n_out the fan-in and fan-out (for convolutions, times the
 * kernel area):
 *
 * | name | distribution | variance | use |
 * | --- | --- | --- | --- |
 * | zeros, ones | constant | 0 | biases, batch-norm offsets and scales |
 * | smallNormal | 0.001·N(0, 1) | 1e-6 | the notes' "small random values" |
 * | lecunNormal, lecunUniform | N or U | 1/n_in | the notes' fan-in scaling randn/√n ("Xavier" for tanh) |
 * | glorotNormal, glorotUniform | N or U | 2/(n_in + n_out) | Glorot & Bengio; Keras's default |
 * | heNormal, heUniform | N or U | 2/n_in | He et al., for ReLU |
 *
 * Uniform variants draw from [−a, a] with a = √(3·variance). Normal variants are not truncated.
 *
 * @since 0.1.0
 */
import type { FloatDType } from '../core/dtype.js'
import { fail } from '../core/errors.js'
import type { Tensor } from '../core/Tensor.js'
import { type Key, normal, uniform } from '../rng/index.js'
import { full } from '../tensor/create.js'
import type { Initializer } from './Layer.js'

/**
 * The names of all the initialisers.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * // all are random draws but the two constants
 * assert.deepStrictEqual(Net.initializers.filter((i) => Net.varianceOf(i, 4, 4) === undefined), ['zeros', 'ones'])
 * @category initializers
 */
export const initializers: ReadonlyArray<Initializer> = [
  'zeros', 'ones', 'smallNormal', 'lecunNormal', 'lecunUniform', 'glorotNormal', 'glorotUniform', 'heNormal', 'heUniform',
]

/**
 * The variance an initialiser gives for the fans, or undefined for constants.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * assert.strictEqual(Net.varianceOf('heNormal', 100, 10), 2 / 100)
 * assert.strictEqual(Net.varianceOf('glorotUniform', 100, 28), 2 / (100 + 28))
 * assert.strictEqual(Net.varianceOf('zeros', 100, 10), undefined)
 * @category initializers
 */
export const varianceOf = (init: Initializer, fanIn: number, fanOut: number): number | undefined => {
  switch (init) {
    case 'zeros':
    case 'ones':
      return undefined
    case 'smallNormal':
      return 1e-6
    case 'lecunNormal':
    case 'lecunUniform':
      return 1 / Math.max(1, fanIn)
    case 'glorotNormal':
    case 'glorotUniform':
      return 2 / Math.max(1, fanIn + fanOut)
    case 'heNormal':
    case 'heUniform':
      return 2 / Math.max(1, fanIn)
  }
}

/**
 * Draws a tensor of `shape` from an initialiser; `fanIn`/`fanOut` are the layer's fans.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const W = Net.initialize('heNormal', Rng.key(0), [200, 50], 200, 50, 'float32')
 * assert.deepStrictEqual(W.shape, [200, 50])
 * assert.ok(Math.abs(T.item(T.variance(W)) - 2 / 200) < 1e-3) // He: variance 2 / fanIn
 * assert.deepStrictEqual(T.toArray(Net.initialize('ones', Rng.key(0), [3], 1, 3, 'float32')), [1, 1, 1])
 * @category initializers
 */
export const initialize = (init: Initializer, key: Key, shape: ReadonlyArray<number>, fanIn: number, fanOut: number, dtype: FloatDType): Tensor => {
  if (init === 'zeros') return full(shape, 0, dtype)
  if (init === 'ones') return full(shape, 1, dtype)
  const v = varianceOf(init, fanIn, fanOut)
  if (v === undefined) return fail('INVALID_ARGUMENT', 'initialize', `unknown initializer ${String(init)}.`)
  if (init.endsWith('Uniform')) {
    const a = Math.sqrt(3 * v)
    return uniform(key, shape, { dtype, min: -a, max: a })
  }
  return normal(key, shape, { dtype, std: Math.sqrt(v) })
}

/** The problem with an initialiser name, if any. @internal */
export const checkInit = (what: string, init: unknown): string[] =>
  initializers.includes(init as Initializer) ? [] : [`${what} must be one of ${initializers.join(', ')}; got ${JSON.stringify(init)}`]
