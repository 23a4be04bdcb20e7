/**
 * One instance of the WebAssembly kernels and its linear memory.
 *
 * Memory model: one growable `WebAssembly.Memory` per engine. The bytes below `base` hold the
 * module's static data and a control block (job slots for worker threads); everything above
 * `base` is a per-call arena: a kernel call lays out its operands, output and scratch from
 * `base` up, copies the operands in, runs, copies the output out, and the next call reuses the
 * same bytes. Nothing stays allocated between calls, so there is nothing to free and nothing
 * can leak; the memory only grows to the largest call seen (WebAssembly memory never shrinks).
 * @internal
 */
import { sharedModule, simdModule } from './generated/modules.js'

/** The functions `assembly/index.ts` exports (pointers are byte offsets, sizes are elements). */
export interface WasmExports {
  heapBase(): number
  gemm(n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, accumulate: number, i0: number, i1: number, scratch: number): void
  gemmScratchBytes(n: number, k: number): number
  gemmPacked(k: number, a: number, ars: number, acs: number, pb: number, n: number, c: number, ldc: number, accumulate: number, i0: number, i1: number, j0: number, j1: number, scratch: number): void
  gemmPackedScratchBytes(k: number): number
  packBFull(b: number, brs: number, bcs: number, n: number, k: number, dst: number): void
  packedBFloats(n: number, k: number): number
  /** `op` is a code of `binaryCodes` (generated/opcodes.ts); any other code traps. */
  binary(op: number, a: number, aRow: number, aCol: number, b: number, bRow: number, bCol: number, out: number, rows: number, len: number): void
  /** `op` is a code of `unaryCodes`; any other code traps. */
  unary(op: number, x: number, out: number, n: number): void
  /** x viewed as outer × mid × inner, reduced over mid; `op` is a code of `reduceCodes`; any other code traps. */
  reduce(op: number, x: number, outer: number, mid: number, inner: number, out: number, scratch: number): void
  im2col(x: number, spec: number, r0: number, rows: number, dst: number): void
  col2imAdd(cols: number, spec: number, r0: number, rows: number, dx: number): void
}

/** Rows of a register tile in `gemm` (row splits between threads fall on multiples of it). */
export const MR = 4

/** Columns of a register tile in `gemm` (column splits fall on multiples of it). */
export const NR = 8

/** Bytes of the control block (the job shared by the threads; see threads.ts). */
export const CTL_BYTES = 256

const PAGE = 65536
/** The shared module declares this maximum (2 GiB); the shared memory must match it. */
const SHARED_MAX_PAGES = 32768

/** An instance of the kernels, its memory and the layout of that memory. */
export interface Engine {
  readonly exports: WasmExports
  readonly module: WebAssembly.Module
  readonly memory: WebAssembly.Memory
  readonly shared: boolean
  /** Start of the control block (CTL_BYTES). */
  readonly ctl: number
  /** First byte of the per-call arena. */
  readonly base: number
  /** Makes bytes [0, end) addressable, growing the memory if needed; false if it cannot grow that far. */
  reserve(end: number): boolean
  /** A float32 view of the whole memory (renewed after growth). */
  f32(): Float32Array
  /** An int32 view of the whole memory (renewed after growth). */
  i32(): Int32Array
}

const decode = (b64: string): Uint8Array<ArrayBuffer> => {
  const s = atob(b64)
  const bytes = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i)
  return bytes
}

const cache: { simd?: WebAssembly.Module; shared?: WebAssembly.Module } = {}

/** The module's bytes for a variant. */
export const moduleBytes = (shared: boolean): Uint8Array<ArrayBuffer> => decode(shared ? sharedModule : simdModule)

/** True when this runtime validates the SIMD module (and, for `shared`, has shared memory). */
export const supported = (shared: boolean): boolean => {
  try {
    if (typeof WebAssembly !== 'object') return false
    if (shared && typeof SharedArrayBuffer !== 'function') return false
    return WebAssembly.validate(moduleBytes(shared))
  } catch {
    return false
  }
}

/** Compiles a variant once per realm (synchronously: the modules are about 12 kB). */
export const compiled = (shared: boolean): WebAssembly.Module => {
  const hit = shared ? cache.shared : cache.simd
  if (hit !== undefined) return hit
  const m = new WebAssembly.Module(moduleBytes(shared))
  if (shared) cache.shared = m
  else cache.simd = m
  return m
}

/** Instantiates a variant on a fresh memory. Throws if the runtime lacks WebAssembly SIMD (or shared memory). */
export const createEngine = (shared: boolean): Engine => {
  const module = compiled(shared)
  const memory = shared ? new WebAssembly.Memory({ initial: 16, maximum: SHARED_MAX_PAGES, shared: true }) : new WebAssembly.Memory({ initial: 16 })
  const instance = new WebAssembly.Instance(module, { env: { memory } })
  const exports = instance.exports as unknown as WasmExports
  const ctl = align(exports.heapBase())
  const base = ctl + CTL_BYTES
  let f32 = new Float32Array(memory.buffer)
  let i32 = new Int32Array(memory.buffer)
  const refresh = (): void => {
    if (f32.buffer !== memory.buffer || f32.length * 4 !== memory.buffer.byteLength) {
      f32 = new Float32Array(memory.buffer)
      i32 = new Int32Array(memory.buffer)
    }
  }
  const reserve = (end: number): boolean => {
    const have = memory.buffer.byteLength
    if (end <= have) return true
    // grow in steps of at least 1 MiB (16 pages) so a slowly rising high-water mark grows rarely
    const pages = Math.max(16, Math.ceil((end - have) / PAGE))
    try {
      memory.grow(pages)
    } catch {
      return false
    }
    refresh()
    return true
  }
  return {
    exports,
    module,
    memory,
    shared,
    ctl,
    base,
    reserve,
    f32: () => {
      refresh()
      return f32
    },
    i32: () => {
      refresh()
      return i32
    },
  }
}

/** Rounds up to a multiple of 64 (arithmetic, not bitwise: offsets may pass 2³¹). */
export const align = (x: number): number => Math.ceil(x / 64) * 64

/** A bump allocator over one call's arena; offsets are 64-byte aligned. */
export class Layout {
  private at: number
  constructor(base: number) {
    this.at = base
  }
  /** Takes `bytes` bytes and returns their offset. */
  take(bytes: number): number {
    const p = this.at
    this.at = align(p + bytes)
    return p
  }
  /** One past the last byte taken. */
  get end(): number {
    return this.at
  }
}
