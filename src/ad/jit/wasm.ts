/**
 * WebAssembly SIMD loops for fused float32 groups, generated at run time: a tiny module (a few
 * hundred bytes, encoded here by hand) whose one function runs the group's operations on four
 * lanes at a time over a block of rows × inner, reading its inputs from and writing its outputs
 * to one linear memory that all these modules share (the operands are copied in block by block
 * with `TypedArray.set`, and the outputs copied out; see `BLOCK`). A group may have several
 * outputs (an optimizer's new moments and parameters, say): one pass copies each input in once
 * and each output out once.
 *
 * Only operations with an exact float32 equivalent in WebAssembly are taken (`wasmOps`), so a
 * group run here equals the JavaScript fused loop (and the JavaScript kernels) bit for bit:
 * - +, −, ×, ÷ and √ (and square = x·x, reciprocal = 1 ÷ x): a WebAssembly f32 operation rounds
 *   the exact result once to float32; the JavaScript loop computes in float64 (rounding the exact
 *   result once to float64, since float32 operands are float64 values) and then rounds with
 *   `Math.fround`. Rounding to float64 first is innocuous: for these operations on p-bit operands
 *   the double rounding through q ≥ 2p + 2 bits equals the single rounding (53 ≥ 2·24 + 2), and
 *   f32 operations keep subnormals (WebAssembly has no flush-to-zero).
 * - neg, abs, floor, ceil, comparisons (1 or 0), where, relu, sign, isFinite, isNaN: exact in both.
 * - minimum and maximum: `f32x4.min`/`max` are IEEE 754-2019's minimum/maximum, as `Math.min`/
 *   `Math.max`: NaN propagates and −0 < +0.
 * NaN payloads may differ (the JavaScript engine may canonicalize them), NaN-ness never does.
 * @internal
 */
import type { Prim } from '../../prims/Prim.js'

/** How an input is read inside the loop over rows × inner (see fuse.ts). */
export type Access = 'full' | 'inner' | 'outer' | 'scalar'

/** One operation of a group: `args` index the inputs (0 … inputs − 1) and then the earlier operations' results. */
export interface WasmOp {
  readonly prim: Prim
  readonly args: ReadonlyArray<number>
}

/** A fused float32 group: its inputs' access patterns, operations in order, the operations whose results it writes out, and the loop nest. */
export interface WasmGroup {
  readonly access: ReadonlyArray<Access>
  readonly ops: ReadonlyArray<WasmOp>
  /** indices into `ops` of the group's outputs, in the order they are written */
  readonly outputs: ReadonlyArray<number>
  readonly rows: number
  readonly inner: number
}

// ---- encoding -----------------------------------------------------------------------------------

const uleb = (n: number): number[] => {
  const out: number[] = []
  do {
    let b = n % 128
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    out.push(b)
  } while (n > 0)
  return out
}
const sleb = (n: number): number[] => {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)
    out.push(done ? b : b | 0x80)
    if (done) return out
  }
}
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))]
const section = (id: number, body: ReadonlyArray<number>): number[] => [id, ...uleb(body.length), ...body]
const vec = (items: ReadonlyArray<ReadonlyArray<number>>): number[] => [...uleb(items.length), ...items.flat()]

const I32 = 0x7f
const V128 = 0x7b
const EMPTY = 0x40
const op = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d,
  localGet: 0x20, localSet: 0x21,
  i32Const: 0x41, i32GeU: 0x4f, i32Add: 0x6a, i32And: 0x71, i32Shl: 0x74,
} as const
/** SIMD instructions: 0xfd then the code as an unsigned LEB128. */
const simd = (code: number): number[] => [0xfd, ...uleb(code)]
const S = {
  load: 0x00, load32Splat: 0x09, store: 0x0b, const: 0x0c, f32x4Splat: 0x13,
  eq: 0x41, ne: 0x42, lt: 0x43, gt: 0x44, le: 0x45, ge: 0x46,
  and: 0x4e, or: 0x50, bitselect: 0x52, store32Lane: 0x5a,
  ceil: 0x67, floor: 0x68,
  abs: 0xe0, neg: 0xe1, sqrt: 0xe3, add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, min: 0xe8, max: 0xe9,
} as const
/** A memory access: alignment exponent 2 (4 bytes, all these addresses are) and a constant offset. */
const memarg = (offset: number): number[] => [2, ...uleb(offset)]
const f32Const4 = (v: number): number[] => {
  const b = new Uint8Array(16)
  const f = new Float32Array(b.buffer)
  f.fill(v)
  return [...simd(S.const), ...b]
}

/** The operations (float32 in, float32 out) this file emits, with their vector code on the operands' vectors. */
const emitters: { readonly [P in Prim]?: (a: ReadonlyArray<number[]>) => number[] } = {
  neg: ([x]) => [...x!, ...simd(S.neg)],
  abs: ([x]) => [...x!, ...simd(S.abs)],
  sqrt: ([x]) => [...x!, ...simd(S.sqrt)],
  square: ([x]) => [...x!, ...x!, ...simd(S.mul)],
  reciprocal: ([x]) => [...f32Const4(1), ...x!, ...simd(S.div)],
  floor: ([x]) => [...x!, ...simd(S.floor)],
  ceil: ([x]) => [...x!, ...simd(S.ceil)],
  // v > 0 ? v : v !== v ? v : 0
  relu: ([x]) => [...x!, ...f32Const4(0), ...x!, ...f32Const4(0), ...simd(S.gt), ...x!, ...x!, ...simd(S.ne), ...simd(S.or), ...simd(S.bitselect)],
  // v > 0 ? 1 : v < 0 ? −1 : v (keeps ±0 and NaN)
  sign: ([x]) => [
    ...f32Const4(1), ...f32Const4(-1), ...x!, ...x!, ...f32Const4(0), ...simd(S.lt), ...simd(S.bitselect),
    ...x!, ...f32Const4(0), ...simd(S.gt), ...simd(S.bitselect),
  ],
  // |v| < ∞ is false for ±∞ and NaN
  isFinite: ([x]) => [...x!, ...simd(S.abs), ...f32Const4(Infinity), ...simd(S.lt), ...f32Const4(1), ...simd(S.and)],
  isNaN: ([x]) => [...x!, ...x!, ...simd(S.ne), ...f32Const4(1), ...simd(S.and)],
  add: ([a, b]) => [...a!, ...b!, ...simd(S.add)],
  sub: ([a, b]) => [...a!, ...b!, ...simd(S.sub)],
  mul: ([a, b]) => [...a!, ...b!, ...simd(S.mul)],
  div: ([a, b]) => [...a!, ...b!, ...simd(S.div)],
  minimum: ([a, b]) => [...a!, ...b!, ...simd(S.min)],
  maximum: ([a, b]) => [...a!, ...b!, ...simd(S.max)],
  equal: ([a, b]) => [...a!, ...b!, ...simd(S.eq), ...f32Const4(1), ...simd(S.and)],
  notEqual: ([a, b]) => [...a!, ...b!, ...simd(S.ne), ...f32Const4(1), ...simd(S.and)],
  less: ([a, b]) => [...a!, ...b!, ...simd(S.lt), ...f32Const4(1), ...simd(S.and)],
  lessEqual: ([a, b]) => [...a!, ...b!, ...simd(S.le), ...f32Const4(1), ...simd(S.and)],
  greater: ([a, b]) => [...a!, ...b!, ...simd(S.gt), ...f32Const4(1), ...simd(S.and)],
  greaterEqual: ([a, b]) => [...a!, ...b!, ...simd(S.ge), ...f32Const4(1), ...simd(S.and)],
  // c !== 0 ? a : b (NaN counts as true, −0 as false, as in JavaScript)
  where: ([c, a, b]) => [...a!, ...b!, ...c!, ...f32Const4(0), ...simd(S.ne), ...simd(S.bitselect)],
}

/** The primitives a float32 group may hold to run in WebAssembly. */
export const wasmOps: ReadonlySet<Prim> = new Set(Object.keys(emitters) as Prim[])

/** Elements an input of this access pattern holds. */
const lengthOf = (a: Access, rows: number, inner: number): number => (a === 'full' ? rows * inner : a === 'inner' ? inner : a === 'outer' ? rows : 1)

/**
 * Elements per block (128 KiB per operand): the loop runs block by block, each block's operands
 * copied into memory just before, so the shared memory stays small however large the tensors
 * (it holds one block of each operand and of the output). Measured on a 2-core x86 machine: over
 * 100 000 elements, blocks of 1 024 and 4 096 elements ran 20% and 5% slower than one block;
 * 32 768 as fast; over 4 million elements 32 768 ran 10% faster than one block.
 */
export const BLOCK = 32768

/**
 * How a group is cut into blocks: `rowsPer` whole rows at a time when a row fits in a block
 * (then `width` is the row), else one row in pieces of `width` elements.
 */
interface Blocks {
  readonly rowsPer: number
  readonly width: number
}
const blocksOf = (g: WasmGroup, block: number): Blocks =>
  g.inner <= block ? { rowsPer: Math.max(1, Math.min(g.rows, Math.floor(block / g.inner))), width: g.inner } : { rowsPer: 1, width: block }

/** Where each operand and each output of a block lie in memory (byte offsets, 16-byte aligned), and the bytes used. */
export interface Layout {
  readonly inputs: ReadonlyArray<number>
  readonly outputs: ReadonlyArray<number>
  readonly end: number
}

const align16 = (x: number): number => Math.ceil(x / 16) * 16

export const layoutOf = (g: WasmGroup, block = BLOCK): Layout => {
  const { rowsPer, width } = blocksOf(g, block)
  let at = 0
  const inputs = g.access.map((a) => {
    const p = at
    at = align16(at + 4 * lengthOf(a, rowsPer, width))
    return p
  })
  const outputs = g.outputs.map(() => {
    const p = at
    at = align16(at + 4 * rowsPer * width)
    return p
  })
  return { inputs, outputs, end: at }
}

/**
 * The module of a group: it imports `env.memory` and exports `run(rows, width)`, which computes
 * a block of rows × width of each output from the operands at the offsets of `layoutOf(g)` (full
 * ones rows × width, inner ones width, outer ones rows, scalars 1).
 */
export const encode = (g: WasmGroup, block = BLOCK): Uint8Array<ArrayBuffer> => {
  const { access } = g
  const lay = layoutOf(g, block)
  const n = access.length
  // parameters 0 rows, 1 width; locals 2 o4 (row × 4), 3 fo (byte offset of the row in full operands),
  // 4 j (byte offset in the row), 5 wb (width × 4), 6 w4b (bytes of the row that fill whole vectors), 7 rb (rows × 4),
  // then one v128 per input (its vector in this iteration, or its splat for outer and scalar inputs) and per operation
  const [ROWS, WIDTH, O4, FO, J, WB, W4B, RB] = [0, 1, 2, 3, 4, 5, 6, 7]
  const inLocal = (k: number): number => 8 + k
  const opLocal = (m: number): number => 8 + n + m
  const get = (l: number): number[] => [op.localGet, ...uleb(l)]
  const set = (l: number): number[] => [op.localSet, ...uleb(l)]
  const i32 = (v: number): number[] => [op.i32Const, ...sleb(v | 0)]
  const ref = (a: number): number[] => get(a < n ? inLocal(a) : opLocal(a - n))

  /** One iteration over 4 lanes (`wide`) or 1 lane at j. */
  const step = (wide: boolean): number[] => {
    const code: number[] = []
    access.forEach((a, k) => {
      if (a === 'full') code.push(...get(FO), ...get(J), op.i32Add, ...simd(wide ? S.load : S.load32Splat), ...memarg(lay.inputs[k]!), ...set(inLocal(k)))
      else if (a === 'inner') code.push(...get(J), ...simd(wide ? S.load : S.load32Splat), ...memarg(lay.inputs[k]!), ...set(inLocal(k)))
    })
    g.ops.forEach((o, m) => code.push(...emitters[o.prim]!(o.args.map(ref)), ...set(opLocal(m))))
    g.outputs.forEach((m, k) => {
      code.push(...get(FO), ...get(J), op.i32Add, ...get(opLocal(m)))
      code.push(...(wide ? [...simd(S.store), ...memarg(lay.outputs[k]!)] : [...simd(S.store32Lane), ...memarg(lay.outputs[k]!), 0]))
    })
    code.push(...get(J), ...i32(wide ? 16 : 4), op.i32Add, ...set(J))
    return code
  }
  /** `while (local < limit) { body }` (unsigned) */
  const whileLt = (local: number, limit: number, body: number[]): number[] => [
    op.block, EMPTY, op.loop, EMPTY,
    ...get(local), ...get(limit), op.i32GeU, op.brIf, 1,
    ...body,
    op.br, 0, op.end, op.end,
  ]

  const body: number[] = [
    ...get(WIDTH), ...i32(2), op.i32Shl, ...set(WB),
    ...get(WIDTH), ...i32(-4), op.i32And, ...i32(2), op.i32Shl, ...set(W4B),
    ...get(ROWS), ...i32(2), op.i32Shl, ...set(RB),
  ]
  access.forEach((a, k) => {
    if (a === 'scalar') body.push(...i32(0), ...simd(S.load32Splat), ...memarg(lay.inputs[k]!), ...set(inLocal(k)))
  })
  const row: number[] = []
  access.forEach((a, k) => {
    if (a === 'outer') row.push(...get(O4), ...simd(S.load32Splat), ...memarg(lay.inputs[k]!), ...set(inLocal(k)))
  })
  row.push(...i32(0), ...set(J))
  row.push(...whileLt(J, W4B, step(true)))
  row.push(...whileLt(J, WB, step(false)))
  row.push(...get(FO), ...get(WB), op.i32Add, ...set(FO))
  row.push(...get(O4), ...i32(4), op.i32Add, ...set(O4))
  body.push(...whileLt(O4, RB, row))
  body.push(op.end)
  const locals = vec([[...uleb(6), I32], [...uleb(n + g.ops.length), V128]])
  const fn = [...locals, ...body]

  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 2, I32, I32, 0]])), // type 0: (i32, i32) -> ()
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])), // import env.memory, at least 1 page
    ...section(3, vec([[0]])), // function 0 of type 0
    ...section(7, vec([[...name('run'), 0x00, 0]])), // export "run" = function 0
    ...section(10, vec([[...uleb(fn.length), ...fn]])),
  ])
}

// ---- running --------------------------------------------------------------------------------

/** The memory all group modules share; it grows to the largest group run and never shrinks. */
let memory: WebAssembly.Memory | undefined
let view = new Float32Array(0)

const PAGE = 65536

/** Makes bytes [0, end) addressable; false when the memory cannot grow that far. */
const reserve = (end: number): boolean => {
  memory ??= new WebAssembly.Memory({ initial: 16 })
  const have = memory.buffer.byteLength
  if (end > have) {
    try {
      memory.grow(Math.max(16, Math.ceil((end - have) / PAGE)))
    } catch {
      return false
    }
  }
  if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer)
  return true
}

let simdSupported: boolean | undefined

/** True when this runtime compiles WebAssembly SIMD (checked once, on a module of this file). */
export const wasmFusionSupported = (): boolean => {
  if (simdSupported === undefined) {
    try {
      simdSupported = typeof WebAssembly === 'object' && WebAssembly.validate(encode({ access: ['full'], ops: [{ prim: 'neg', args: [0] }], outputs: [0], rows: 1, inner: 5 }))
    } catch {
      simdSupported = false
    }
  }
  return simdSupported
}

/** A compiled group: `run(outs, inputs)` fills the outputs (rows × inner each) and returns true, or returns false (run the group otherwise) when the memory cannot hold a block, the module did not compile, or a buffer is not of its operand's length. */
export type WasmKernel = (outs: ReadonlyArray<Float32Array>, ins: ReadonlyArray<Float32Array>) => boolean

/** Compiled modules by their bytes (as text), so a group compiled again reuses its module. */
const modules = new Map<string, WebAssembly.Module>()
const MAX_MODULES = 512

/** Compiles a group (once per distinct module) into a kernel that runs it in blocks of about `block` elements. */
export const wasmKernel = (g: WasmGroup, block = BLOCK): WasmKernel => {
  const bytes = encode(g, block)
  let key = ''
  for (let i = 0; i < bytes.length; i += 8192) key += String.fromCharCode(...bytes.subarray(i, i + 8192))
  const lay = layoutOf(g, block)
  let run: (rows: number, width: number) => void
  try {
    let module = modules.get(key)
    if (module === undefined) {
      module = new WebAssembly.Module(bytes)
      if (modules.size >= MAX_MODULES) modules.delete(modules.keys().next().value!)
      modules.set(key, module)
    }
    if (!reserve(lay.end)) return () => false
    run = (new WebAssembly.Instance(module, { env: { memory: memory! } }).exports as { readonly run: typeof run }).run
  } catch {
    // a runtime may refuse to compile synchronously (browsers' main threads limit module size): the group runs in JavaScript
    return () => false
  }
  const { rows, inner, access } = g
  const { rowsPer, width } = blocksOf(g, block)
  const at = lay.inputs.map((p) => p >>> 2)
  const outAt = lay.outputs.map((p) => p >>> 2)
  const m = outAt.length
  const lengths = access.map((a) => lengthOf(a, rows, inner))
  const kinds = access.map((a) => ['full', 'inner', 'outer', 'scalar'].indexOf(a))
  const n = access.length
  return (outs, xs) => {
    if (!reserve(lay.end)) return false
    for (let k = 0; k < n; k++) if (xs[k]!.length !== lengths[k]) return false
    const v = view
    for (let k = 0; k < n; k++) if (kinds[k] === 3) v[at[k]!] = xs[k]![0]!
    if (width === inner) {
      // whole rows: inner operands once, full and outer ones block by block
      for (let k = 0; k < n; k++) if (kinds[k] === 1) v.set(xs[k]!, at[k]!)
      for (let o0 = 0; o0 < rows; o0 += rowsPer) {
        const r = Math.min(rowsPer, rows - o0)
        for (let k = 0; k < n; k++) {
          if (kinds[k] === 0) v.set(xs[k]!.subarray(o0 * inner, (o0 + r) * inner), at[k]!)
          else if (kinds[k] === 2) v.set(xs[k]!.subarray(o0, o0 + r), at[k]!)
        }
        run(r, inner)
        for (let k = 0; k < m; k++) outs[k]!.set(v.subarray(outAt[k]!, outAt[k]! + r * inner), o0 * inner)
      }
    } else {
      // rows longer than a block: each row in pieces
      for (let o = 0; o < rows; o++) {
        for (let k = 0; k < n; k++) if (kinds[k] === 2) v[at[k]!] = xs[k]![o]!
        for (let j0 = 0; j0 < inner; j0 += width) {
          const w = Math.min(width, inner - j0)
          const from = o * inner + j0
          for (let k = 0; k < n; k++) {
            if (kinds[k] === 0) v.set(xs[k]!.subarray(from, from + w), at[k]!)
            else if (kinds[k] === 1) v.set(xs[k]!.subarray(j0, j0 + w), at[k]!)
          }
          run(1, w)
          for (let k = 0; k < m; k++) outs[k]!.set(v.subarray(outAt[k]!, outAt[k]! + w), from)
        }
      }
    }
    return true
  }
}
