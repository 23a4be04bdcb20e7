/**
 * The WebGPU device as the backend sees it: storage for tensors, compiled pipelines, and the one
 * way kernels run (`dispatch`).
 *
 * A device tensor's elements are a `GpuStorage`: a GPU buffer of float32 shared by every tensor
 * viewing it. When the last such tensor is collected, a FinalizationRegistry hands the buffer
 * back to a pool of free buffers (by byte size, a bounded total) for the next output of that
 * size; the rest are destroyed. Each dispatch is submitted at once, so a buffer returned to the
 * pool is only reused by work queued after the work that last read it.
 * @internal
 */
import { fail } from '../../core/errors.js'
import type { DeviceStorage } from '../../core/Tensor.js'
import { COPY_DST, COPY_SRC, type GpuBuffer, type GpuDevice, type GpuPipeline, MAP_MODE_READ, MAP_READ, STORAGE } from './gpu.js'
import { WG } from './wgsl.js'

/** The float32 elements of a device tensor. */
export class GpuStorage implements DeviceStorage {
  readonly device = 'webgpu'
  constructor(
    readonly size: number,
    readonly buffer: GpuBuffer,
  ) {}
}

/** At most this many bytes of free buffers are kept for reuse. */
const POOL_BYTES = 256 * 1024 * 1024

export class Backend {
  readonly #pipelines = new Map<string, GpuPipeline>()
  readonly #free = new Map<number, GpuBuffer[]>()
  #pooled = 0
  readonly #registry = new FinalizationRegistry<GpuBuffer>((b) => this.#release(b))

  /** The first error the device reported (an invalid shader or dispatch: a bug here), refused at the next read. */
  #error: string | undefined

  constructor(readonly device: GpuDevice) {
    device.addEventListener('uncapturederror', (e) => void (this.#error ??= e.error.message))
  }

  /** A buffer of at least `bytes` (rounded up to 4, at least 4: a binding cannot be empty); its contents are undefined when pooled. */
  #buffer(bytes: number, op: string): GpuBuffer {
    const size = Math.max(4, Math.ceil(bytes / 4) * 4)
    const free = this.#free.get(size)
    if (free !== undefined && free.length > 0) {
      this.#pooled -= size
      return free.pop()!
    }
    if (size > this.device.limits.maxStorageBufferBindingSize) {
      fail('RESOURCE_LIMIT', op, `a float32 tensor of ${bytes} bytes exceeds the ${this.device.limits.maxStorageBufferBindingSize} bytes this WebGPU device binds at once; use smaller tensors (split the batch).`)
    }
    return this.device.createBuffer({ size, usage: STORAGE | COPY_SRC | COPY_DST })
  }

  #release(b: GpuBuffer): void {
    if (this.#pooled + b.size > POOL_BYTES) return b.destroy()
    this.#pooled += b.size
    const list = this.#free.get(b.size)
    if (list === undefined) this.#free.set(b.size, [b])
    else list.push(b)
  }

  /** A new storage of `size` float32 elements (contents undefined until a kernel writes them). */
  storage(size: number, op: string): GpuStorage {
    const s = new GpuStorage(size, this.#buffer(size * 4, op))
    this.#registry.register(s, s.buffer)
    return s
  }

  /** Copies host float32 values to a new storage. */
  upload(data: Float32Array, op: string): GpuStorage {
    const s = this.storage(data.length, op)
    if (data.length > 0) this.device.queue.writeBuffer(s.buffer, 0, data)
    return s
  }

  /** A temporary buffer holding `data` (u32 or i32 words) for one dispatch; destroyed by the caller. */
  words(data: Uint32Array | Int32Array): GpuBuffer {
    const b = this.device.createBuffer({ size: Math.max(4, data.byteLength), usage: STORAGE | COPY_DST })
    if (data.length > 0) this.device.queue.writeBuffer(b, 0, data)
    return b
  }

  /** The values of a storage, copied back to the host once the work queued before has run. */
  async download(s: GpuStorage): Promise<Float32Array> {
    const bytes = s.size * 4
    if (bytes === 0) return new Float32Array(0)
    const staging = this.device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST })
    const enc = this.device.createCommandEncoder()
    enc.copyBufferToBuffer(s.buffer, 0, staging, 0, bytes)
    this.device.queue.submit([enc.finish()])
    try {
      await staging.mapAsync(MAP_MODE_READ)
      if (this.#error !== undefined) {
        fail('NO_DEVICE', 'data', `the WebGPU device reported an error, so results computed on it cannot be trusted: ${this.#error}. This is a fault of puregrad's WebGPU kernels: move the computation to the CPU (Tensor.toCpu) and report it.`)
      }
      return new Float32Array(staging.getMappedRange().slice(0))
    } finally {
      staging.destroy()
    }
  }

  #pipeline(code: string): GpuPipeline {
    let p = this.#pipelines.get(code)
    if (p === undefined) {
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module: this.device.createShaderModule({ code }), entryPoint: 'main' } })
      this.#pipelines.set(code, p)
    }
    return p
  }

  /**
   * Runs `code` once over `groups` workgroups (x, y, z) with binding 0 = `meta` and bindings 1…
   * = `buffers`, and submits it.
   */
  dispatch(code: string, meta: ReadonlyArray<number>, buffers: ReadonlyArray<GpuBuffer>, groups: readonly [number, number, number]): void {
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return
    const pipeline = this.#pipeline(code)
    const info = this.words(Uint32Array.from(meta))
    const group = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [info, ...buffers].map((buffer, binding) => ({ binding, resource: { buffer } })),
    })
    const enc = this.device.createCommandEncoder()
    const pass = enc.beginComputePass()
    pass.setPipeline(pipeline)
    pass.setBindGroup(0, group)
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2])
    pass.end()
    this.device.queue.submit([enc.finish()])
    info.destroy()
  }

  /** The grid of a one-dimensional kernel over `n` invocations (or `n` workgroups when `perGroup`). */
  grid(n: number, perGroup = false): readonly [number, number, number] {
    const groups = perGroup ? n : Math.ceil(n / WG)
    const max = this.device.limits.maxComputeWorkgroupsPerDimension
    if (groups <= max) return [groups, 1, 1]
    return [max, Math.ceil(groups / max), 1]
  }
}
