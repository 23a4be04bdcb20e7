/**
 * A fused elementwise group of a jitted program as one WebGPU kernel (kernels/webgpu/fused.ts):
 * `jit` hands over a group whose values are all float32, with its inputs (device tensors, and host
 * ones it uploads), and gets a device tensor back, or undefined when the device cannot run it as
 * one kernel (no device set up, an int32 device input, more inputs than a kernel binds): the
 * group then runs operation by operation.
 * @internal
 */
import { broadcastStrides, sizeOf, type Shape } from '../../core/shape.js'
import { type Tensor, deviceOf, fromDevice } from '../../core/Tensor.js'
import { GpuStorage } from '../../kernels/webgpu/backend.js'
import { webGpuInstalled } from '../webgpu.js'
import { storageOf, stridedMeta } from './webgpu.js'

let runs = 0

/** How many fused groups have run as one WebGPU kernel so far (tests check the path was taken). */
export const fusedGpuRuns = (): number => runs

/** Runs the kernel `code` (fusedShader of the group) over `inputs` into a new device tensor of `shape`, or undefined (see above). */
export const runFusedOnGpu = (code: string, inputs: ReadonlyArray<Tensor>, shape: Shape): Tensor | undefined => {
  const g = webGpuInstalled()
  if (g === undefined || inputs.length + 2 > g.device.limits.maxStorageBuffersPerShaderStage) return undefined
  for (const t of inputs) {
    const d = deviceOf(t)
    if (d instanceof GpuStorage) {
      g.check(d, 'jit')
      if (d.dtype !== 'float32') return undefined
    }
  }
  const buffers = inputs.map((t) => storageOf(g, 'jit', t).buffer)
  const n = sizeOf(shape)
  const out = g.storage(n, 'jit')
  g.dispatch(code, stridedMeta(shape, inputs.map((t) => [0, broadcastStrides(t.shape, shape)] as const)), [...buffers, out.buffer], g.grid(n))
  runs++
  return fromDevice(out, shape)
}
