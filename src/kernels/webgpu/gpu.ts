/**
 * The slice of the WebGPU API the backend uses, declared here so that the library's types do not
 * depend on a DOM or `@webgpu/types` version (structural: the browser's objects satisfy them).
 * @internal
 */

export interface GpuBuffer {
  readonly size: number
  destroy(): void
  mapAsync(mode: number): Promise<void>
  getMappedRange(): ArrayBuffer
  unmap(): void
}

export interface GpuPipeline {
  getBindGroupLayout(index: number): unknown
}

export interface GpuPass {
  setPipeline(p: GpuPipeline): void
  setBindGroup(index: number, group: unknown): void
  dispatchWorkgroups(x: number, y?: number, z?: number): void
  end(): void
}

export interface GpuEncoder {
  beginComputePass(): GpuPass
  copyBufferToBuffer(src: GpuBuffer, srcOffset: number, dst: GpuBuffer, dstOffset: number, size: number): void
  finish(): unknown
}

export interface GpuDevice {
  readonly limits: { readonly maxComputeWorkgroupsPerDimension: number; readonly maxStorageBufferBindingSize: number; readonly maxBufferSize: number; readonly maxStorageBuffersPerShaderStage: number }
  readonly queue: {
    writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView): void
    submit(commands: unknown[]): void
    onSubmittedWorkDone(): Promise<void>
  }
  readonly lost: Promise<{ readonly message: string }>
  createBuffer(d: { size: number; usage: number }): GpuBuffer
  createShaderModule(d: { code: string }): unknown
  createComputePipeline(d: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): GpuPipeline
  createBindGroup(d: { layout: unknown; entries: Array<{ binding: number; resource: { buffer: GpuBuffer } }> }): unknown
  createCommandEncoder(): GpuEncoder
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void
  popErrorScope(): Promise<{ readonly message: string } | null>
  destroy(): void
  addEventListener(type: 'uncapturederror', listener: (e: { readonly error: { readonly message: string } }) => void): void
}

export interface GpuAdapterInfo {
  readonly vendor?: string
  readonly architecture?: string
  readonly device?: string
  readonly description?: string
}

export interface GpuAdapter {
  readonly info?: GpuAdapterInfo
  readonly isFallbackAdapter?: boolean
  requestDevice(): Promise<GpuDevice>
}

export interface Gpu {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<GpuAdapter | null>
}

/** GPUBufferUsage and GPUMapMode flags (constants of the standard, so no global is needed). */
export const MAP_READ = 0x0001
export const COPY_SRC = 0x0004
export const COPY_DST = 0x0008
export const STORAGE = 0x0080
export const MAP_MODE_READ = 0x0001
