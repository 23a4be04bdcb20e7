/**
 * Resource budget and nesting limit: untrusted documents and oversized requests are refused
 * with RESOURCE_LIMIT or TOO_DEEP before anything is allocated or any recursion can overflow,
 * never with a raw RangeError, minutes of work, or a dead process.
 *
 * Cases that, on a regression, could exhaust memory or kill the process (a repeat expanded a
 * billion times, a billion-parameter embedding, the engine refusing an allocation) run in a
 * child process with an address-space cap, so a regression fails the test instead.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { Ad, Net, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { caught } from '../util.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** The PuregradError `f` throws or returns as a Left (anything else fails the test). */
const refusal = caught

/** How long `f` takes, in milliseconds, and what it gave. */
const timed = <A>(f: () => A): { readonly ms: number; readonly value: A } => {
  const t0 = performance.now()
  const value = f()
  return { ms: performance.now() - t0, value }
}

/** A model document for a network and input shape, with no tensors (a few hundred bytes). */
const smallDoc = (network: Net.Layer, inShape: ReadonlyArray<number>): string =>
  JSON.stringify({ format: 'puregrad/model', version: 1, network, inShape, params: {}, state: {}, checksum: 'crc32:0' })

const wide = Net.dense(20_000) // on [20000]: 400 million weights, 1.6 GB of float32

describe('tensor creation counts bytes and refuses what cannot be allocated', () => {
  it.each([
    ['zeros [1e5, 1e5]', 'zeros', () => T.zeros([1e5, 1e5])],
    ['float64 zeros [3e8] (2.4 GB: the float32 tensor would fit)', 'zeros', () => T.zeros([3e8], 'float64')],
    ['Rng.uniform [1e5, 1e5]', 'uniform', () => Rng.uniform(Rng.key(0), [1e5, 1e5])],
    ['Rng.normal float64 [3e8]', 'normal', () => Rng.normal(Rng.key(0), [3e8], { dtype: 'float64' })],
    ['a broadcast to [1e5, 1e5]', 'add', () => T.add(T.zeros([1e5, 1]), T.zeros([1, 1e5]))],
    ['a matmul to [5e4, 5e4]', 'matmul', () => T.matmul(T.zeros([5e4, 1]), T.zeros([1, 5e4]))],
  ] as const)('%s: RESOURCE_LIMIT naming the operation', (_, op, f) => {
    const e = refusal(f)
    expect(e.code).toBe('RESOURCE_LIMIT')
    expect(e.op).toBe(op)
    expect(e.message).toMatch(/bytes|tensor may hold/)
  })
  it('states the per-tensor limit in bytes', () => {
    expect(T.MAX_TENSOR_BYTES).toBe(2 ** 31)
  })
})

describe('Net.init, Net.summary and Net.shape keep to the budget before allocating or expanding', () => {
  it('Net.init of Dense(20000) on [20000] is refused at once', () => {
    const { ms, value } = timed(() => refusal(() => Net.init(wide, { key: Rng.key(0), inShape: [20_000] })))
    expect(value.code).toBe('RESOURCE_LIMIT')
    expect(value.message).toMatch(/400020000 values/)
    expect(ms).toBeLessThan(500)
  })
  it('Net.summary of Dense(20000) on [20000] is refused at once, and described without allocating when the budget allows', () => {
    const { ms, value } = timed(() => refusal(() => Net.summary(wide, [20_000])))
    expect(value.code).toBe('RESOURCE_LIMIT')
    expect(ms).toBeLessThan(500)
    const allowed = timed(() => Net.summary(wide, [20_000], 'float32', { budget: { maxParams: Infinity, maxBytes: Infinity } }))
    expect(allowed.value).toContain('Total parameters: 400,020,000')
    expect(allowed.ms).toBeLessThan(500)
  })
  it('a budget can be lowered, and a bad budget is refused', () => {
    const net = Net.serial(Net.dense(4), Net.dense(2))
    expect(Net.init(net, { key: Rng.key(0), inShape: [3], budget: { maxParams: 26 } }).outShape).toEqual([2])
    expect(refusal(() => Net.init(net, { key: Rng.key(0), inShape: [3], budget: { maxParams: 25 } })).code).toBe('RESOURCE_LIMIT')
    expect(refusal(() => Net.init(net, { key: Rng.key(0), inShape: [3], dtype: 'float64', budget: { maxBytes: 26 * 8 - 1 } })).code).toBe('RESOURCE_LIMIT')
    expect(refusal(() => Net.shape(Net.repeat(3, net), [3], { budget: { maxLayers: 9 } })).code).toBe('RESOURCE_LIMIT')
    expect(E.isRight(Net.shape(Net.repeat(3, net), [3], { budget: { maxLayers: 10 } }))).toBe(true)
    expect(refusal(() => Net.init(net, { key: Rng.key(0), inShape: [3], budget: { maxParams: -1 } })).code).toBe('INVALID_ARGUMENT')
    const misspelt = refusal(() => Net.init(net, { key: Rng.key(0), inShape: [3], budget: { maxParam: 5 } as Net.Budget }))
    expect(misspelt.code).toBe('INVALID_ARGUMENT')
    // the shared options check: the near miss named, and the fields listed
    expect(misspelt.message).toBe('init: unknown field of budget "maxParam" (did you mean "maxParams"?); the fields of budget are "maxParams", "maxBytes", "maxLayers".')
    expect(refusal(() => Net.init(net, { key: Rng.key(0), inShape: [3], budget: 5 as never })).message).toMatch(/budget is the number 5|budget is 5/)
  })
  it('Net.initStructure is the structure of what Net.init makes, without allocating', () => {
    const net = Net.serial(Net.conv2d(2, 3), Net.batchNorm(), Net.reshape([9, 2]), Net.lstm(3), Net.dense(2), Net.fanOut(2), Net.parallel(Net.dense(1), Net.repeat(2, Net.dense(2))))
    const inShape = [5, 5, 1]
    const vars = Net.init(net, { key: Rng.key(0), inShape })
    const s = Net.initStructure(net, { inShape })
    expect(s.params).toEqual(Tree.structure(vars.params))
    expect(s.state).toEqual(Tree.structure(vars.state))
    expect(s.outShape).toEqual(vars.outShape)
  })
})

describe('Net.decode checks budget, sizes and checksum before allocating', () => {
  it('a 200-byte document for Dense(20000) on [20000] is refused at once (budget)', () => {
    const text = smallDoc(wide, [20_000])
    expect(text.length).toBeLessThan(250)
    const { ms, value } = timed(() => Net.decode(text))
    expect(E.isLeft(value) && value.left.code).toBe('RESOURCE_LIMIT')
    expect(ms).toBeLessThan(500)
  })
  it('and with the budget lifted it is refused at once too (the data is missing)', () => {
    const { ms, value } = timed(() => Net.decode(smallDoc(wide, [20_000]), { budget: { maxParams: Infinity, maxBytes: Infinity } }))
    expect(E.isLeft(value) && value.left.code).toBe('INVALID_VALUE')
    expect(E.isLeft(value) && value.left.message).toMatch(/params: missing 'W', 'b'/)
    expect(ms).toBeLessThan(500)
  })
  it('a tensor whose data is shorter than its shape needs is refused before decoding, even when the checksum is right', () => {
    const network = Net.dense(3)
    const vars = Net.init(network, { key: Rng.key(0), inShape: [2] })
    const doc = JSON.parse(Net.encode({ network, inShape: [2], ...vars }))
    doc.params.W.data = doc.params.W.data.slice(0, 8)
    const { checksum: _, ...body } = doc
    const rechecked = Net.decode(JSON.stringify({ ...body, checksum: 'crc32:0' }))
    expect(E.isLeft(rechecked) && rechecked.left.message).toMatch(/params at 'W': data holds 6 bytes where 6 float32 values need 24/)
  })
  it('a well-formed model within the budget still loads; a budget below it refuses it', () => {
    const network = Net.serial(Net.dense(3), Net.batchNorm())
    const vars = Net.init(network, { key: Rng.key(0), inShape: [2] })
    const text = Net.encode({ network, inShape: [2], ...vars })
    expect(E.isRight(Net.decode(text))).toBe(true)
    expect(E.isRight(Net.decode(text, { budget: { maxParams: 21 } }))).toBe(true)
    const r = Net.decode(text, { budget: { maxParams: 20 } })
    expect(E.isLeft(r) && [r.left.code, r.left.op]).toEqual(['RESOURCE_LIMIT', 'decode'])
  })
})

describe('nesting deeper than MAX_DEPTH is refused with TOO_DEEP', () => {
  const N = 100_000
  /** n nested records around a tensor */
  const deepTree = (n: number): Tree.Tree => {
    let t: Tree.Tree = T.zeros([1])
    for (let i = 0; i < n; i++) t = { a: t }
    return t
  }
  /** n levels of layers: residuals around a dense layer */
  const deepNet = (n: number): Net.Layer => {
    let l: Net.Layer = Net.dense(1)
    for (let i = 1; i < n; i++) l = Net.residual(l)
    return l
  }
  const code = (f: () => unknown): string => refusal(f).code

  it('states the limit', () => {
    expect(Net.MAX_DEPTH).toBe(500)
    expect(Tree.MAX_DEPTH).toBe(500)
  })
  it.each([
    ['Tree.map', (t: Tree.Tree) => Tree.map(t, (x) => x)],
    ['Tree.leaves', (t: Tree.Tree) => Tree.leaves(t)],
    ['Tree.flatten', (t: Tree.Tree) => Tree.flatten(t)],
    ['Tree.checkSameStructure', (t: Tree.Tree) => Tree.checkSameStructure(t, t)],
    ['Ad.grad over the tree', (t: Tree.Tree) => Ad.grad((p: Tree.Tree) => T.sum(Tree.leaves(p)[0]!.value))(t)],
  ] as const)('%s: 100,000 levels refused; MAX_DEPTH levels accepted', (_, f) => {
    expect(code(() => f(deepTree(N)))).toBe('TOO_DEEP')
    expect(code(() => f(deepTree(Net.MAX_DEPTH + 1)))).toBe('TOO_DEEP')
    expect(() => f(deepTree(Net.MAX_DEPTH))).not.toThrow()
  })
  it('networks: init, shape, summary, edit refuse 100,000 levels; MAX_DEPTH levels init, apply and round-trip', () => {
    const deep = deepNet(N)
    expect(code(() => Net.init(deep, { key: Rng.key(0), inShape: [1] }))).toBe('TOO_DEEP')
    expect(code(() => Net.shape(deep, [1]))).toBe('TOO_DEEP')
    expect(code(() => Net.summary(deep, [1]))).toBe('TOO_DEEP')
    expect(code(() => Net.edit(deep, () => undefined))).toBe('TOO_DEEP')
    expect(code(() => Net.edit(deepNet(Net.MAX_DEPTH + 1), () => undefined))).toBe('TOO_DEEP')
    expect(code(() => Net.init(deepNet(Net.MAX_DEPTH + 1), { key: Rng.key(0), inShape: [1] }))).toBe('TOO_DEEP')
    const ok = deepNet(Net.MAX_DEPTH)
    const vars = Net.init(ok, { key: Rng.key(0), inShape: [1] })
    expect(Tree.map(vars.params, (x) => x)).toEqual(vars.params) // its variables are within the limit too
    expect(Net.predict(ok, vars, T.ones([1, 1])).shape).toEqual([1, 1])
    const back = Net.decode(Net.encode({ network: ok, inShape: [1], ...vars }))
    expect(E.isRight(back)).toBe(true)
    expect(Net.edit(ok, () => undefined)).toEqual(ok)
  })
  it('Net.decode returns Left TOO_DEEP for a deeply nested network or document', () => {
    const doc = (network: string): string => `{"format":"puregrad/model","version":1,"network":${network},"inShape":[1],"params":{},"state":{},"checksum":"crc32:0"}`
    const nested = (n: number): string => '{"_tag":"Residual","body":'.repeat(n - 1) + '{"_tag":"Identity"}' + '}'.repeat(n - 1)
    for (const text of [doc(nested(N)), doc(nested(Net.MAX_DEPTH + 1)), doc('['.repeat(N) + ']'.repeat(N))]) {
      const r = Net.decode(text)
      expect(E.isLeft(r) && [r.left.code, r.left.op]).toEqual(['TOO_DEEP', 'decode'])
    }
  })
  it('Train.decodeFit refuses a deeply nested state with TOO_DEEP', () => {
    expect(code(() => Train.decodeFit(`{"_tag":"FitState","train":${'['.repeat(N)}${']'.repeat(N)}}`))).toBe('TOO_DEEP')
  })
})

// ---------------------------------------------------------------------------------------------
// In a child process with an address-space cap: cases that could kill the process

const dir = mkdtempSync(join(tmpdir(), 'puregrad-budget-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Linux can cap the child's address space (prlimit on itself), so the engine refuses big allocations. */
const canCap = process.platform === 'linux' && existsSync('/proc/self/status') && spawnSync('prlimit', ['--version']).status === 0

const script = join(dir, 'case.mts')
writeFileSync(
  script,
  `import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Net, Rng, Tensor as T } from ${JSON.stringify(join(root, 'src/index.js'))}

const doc = (network: unknown, inShape: number[]): string =>
  JSON.stringify({ format: 'puregrad/model', version: 1, network, inShape, params: {}, state: {}, checksum: 'crc32:0' })
const cases: Record<string, () => unknown> = {
  'decode Repeat(1e9, Dense(1))': () => Net.decode(doc(Net.repeat(1e9, Net.dense(1)), [1])),
  'init Repeat(1e9, Dense(1))': () => Net.init(Net.repeat(1e9, Net.dense(1)), { key: Rng.key(0), inShape: [1] }),
  'summary Repeat(1e9, Dense(1))': () => Net.summary(Net.repeat(1e9, Net.dense(1)), [1]),
  'shape Repeat(1e9, identity-like)': () => Net.shape(Net.repeat(1e9, Net.relu), [1]),
  'decode Dense(46000) on [46000]': () => Net.decode(doc(Net.dense(46000), [46000])),
  'init Dense(46000) on [46000]': () => Net.init(Net.dense(46000), { key: Rng.key(0), inShape: [46000] }),
  'decode Embedding(1e9, 1)': () => Net.decode(doc(Net.embedding(1e9, 1), [1])),
  'init Embedding(1e9, 1)': () => Net.init(Net.embedding(1e9, 1), { key: Rng.key(0), inShape: [1] }),
  'zeros [2.5e8] beyond the memory cap': () => T.zeros([2.5e8]),
  'Rng.uniform [2.5e8] beyond the memory cap': () => Rng.uniform(Rng.key(0), [2.5e8]),
}
const names = JSON.parse(process.argv[2]!) as string[]
const cap = process.argv[3] === 'cap'
// let the loader finish its own start-up before the cap
await new Promise((r) => setTimeout(r, 200))
if (cap) {
  const vm = Number(/VmSize:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024
  execFileSync('prlimit', ['--pid', String(process.pid), '--as=' + (vm + 2 ** 29)])
}
// one line per case, written as soon as it is known, so a case that kills the process leaves the others' results
for (const name of names) {
  let out: Record<string, unknown>
  try {
    const r = cases[name]!() as { _tag?: string; left?: { code?: string; op?: string } }
    out = r?._tag === 'Left' ? { left: r.left!.code, op: r.left!.op } : { ok: true }
  } catch (e) {
    const err = e as { constructor: { name: string }; code?: string; op?: string; message: string }
    out = { threw: err.constructor.name, code: err.code, op: err.op, message: String(err.message).slice(0, 200) }
  }
  process.stdout.write(JSON.stringify({ name, ...out }) + '\\n')
}
process.exit(0)
`,
)

/**
 * Runs cases in one child (heap capped at 256 MB, address space capped where possible) and
 * gives each case's outcome, or a function that fails saying how the child died before it.
 */
const inChild = (names: ReadonlyArray<string>, cap: boolean): ((name: string) => Record<string, unknown>) => {
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', script, JSON.stringify(names), cap ? 'cap' : ''], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  const seen = new Map<string, Record<string, unknown>>()
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('{')) {
      const o = JSON.parse(line) as Record<string, unknown>
      seen.set(o['name'] as string, o)
    }
  }
  return (name) => {
    const o = seen.get(name)
    if (o === undefined) throw new Error(`the child died before this case (status ${r.status}, signal ${r.signal}): ${(r.stderr ?? '').slice(-400)}`)
    const { name: _, ...out } = o
    return out
  }
}

const budgetCases = [
  ['decode Repeat(1e9, Dense(1))', 'left'],
  ['init Repeat(1e9, Dense(1))', 'threw'],
  ['summary Repeat(1e9, Dense(1))', 'threw'],
  ['shape Repeat(1e9, identity-like)', 'left'],
  ['decode Dense(46000) on [46000]', 'left'],
  ['init Dense(46000) on [46000]', 'threw'],
  ['decode Embedding(1e9, 1)', 'left'],
  ['init Embedding(1e9, 1)', 'threw'],
] as const
const capCases = [
  ['zeros [2.5e8] beyond the memory cap', 'zeros'],
  ['Rng.uniform [2.5e8] beyond the memory cap', 'uniform'],
] as const

describe('in a child process: nothing expands, allocates or dies', () => {
  let budgetRun: ((name: string) => Record<string, unknown>) | undefined
  let capRun: ((name: string) => Record<string, unknown>) | undefined
  it.each(budgetCases)('%s: RESOURCE_LIMIT', (name, how) => {
    budgetRun ??= inChild(budgetCases.map(([n]) => n), canCap)
    const out = budgetRun(name)
    if (how === 'left') expect(out).toEqual({ left: 'RESOURCE_LIMIT', op: name.split(' ')[0] })
    else expect([out['threw'], out['code']]).toEqual(['PuregradError', 'RESOURCE_LIMIT'])
  })
  it.skipIf(!canCap).each(capCases)('%s: the engine RangeError becomes RESOURCE_LIMIT', (name, op) => {
    capRun ??= inChild(capCases.map(([n]) => n), true)
    const out = capRun(name)
    expect([out['threw'], out['code'], out['op']]).toEqual(['PuregradError', 'RESOURCE_LIMIT', op])
    expect(out['message']).toMatch(/could not allocate/)
  })
})
