/** Splitting, shuffling and batching, all driven by explicit keys. */
import { checkArray, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { type Key, permutation } from '../rng/index.js'
import { checkKey } from '../rng/Key.js'
import * as T from '../tensor/index.js'
import { checkDataset } from './check.js'
import { type Dataset, range, size, take } from './Dataset.js'

/**
 * The data set in a random order drawn from `key`, each input staying with its target.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const ds = Data.dataset(T.arange(6), T.mul(T.arange(6), 10))
 * const s = Data.shuffle(Rng.key(0), ds)
 * assert.deepStrictEqual(T.toArray(s.x).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5])
 * assert.deepStrictEqual(T.toArray(s.y), T.toArray(s.x).map((v) => v * 10))
 * assert.deepStrictEqual(T.toArray(Data.shuffle(Rng.key(0), ds).x), T.toArray(s.x))
 * @category splitting
 */
export const shuffle = (key: Key, ds: Dataset): Dataset => {
  checkKey('shuffle', key)
  return take(ds, permutation(key, size(checkDataset('shuffle', ds))))
}

/**
 * Train / dev / test splits (or any number of parts) by ratios, after a keyed shuffle. The
 * notes suggest 60/20/20 for small data sets and 98/1/1 for large ones. Part sizes are rounded
 * down, the remainder going to the first part.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const ds = Data.dataset(T.arange(10), T.arange(10))
 * const [train, dev, test] = Data.split(Rng.key(0), ds, [0.6, 0.2, 0.2])
 * assert.deepStrictEqual([Data.size(train!), Data.size(dev!), Data.size(test!)], [6, 2, 2])
 * @category splitting
 */
export const split = (key: Key, ds: Dataset, ratios: ReadonlyArray<number>): ReadonlyArray<Dataset> => {
  const op = 'split'
  checkKey(op, key)
  checkDataset(op, ds)
  checkArray(op, 'the ratios (argument 3)', ratios, 'the fractions of the parts, adding up to 1, e.g. [0.8, 0.2]')
  if (ratios.length === 0 || !ratios.every((r) => Number.isFinite(r) && r >= 0)) fail('INVALID_ARGUMENT', op, `ratios must be finite numbers ≥ 0; got [${ratios.join(', ')}].`)
  const total = ratios.reduce((a, b) => a + b, 0)
  if (Math.abs(total - 1) > 1e-9) fail('INVALID_ARGUMENT', op, `ratios must add up to 1; [${ratios.join(', ')}] add up to ${total}.`)
  const n = size(ds)
  const counts = ratios.map((r) => Math.floor(r * n + 1e-9))
  counts[0]! += n - counts.reduce((a, b) => a + b, 0)
  const shuffled = shuffle(key, ds)
  let at = 0
  return counts.map((c) => {
    const part = range(shuffled, at, c)
    at += c
    return part
  })
}

/** Options of `batches`. */
export interface BatchOptions {
  /** leave out a last batch smaller than the others; default false */
  readonly dropRemainder?: boolean
}

/**
 * Mini-batches of `batchSize` (the notes use 32, 64, 128), in a random order drawn from `key`,
 * or in order when the key is undefined. Use a new key each epoch, e.g. foldIn(key, epoch).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const ds = Data.dataset(T.arange(10), T.arange(10))
 * assert.deepStrictEqual(Data.batches(undefined, ds, 4).map((b) => T.toArray(b.x)), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
 * const shuffled = Data.batches(Rng.foldIn(Rng.key(0), 1), ds, 4, { dropRemainder: true })
 * assert.deepStrictEqual(shuffled.map(Data.size), [4, 4])
 * @category splitting
 */
export const batches = (key: Key | undefined, ds: Dataset, batchSize: number, opts: BatchOptions = {}): ReadonlyArray<Dataset> => {
  if (key !== undefined) checkKey('batches', key)
  checkDataset('batches', ds)
  if (!Number.isInteger(batchSize) || batchSize < 1) fail('INVALID_ARGUMENT', 'batches', `batchSize must be a whole number ≥ 1; got ${batchSize}.`)
  checkOptions('batches', opts, ['dropRemainder'])
  if (opts.dropRemainder !== undefined && typeof opts.dropRemainder !== 'boolean') fail('INVALID_ARGUMENT', 'batches', `dropRemainder is ${describe(opts.dropRemainder)}; pass true or false.`)
  const n = size(ds)
  const order = key === undefined ? undefined : T.toArray(permutation(key, n))
  const out: Dataset[] = []
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start)
    if (count < batchSize && opts.dropRemainder === true) break
    out.push(order === undefined ? range(ds, start, count) : take(ds, order.slice(start, start + count)))
  }
  return out
}
