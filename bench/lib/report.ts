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
