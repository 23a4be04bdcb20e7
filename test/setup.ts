import fc from 'fast-check'
import { expect } from 'vitest'
import type { Comparator, Equiv } from '../laws/Equiv.js'

// The default suite draws the same cases on every run (seed 1), so CI never fails on a case
// no one has seen; `npm run fuzz` draws fresh cases (FC_SEED=random) and more of them (FC_RUNS).
// Replay a failure: FC_SEED=<seed printed in the failing test's title> npx vitest run <file>
const seed = process.env['FC_SEED'] ?? '1'
const runs = process.env['FC_RUNS']
fc.configureGlobal({
  ...(seed !== 'random' ? { seed: Number(seed) } : {}),
  ...(runs !== undefined ? { numRuns: Number(runs) } : {}),
})

const show = (x: unknown): string => (typeof x === 'object' && x !== null ? String(x) : JSON.stringify(x))

expect.extend({
  toHold<A>(received: Equiv<A>, cmp: Comparator<A>) {
    const pass = cmp(received.lhs, received.rhs)
    return {
      pass,
      message: () => `expected the law to ${pass ? 'fail' : 'hold'}\n  lhs: ${show(received.lhs)}\n  rhs: ${show(received.rhs)}`,
    }
  },
})

declare module 'vitest' {
  interface Assertion<T> {
    toHold(cmp: Comparator<T extends Equiv<infer A> ? A : never>): void
  }
}
