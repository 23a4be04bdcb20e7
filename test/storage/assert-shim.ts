/**
 * What the @examples of puregrad/browser use of node:assert/strict, for running them in the
 * page of storage-browser.test.ts (a browser has no node:assert).
 */
const fail = (message: string): never => {
  throw new Error(message)
}

const matches = (e: unknown, expected?: Record<string, unknown>): void => {
  for (const [k, v] of Object.entries(expected ?? {}))
    if ((e as Record<string, unknown>)[k] !== v) fail(`expected an error with ${k} ${JSON.stringify(v)}, got ${String(e)}`)
}

const assert = {
  ok: (v: unknown, message?: string): void => void (v || fail(message ?? 'assert.ok failed')),
  strictEqual: (a: unknown, b: unknown): void => void (Object.is(a, b) || fail(`${String(a)} !== ${String(b)}`)),
  deepStrictEqual: (a: unknown, b: unknown): void => void (JSON.stringify(a) === JSON.stringify(b) || fail(`${JSON.stringify(a)} differs from ${JSON.stringify(b)}`)),
  throws: (f: () => unknown, expected?: Record<string, unknown>): void => {
    try {
      f()
    } catch (e) {
      return matches(e, expected)
    }
    fail('expected a throw')
  },
  rejects: async (p: Promise<unknown>, expected?: Record<string, unknown>): Promise<void> => {
    try {
      await p
    } catch (e) {
      return matches(e, expected)
    }
    fail('expected a rejection')
  },
}

export default assert
