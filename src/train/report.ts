/**
 * Pictures of a training run as plain strings: a line chart for the terminal and a
 * self-contained HTML report (inline SVG, no scripts, no network), both from the run's history.
 */
import { checkArray, checkFields, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import type { EpochRecord } from './fit.js'

/** A named series of values, one per epoch. */
export interface Series {
  readonly name: string
  readonly values: ReadonlyArray<number>
}

const MARKS = ['●', '○', '■', '□', '▲', '△']

/**
 * A line chart in text: one mark per series at each epoch, the y axis labelled.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Train } from 'puregrad'
 * const chart = Train.textChart([{ name: 'train', values: [1, 0.5, 0.25] }, { name: 'dev', values: [1.2, 0.8, 0.7] }], { height: 4 })
 * const lines = chart.split('\n')
 * assert.strictEqual(lines.length, 4 + 3) // 4 rows, the axis, the epochs, the legend
 * assert.strictEqual(lines[0], '     1.20 ┤○        ') // the highest value labels the top row
 * assert.ok(chart.includes('● train   ○ dev'))
 * @category reports
 */
export const textChart = (input: ReadonlyArray<Series>, opts: { readonly height?: number; readonly title?: string; readonly step?: number; readonly width?: number } = {}): string => {
  const op = 'textChart'
  checkArray(op, 'the series (argument 1)', input, "an array of series { name, values }, e.g. [{ name: 'train loss', values: [0.9, 0.5, 0.3] }]")
  input.forEach((s, i) => checkFields(op, `series ${i}`, s, { name: 'string', values: 'array' }, 'a series { name, values } with a name and an array of numbers, one per epoch'))
  checkOptions(op, opts, ['height', 'title', 'step', 'width'])
  for (const [k, min] of [['height', 2], ['step', 1], ['width', 1]] as const) {
    const v = opts[k]
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= 10_000)) fail('INVALID_ARGUMENT', op, `${k} is ${describe(v)}; it must be a whole number in [${min}, 10000].`)
  }
  if (opts.title !== undefined && typeof opts.title !== 'string') fail('INVALID_ARGUMENT', op, `the title is ${describe(opts.title)}; pass a string.`)
  const height = opts.height ?? 10
  const step = opts.step ?? 4
  // at most `width` columns: long runs are sampled at evenly spaced epochs
  const longest = Math.max(0, ...input.map((s) => s.values.length))
  const points = Math.max(2, Math.floor((opts.width ?? 60) / step) + 1)
  const picked = longest <= points ? Array.from({ length: longest }, (_, i) => i) : Array.from({ length: points }, (_, k) => Math.round((k * (longest - 1)) / (points - 1)))
  const series = input.map((s) => ({ name: s.name, values: picked.map((i) => s.values[i] ?? Number.NaN) }))
  const all = series.flatMap((s) => s.values.filter(Number.isFinite))
  if (all.length === 0) return `${opts.title ?? ''}\n(no data)`
  // a flat series gets a band around its value instead of a zero-height axis
  const flat = Math.max(...all) === Math.min(...all)
  const lo = flat ? Math.min(...all) - Math.max(Math.abs(all[0]!) * 0.1, 1e-3) : Math.min(...all)
  const hi = flat ? Math.max(...all) + Math.max(Math.abs(all[0]!) * 0.1, 1e-3) : Math.max(...all)
  const span = hi - lo
  const n = Math.max(...series.map((s) => s.values.length))
  const width = (n - 1) * step + 1
  const grid = Array.from({ length: height }, () => new Array<string>(width).fill(' '))
  series.forEach((s, k) => {
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return
      const row = height - 1 - Math.round(((v - lo) / span) * (height - 1))
      grid[row]![i * step] = MARKS[k % MARKS.length]!
    })
  })
  const label = (row: number): string => (lo + ((height - 1 - row) / (height - 1)) * span).toPrecision(3).padStart(9)
  const lines = grid.map((cells, row) => `${row === 0 || row === height - 1 || row === Math.floor(height / 2) ? label(row) : ' '.repeat(9)} ┤${cells.join('')}`)
  const axis = `${' '.repeat(9)} └${'─'.repeat(width)}`
  const ticks = `${' '.repeat(11)}${picked.map((i) => String(i + 1).padEnd(step)).join('').slice(0, width + step)}  epoch`
  const legend = `${' '.repeat(11)}${series.map((s, k) => `${MARKS[k % MARKS.length]} ${s.name}`).join('   ')}`
  return [...(opts.title === undefined ? [] : [opts.title]), ...lines, axis, ticks, legend].join('\n')
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** An SVG line chart of series over epochs. */
const svgChart = (title: string, series: ReadonlyArray<Series>, colors: ReadonlyArray<string>): string => {
  const w = 460
  const h = 260
  const pad = { l: 56, r: 16, t: 28, b: 40 }
  const all = series.flatMap((s) => s.values.filter(Number.isFinite))
  const lo = all.length === 0 ? 0 : Math.min(...all)
  const hi = all.length === 0 ? 1 : Math.max(...all)
  const span = hi - lo || 1
  const n = Math.max(2, ...series.map((s) => s.values.length))
  const x = (i: number): number => pad.l + (i / (n - 1)) * (w - pad.l - pad.r)
  const y = (v: number): number => pad.t + (1 - (v - lo) / span) * (h - pad.t - pad.b)
  const ticks = [0, 0.5, 1].map((f) => lo + f * span)
  const lines = series.map((s, k) => {
    const pts = s.values.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter((p) => p !== '')
    return `<polyline fill="none" stroke="${colors[k]}" stroke-width="2" ${k === 1 ? 'stroke-dasharray="6 4"' : ''} points="${pts.join(' ')}"/>` +
      pts.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${colors[k]}"/>`).join('')
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="${escape(title)}">
<text x="${w / 2}" y="18" text-anchor="middle" font-size="14">${escape(title)}</text>
${ticks.map((t) => `<line x1="${pad.l}" x2="${w - pad.r}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${pad.l - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${t.toPrecision(3)}</text>`).join('\n')}
${Array.from({ length: n }, (_, i) => `<text x="${x(i)}" y="${h - pad.b + 16}" text-anchor="middle" font-size="11">${i + 1}</text>`).join('')}
<text x="${w / 2}" y="${h - 6}" text-anchor="middle" font-size="12">epoch</text>
${lines.join('\n')}
${series.map((s, k) => `<text x="${pad.l + 8 + k * 90}" y="${pad.t + 12}" font-size="12" fill="${colors[k]}">${escape(s.name)}</text>`).join('')}
</svg>`
}

/** Everything a report shows. */
export interface ReportData {
  readonly title: string
  readonly history: ReadonlyArray<EpochRecord>
  /** name → value rows for the results table */
  readonly results: ReadonlyArray<readonly [string, string]>
  /** text blocks (summary, diagnosis), shown preformatted */
  readonly notes?: ReadonlyArray<readonly [string, string]>
  /** a confusion matrix, rows = true class */
  readonly confusion?: ReadonlyArray<ReadonlyArray<number>>
}

/** Refuses report data with a missing part or one of the wrong type, naming it (one look at each entry). */
const checkReport = (r: unknown): void => {
  const op = 'htmlReport'
  const expected = 'report data { title, history, results, notes?, confusion? }: the history of Train.fit and the rows to show'
  const epochs = 'the epoch records of Train.fit (state.history)'
  checkFields(op, 'the report data', r, { title: 'string', history: 'array', results: 'array', notes: 'array?', confusion: 'array?' }, expected)
  checkOptions(op, r, ['title', 'history', 'results', 'notes', 'confusion'])
  const d = r as ReportData
  d.history.forEach((h, i) => {
    checkFields(op, `history[${i}]`, h, { epoch: 'number', train: 'record', dev: 'record?' }, epochs)
    checkFields(op, `history[${i}].train`, h.train, { loss: 'number', accuracy: 'number?' }, epochs)
    if (h.dev !== undefined) checkFields(op, `history[${i}].dev`, h.dev, { loss: 'number', accuracy: 'number?' }, epochs)
  })
  const pairs = (what: string, rows: ReadonlyArray<unknown>): void =>
    rows.forEach((row, i) => {
      if (!(Array.isArray(row) && row.length === 2 && typeof row[0] === 'string' && typeof row[1] === 'string')) {
        fail('INVALID_ARGUMENT', op, `${what}[${i}] is ${describe(row)}; each row is a pair of strings [name, text].`)
      }
    })
  pairs('results', d.results)
  pairs('notes', d.notes ?? [])
  ;(d.confusion ?? []).forEach((row, i) => {
    if (!Array.isArray(row)) fail('INVALID_ARGUMENT', op, `confusion[${i}] is ${describe(row)}; each row is an array of counts (use Tensor.toNested(Train.confusionMatrix(…))).`)
  })
}

/**
 * A self-contained HTML page with the train/dev loss and accuracy curves and the results.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Train } from 'puregrad'
 * const history = [0, 1].map((epoch) => ({ epoch, train: { loss: 1 - epoch / 2, accuracy: 0.5 + epoch / 4 }, dev: { loss: 1, accuracy: 0.5 } }))
 * const html = Train.htmlReport({ title: 'x < y', history, results: [['dev accuracy', '50%']] })
 * assert.ok(html.startsWith('<!doctype html>') && html.includes('<svg'))
 * assert.ok(html.includes('<title>x &lt; y</title>')) // text is escaped
 * assert.ok(html.includes('<td>0.5000</td><td>0.7500</td>')) // epoch 2's train loss and accuracy
 * @category reports
 */
export const htmlReport = (r: ReportData): string => {
  checkReport(r)
  const loss: Series[] = [
    { name: 'train loss', values: r.history.map((h) => h.train.loss) },
    { name: 'dev loss', values: r.history.map((h) => h.dev?.loss ?? Number.NaN) },
  ]
  const acc: Series[] = [
    { name: 'train accuracy', values: r.history.map((h) => h.train.accuracy ?? Number.NaN) },
    { name: 'dev accuracy', values: r.history.map((h) => h.dev?.accuracy ?? Number.NaN) },
  ]
  const colors = ['#1f77b4', '#d62728']
  const confusion =
    r.confusion === undefined
      ? ''
      : `<h2>Confusion matrix (rows: true class, columns: predicted)</h2><table class="cm"><tr><th></th>${r.confusion.map((_, j) => `<th>${j}</th>`).join('')}</tr>${r.confusion
          .map((row, i) => `<tr><th>${i}</th>${row.map((v, j) => `<td${i === j ? ' class="d"' : ''}>${v}</td>`).join('')}</tr>`)
          .join('')}</table>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(r.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:62rem}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}
.cm td.d{background:#e6f2e6;font-weight:600}pre{background:#f6f6f6;padding:1rem;overflow:auto}.charts{display:flex;flex-wrap:wrap;gap:1rem}</style></head>
<body><h1>${escape(r.title)}</h1>
<div class="charts">${svgChart('Loss', loss, colors)}${svgChart('Accuracy', acc, colors)}</div>
<h2>Results</h2><table>${r.results.map(([k, v]) => `<tr><th style="text-align:left">${escape(k)}</th><td>${escape(v)}</td></tr>`).join('')}</table>
<h2>Per epoch</h2><table><tr><th>epoch</th><th>train loss</th><th>train accuracy</th><th>dev loss</th><th>dev accuracy</th></tr>${r.history
    .map((h) => `<tr><td>${h.epoch + 1}</td><td>${h.train.loss.toFixed(4)}</td><td>${h.train.accuracy?.toFixed(4) ?? ''}</td><td>${h.dev?.loss.toFixed(4) ?? ''}</td><td>${h.dev?.accuracy?.toFixed(4) ?? ''}</td></tr>`)
    .join('')}</table>
${confusion}
${(r.notes ?? []).map(([k, v]) => `<h2>${escape(k)}</h2><pre>${escape(v)}</pre>`).join('\n')}
</body></html>
`
}
