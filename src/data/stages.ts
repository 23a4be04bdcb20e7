/**
 * Pipeline stages: keyed `map` (augmentation), `filter`, bounded keyed `shuffle`, `batch` and
 * `prefetch`. Randomness comes from the stage's key and an example's index in the source, never
 * from the order examples arrive in, so batching and prefetching change no values.
 */
import { checkFunction, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { dataOf } from '../core/Tensor.js'
import { type Key, foldIn, uniform } from '../rng/index.js'
import * as T from '../tensor/index.js'
import type { Dataset } from './Dataset.js'
import type { Example, Indexed, Stage, StageContext } from './pipelineTypes.js'

const stage = (name: string, level: Stage['level'], run: Stage['run'], extra: Partial<Stage> = {}): Stage => Object.freeze({ _tag: 'Stage', name, level, run, ...extra })

const whole = (op: string, name: string, n: unknown, min: number): number =>
  Number.isInteger(n) && (n as number) >= min ? (n as number) : fail('INVALID_ARGUMENT', op, `${name} must be a whole number ≥ ${min}; got ${describe(n)}.`)

/**
 * Transforms each example. `f` gets the example, a key of its own (from the pipeline key, the
 * epoch, the stage's place and the example's index in the source) and that index: augment with
 * the key and the result depends on none of batching, shuffling or prefetching.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const src = Data.generate(4, (i) => ({ x: T.full([2], i), y: T.scalar(i) }))
 * const noisy = Data.map((e, key) => ({ ...e, x: Data.gaussianNoise(key, e.x, 0.1) }))
 * const run = (n: number) => Data.collect(Data.pipeline(src, [noisy, Data.batch(n)]), Rng.key(0), 0)
 * const [one, two] = [await run(4), await run(2)]
 * assert.deepStrictEqual(T.toArray(one[0]!.x), [...T.toArray(two[0]!.x), ...T.toArray(two[1]!.x)]) // same noise, whatever the batch size
 * @category pipelines
 */
export const map = (f: (example: Example, key: Key, index: number) => Example): Stage => {
  checkFunction('map', 'the function (argument 1), (example, key, index) => example,', f)
  return stage('map', 'example', async function* (input, ctx) {
    for await (const { index, value } of input) yield { index, value: f(value as Example, foldIn(ctx.key, index), index) }
  })
}

/**
 * Keeps the examples for which `keep(example, index)` holds.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const src = Data.generate(6, (i) => ({ x: T.scalar(i), y: T.scalar(i) }))
 * const [b] = await Data.collect(Data.pipeline(src, [Data.filter((e) => T.item(e.x) % 2 === 0), Data.batch(8)]), Rng.key(0), 0)
 * assert.deepStrictEqual(T.toArray(b!.x), [0, 2, 4])
 * @category pipelines
 */
export const filter = (keep: (example: Example, index: number) => boolean): Stage => {
  checkFunction('filter', 'the predicate (argument 1), (example, index) => boolean,', keep)
  return stage(
    'filter',
    'example',
    async function* (input) {
      for await (const e of input) if (keep(e.value as Example, e.index)) yield e
    },
    { drops: true },
  )
}

/** Uniform numbers in [0, 1) drawn in blocks from a key: draw i is the same whoever asks. */
const draws = (key: Key): ((i: number) => number) => {
  const BLOCK = 1024
  let at = -1
  let block: ArrayLike<number> = []
  return (i) => {
    const b = Math.floor(i / BLOCK)
    if (b !== at) {
      block = dataOf(uniform(foldIn(key, b), [BLOCK], { dtype: 'float64' }))
      at = b
    }
    return block[i - b * BLOCK]!
  }
}

/**
 * Shuffles a stream with a buffer of `buffer` examples (memory stays bounded): each arriving example
 * takes the place of one drawn at random, which goes on. A buffer as large as the data set
 * gives a full shuffle. (`Data.shuffle` shuffles a data set in memory.) The draws come from the stage's key, so an epoch's order is fixed by
 * (key, epoch).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const src = Data.generate(8, (i) => ({ x: T.scalar(i), y: T.scalar(i) }))
 * const order = async (epoch: number) => T.toArray((await Data.collect(Data.pipeline(src, [Data.shuffleBuffer({ buffer: 4 }), Data.batch(8)]), Rng.key(0), epoch))[0]!.x)
 * const [a, again, next] = [await order(0), await order(0), await order(1)]
 * assert.deepStrictEqual([...a].sort(), [0, 1, 2, 3, 4, 5, 6, 7])
 * assert.deepStrictEqual(a, again)
 * assert.notDeepStrictEqual(a, next) // each epoch its own order
 * @category pipelines
 */
export const shuffleBuffer = (opts: { readonly buffer: number }): Stage => {
  checkOptions('shuffleBuffer', opts, ['buffer'])
  const size = whole('shuffleBuffer', 'buffer', opts?.buffer, 1)
  return stage('shuffleBuffer', 'example', async function* (input, ctx) {
    const u = draws(ctx.key)
    let n = 0
    const buf: Array<Indexed<unknown>> = []
    for await (const e of input) {
      if (buf.length < size) {
        buf.push(e)
        continue
      }
      const j = Math.floor(u(n++) * size)
      const out = buf[j]!
      buf[j] = e
      yield out
    }
    while (buf.length > 0) {
      const j = Math.floor(u(n++) * buf.length)
      const out = buf[j]!
      buf[j] = buf[buf.length - 1]!
      buf.pop()
      yield out
    }
  })
}

/** Options of `batch`. */
export interface BatchStageOptions {
  /** leave out a last batch smaller than the others; default false */
  readonly dropRemainder?: boolean
}

/**
 * Stacks every `n` examples into a mini-batch (a data set of n examples). With `dropRemainder`,
 * a short last batch is left out.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const src = Data.generate(5, (i) => ({ x: T.tensor([i, i]), y: T.scalar(i) }))
 * const bs = await Data.collect(Data.pipeline(src, [Data.batch(2, { dropRemainder: true })]), Rng.key(0), 0)
 * assert.deepStrictEqual(bs.map((b) => b.x.shape), [[2, 2], [2, 2]])
 * @category pipelines
 */
export const batch = (n: number, opts: BatchStageOptions = {}): Stage => {
  const size = whole('batch', 'the batch size', n, 1)
  checkOptions('batch', opts, ['dropRemainder'])
  if (opts.dropRemainder !== undefined && typeof opts.dropRemainder !== 'boolean') fail('INVALID_ARGUMENT', 'batch', `dropRemainder is ${describe(opts.dropRemainder)}; pass true or false.`)
  const drop = opts.dropRemainder === true
  const stack = (items: ReadonlyArray<Indexed<unknown>>, number: number, ctx: StageContext): Indexed<unknown> => {
    // batches the consumer skips are counted, not built
    if (number < ctx.skipBatches) return { index: number, value: undefined }
    const es = items.map((e) => e.value as Example)
    const first = es[0]!
    const bad = es.findIndex((e) => e.x.shape.join() !== first.x.shape.join() || e.y.shape.join() !== first.y.shape.join())
    if (bad >= 0) {
      fail('SHAPE_MISMATCH', 'batch', `example ${items[bad]!.index} has x ${JSON.stringify(es[bad]!.x.shape)} and y ${JSON.stringify(es[bad]!.y.shape)} but example ${items[0]!.index} has ${JSON.stringify(first.x.shape)} and ${JSON.stringify(first.y.shape)}; every example of a batch needs the same shapes (crop or pad them in a map stage).`)
    }
    const value: Dataset = { x: T.stack(es.map((e) => e.x)), y: T.stack(es.map((e) => e.y)) }
    return { index: number, value }
  }
  return stage(
    `batch(${size})`,
    'any',
    async function* (input, ctx) {
      let items: Array<Indexed<unknown>> = []
      let number = 0
      for await (const e of input) {
        items.push(e)
        if (items.length === size) {
          yield stack(items, number++, ctx)
          items = []
        }
      }
      if (items.length > 0 && !drop) yield stack(items, number, ctx)
    },
    { batchSize: size, dropRemainder: drop },
  )
}

/**
 * Keeps up to `n` elements requested ahead of the consumer, so reading (a file, a slow source)
 * overlaps with training. The elements and their order do not change.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const src = Data.generate(5, (i) => ({ x: T.scalar(i), y: T.scalar(i) }))
 * const plain = await Data.collect(Data.pipeline(src, [Data.batch(2)]), Rng.key(0), 0)
 * const ahead = await Data.collect(Data.pipeline(src, [Data.batch(2), Data.prefetch(2)]), Rng.key(0), 0)
 * assert.deepStrictEqual(ahead.map((b) => T.toArray(b.x)), plain.map((b) => T.toArray(b.x)))
 * @category pipelines
 */
export const prefetch = (n: number): Stage => {
  const ahead = whole('prefetch', 'the number of elements fetched ahead', n, 1)
  return stage(`prefetch(${ahead})`, 'any', async function* (input) {
    const it = input[Symbol.asyncIterator]()
    const queue: Array<Promise<IteratorResult<Indexed<unknown>>>> = []
    try {
      for (;;) {
        while (queue.length <= ahead) queue.push(it.next())
        const r = await queue.shift()!
        if (r.done === true) return
        yield r.value
      }
    } finally {
      // let the requests in flight settle before closing the input
      await Promise.allSettled(queue)
      await it.return?.()
    }
  })
}
