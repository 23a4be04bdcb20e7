// float32 matrix product C = op(A)·op(B) (+ C), cache-blocked and register-tiled (WebAssembly SIMD).
//
// This file is compiled twice (wasm/build.mjs): with SIMD128 alone, where a multiply-add is an
// `f32x4.mul` then an `f32x4.add` (two roundings), and with relaxed SIMD as well, where it is one
// `f32x4.relaxed_madd` (a fused multiply-add on x86 with FMA3 and on ARM: one rounding). Both
// builds follow the same loops and order of operations; they may differ in the last bits.
//
// The operands are read through strides, A(i, p) = a[i·ars + p·acs] and B(p, j) = b[p·brs + j·bcs],
// so every transpose combination is the same code with other strides. The loops are the
// GotoBLAS/BLIS ones:
//
//   for jc in n by NC:                 a block of columns
//     for pc in k by KC:               a block of the contraction; B[pc.., jc..] packed into
//                                      panels of NR columns (KC×NR floats each, stays in L1)
//       for ic in [i0, i1) by MC:      a block of rows; A[ic.., pc..] packed into panels of MR rows
//         for jr, ir:                  the MR×NR micro-kernel: MR·NR/4 v128 accumulators
//
// For splitting one product over threads, `packBFull` packs all of B once (every NC × KC block,
// in the same panel layout) and `gemmPacked` computes any rows × columns range from it, so each
// thread packs only its own rows of A.
//
// Partial panels are zero-padded when packed, so the micro-kernel always computes a full tile;
// only the write-back of an edge tile is cut to the valid rows and columns. Each C element is a
// float32 sum over p in order, one partial sum per KC block added to C in block order, which
// depends neither on the row range [i0, i1) nor on the tile position: splitting the rows over
// threads gives bit-identical results.

// @ts-nocheck: AssemblyScript source (compiled by asc, not tsc)

// The register tile is 4×8 in both builds. Measured for the FMA build (Node 20's V8 on a Zen 4
// core, CPU time, one thread), against 58 GFLOP/s for 12 independent chains of relaxed_madd (the
// ceiling of 128-bit FMA there): the 4×8 micro-kernel alone on panels in L1 runs at 50-52, gemm
// on n = 1024 at 47-49 (V8 gives each multiply-add a register move besides the FMA). A tile
// spills accumulators inside the loop (about half the speed) once its accumulators and the values
// one step loads pass 14 registers (V8 allocates 15 of the 16 XMM registers): 5×8 and 4×12 with
// splat loads of A, 6×8, 3×16 and any 4×8 unrolled over p do. 5×8 and 3×12 fit when A's values of
// a step come from one v128 load whose lanes are broadcast by shuffles, but run like 4×8 (gemm
// n = 1024: 0.99×); that broadcast makes 4×8 1.06× faster on panels in L1 but not in gemm (0.99×;
// 0.93× in the SIMD128 build). Blocking: KC = 512 or MC = 256 ran 1.02-1.03× (median of paired
// rounds; the best rounds were equal), within the noise of a shared machine.
export const MR: i32 = 4
export const NR: i32 = 8

/** 1 in the relaxed-SIMD build, 0 in the SIMD128 one (read by the TypeScript side as a check). */
export const RELAXED: i32 = ASC_FEATURE_RELAXED_SIMD ? 1 : 0
export const KC: i32 = 256
export const MC: i32 = 128
export const NC: i32 = 2048

/** Bytes of scratch one gemm call needs (packed A block, packed B block, one edge tile). */
export function gemmScratchBytes(n: i32, k: i32): i32 {
  const kc = min(k, KC)
  const nc = (min(n, NC) + NR - 1) / NR * NR
  return (MC * kc + kc * nc + MR * NR) * 4 + 64
}

/** Packs A[i0 .. i0+mc, p0 .. p0+kc] into panels of MR rows: dst[(panel·kc + p)·MR + r]; rows ≥ iEnd are zeros. */
function packA(a: usize, ars: i32, acs: i32, i0: i32, mc: i32, iEnd: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const i = i0 + ir
    const rows = min(MR, iEnd - i)
    if (rows == MR && ars == 1) {
      // A read transposed: the MR values of one p are contiguous
      let src = a + (<usize>(i + p0 * acs) << 2)
      const step = <usize>acs << 2
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src))
        src += step
        dst += MR * 4
      }
    } else if (rows == MR && acs == 1) {
      // A read by rows (also im2col's column matrix): 4×4 blocks transposed in registers
      let s0 = a + (<usize>(i * ars + p0) << 2)
      const rs = <usize>ars << 2
      let p = 0
      for (; p + 4 <= kc; p += 4) {
        const r0 = v128.load(s0)
        const r1 = v128.load(s0 + rs)
        const r2 = v128.load(s0 + 2 * rs)
        const r3 = v128.load(s0 + 3 * rs)
        const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5)
        const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7)
        const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5)
        const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7)
        v128.store(dst, v128.shuffle<i64>(t0, t2, 0, 2))
        v128.store(dst, v128.shuffle<i64>(t0, t2, 1, 3), 16)
        v128.store(dst, v128.shuffle<i64>(t1, t3, 0, 2), 32)
        v128.store(dst, v128.shuffle<i64>(t1, t3, 1, 3), 48)
        s0 += 16
        dst += MR * 16
      }
      for (; p < kc; p++) {
        store<f32>(dst, load<f32>(s0))
        store<f32>(dst, load<f32>(s0 + rs), 4)
        store<f32>(dst, load<f32>(s0 + 2 * rs), 8)
        store<f32>(dst, load<f32>(s0 + 3 * rs), 12)
        s0 += 4
        dst += MR * 4
      }
    } else if (rows == MR) {
      let s0 = a + (<usize>(i * ars + p0 * acs) << 2)
      const rs = <usize>ars << 2
      const step = <usize>acs << 2
      for (let p = 0; p < kc; p++) {
        store<f32>(dst, load<f32>(s0))
        store<f32>(dst, load<f32>(s0 + rs), 4)
        store<f32>(dst, load<f32>(s0 + 2 * rs), 8)
        store<f32>(dst, load<f32>(s0 + 3 * rs), 12)
        s0 += step
        dst += MR * 4
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(dst + (<usize>r << 2), r < rows ? load<f32>(a + (<usize>((i + r) * ars + (p0 + p) * acs) << 2)) : 0)
        }
        dst += MR * 4
      }
    }
  }
}

/** Packs B[p0 .. p0+kc, j0 .. j0+nc] into panels of NR columns: dst[(panel·kc + p)·NR + c]; columns ≥ jEnd are zeros. */
export function packB(b: usize, brs: i32, bcs: i32, p0: i32, kc: i32, j0: i32, nc: i32, jEnd: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const j = j0 + jr
    const cols = min(NR, jEnd - j)
    if (cols == NR && bcs == 1) {
      let src = b + (<usize>(p0 * brs + j) << 2)
      const step = <usize>brs << 2
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src))
        v128.store(dst, v128.load(src, 16), 16)
        src += step
        dst += NR * 4
      }
    } else if (cols == NR) {
      // B read transposed: gather NR strided values per p
      let s0 = b + (<usize>(p0 * brs + j * bcs) << 2)
      const cs = <usize>bcs << 2
      const step = <usize>brs << 2
      for (let p = 0; p < kc; p++) {
        let s = s0
        store<f32>(dst, load<f32>(s)); s += cs
        store<f32>(dst, load<f32>(s), 4); s += cs
        store<f32>(dst, load<f32>(s), 8); s += cs
        store<f32>(dst, load<f32>(s), 12); s += cs
        store<f32>(dst, load<f32>(s), 16); s += cs
        store<f32>(dst, load<f32>(s), 20); s += cs
        store<f32>(dst, load<f32>(s), 24); s += cs
        store<f32>(dst, load<f32>(s), 28)
        s0 += step
        dst += NR * 4
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let c = 0; c < NR; c++) {
          store<f32>(dst + (<usize>c << 2), c < cols ? load<f32>(b + (<usize>((p0 + p) * brs + (j + c) * bcs) << 2)) : 0)
        }
        dst += NR * 4
      }
    }
  }
}

/** c + a·b: one fused multiply-add in the relaxed-SIMD build, a multiply then an add in the other. */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c)
  return f32x4.add(c, f32x4.mul(a, b))
}

/** c + a·b on one float32, rounded as one lane of `madd`. */
// @ts-ignore: decorator
@inline
function madd1(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0)
  return c + a * b
}

/**
 * The epilogue of a product (`epi`, a set of flags): after the last KC block's sum is stored (or
 * added to C), `EPI_BIAS` adds bias[j] to column j, then `EPI_RELU` applies relu, each a float32
 * operation on the stored value, as the elementwise kernels would in a pass of their own (relu:
 * v > 0 ? v : v if NaN : +0, the `Unary.relu` of elementwise.ts).
 */
export const EPI_BIAS: i32 = 1
export const EPI_RELU: i32 = 2

/** `v` after the epilogue, `b` the bias of its four columns. */
// @ts-ignore: decorator
@inline
function epilogue4(v: v128, b: v128, epi: i32): v128 {
  if (epi & EPI_BIAS) v = f32x4.add(v, b)
  if (epi & EPI_RELU) {
    const zero = f32x4.splat(0)
    v = v128.bitselect(v, zero, v128.or(f32x4.gt(v, zero), f32x4.ne(v, v)))
  }
  return v
}

/** One float32 after the epilogue, `b` its column's bias. */
// @ts-ignore: decorator
@inline
function epilogue1(v: f32, b: f32, epi: i32): f32 {
  if (epi & EPI_BIAS) v = v + b
  if (epi & EPI_RELU) v = v > 0 ? v : v != v ? v : <f32>0
  return v
}

/** Stores (or adds, when `acc`) four lanes at `dst`, then the epilogue (`bias`: the bias of these columns). */
// @ts-ignore: decorator
@inline
function put4(dst: usize, v: v128, acc: bool, bias: usize, epi: i32): void {
  if (acc) v = f32x4.add(v128.load(dst), v)
  if (epi != 0) v = epilogue4(v, epi & EPI_BIAS ? v128.load(bias) : v, epi)
  v128.store(dst, v)
}

/** Stores (or adds, when `acc`) one float32 at `dst`, then the epilogue. */
// @ts-ignore: decorator
@inline
function put1(dst: usize, v: f32, acc: bool, bias: usize, epi: i32): void {
  if (acc) v = load<f32>(dst) + v
  if (epi != 0) v = epilogue1(v, epi & EPI_BIAS ? load<f32>(bias) : 0, epi)
  store<f32>(dst, v)
}

/**
 * The epilogue `epi` as a pass of its own over C (rows × n, row stride ldc): for a product whose
 * sums were stored without it (one split over threads).
 */
export function gemmEpilogue(c: usize, rows: i32, n: i32, ldc: i32, bias: usize, epi: i32): void {
  if (epi == 0) return
  const n4 = n & ~3
  for (let i = 0; i < rows; i++) {
    const row = c + (<usize>(i * ldc) << 2)
    let j = 0
    for (; j < n4; j += 4) {
      const o = <usize>j << 2
      v128.store(row + o, epilogue4(v128.load(row + o), epi & EPI_BIAS ? v128.load(bias + o) : f32x4.splat(0), epi))
    }
    for (; j < n; j++) {
      const o = <usize>j << 2
      store<f32>(row + o, epilogue1(load<f32>(row + o), epi & EPI_BIAS ? load<f32>(bias + o) : 0, epi))
    }
  }
}

/**
 * The MR×NR = 4×8 micro-kernel: 8 v128 accumulators, per p two loads of B, four splats of A and
 * eight multiply-adds. Writes (or adds, when `acc`) the valid rows × cols of the
 * tile into C (row stride ldc elements), then the epilogue `epi` (bias: the tile's first column's): `storeTile`.
 */
// @ts-ignore: decorator
@inline
export function micro(ap: usize, bp: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, acc: bool, tmp: usize, bias: usize = 0, epi: i32 = 0): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0)
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0)
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0)
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0)
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp)
    const b1 = v128.load(bp, 16)
    let x = v128.load32_splat(ap)
    c00 = madd(x, b0, c00)
    c01 = madd(x, b1, c01)
    x = v128.load32_splat(ap, 4)
    c10 = madd(x, b0, c10)
    c11 = madd(x, b1, c11)
    x = v128.load32_splat(ap, 8)
    c20 = madd(x, b0, c20)
    c21 = madd(x, b1, c21)
    x = v128.load32_splat(ap, 12)
    c30 = madd(x, b0, c30)
    c31 = madd(x, b1, c31)
    ap += MR * 4
    bp += NR * 4
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, c, ldc, rows, cols, acc, tmp, bias, epi)
}

/**
 * Writes (or adds, when `acc`) the valid rows × cols of a 4×8 tile held in eight accumulators
 * (row i in c{i}0, c{i}1) into C (row stride ldc elements), then the epilogue `epi` with the
 * bias of the tile's columns at `bias`; an edge tile goes through `tmp`.
 */
// @ts-ignore: decorator
@inline
export function storeTile(c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128, c: usize, ldc: i32, rows: i32, cols: i32, acc: bool, tmp: usize, bias: usize = 0, epi: i32 = 0): void {
  const ld = <usize>ldc << 2
  if (rows == MR && cols == NR) {
    let r = c
    if (epi != 0) {
      put4(r, c00, acc, bias, epi); put4(r + 16, c01, acc, bias + 16, epi); r += ld
      put4(r, c10, acc, bias, epi); put4(r + 16, c11, acc, bias + 16, epi); r += ld
      put4(r, c20, acc, bias, epi); put4(r + 16, c21, acc, bias + 16, epi); r += ld
      put4(r, c30, acc, bias, epi); put4(r + 16, c31, acc, bias + 16, epi)
    } else if (acc) {
      v128.store(r, f32x4.add(v128.load(r), c00)); v128.store(r, f32x4.add(v128.load(r, 16), c01), 16); r += ld
      v128.store(r, f32x4.add(v128.load(r), c10)); v128.store(r, f32x4.add(v128.load(r, 16), c11), 16); r += ld
      v128.store(r, f32x4.add(v128.load(r), c20)); v128.store(r, f32x4.add(v128.load(r, 16), c21), 16); r += ld
      v128.store(r, f32x4.add(v128.load(r), c30)); v128.store(r, f32x4.add(v128.load(r, 16), c31), 16)
    } else {
      v128.store(r, c00); v128.store(r, c01, 16); r += ld
      v128.store(r, c10); v128.store(r, c11, 16); r += ld
      v128.store(r, c20); v128.store(r, c21, 16); r += ld
      v128.store(r, c30); v128.store(r, c31, 16)
    }
    return
  }
  v128.store(tmp, c00); v128.store(tmp, c01, 16)
  v128.store(tmp, c10, 32); v128.store(tmp, c11, 48)
  v128.store(tmp, c20, 64); v128.store(tmp, c21, 80)
  v128.store(tmp, c30, 96); v128.store(tmp, c31, 112)
  for (let i = 0; i < rows; i++) {
    const row = c + <usize>i * ld
    const t = tmp + (<usize>(i * NR) << 2)
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2
      put1(row + o, load<f32>(t + o), acc, bias + o, epi)
    }
  }
}

/**
 * Fewer rows than a register tile, B stored row by row (bcs = 1): no packing (each B element is
 * used at most three times). Each row of C is built in registers, 32 columns at a time (8
 * accumulators; then 8, 4 and single columns), over one KC block of p, reading B's rows in
 * place: per element the same float32 operations as the tiled path (per KC block a sum from 0
 * over p in order, then stored or added to C), and the epilogue after the last block.
 */
function fewRows(n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, c: usize, ldc: i32, accumulate: i32, i0: i32, i1: i32, bias: usize, epi: i32): void {
  const bstep = <usize>brs << 2
  const astep = <usize>acs << 2
  for (let i = i0; i < i1; i++) {
    const crow = c + (<usize>(i * ldc) << 2)
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc)
      const acc = accumulate != 0 || pc > 0
      const e = pc + kc >= k ? epi : 0
      const a0 = a + (<usize>(i * ars + pc * acs) << 2)
      const b0 = b + (<usize>(pc * brs) << 2)
      let j = 0
      for (; j + 32 <= n; j += 32) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0)
        let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0)
        let ap = a0
        let bp = b0 + (<usize>j << 2)
        for (let p = 0; p < kc; p++) {
          const x = v128.load32_splat(ap)
          s0 = madd(x, v128.load(bp), s0)
          s1 = madd(x, v128.load(bp, 16), s1)
          s2 = madd(x, v128.load(bp, 32), s2)
          s3 = madd(x, v128.load(bp, 48), s3)
          s4 = madd(x, v128.load(bp, 64), s4)
          s5 = madd(x, v128.load(bp, 80), s5)
          s6 = madd(x, v128.load(bp, 96), s6)
          s7 = madd(x, v128.load(bp, 112), s7)
          ap += astep
          bp += bstep
        }
        const dst = crow + (<usize>j << 2)
        const bj = bias + (<usize>j << 2)
        put4(dst, s0, acc, bj, e); put4(dst + 16, s1, acc, bj + 16, e)
        put4(dst + 32, s2, acc, bj + 32, e); put4(dst + 48, s3, acc, bj + 48, e)
        put4(dst + 64, s4, acc, bj + 64, e); put4(dst + 80, s5, acc, bj + 80, e)
        put4(dst + 96, s6, acc, bj + 96, e); put4(dst + 112, s7, acc, bj + 112, e)
      }
      for (; j + 8 <= n; j += 8) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0)
        let ap = a0
        let bp = b0 + (<usize>j << 2)
        for (let p = 0; p < kc; p++) {
          const x = v128.load32_splat(ap)
          s0 = madd(x, v128.load(bp), s0)
          s1 = madd(x, v128.load(bp, 16), s1)
          ap += astep
          bp += bstep
        }
        const dst = crow + (<usize>j << 2)
        const bj = bias + (<usize>j << 2)
        put4(dst, s0, acc, bj, e); put4(dst + 16, s1, acc, bj + 16, e)
      }
      for (; j + 4 <= n; j += 4) {
        let s0 = f32x4.splat(0)
        let ap = a0
        let bp = b0 + (<usize>j << 2)
        for (let p = 0; p < kc; p++) {
          s0 = madd(v128.load32_splat(ap), v128.load(bp), s0)
          ap += astep
          bp += bstep
        }
        put4(crow + (<usize>j << 2), s0, acc, bias + (<usize>j << 2), e)
      }
      for (; j < n; j++) {
        let s0: f32 = 0
        let ap = a0
        let bp = b0 + (<usize>j << 2)
        for (let p = 0; p < kc; p++) {
          s0 = madd1(load<f32>(ap), load<f32>(bp), s0)
          ap += astep
          bp += bstep
        }
        put1(crow + (<usize>j << 2), s0, acc, bias + (<usize>j << 2), e)
      }
    }
  }
}

/**
 * C[i0 .. i1, 0 .. n] (row stride ldc) = Σ_p A(i, p)·B(p, j), added to C when `accumulate`,
 * then the epilogue `epi` (flags EPI_BIAS, EPI_RELU; 0: none) with bias[j] at `bias` (n floats),
 * applied to each tile as its last KC block is stored. `scratch` must hold
 * gemmScratchBytes(n, k) bytes and be used by no other thread.
 */
export function gemm(
  n: i32, k: i32,
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32,
  accumulate: i32, i0: i32, i1: i32, scratch: usize,
  bias: usize, epi: i32,
): void {
  if (i1 <= i0 || n <= 0) return
  if (k <= 0) {
    if (accumulate == 0) {
      for (let i = i0; i < i1; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>n << 2)
    }
    gemmEpilogue(c + (<usize>(i0 * ldc) << 2), i1 - i0, n, ldc, bias, epi)
    return
  }
  const kcMax = min(k, KC)
  const pa = (scratch + 15) & ~15
  const pb = pa + (<usize>(MC * kcMax) << 2)
  if (i1 - i0 < MR && bcs == 1) {
    fewRows(n, k, a, ars, acs, b, brs, c, ldc, accumulate, i0, i1, bias, epi)
    return
  }
  const ncMax = (min(n, NC) + NR - 1) / NR * NR
  const tmp = pb + (<usize>(kcMax * ncMax) << 2)
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc)
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc)
      packB(b, brs, bcs, pc, kc, jc, nc, n, pb)
      const acc = accumulate != 0 || pc > 0
      const e = pc + kc >= k ? epi : 0
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic)
        packA(a, ars, acs, ic, mc, i1, pc, kc, pa)
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr)
          const bp = pb + (<usize>(jr * kc) << 2)
          const bj = bias + (<usize>(jc + jr) << 2)
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir)
            micro(pa + (<usize>(ir * kc) << 2), bp, kc, c + (<usize>((ic + ir) * ldc + jc + jr) << 2), ldc, rows, cols, acc, tmp, bj, e)
          }
        }
      }
    }
  }
}

/** Bytes of per-thread scratch `gemmPacked` needs (one packed A block and one edge tile). */
export function gemmPackedScratchBytes(k: i32): i32 {
  return (MC * min(k, KC) + MR * NR) * 4 + 64
}

/** Floats `packBFull` writes: k × n rounded up to whole panels. */
export function packedBFloats(n: i32, k: i32): i32 {
  return k * ((n + NR - 1) / NR * NR)
}

/**
 * Packs all of B: block (jc, pc) (NC columns × KC rows) at float offset jc·k + pc·ncb, where ncb
 * is the block's width rounded up to NR, in the panel layout of `packB`.
 */
export function packBFull(b: usize, brs: i32, bcs: i32, n: i32, k: i32, dst: usize): void {
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc)
    const ncb = (nc + NR - 1) / NR * NR
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc)
      packB(b, brs, bcs, pc, kc, jc, nc, n, dst + (<usize>(jc * k + pc * ncb) << 2))
    }
  }
}

/**
 * C[i0 .. i1, j0 .. j1] = Σ_p A(i, p)·B(p, j) (+ C when `accumulate`), with B packed by
 * `packBFull` (n, k: B's full sizes) and j0 a multiple of NR. The same float32 operations per
 * element as `gemm`, so any split of rows and columns gives the bits of one call.
 */
export function gemmPacked(
  k: i32, a: usize, ars: i32, acs: i32, pb: usize, n: i32,
  c: usize, ldc: i32, accumulate: i32,
  i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize,
): void {
  if (i1 <= i0 || j1 <= j0) return
  if (k <= 0) {
    if (accumulate == 0) {
      for (let i = i0; i < i1; i++) memory.fill(c + (<usize>(i * ldc + j0) << 2), 0, <usize>(j1 - j0) << 2)
    }
    return
  }
  const pa = (scratch + 15) & ~15
  const tmp = pa + (<usize>(MC * min(k, KC)) << 2)
  for (let jc = j0 - j0 % NC; jc < j1; jc += NC) {
    const ncb = (min(NC, n - jc) + NR - 1) / NR * NR
    const jr0 = max(j0, jc) - jc
    const jr1 = min(j1, min(n, jc + NC)) - jc
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc)
      const block = pb + (<usize>(jc * k + pc * ncb) << 2)
      const acc = accumulate != 0 || pc > 0
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic)
        packA(a, ars, acs, ic, mc, i1, pc, kc, pa)
        for (let jr = jr0; jr < jr1; jr += NR) {
          const cols = min(NR, jr1 - jr)
          const bp = block + (<usize>(jr * kc) << 2)
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir)
            micro(pa + (<usize>(ir * kc) << 2), bp, kc, c + (<usize>((ic + ir) * ldc + jc + jr) << 2), ldc, rows, cols, acc, tmp)
          }
        }
      }
    }
  }
}
