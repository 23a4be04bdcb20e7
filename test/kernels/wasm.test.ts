// The WebAssembly kernels as installed pieces: the enabling API, memory that does not grow
// across calls, the fallback when memory cannot grow, op codes that trap when unknown,
// end-to-end gradients through the Tensor API, and worker threads that never keep a process alive.
import { execFileSync } from 'node:child_process'
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Ad, Tensor as T } from '../../src/index.js'
import type { Kernels, MatmulSpec } from '../../src/kernels/Kernels.js'
import { jsKernels } from '../../src/kernels/js/index.js'
import { kernels } from '../../src/kernels/registry.js'
import { markReusable } from '../../src/core/dtype.js'
import { bestBuild, createEngine } from '../../src/kernels/wasm/engine.js'
import { singleThread } from '../../src/kernels/wasm/gemm.js'
import { binaryCodes, reduceCodes, unaryCodes } from '../../src/kernels/wasm/generated/opcodes.js'
import { useJsKernels, useWasmKernels, useWasmKernelsSync, wasmSupported } from '../../src/kernels/wasm/index.js'
import { makeWasmKernels } from '../../src/kernels/wasm/kernels.js'
import { Cut, plan } from '../../src/kernels/wasm/gemm.js'
import { floats } from '../../laws/kernels.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
/** The build installed by default here, and the kernels' name for it. */
const simd = bestBuild()
const name = simd === 'relaxed-simd' ? 'wasm-relaxed-simd' : 'wasm-simd'

afterEach(() => useJsKernels())

describe('enabling the wasm kernels', () => {
  it('is supported on this Node', () => {
    expect(wasmSupported()).toBe(true)
  })

  it('useWasmKernelsSync installs them, useJsKernels restores the reference', () => {
    expect(kernels().name).toBe('js')
    expect(useWasmKernelsSync()).toEqual({ kernels: 'wasm', threads: 1, simd })
    expect(kernels().name).toBe(name)
    useJsKernels()
    expect(kernels().name).toBe('js')
  })

  it('useWasmKernels({ threads: 0 }) is the single-threaded install', async () => {
    expect(await useWasmKernels({ threads: 0 })).toEqual({ kernels: 'wasm', threads: 1, simd })
    expect(kernels().name).toBe(name)
  })

  it('useWasmKernels({ threads: 1 }) adds one worker', async () => {
    expect(await useWasmKernels({ threads: 1 })).toEqual({ kernels: 'wasm', threads: 2, simd })
    expect(kernels().name).toBe(`${name}+1w`)
    const a = T.fromArray(floats(1, 256 * 256), [256, 256])
    const y = T.matmul(a, a, { transposeB: true })
    expect(T.allclose(T.cast(y, 'float64'), T.matmul(T.cast(a, 'float64'), T.cast(a, 'float64'), { transposeB: true }), { rtol: 1e-4, atol: 1e-4 })).toBe(true)
  })
})

describe('the arena', () => {
  const spec = (n: number): MatmulSpec => ({ batch: 1, m: n, n, k: n, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 })

  it('does not grow across repeated calls of the same sizes', () => {
    const e = createEngine(false)
    const k = makeWasmKernels(e, singleThread(e))
    const a = floats(1, 300 * 300)
    const out = new Float32Array(300 * 300)
    k.matmul(a, a, out, spec(300))
    k.unary('exp', a, out)
    const after1 = e.memory.buffer.byteLength
    for (let i = 0; i < 50; i++) {
      k.matmul(a, a, out, spec(300))
      k.unary('exp', a, out)
      k.binary('add', { data: a, offset: 0, strides: [300, 1] }, { data: a, offset: 0, strides: [0, 1] }, [300, 300], out)
    }
    expect(e.memory.buffer.byteLength).toBe(after1)
  })

  it('falls back to the TypeScript kernels when memory cannot grow (same results as the reference)', () => {
    const e = createEngine(false)
    const stuck = { ...e, reserve: () => false }
    const k: Kernels = makeWasmKernels(stuck, singleThread(stuck))
    const a = floats(2, 40 * 40)
    const got = new Float32Array(1600)
    const want = new Float32Array(1600)
    k.matmul(a, a, got, spec(40))
    jsKernels.matmul(a, a, want, spec(40))
    expect(got).toEqual(want)
    k.unary('exp', a, got)
    jsKernels.unary('exp', a, want)
    expect(got).toEqual(want)
  })

  it('keeps a product operand seen before in memory: from its second use on, it is not copied in again', () => {
    const e = createEngine(false)
    let copies = 0
    const counted = { ...e, f32: () => (copies++, e.f32()) }
    const k = makeWasmKernels(counted, singleThread(counted))
    const w = floats(3, 128 * 64)
    const out = new Float32Array(4 * 64)
    const want = new Float32Array(4 * 64)
    const s: MatmulSpec = { batch: 1, m: 4, n: 64, k: 128, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 }
    const perCall = [1, 2, 3].map((i) => {
      const x = floats(10 + i, 4 * 128)
      copies = 0
      k.matmul(x, w, out, s)
      jsKernels.matmul(x, w, want, s)
      expect(Array.from(out).every((v, j) => Math.abs(v - want[j]!) <= 1e-4 * (1 + Math.abs(want[j]!)))).toBe(true)
      return copies
    })
    // x in and the product out each call; w in on the first call, then (its second use) into the kept region, then not at all
    expect(perCall).toEqual([3, 3, 2])
  })

  it('never trusts a kept copy of a buffer that may be written again (a recycled jit intermediate)', () => {
    const e = createEngine(false)
    const k = makeWasmKernels(e, singleThread(e))
    const w = floats(4, 64 * 64)
    const x = floats(5, 64 * 64)
    const got = new Float32Array(64 * 64)
    const want = new Float32Array(64 * 64)
    const s = spec(64)
    for (let i = 0; i < 3; i++) k.matmul(x, w, got, s)
    markReusable(w)
    w.set(floats(6, 64 * 64)) // what a program's buffer pool does to a dead intermediate
    k.matmul(x, w, got, s)
    jsKernels.matmul(x, w, want, s)
    expect(Array.from(got).every((v, j) => Math.abs(v - want[j]!) <= 1e-4 * (1 + Math.abs(want[j]!)))).toBe(true)
  })

  it('cuts jobs into about three chunks per thread: batches, then rows, then columns', () => {
    expect(plan(128, 128, 1, 2)).toEqual({ cut: Cut.Rows, chunks: 6, size: 24 })
    expect(plan(784, 128, 1, 2)).toEqual({ cut: Cut.Rows, chunks: 6, size: 132 })
    expect(plan(10, 3, 1, 2)).toEqual({ cut: Cut.Rows, chunks: 2, size: 8 })
    expect(plan(2, 40, 1, 2)).toEqual({ cut: Cut.Cols, chunks: 5, size: 8 })
    expect(plan(2, 4000, 1, 2)).toEqual({ cut: Cut.Cols, chunks: 6, size: 672 })
    expect(plan(5, 5, 3, 2)).toEqual({ cut: Cut.Batch, chunks: 3, size: 1 })
    expect(plan(5, 5, 100_000, 2)).toEqual({ cut: Cut.Batch, chunks: 6, size: 16_667 })
  })
})

describe('the op codes', () => {
  const e = createEngine(false)
  const x = e.exports
  const p = e.base
  /** Each dispatcher on a few elements at p (inputs), p + 64 (output) and p + 128 (scratch). */
  const dispatchers = [
    ['binary', binaryCodes, (code: number) => x.binary(code, p, 5, 1, p + 64, 5, 1, p + 128, 1, 5)],
    ['unary', unaryCodes, (code: number) => x.unary(code, p, p + 64, 5)],
    ['reduce', reduceCodes, (code: number) => x.reduce(code, p, 1, 3, 2, p + 64, p + 128)],
  ] as const

  for (const [name, codes, run] of dispatchers) {
    it(`${name}: an unknown code traps (and writes nothing) instead of computing some other op`, () => {
      const known = Object.values(codes)
      for (const code of [-1, Math.max(...known) + 1, 1 << 30]) {
        e.f32().fill(7, (p + 64) >>> 2, (p + 128) >>> 2)
        expect(() => run(code)).toThrow(WebAssembly.RuntimeError)
        expect(Array.from(e.f32().subarray((p + 64) >>> 2, (p + 128) >>> 2)).every((v) => v === 7)).toBe(true)
      }
      for (const code of known) expect(() => run(code)).not.toThrow()
    })
  }
})

describe('through the Tensor API', () => {
  it('an MLP gradient under wasm matches the reference within float32 tolerance', async () => {
    const x = T.fromArray(floats(3, 64 * 784, { scale: 1 }), [64, 784])
    const p = {
      w1: T.fromArray(floats(4, 784 * 128, { scale: 0.05 }), [784, 128]),
      w2: T.fromArray(floats(5, 128 * 10, { scale: 0.1 }), [128, 10]),
      b1: T.zeros([128]),
    }
    const loss = (q: typeof p): T.Tensor => T.mean(T.logsumexp(T.matmul(T.relu(T.add(T.matmul(x, q.w1), q.b1)), q.w2), -1))
    const reference = Ad.valueAndGrad(loss)(p)
    await useWasmKernels({ threads: 1, minParallelFlops: 0, adaptive: false })
    const fast = Ad.valueAndGrad(loss)(p)
    expect(T.allclose(fast[0], reference[0], { rtol: 1e-5, atol: 1e-6 })).toBe(true)
    for (const key of ['w1', 'w2', 'b1'] as const) expect(T.allclose(fast[1][key], reference[1][key], { rtol: 1e-4, atol: 1e-6 })).toBe(true)
  })
})

describe('worker threads', () => {
  it('never keep the process alive: a script that used them exits by itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-'))
    try {
      const script = join(dir, 'exit.mts')
      writeFileSync(
        script,
        `import { Tensor as T } from ${JSON.stringify(join(root, 'src/index.js'))}
         import { useWasmKernels } from ${JSON.stringify(join(root, 'src/kernels/wasm/index.js'))}
         const status = await useWasmKernels({ threads: 1, minParallelFlops: 0 })
         const y = T.matmul(T.ones([64, 64]), T.ones([64, 64]))
         console.log(JSON.stringify({ status, y: T.get(y, 3, 5) }))\n`,
      )
      const t0 = Date.now()
      const out = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 30_000 })
      expect(JSON.parse(out)).toEqual({ status: { kernels: 'wasm', threads: 2, simd }, y: 64 })
      expect(Date.now() - t0).toBeLessThan(30_000)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
