/**
 * Garbage in, a clear refusal out: every public function of every namespace the package
 * exports, called with garbage arguments (null, undefined, numbers, strings, empty and nested
 * arrays, plain objects, NaN, a function, and the odd valid tensor or key among them), returns
 * a value or a Left, or throws a PuregradError — never a TypeError, a RangeError or another
 * exception from deep inside — and answers within a time limit. A function it returns (a
 * transformation, an optimizer's `init`/`update`, a checker) is called with garbage too.
 *
 * The namespaces are enumerated from the module objects, so a function added later is fuzzed
 * without being listed here. Left out, each for its stated reason, are the entries of
 * EXCLUDED. The functions in PENDING still crash on some garbage: their test asserts that the
 * law still finds a counterexample, so a fix must remove the name from the set.
 */
import { fc } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as P from '../../src/index.js'
import { PuregradError, Rng, Tensor as T } from '../../src/index.js'

/**
 * Functions whose contract is to call a user function or that change global state; the
 * garbage "function" passed elsewhere returns undefined, which callers must refuse clearly.
 */
const EXCLUDED: ReadonlyMap<string, string> = new Map([
  ['Tensor.Tensor', 'the class itself: covered by the construction tests in test/reliability/api.test.ts'],
  ['PuregradError', 'the error class: constructing one with any arguments is allowed'],
  ['useJsKernels', 'switches the global kernels (not a namespace function)'],
  ['useWasmKernels', 'switches the global kernels (not a namespace function)'],
  ['useWasmKernelsSync', 'switches the global kernels (not a namespace function)'],
  ['wasmSupported', 'takes no arguments and reads the platform (not a namespace function)'],
])

/** Functions the law still finds crashing (not yet given coded errors); see the note above. */
const PENDING: ReadonlySet<string> = new Set([])

/** Longest a single call may take. */
const LIMIT_MS = 3000

const garbage: ReadonlyArray<unknown> = [
  null,
  undefined,
  42,
  -1,
  'x',
  {},
  [],
  Number.NaN,
  true,
  () => undefined,
  [[1, 2], [3, 4]],
  [[1, 2], [3]],
  [1, [2, [3]]],
  { _tag: 'Dense' },
  T.tensor([[1, 2], [3, 4]]),
  Rng.key(0),
]
const junk = fc.constantFrom(...garbage)
const argsOf = (arity: number): fc.Arbitrary<unknown[]> => fc.array(junk, { minLength: 0, maxLength: Math.max(arity, 1) + 1 })

const show = (u: unknown): string => {
  if (typeof u === 'function') return 'a function'
  if (T.isTensor(u)) return String(u)
  try {
    return JSON.stringify(u) ?? String(u)
  } catch {
    return String(u)
  }
}

/** Checks one result: a Left holds a PuregradError; a promise settles the same way. */
const settled = async (name: string, args: unknown[], r: unknown): Promise<unknown> => {
  if (r instanceof Promise) {
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`${name}: still pending after ${LIMIT_MS} ms`)), LIMIT_MS))
    try {
      return await Promise.race([r, timeout])
    } catch (e) {
      return failure(name, args, e)
    }
  }
  if (typeof r === 'object' && r !== null && (r as { _tag?: unknown })._tag === 'Left') {
    const left = (r as { left: unknown }).left
    if (!(left instanceof PuregradError)) throw new Error(`${name}(${args.map(show).join(', ')}) returned a Left holding ${String(left)}, not a PuregradError`)
  }
  return r
}

const failure = (name: string, args: unknown[], e: unknown): undefined => {
  if (e instanceof PuregradError) {
    expect(e.detail.length).toBeGreaterThan(10)
    return undefined
  }
  const what = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)
  throw new Error(`${name}(${args.map(show).join(', ')}) threw ${what}`)
}

/** Calls `f(...args)` under the time limit; the value, or undefined after a PuregradError. */
const call = async (name: string, f: Function, args: unknown[]): Promise<unknown> => {
  const t0 = performance.now()
  let r: unknown
  try {
    r = f(...args)
  } catch (e) {
    return failure(name, args, e)
  } finally {
    const ms = performance.now() - t0
    if (ms > LIMIT_MS) throw new Error(`${name}(${args.map(show).join(', ')}) took ${Math.round(ms)} ms`)
  }
  return settled(name, args, r)
}

/** The public functions, as [qualified name, function], from the module objects. */
const publicFunctions = (): Array<readonly [string, Function]> => {
  const out: Array<readonly [string, Function]> = []
  for (const [ns, m] of Object.entries(P)) {
    if (typeof m === 'function') out.push([ns, m])
    else if (typeof m === 'object' && m !== null) {
      for (const [k, v] of Object.entries(m)) if (typeof v === 'function') out.push([`${ns}.${k}`, v])
    }
  }
  return out.filter(([name]) => !EXCLUDED.has(name))
}

/** Functions a result holds: itself when it is one, or the methods of a plain object (init, update, …). */
const functionsIn = (r: unknown): Array<readonly [string, Function]> =>
  typeof r === 'function'
    ? [['(result)', r]]
    : typeof r === 'object' && r !== null && !T.isTensor(r) && !Array.isArray(r)
      ? Object.entries(r).filter((e): e is [string, Function] => typeof e[1] === 'function')
      : []

const NUM_RUNS = 40

describe('fuzz: garbage arguments to every public function', () => {
  const fns = publicFunctions()
  it('the enumeration finds the namespaces', () => {
    const namespaces = new Set(fns.map(([n]) => n.split('.')[0]))
    for (const ns of ['Tensor', 'Ad', 'Rng', 'Tree', 'Loss', 'Net', 'Data', 'Optim', 'Train']) expect(namespaces).toContain(ns)
    expect(fns.length).toBeGreaterThan(200)
    for (const name of PENDING) expect(fns.map(([n]) => n)).toContain(name)
  })
  for (const [name, f] of fns) {
    const property = fc.asyncProperty(argsOf(f.length), argsOf(2), async (args, inner) => {
      const r = await call(name, f, args)
      for (const [k, g] of functionsIn(r)) await call(`${name}(…).${k}`, g, inner)
    })
    if (PENDING.has(name)) {
      it(`${name}: still pending (remove it from PENDING once it refuses garbage with a PuregradError)`, async () => {
        expect((await fc.check(property, { numRuns: NUM_RUNS })).failed).toBe(true)
      })
    } else {
      it(`${name}: a value, a Left or a PuregradError`, async () => {
        await fc.assert(property, { numRuns: NUM_RUNS })
      })
    }
  }
})
