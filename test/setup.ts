import fc from 'fast-check'
import { expect } from 'vitest'
import type { Comparator, Equiv } from '../laws/Equiv.js'

// Replay any failure: FC_SEED=<seed printed in the failing test's title> npm test
// Search harder: FC_RUNS=1000 npx vitest run laws (properties without their own numRuns)
const seed = process.env['FC_SEED']
const runs = process.env['FC_RUNS']
fc.configureGlobal({
  ...(seed !== undefined ? { seed: Number(seed) } : {}),
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
