/**
 * One instance of the WebAssembly kernels and its linear memory.
 *
 * Memory model: one growable `WebAssembly.Memory` per engine. The bytes below `base` hold the
 * module's static data and a control block (job slots for worker threads); everything above
 * `base` is a per-call arena: a kernel call lays out its operands, output and scratch from
 * `base` up, copies the operands in, runs, copies the output out, and the next call reuses the
 * same bytes. Nothing a call allocates outlives it, so there is nothing to free and nothing
 * can leak; the memory only grows to the largest call seen (WebAssembly memory never shrinks).
 * Above the arena, the kernels keep copies of matrix-product operands seen before (at most
 * 32 MiB, see resident.ts), which later products read instead of copying them in again.
 * @internal
 */
import { relaxedModule, sharedModule, sharedRelaxedModule, simdModule } from './generated/modules.js'

/**
 * Which build of the kernels an engine runs: 'relaxed-simd' adds relaxed SIMD's fused
 * multiply-add to the matrix products (one rounding per step instead of two, and faster);
 * 'simd128' is plain WebAssembly SIMD, which every current runtime has.
 * @category kernels
 */
export type SimdBuild = 'relaxed-simd' | 'simd128'

/** The functions `assembly/index.ts` exports (pointers are byte offsets, sizes are elements). */
export interface WasmExports {
  heapBase(): number
  /** `epi` (flags `Epi`; absent: 0, none) applies a bias (n floats at `bias`) and relu to C as each tile is finished */
  gemm(n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, accumulate: number, i0: number, i1: number, scratch: number, bias?: number, epi?: number): void
  /** the epilogue `epi` as a pass of its own over C (rows × n, row stride ldc) */
  gemmEpilogue(c: number, rows: number, n: number, ldc: number, bias: number, epi: number): void
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
  /** conv2d forward for output pixels [r0, r1), without an im2col matrix; `scratch` holds conv2dGemmScratchBytes(K, outC, inC) bytes. */
  conv2dGemm(x: number, w: number, out: number, spec: number, r0: number, r1: number, scratch: number): void
  conv2dGemmScratchBytes(k: number, outC: number, inC: number): number
  /** conv2dBackFilter's product over output pixels [r0, r0 + rows) without an im2col matrix (K ≥ MR); `scratch` holds conv2dGemmBackFilterScratchBytes(rows, outC, kH·kW, inC) bytes. */
  conv2dGemmBackFilter(x: number, dy: number, dw: number, spec: number, r0: number, rows: number, accumulate: number, scratch: number): void
  conv2dGemmBackFilterScratchBytes(rows: number, outC: number, taps: number, inC: number): number
  /** The register tile (MR rows × NR columns) and which build this is (RELAXED 1: relaxed SIMD). */
  readonly MR: WebAssembly.Global
  readonly NR: WebAssembly.Global
  readonly RELAXED: WebAssembly.Global
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
  readonly build: SimdBuild
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

const variantKey = (shared: boolean, build: SimdBuild): string => `${shared ? 'shared' : 'plain'} ${build}`
const cache = new Map<string, WebAssembly.Module>()

/** The module's bytes for a variant. */
export const moduleBytes = (shared: boolean, build: SimdBuild = 'simd128'): Uint8Array<ArrayBuffer> =>
  decode(build === 'relaxed-simd' ? (shared ? sharedRelaxedModule : relaxedModule) : shared ? sharedModule : simdModule)

/**
 * A module of one function computing `f32x4.relaxed_madd` on constants (82 bytes): it validates
 * exactly where the runtime has relaxed SIMD, and checking it costs far less than validating a
 * whole kernel module.
 */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code section: one body of 59 bytes, no locals
  0xfd, 0x0c, ...new Array<number>(16).fill(0), // v128.const 0
  0xfd, 0x0c, ...new Array<number>(16).fill(0), // v128.const 0
  0xfd, 0x0c, ...new Array<number>(16).fill(0), // v128.const 0
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b, // end
])

let relaxed: boolean | undefined

/** True when this runtime has relaxed SIMD (Chrome and Edge ≥ 114, Node ≥ 22, Node 20 with --experimental-wasm-relaxed-simd). */
export const relaxedSupported = (): boolean => {
  if (relaxed === undefined) {
    try {
      relaxed = typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE)
    } catch {
      relaxed = false
    }
  }
  return relaxed
}

/** The build to run here: relaxed SIMD where the runtime has it, else SIMD128. */
export const bestBuild = (): SimdBuild => (relaxedSupported() ? 'relaxed-simd' : 'simd128')

/** True when this runtime validates a variant's module (and, for `shared`, has shared memory). */
export const supported = (shared: boolean, build: SimdBuild = 'simd128'): boolean => {
  try {
    if (typeof WebAssembly !== 'object') return false
    if (shared && typeof SharedArrayBuffer !== 'function') return false
    if (build === 'relaxed-simd' && !relaxedSupported()) return false
    return WebAssembly.validate(moduleBytes(shared, build))
  } catch {
    return false
  }
}

/** Compiles a variant once per realm (synchronously: the modules are about 21 kB). */
export const compiled = (shared: boolean, build: SimdBuild = 'simd128'): WebAssembly.Module => {
  const key = variantKey(shared, build)
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const m = new WebAssembly.Module(moduleBytes(shared, build))
  cache.set(key, m)
  return m
}

/**
 * Instantiates a variant on a fresh memory. Throws if the runtime lacks WebAssembly SIMD (or
 * shared memory, or relaxed SIMD for that build).
 */
export const createEngine = (shared: boolean, build: SimdBuild = 'simd128'): Engine => {
  const module = compiled(shared, build)
  const memory = shared ? new WebAssembly.Memory({ initial: 16, maximum: SHARED_MAX_PAGES, shared: true }) : new WebAssembly.Memory({ initial: 16 })
  const instance = new WebAssembly.Instance(module, { env: { memory } })
  const exports = instance.exports as unknown as WasmExports
  if (exports.MR.value !== MR || exports.NR.value !== NR || exports.RELAXED.value !== (build === 'relaxed-simd' ? 1 : 0)) {
    throw new Error(`the ${build} kernel module has a ${exports.MR.value}×${exports.NR.value} tile and RELAXED = ${exports.RELAXED.value}; engine.ts expects ${MR}×${NR}: rebuild with npm run build:wasm`)
  }
  const ctl = align(exports.heapBase())
  const base = ctl + CTL_BYTES
  let f32 = new Float32Array(memory.buffer)
  let i32 = new Int32Array(memory.buffer)
  // the bytes addressable, as of the last growth: the memory grows only through `reserve` (the
  // kernels allocate nothing), so the views are renewed there, and reading `memory.buffer` (a
  // slow getter) is left to the calls that may grow it
  let bytes = memory.buffer.byteLength
  const refresh = (): void => {
    if (f32.buffer !== memory.buffer || f32.length * 4 !== memory.buffer.byteLength) {
      f32 = new Float32Array(memory.buffer)
      i32 = new Int32Array(memory.buffer)
    }
    bytes = f32.byteLength
  }
  const reserve = (end: number): boolean => {
    if (end <= bytes) return true
    const have = memory.buffer.byteLength
    if (end <= have) {
      refresh()
      return true
    }
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
    build,
    ctl,
    base,
    reserve,
    // a view of a memory that grew is detached (non-shared) or shorter (shared): renewed
    f32: () => {
      if (f32.byteLength !== bytes) refresh()
      return f32
    },
    i32: () => {
      if (i32.byteLength !== bytes) refresh()
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
