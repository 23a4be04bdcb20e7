/**
 * Pipeline sources: a data set in memory, a function of the example index, an iterable made
 * afresh each epoch, and CSV text (CSV files: `fromCsvFile` in puregrad/node).
 */
// the browser build: csv-parse's Node build needs Buffer, and this module runs in browsers too
import { parse } from 'csv-parse/browser/esm/sync'
import { checkFunction, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import * as T from '../tensor/index.js'
import { type Dataset, size } from './Dataset.js'
import { checkDataset } from './check.js'
import type { Example, Source } from './pipelineTypes.js'
import { type CsvOptions, csvExamples, csvParseOptions } from './csv.js'

export type { CsvOptions } from './csv.js'

const source = (name: string, n: number | undefined, open: Source['open']): Source => Object.freeze({ _tag: 'Source', name, size: n, open })

const checkCount = (op: string, n: unknown): number =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) < 2 ** 32 ? (n as number) : fail('INVALID_ARGUMENT', op, `the number of examples must be a whole number in [0, 2³²); got ${describe(n)}.`)

/**
 * The examples of a data set in memory, in order (shuffle them with a `shuffle` stage).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const src = Data.fromDataset(Data.dataset(T.tensor([[1, 2], [3, 4]]), T.tensor([0, 1], 'int32')))
 * assert.strictEqual(src.size, 2)
 * const [b] = await Data.collect(Data.pipeline(src, [Data.batch(2)]), Rng.key(0), 0)
 * assert.deepStrictEqual([T.toNested(b!.x), T.toArray(b!.y)], [[[1, 2], [3, 4]], [0, 1]])
 * @category pipelines
 */
export const fromDataset = (ds: Dataset): Source => {
  checkDataset('fromDataset', ds)
  const n = size(ds)
  return source(`fromDataset(${n} examples)`, n, function* () {
    const row = (t: Dataset['x'], i: number) => T.reshape(T.slice(t, [i], [1]), t.shape.slice(1))
    for (let i = 0; i < n; i++) yield { x: row(ds.x, i), y: row(ds.y, i) }
  })
}

/**
 * `count` examples made by a function of their index (and the epoch), one at a time: data that
 * never sit in memory together. The function should be pure, so that resuming a run reads the
 * same data.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const src = Data.generate(3, (i) => ({ x: T.tensor([i, 2 * i]), y: T.scalar(i) }))
 * const [b] = await Data.collect(Data.pipeline(src, [Data.batch(3)]), Rng.key(0), 0)
 * assert.deepStrictEqual(T.toNested(b!.x), [[0, 0], [1, 2], [2, 4]])
 * @category pipelines
 */
export const generate = (count: number, example: (index: number, epoch: number) => Example): Source => {
  const n = checkCount('generate', count)
  checkFunction('generate', 'the example function (argument 2), (index) => ({ x, y }),', example)
  return source(`generate(${n})`, n, function* (epoch) {
    for (let i = 0; i < n; i++) yield example(i, epoch)
  })
}

/**
 * Examples from an iterable (sync or async) that `make(epoch)` creates afresh for each epoch:
 * a generator function, a file reader. It must give the same examples for the same epoch.
 * `size`, when given, is checked against what it gives.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const src = Data.fromIterable(function* () {
 *   for (let i = 0; i < 4; i++) yield { x: T.scalar(i), y: T.scalar(-i) }
 * })
 * const bs = await Data.collect(Data.pipeline(src, [Data.batch(3)]), Rng.key(0), 0)
 * assert.deepStrictEqual(bs.map((b) => T.toArray(b.y)), [[-0, -1, -2], [-3]])
 * @category pipelines
 */
export const fromIterable = (make: (epoch: number) => Iterable<Example> | AsyncIterable<Example>, opts: { readonly size?: number } = {}): Source => {
  checkFunction('fromIterable', 'the factory (argument 1), (epoch) => iterable of { x, y },', make)
  checkOptions('fromIterable', opts, ['size'])
  const n = opts.size === undefined ? undefined : checkCount('fromIterable', opts.size)
  return source('fromIterable', n, (epoch) => {
    const it = make(epoch)
    if (it === null || typeof it !== 'object' || (typeof (it as Iterable<Example>)[Symbol.iterator] !== 'function' && typeof (it as AsyncIterable<Example>)[Symbol.asyncIterator] !== 'function')) {
      fail('INVALID_VALUE', 'fromIterable', `the factory returned ${describe(it)}; it must return an iterable (e.g. be a generator function).`)
    }
    return it
  })
}

/**
 * Examples from CSV text with a header row (parsed by csv-parse): the `target` column(s) give
 * y, the others (or `features`) give x. A cell that is not a number is an error naming its line
 * and column.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const src = Data.fromCsv('a,b,label\n1,2,0\n3,4,1\n', { target: 'label', targetDtype: 'int32' })
 * const [b] = await Data.collect(Data.pipeline(src, [Data.batch(2)]), Rng.key(0), 0)
 * assert.deepStrictEqual([T.toNested(b!.x), T.toArray(b!.y)], [[[1, 2], [3, 4]], [0, 1]])
 * assert.throws(() => Data.fromCsv('a,label\nx,1\n', { target: 'label' }), /line 2, column 'a' holds "x"/)
 * @category pipelines
 */
export const fromCsv = (text: string, opts: CsvOptions): Source => {
  const op = 'fromCsv'
  if (typeof text !== 'string') fail('INVALID_ARGUMENT', op, `the CSV text (argument 1) is ${describe(text)}; read a file with fromCsvFile from puregrad/node.`)
  const toExample = csvExamples(op, opts)
  let records: ReadonlyArray<Record<string, string>>
  try {
    records = parse(text, csvParseOptions(opts)) as Array<Record<string, string>>
  } catch (e) {
    return fail('INVALID_VALUE', op, `the CSV text does not parse: ${(e as Error).message}. Check the quoting and that every line has as many fields as the header.`)
  }
  const examples = records.map((r, i) => toExample(r, i + 2))
  return source(`fromCsv(${examples.length} rows)`, examples.length, () => examples)
}
