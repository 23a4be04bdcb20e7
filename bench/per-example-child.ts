/**
 * The per-example gradient measurements of bench/lib/perExample.ts in a process of their own,
 * which bench/lib/perExample.ts starts with glibc told to keep freed memory for reuse (see
 * `heapReuseTunables` there). Prints one JSON line: the times.
 * Usage: GLIBC_TUNABLES=… node --import tsx bench/per-example-child.ts [--quick]
 */
import { perExampleGradients } from './lib/perExample.js'
import { timeFor } from './lib/report.js'

const quick = process.argv.includes('--quick')

const time = (f: () => unknown, minMs = 300): number => timeFor(f, minMs)

console.log(JSON.stringify(perExampleGradients(time, quick ? 300 : 1000)))
