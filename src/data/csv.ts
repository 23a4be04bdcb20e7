/** Turning CSV records into examples: shared by `fromCsv` and puregrad/node's `fromCsvFile`. */
import { fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import * as T from '../tensor/index.js'
import type { Example } from './pipelineTypes.js'

/** Options of `fromCsv` and `fromCsvFile`. */
export interface CsvOptions {
  /** the target column(s), by header name: one name gives scalar targets, a list gives vectors */
  readonly target: string | ReadonlyArray<string>
  /** the input columns (default: every column but the targets), in this order */
  readonly features?: ReadonlyArray<string>
  /** dtype of the targets (default 'float32'; 'int32' for class indices) */
  readonly targetDtype?: 'float32' | 'float64' | 'int32'
  /** dtype of the inputs (default 'float32') */
  readonly dtype?: 'float32' | 'float64'
  /** the field separator (default ',') */
  readonly delimiter?: string
}

const CSV_OPTIONS: ReadonlyArray<string> = ['target', 'features', 'targetDtype', 'dtype', 'delimiter']

/** Turns CSV records (objects by header name) into examples; shared with the file source. */
export const csvExamples = (op: string, opts: CsvOptions) => {
  checkOptions(op, opts, CSV_OPTIONS)
  if (opts === undefined || (typeof opts.target !== 'string' && !Array.isArray(opts.target))) fail('INVALID_ARGUMENT', op, "name the target column(s): { target: 'label' } or { target: ['a', 'b'] }.")
  const targets = typeof opts.target === 'string' ? [opts.target] : opts.target
  const dtype = opts.dtype ?? 'float32'
  const targetDtype = opts.targetDtype ?? 'float32'
  let features = opts.features
  return (record: Readonly<Record<string, string>>, line: number): Example => {
    if (features === undefined) features = Object.keys(record).filter((k) => !targets.includes(k))
    const num = (col: string): number => {
      const cell = record[col]
      if (cell === undefined) return fail('INVALID_VALUE', op, `line ${line} has no column '${col}'; the header has ${Object.keys(record).map((k) => `'${k}'`).join(', ')}.`)
      const v = cell.trim() === '' ? Number.NaN : Number(cell)
      if (!Number.isFinite(v)) fail('INVALID_VALUE', op, `line ${line}, column '${col}' holds ${JSON.stringify(cell)}, not a number; clean the file or leave the column out with { features }.`)
      return v
    }
    const y = targets.map(num)
    return { x: T.tensor(features.map(num), dtype), y: typeof opts.target === 'string' ? T.scalar(y[0]!, targetDtype) : T.tensor(y, targetDtype) }
  }
}

/** The options csv-parse gets: records by header name, numbers left as text. */
export const csvParseOptions = (opts: CsvOptions) => ({ columns: true, skip_empty_lines: true, trim: true, delimiter: opts.delimiter ?? ',' }) as const

