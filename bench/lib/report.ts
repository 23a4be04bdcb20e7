/** What every benchmark part prints with: medians, numbers, markdown tables. */

/** The median (the mean of the two middle values for an even count). */
export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** A number with thousands separators and `digits` decimals. */
export const fmt = (v: number, digits = 0): string => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** Prints a markdown table under a heading; the first row is the header. */
export const table = (title: string, rows: ReadonlyArray<ReadonlyArray<string>>): void => {
  console.log(`### ${title}\n`)
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
  const line = (r: ReadonlyArray<string>): string => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`
  console.log(line(rows[0]!))
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`)
  for (const r of rows.slice(1)) console.log(line(r))
  console.log()
}

/** Mean ms per call of `f`, called after one warm-up call until `minMs` have passed. */
export const timeFor = (f: () => unknown, minMs: number): number => {
  f() // warm-up
  let n = 0
  const t0 = performance.now()
  let t = t0
  while (t - t0 < minMs) {
    f()
    n++
    t = performance.now()
  }
  return (t - t0) / n
}
