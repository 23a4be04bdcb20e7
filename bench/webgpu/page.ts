/**
 * The benchmark page: sets up each library on WebGPU, runs every case of cases.ts a few times
 * untimed (pipelines compiled, buffers pooled), then times `reps` calls, each to its result read
 * back on the host, and reports the medians. A library that fails to start, or a case it cannot
 * run (a kernel it lacks), is reported with its error instead of a time.
 */
import { FULL, type Lib, SMOKE, type Sizes } from './cases.js'

export interface Timing {
  readonly case: string
  readonly lib: string
  /** Median ms of a call, or undefined when it failed. */
  readonly ms?: number
  readonly error?: string
}

export interface Report {
  readonly adapter: { readonly vendor: string; readonly architecture: string; readonly description: string; readonly fallback: boolean }
  readonly smoke: boolean
  readonly reps: number
  readonly timings: Timing[]
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/** Median ms of `reps` calls after min(2, reps) untimed ones. */
const time = async (call: () => Promise<unknown>, reps: number): Promise<number> => {
  for (let i = 0; i < Math.min(2, reps); i++) await call()
  const ms: number[] = []
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now()
    await call()
    ms.push(performance.now() - t0)
  }
  return median(ms)
}

/** The adapter as the browser describes it (SwiftShader says so in its description or vendor). */
const adapterInfo = async (): Promise<Report['adapter']> => {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string>; isFallbackAdapter?: boolean } | null> } }).gpu
  const a = await gpu?.requestAdapter()
  const info = a?.info ?? {}
  const text = `${info['vendor'] ?? ''} ${info['architecture'] ?? ''} ${info['description'] ?? ''}`
  return {
    vendor: info['vendor'] ?? '',
    architecture: info['architecture'] ?? '',
    description: info['description'] ?? '',
    fallback: a?.isFallbackAdapter === true || /swiftshader/i.test(text),
  }
}

export const run = async (libs: ReadonlyArray<readonly [string, () => Promise<Lib>]>, smoke: boolean, reps?: number): Promise<Report> => {
  const sizes: Sizes = smoke ? SMOKE : FULL
  const r = reps ?? sizes.reps
  const timings: Timing[] = []
  const adapter = await adapterInfo()
  for (const [name, start] of libs) {
    let lib: Lib
    try {
      lib = await start()
    } catch (e) {
      timings.push({ case: 'start', lib: name, error: String(e) })
      continue
    }
    const measure = async (label: string, setup: () => Promise<() => Promise<unknown>>): Promise<void> => {
      console.log(`${name}: ${label}`)
      try {
        timings.push({ case: label, lib: name, ms: await time(await setup(), r) })
      } catch (e) {
        timings.push({ case: label, lib: name, error: String(e).split('\n')[0]!.slice(0, 200) })
      }
    }
    for (const n of sizes.matmul) await measure(`matmul ${n}`, () => lib.matmul(n))
    const c = sizes.conv
    const conv = lib.conv(c)
    await measure('conv2d forward', async () => (await conv).forward)
    await measure('conv2d gradient', async () => (await conv).gradient)
    await measure('MLP training step', () => lib.mlp(sizes.mlp))
    await measure('CNN training step', () => lib.cnn(sizes.cnn))
  }
  return { adapter, smoke, reps: r, timings }
}
