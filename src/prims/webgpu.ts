/**
 * The WebGPU backend: float32 tensors can live in GPU memory, and every primitive runs there as
 * a WGSL kernel: the elementwise maps, reductions and arg-reductions (argmax's int32 indices stay
 * on the GPU too), matrix products, layout moves, gather, scatterAdd, oneHot, convolutions
 * (grouped and depthwise included) and pooling.
 *
 * ```ts
 * import { Tensor as T, useWebGpu } from 'puregrad'
 * const status = await useWebGpu()          // refuses (NO_DEVICE) where WebGPU is missing
 * const w = T.toGpu(T.tensor([[1, 2], [3, 4]]))
 * const y = T.relu(T.matmul(w, w))          // runs on the GPU; y lives there too
 * console.log(await T.data(y))              // reads are async: Float32Array [7, 10, 15, 22]
 * ```
 *
 * Tensors move explicitly (`Tensor.toGpu`, `await Tensor.toCpu`): an operation with a device
 * input runs on the device, uploading its host inputs (scalars, labels, indices). Synchronous
 * reads of a device tensor (`item`, `toArray`, …) are refused with TRACED_READ, naming the async
 * read to use, and so is what needs the values on the host (a cast to int32 checks them). float64
 * stays on the CPU. A tensor past the device's buffer limits is refused (RESOURCE_LIMIT); once the
 * device is lost, its tensors are refused by every operation and read (NO_DEVICE) until
 * `useWebGpu` sets up a new device and they are recomputed from host tensors.
 *
 * It lives with the primitives, not the kernels: it installs an evaluator of primitives in `bind`
 * (`eval/webgpu.ts`), above the WGSL kernels and the device (`kernels/webgpu`).
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import { useDeviceEvaluator } from './bind.js'
import { Backend } from '../kernels/webgpu/backend.js'
import type { Gpu } from '../kernels/webgpu/gpu.js'
import { evaluator } from './eval/webgpu.js'

/**
 * What `useWebGpu` got: the adapter's description as the browser reports it (fields may be
 * empty: browsers hide details), and whether it is a fallback (software) adapter.
 * @category kernels
 */
export interface WebGpuStatus {
  readonly vendor: string
  readonly architecture: string
  readonly device: string
  readonly description: string
  /** True for a software adapter (e.g. SwiftShader): correct, not fast. */
  readonly fallback: boolean
  /** The largest buffer one tensor may occupy, in bytes. */
  readonly maxBufferBytes: number
}

/** Options of `useWebGpu`. @category kernels */
export interface WebGpuOptions {
  /** Passed to `requestAdapter`. */
  readonly powerPreference?: 'low-power' | 'high-performance'
}

let backend: Backend | undefined
/** Why the last device was lost, until `useWebGpu` sets up a new one. */
let lostReason: string | undefined

/** The backend installed by `useWebGpu` (undefined before it, and after a loss). @internal */
export const webGpuInstalled = (): Backend | undefined => backend

/** The backend installed by `useWebGpu`, or NO_DEVICE naming `op`. @internal */
export const webGpuBackend = (op: string): Backend =>
  backend ??
  fail(
    'NO_DEVICE',
    op,
    lostReason === undefined
      ? 'no WebGPU device is set up; call await useWebGpu() first (in a browser with WebGPU, or a runtime that provides navigator.gpu).'
      : `the WebGPU device was lost (${lostReason}); call await useWebGpu() again for a new device, then move host tensors there with Tensor.toGpu.`,
  )

/**
 * Sets up WebGPU: asks `navigator.gpu` for an adapter and a device, and from then on runs every
 * operation with an input on the GPU (`Tensor.toGpu`) there. Refuses (NO_DEVICE) where
 * `navigator.gpu` or an adapter is missing: it never falls back silently. Calling it again keeps
 * the device already set up.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { useWebGpu } from 'puregrad'
 * // Node has no navigator.gpu: refused with a coded error, not a silent CPU fallback
 * await assert.rejects(useWebGpu(), { code: 'NO_DEVICE' })
 * @category kernels
 */
export const useWebGpu = async (options: WebGpuOptions = {}): Promise<WebGpuStatus> => {
  const gpu = (globalThis as { navigator?: { gpu?: Gpu } }).navigator?.gpu
  if (gpu === undefined) {
    return fail('NO_DEVICE', 'useWebGpu', 'this runtime has no navigator.gpu. Run in a browser with WebGPU (Chrome or Edge ≥ 113, served over https or from localhost), or keep the default CPU kernels (useWasmKernels for speed).')
  }
  const adapter = await gpu.requestAdapter(options.powerPreference === undefined ? {} : { powerPreference: options.powerPreference })
  if (adapter === null) {
    return fail('NO_DEVICE', 'useWebGpu', 'navigator.gpu found no adapter (no usable GPU, or WebGPU disabled by the browser); keep the CPU kernels, or enable WebGPU in the browser (chrome://gpu tells why it is off).')
  }
  if (backend === undefined) {
    const device = await adapter.requestDevice()
    backend = new Backend(device)
    lostReason = undefined
    useDeviceEvaluator(evaluator(backend))
    const lost = backend
    // the lost device's evaluator stays installed: it refuses (NO_DEVICE) the tensors left on it
    void device.lost.then((info) => {
      if (backend === lost) {
        backend = undefined
        lostReason = info.message === '' ? 'the device was destroyed' : info.message
      }
    })
  }
  const info = adapter.info ?? {}
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    fallback: adapter.isFallbackAdapter === true || (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
    maxBufferBytes: backend.device.limits.maxStorageBufferBindingSize,
  }
}
