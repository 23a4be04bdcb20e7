/** A pipeline source reading a CSV file as a stream, so the file never sits in memory whole. */
import { createReadStream } from 'node:fs'
import { parse } from 'csv-parse'
import { PuregradError, describe, fail } from '../core/errors.js'
import { type CsvOptions, csvExamples, csvParseOptions } from '../data/csv.js'
import type { Example, Source } from '../data/pipelineTypes.js'
import { fileError } from './fileError.js'

/**
 * The examples of a CSV file with a header row, read and parsed (by csv-parse) as a stream each
 * epoch: the `target` column(s) give y, the others (or `features`) give x. A missing file is a
 * FILE_ERROR, a cell that is not a number an INVALID_VALUE naming its line and column.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { mkdtempSync, writeFileSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * import { fromCsvFile } from 'puregrad/node'
 * const path = join(mkdtempSync(join(tmpdir(), 'csv-')), 'data.csv')
 * writeFileSync(path, 'a,b,label\n1,2,0\n3,4,1\n5,6,1\n')
 * const p = Data.pipeline(fromCsvFile(path, { target: 'label', targetDtype: 'int32' }), [Data.batch(2)])
 * const bs = await Data.collect(p, Rng.key(0), 0)
 * assert.deepStrictEqual(bs.map((b) => T.toArray(b.y)), [[0, 1], [1]])
 * @category pipelines
 */
export const fromCsvFile = (path: string, opts: CsvOptions): Source => {
  const op = 'fromCsvFile'
  if (typeof path !== 'string' || path === '') fail('INVALID_ARGUMENT', op, `the path (argument 1) is ${describe(path)}; pass the path of a CSV file.`)
  const toExample = csvExamples(op, opts)
  async function* open(): AsyncGenerator<Example, void, void> {
    const parser = createReadStream(path).on('error', (e) => parser.destroy(e)).pipe(parse({ ...csvParseOptions(opts), info: true }))
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) yield toExample(record, info.lines)
    } catch (e) {
      if (e instanceof PuregradError) throw e
      const code = (e as { code?: unknown }).code
      if (typeof code === 'string' && code.startsWith('CSV_')) fail('INVALID_VALUE', op, `${path} does not parse as CSV: ${(e as Error).message}. Check the quoting and that every line has as many fields as the header.`)
      throw fileError(op, path, e, 'read')
    } finally {
      parser.destroy()
    }
  }
  return Object.freeze({ _tag: 'Source', name: `fromCsvFile(${path})`, size: undefined, open })
}
