/**
 * The WebGPU device as the backend sees it: storage for tensors, compiled pipelines, and the one
 * way kernels run (`dispatch`).
 *
 * A device tensor's elements are a `GpuStorage`: a GPU buffer of float32 shared by every tensor
 * viewing it. When the last such tensor is collected, a FinalizationRegistry hands the buffer
 * back to a pool of free buffers (by byte size, a bounded total) for the next output of that
 * size; the rest are destroyed.
 *
 * Dispatches are recorded into one command encoder and submitted together (`flush`): when a read
 * needs them (`download`), after `BATCH` dispatches, and at the end of the current task (a
 * microtask), so a training step is a handful of submits. A host upload (`queue.writeBuffer`)
 * runs ahead of the commands not yet submitted, so while some are recorded it writes into a new
 * buffer, never a pooled one that they may still read. A pooled buffer is only handed to work recorded after the work that last
 * read it, so the order of the encoder keeps results identical to submitting each dispatch alone;
 * buffers destroyed while recorded work may use them are destroyed after the next submit.
 * @internal
 */
import { fail } from '../../core/errors.js'
import type { DeviceStorage } from '../../core/Tensor.js'
import { COPY_DST, COPY_SRC, type GpuBuffer, type GpuDevice, type GpuEncoder, type GpuPipeline, MAP_MODE_READ, MAP_READ, STORAGE } from './gpu.js'
import { WG } from './wgsl.js'

/** The elements of a device tensor (float32, or int32 indices), in a buffer of the backend `owner`. */
export class GpuStorage implements DeviceStorage {
  readonly device = 'webgpu'
  constructor(
    readonly size: number,
    readonly buffer: GpuBuffer,
    readonly owner: Backend,
    readonly dtype: 'float32' | 'int32' = 'float32',
  ) {}
}

/** At most this many bytes of free buffers are kept for reuse. */
const POOL_BYTES = 256 * 1024 * 1024

/** At most this many dispatches wait in the encoder before it is submitted. */
const BATCH = 256

export class Backend {
  readonly #pipelines = new Map<string, GpuPipeline>()
  readonly #free = new Map<number, GpuBuffer[]>()
  #pooled = 0
  readonly #registry = new FinalizationRegistry<GpuBuffer>((b) => this.#release(b))

  /** The first error the device reported (an invalid shader or dispatch: a bug here), refused at the next read. */
  #error: string | undefined

  /** The encoder recording dispatches not yet submitted, and how many it holds. */
  #encoder: GpuEncoder | undefined
  #recorded = 0
  /** Buffers to destroy once the recorded work that may use them is submitted. */
  #trash: GpuBuffer[] = []
  /** The meta buffers of the recorded dispatches, free again (by byte size) once they are submitted. */
  #metaRecorded: GpuBuffer[] = []
  readonly #metaFree = new Map<number, GpuBuffer[]>()
  /** Whether a flush at the end of the current task is scheduled. */
  #scheduled = false
  /** Command buffers submitted so far (a measure of batching). */
  submits = 0
  /** Why the device was lost (destroyed, a driver reset…), once `device.lost` has resolved. */
  lost: string | undefined

  constructor(readonly device: GpuDevice) {
    device.addEventListener('uncapturederror', (e) => void (this.#error ??= e.error.message))
    void device.lost.then((info) => void (this.lost = info.message === '' ? 'the device was destroyed' : info.message))
  }

  /**
   * Refuses `s` unless its buffer belongs to this backend's live device: after a loss its values
   * are gone (NO_DEVICE), and a buffer of another device cannot be bound here (INVALID_ARGUMENT).
   */
  check(s: GpuStorage, op: string): GpuStorage {
    if (s.owner === this && this.lost === undefined) return s
    if (s.owner.lost !== undefined) {
      return fail('NO_DEVICE', op, `an input of ${s.size} elements lives on a WebGPU device that was lost (${s.owner.lost}), and its values went with it. Recompute it from host tensors (or keep a host copy with await Tensor.toCpu before the loss), after await useWebGpu() sets up a new device.`)
    }
    if (this.lost !== undefined) return fail('NO_DEVICE', op, `the WebGPU device was lost (${this.lost}); call await useWebGpu() for a new device and move the inputs there with Tensor.toGpu.`)
    return fail('INVALID_ARGUMENT', op, 'the inputs live on two different WebGPU devices (a tensor made before useWebGpu set up a new device, with one made after); an operation runs on one device. Read the old tensor with await Tensor.toCpu and move it with Tensor.toGpu.')
  }

  /** A buffer of at least `bytes` (rounded up to 4, at least 4: a binding cannot be empty); its contents are undefined when pooled. */
  #buffer(bytes: number, op: string): GpuBuffer {
    if (this.lost !== undefined) fail('NO_DEVICE', op, `the WebGPU device was lost (${this.lost}); call await useWebGpu() for a new device and move the inputs there with Tensor.toGpu.`)
    const size = Math.max(4, Math.ceil(bytes / 4) * 4)
    const free = this.#free.get(size)
    if (free !== undefined && free.length > 0) {
      this.#pooled -= size
      return free.pop()!
    }
    this.#fits(size, op)
    return this.device.createBuffer({ size, usage: STORAGE | COPY_SRC | COPY_DST })
  }

  /** The largest buffer a kernel may bind: the smaller of the device's buffer and binding limits. */
  get maxBytes(): number {
    return Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize)
  }

  /** Refuses a buffer of `bytes` larger than the device binds at once. */
  #fits(bytes: number, op: string): void {
    if (bytes > this.maxBytes) {
      fail('RESOURCE_LIMIT', op, `a tensor of ${bytes / 4} elements (${bytes} bytes) exceeds the ${this.maxBytes} bytes this WebGPU device binds at once (maxStorageBufferBindingSize ${this.device.limits.maxStorageBufferBindingSize}, maxBufferSize ${this.device.limits.maxBufferSize}); use smaller tensors (split the batch), or compute this one on the CPU.`)
    }
  }

  /** Destroys `b` now, or after the next submit when recorded work may use it. */
  #destroy(b: GpuBuffer): void {
    if (this.#encoder === undefined) b.destroy()
    else this.#trash.push(b)
  }

  #release(b: GpuBuffer): void {
    if (this.#pooled + b.size > POOL_BYTES) return this.#destroy(b)
    this.#pooled += b.size
    const list = this.#free.get(b.size)
    if (list === undefined) this.#free.set(b.size, [b])
    else list.push(b)
  }

  /** A new storage of `size` elements of `dtype` (contents undefined until a kernel writes them). */
  storage(size: number, op: string, dtype: 'float32' | 'int32' = 'float32'): GpuStorage {
    const s = new GpuStorage(size, this.#buffer(size * 4, op), this, dtype)
    this.#registry.register(s, s.buffer)
    return s
  }

  /** Copies host float32 (or int32) values to a new storage of that dtype. */
  upload(data: Float32Array | Int32Array, op: string): GpuStorage {
    const dtype = data instanceof Int32Array ? 'int32' : 'float32'
    // a write runs ahead of the work recorded and not yet submitted, which may still read a pooled
    // buffer's last contents: while work is recorded, uploads go to a new buffer (no submit needed)
    const s = this.#encoder === undefined ? this.storage(data.length, op, dtype) : this.#fresh(data.length, op, dtype)
    if (data.length > 0) this.device.queue.writeBuffer(s.buffer, 0, data)
    return s
  }

  /** A new storage in a buffer that no work has used. */
  #fresh(size: number, op: string, dtype: 'float32' | 'int32'): GpuStorage {
    const bytes = Math.max(4, size * 4)
    this.#fits(bytes, op)
    const s = new GpuStorage(size, this.device.createBuffer({ size: bytes, usage: STORAGE | COPY_SRC | COPY_DST }), this, dtype)
    this.#registry.register(s, s.buffer)
    return s
  }

  /** A temporary buffer holding `data` (u32 or i32 words) for dispatches recorded next; `done` when they are recorded. */
  words(data: Uint32Array | Int32Array, op = 'dispatch'): GpuBuffer {
    this.#fits(data.byteLength, op)
    const b = this.device.createBuffer({ size: Math.max(4, data.byteLength), usage: STORAGE | COPY_DST })
    if (data.length > 0) this.device.queue.writeBuffer(b, 0, data)
    return b
  }

  /** Gives back a buffer of `words` once the work recorded with it no longer needs it. */
  done(b: GpuBuffer): void {
    this.#destroy(b)
  }

  /** Submits the recorded work (if any), then destroys the buffers that waited for it. */
  flush(): void {
    const enc = this.#encoder
    if (enc === undefined) return
    this.#encoder = undefined
    this.#recorded = 0
    this.device.queue.submit([enc.finish()])
    this.submits++
    const trash = this.#trash
    this.#trash = []
    for (const b of trash) b.destroy()
    // a write to a meta buffer now is queued after the submitted work that reads it
    for (const b of this.#metaRecorded) {
      const list = this.#metaFree.get(b.size)
      if (list === undefined) this.#metaFree.set(b.size, [b])
      else list.push(b)
    }
    this.#metaRecorded = []
  }

  /**
   * A buffer holding a dispatch's meta words: a free one of its size (none that recorded work not
   * yet submitted may read, so the write cannot overtake a reader), or a new one.
   */
  #meta(meta: ReadonlyArray<number>): GpuBuffer {
    const words = Uint32Array.from(meta)
    const b = this.#metaFree.get(Math.max(4, words.byteLength))?.pop() ?? this.device.createBuffer({ size: Math.max(4, words.byteLength), usage: STORAGE | COPY_DST })
    if (words.length > 0) this.device.queue.writeBuffer(b, 0, words)
    this.#metaRecorded.push(b)
    return b
  }

  /** The encoder to record into, with a flush scheduled at the end of the current task. */
  #recording(): GpuEncoder {
    if (!this.#scheduled) {
      this.#scheduled = true
      queueMicrotask(() => {
        this.#scheduled = false
        this.flush()
      })
    }
    return (this.#encoder ??= this.device.createCommandEncoder())
  }

  /** The values of a storage of this backend, copied back to the host once the work queued before has run; `op` names the read. */
  async download(s: GpuStorage, op = 'data'): Promise<Float32Array | Int32Array> {
    this.check(s, op)
    const bytes = s.size * 4
    const typed = (b: ArrayBuffer): Float32Array | Int32Array => (s.dtype === 'int32' ? new Int32Array(b) : new Float32Array(b))
    if (bytes === 0) return typed(new ArrayBuffer(0))
    const staging = this.device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST })
    this.#recording().copyBufferToBuffer(s.buffer, 0, staging, 0, bytes)
    this.flush()
    try {
      try {
        await staging.mapAsync(MAP_MODE_READ)
      } catch (e) {
        // the device was lost while the read waited (its lost promise may resolve a little later)
        await Promise.race([this.device.lost, new Promise((ok) => setTimeout(ok, 100))])
        return fail('NO_DEVICE', op, `the WebGPU device could not return the values (${this.lost ?? String(e)}); if it was lost, call await useWebGpu() for a new device and recompute from host tensors.`)
      }
      if (this.#error !== undefined) {
        fail('NO_DEVICE', op, `the WebGPU device reported an error, so results computed on it cannot be trusted: ${this.#error}. This is a fault of puregrad's WebGPU kernels: move the computation to the CPU (Tensor.toCpu) and report it.`)
      }
      return typed(staging.getMappedRange().slice(0))
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
   * = `buffers`, recorded after the work recorded before (submitted by `flush`).
   */
  dispatch(code: string, meta: ReadonlyArray<number>, buffers: ReadonlyArray<GpuBuffer>, groups: readonly [number, number, number]): void {
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return
    const pipeline = this.#pipeline(code)
    const info = this.#meta(meta)
    const group = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [info, ...buffers].map((buffer, binding) => ({ binding, resource: { buffer } })),
    })
    const pass = this.#recording().beginComputePass()
    pass.setPipeline(pipeline)
    pass.setBindGroup(0, group)
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2])
    pass.end()
    if (++this.#recorded >= BATCH) this.flush()
  }

  /** The grid of a one-dimensional kernel over `n` invocations (or `n` workgroups when `perGroup`). */
  grid(n: number, perGroup = false): readonly [number, number, number] {
    const groups = perGroup ? n : Math.ceil(n / WG)
    const max = this.device.limits.maxComputeWorkgroupsPerDimension
    if (groups <= max) return [groups, 1, 1]
    return [max, Math.ceil(groups / max), 1]
  }
}
