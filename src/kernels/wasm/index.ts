/**
 * WebAssembly SIMD kernels: opt in once, and every float32 operation that has a fast kernel uses
 * it; nothing else changes (same API, same results up to the float32 tolerances stated in
 * `kernels.ts`; float64 and int32 stay on the TypeScript kernels).
 *
 * ```ts
 * import { useJsKernels, useWasmKernels, useWasmKernelsSync } from 'puregrad'
 * const status = await useWasmKernels()            // SIMD + one worker per spare core
 * const single = useWasmKernelsSync()              // or: SIMD, this thread only (no await needed)
 * useJsKernels()                                   // back to the plain TypeScript kernels
 * ```
 *
 * Where the runtime has relaxed SIMD (Chrome and Edge ≥ 114, Node ≥ 22; Node 20 with
 * `--experimental-wasm-relaxed-simd`), found at start-up by validating a tiny module, the matrix
 * products and convolutions run on a second build whose multiply-adds are fused (one rounding
 * instead of two: results may differ from the SIMD128 build in the last bits, within the same
 * stated bound); elsewhere the SIMD128 build runs. The status says which (`simd`).
 *
 * Both fall back to the TypeScript kernels (and say why in the returned status) when the runtime
 * has no WebAssembly SIMD (Node ≥ 16.4 and current browsers have it), and `useWasmKernels` runs
 * on one thread when worker threads or shared memory are missing (a browser page must be
 * cross-origin isolated: COOP `same-origin` + COEP `require-corp`).
 * @since 0.1.0
 */
import type { Kernels } from '../Kernels.js'
import { jsKernels } from '../js/index.js'
import { useKernels } from '../registry.js'
import { type SimdBuild, bestBuild, createEngine, relaxedSupported, supported } from './engine.js'
import { singleThread } from './gemm.js'
import { makeWasmKernels } from './kernels.js'
import { type Pool, hardwareThreads, startPool, threadsUnavailable } from './threads.js'

/**
 * Options of `useWasmKernels`.
 * @category kernels
 */
export interface WasmOptions {
  /**
   * The build: 'auto' (the default) takes 'relaxed-simd' where the runtime has relaxed SIMD and
   * 'simd128' elsewhere; asking for 'relaxed-simd' where it is missing installs 'simd128' and
   * says why in the status.
   */
  readonly simd?: 'auto' | SimdBuild
  /**
   * Worker threads besides the calling one: a number (0: none), or 'auto' (the default), one
   * per hardware thread beyond the first (at most 15).
   */
  readonly threads?: number | 'auto'
  /**
   * The least work, 2·m·n·k flops, for which a matrix product is split over the threads
   * (smaller ones run on the calling thread, where splitting costs more than it saves).
   * Default 2²⁰ (about a 64×128×64 product).
   */
  readonly minParallelFlops?: number
  /**
   * Run products on the calling thread alone for a while when the workers are found taking
   * (almost) no share, e.g. because other processes occupy the other cores (default true; the
   * results are the same either way).
   */
  readonly adaptive?: boolean
}

/**
 * What was installed.
 * @category kernels
 */
export interface WasmStatus {
  /** The kernels now in use: 'wasm' or 'js' (the fallback). */
  readonly kernels: 'wasm' | 'js'
  /** Threads a large matrix product runs on (1: the calling thread only). */
  readonly threads: number
  /** The build installed, with the wasm kernels: 'relaxed-simd' (fused multiply-add) or 'simd128'. */
  readonly simd?: SimdBuild
  /** Why wasm or the workers are not in use, when they are not. */
  readonly reason?: string
}

export type { SimdBuild }

let pool: Pool | undefined

const stopPool = (): void => {
  pool?.close()
  pool = undefined
}

/**
 * True when this runtime can run the WebAssembly SIMD kernels (installing them falls back to the
 * TypeScript kernels when it is false).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { useJsKernels, useWasmKernelsSync, wasmSupported } from 'puregrad'
 * assert.strictEqual(useWasmKernelsSync().kernels, wasmSupported() ? 'wasm' : 'js')
 * useJsKernels()
 * @category kernels
 */
export const wasmSupported = (): boolean => supported(false)

/**
 * True when this runtime has relaxed SIMD, so that the WebAssembly kernels run their fused
 * multiply-add build (found by validating a module of one `f32x4.relaxed_madd`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { relaxedSimdSupported, useJsKernels, useWasmKernelsSync } from 'puregrad'
 * assert.strictEqual(useWasmKernelsSync().simd, relaxedSimdSupported() ? 'relaxed-simd' : 'simd128')
 * useJsKernels()
 * @category kernels
 */
export const relaxedSimdSupported = (): boolean => relaxedSupported()

/** The build to install for `wanted`, and why it is not the one asked for (when it is not). */
const chooseBuild = (wanted: WasmOptions['simd'] = 'auto'): { readonly build: SimdBuild; readonly reason?: string } => {
  if (wanted === 'simd128') return { build: 'simd128' }
  if (wanted === 'relaxed-simd' && !relaxedSupported()) {
    return { build: 'simd128', reason: 'relaxed SIMD is not supported here (Node 20 needs --experimental-wasm-relaxed-simd; Node ≥ 22 and Chrome ≥ 114 have it)' }
  }
  return { build: wanted === 'auto' ? bestBuild() : wanted }
}

/**
 * The single-threaded WebAssembly kernels as a `Kernels` value (not installed), or undefined
 * without WebAssembly SIMD. `simd` picks the build as in `WasmOptions` (a build the runtime
 * lacks gives undefined). Each call makes its own instance and memory.
 */
export const createWasmKernels = (simd: 'auto' | SimdBuild = 'auto'): Kernels | undefined => {
  const build = simd === 'auto' ? bestBuild() : simd
  if (!supported(false, build)) return undefined
  const e = createEngine(false, build)
  return makeWasmKernels(e, singleThread(e), jsKernels)
}

/**
 * Installs the single-threaded WebAssembly kernels, synchronously (compiling takes a few ms).
 * Only `simd` of the options applies.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, useJsKernels, useWasmKernelsSync } from 'puregrad'
 * const status = useWasmKernelsSync()
 * assert.strictEqual(status.threads, 1)
 * const a = T.tensor([[1, 2], [3, 4]])
 * assert.deepStrictEqual(T.toNested(T.matmul(a, a)), [[7, 10], [15, 22]])
 * assert.strictEqual(useWasmKernelsSync({ simd: 'simd128' }).simd, 'simd128') // the build without fused multiply-add
 * useJsKernels()
 * @category kernels
 */
export const useWasmKernelsSync = (options: Pick<WasmOptions, 'simd'> = {}): WasmStatus => {
  const { build, reason } = chooseBuild(options.simd)
  const k = createWasmKernels(build)
  if (k === undefined) return { kernels: 'js', threads: 1, reason: 'WebAssembly SIMD is not supported here' }
  stopPool()
  useKernels(k)
  return { kernels: 'wasm', threads: 1, simd: build, ...(reason === undefined ? {} : { reason }) }
}

/**
 * Installs the WebAssembly kernels with worker threads for large matrix products (see
 * `WasmOptions`), in the relaxed-SIMD build where the runtime has it. Resolves once the workers
 * are ready; any worker failure leaves the single-threaded wasm kernels installed and is
 * reported in `reason`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, useJsKernels, useWasmKernels, wasmSupported } from 'puregrad'
 * const status = await useWasmKernels({ threads: 1 })
 * assert.strictEqual(status.kernels, wasmSupported() ? 'wasm' : 'js')
 * // the same API and, for small whole numbers, exactly the same results
 * const a = T.tensor([[1, 2], [3, 4]])
 * assert.deepStrictEqual(T.toNested(T.matmul(a, a)), [[7, 10], [15, 22]])
 * useJsKernels() // stops the workers
 * @category kernels
 */
export const useWasmKernels = async (options: WasmOptions = {}): Promise<WasmStatus> => {
  const wanted = options.threads ?? 'auto'
  const workers = wanted === 'auto' ? Math.min(15, hardwareThreads() - 1) : Math.max(0, Math.floor(wanted))
  if (workers === 0) return useWasmKernelsSync(options)
  const { build, reason } = chooseBuild(options.simd)
  const single = (why: string): WasmStatus => {
    const status = useWasmKernelsSync({ simd: build })
    return { ...status, reason: reason === undefined || status.kernels === 'js' ? why : `${reason}; ${why}` }
  }
  const why = threadsUnavailable() ?? (supported(true, build) ? undefined : 'the shared-memory WebAssembly module does not validate here')
  if (why !== undefined) return single(why)
  const e = createEngine(true, build)
  let started: Pool
  try {
    started = await startPool(e, workers, options.minParallelFlops ?? 1 << 20, options.adaptive ?? true)
  } catch (err) {
    return single(`worker threads failed to start: ${err instanceof Error ? err.message : String(err)}`)
  }
  stopPool()
  pool = started
  useKernels(makeWasmKernels(e, started, jsKernels))
  return { kernels: 'wasm', threads: started.threads, simd: build, ...(reason === undefined ? {} : { reason }) }
}

/**
 * How many chunks of split matrix products the workers and the calling thread have run since
 * `useWasmKernels` started them (undefined without workers): a way to see that the second core
 * is used.
 */
export const wasmThreadStats = (): { readonly workers: number; readonly caller: number } | undefined => pool?.chunks()

/**
 * Restores the plain TypeScript kernels and stops any kernel workers.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T, useJsKernels, useWasmKernelsSync } from 'puregrad'
 * const a = Rng.uniform(Rng.key(0), [64, 64])
 * useWasmKernelsSync()
 * const fast = T.matmul(a, a)
 * useJsKernels()
 * const plain = T.matmul(a, a)
 * // float32 products summed in another order: equal up to float32 rounding
 * assert.ok(T.allclose(fast, plain))
 * @category kernels
 */
export const useJsKernels = (): void => {
  stopPool()
  useKernels(jsKernels)
}
