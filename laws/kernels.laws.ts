// The WebAssembly kernels against the TypeScript reference kernels: every method the wasm
// kernels implement, on random inputs and on exhaustive sweeps of the sizes around their tile
// and block edges (4×8 register tiles, MC = 128 rows, KC = 256 (512 in the convolutions), NC = 2048); the elementwise and
// reduction laws run over every op of the op-code maps generated from assembly/.
import { fc, test } from '@fast-check/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Tensor as T } from '../src/index.js'
import type { BinaryOp, Conv2dSpec, Kernels, MatmulSpec, Pool2dSpec, ReduceOp, Strided, UnaryOp } from '../src/kernels/Kernels.js'
import { jsKernels } from '../src/kernels/js/index.js'
import { useKernels } from '../src/kernels/registry.js'
import { type SimdBuild, bestBuild, createEngine, relaxedSupported } from '../src/kernels/wasm/engine.js'
import { planConv, singleThread } from '../src/kernels/wasm/gemm.js'
import { binaryCodes, reduceCodes, unaryCodes } from '../src/kernels/wasm/generated/opcodes.js'
import { createWasmKernels, useJsKernels, useWasmKernels, wasmThreadStats } from '../src/kernels/wasm/index.js'
import { makeWasmKernels } from '../src/kernels/wasm/kernels.js'
import { kernels } from '../src/kernels/registry.js'
import { binaryEval } from '../src/prims/eval/binary.js'
import { unaryEval } from '../src/prims/eval/unary.js'
import type { Equiv } from './Equiv.js'
import {
  type FallbackCalls, type Out, SPECIALS, binaryAgrees, broadcastOperand, convAgrees, convInOrder, convSizes, countingReference, floats, matmulAgrees,
  matmulSame, reduceAgrees, sameBits, unaryAgrees, underBoth, withinTol,
} from './kernels.js'

/**
 * The builds this runtime has: SIMD128 always, and relaxed SIMD (fused multiply-add) where it is
 * supported. Node 20 has relaxed SIMD only behind a flag: test/kernels/relaxed.test.ts runs the
 * relaxed-simd laws below in child processes started with --experimental-wasm-relaxed-simd.
 */
const BUILDS: ReadonlyArray<SimdBuild> = relaxedSupported() ? ['simd128', 'relaxed-simd'] : ['simd128']

for (const build of BUILDS) {
  describe(`the ${build} build`, () => {
    const wasm: Kernels = createWasmKernels(build)!

    const spec = (m: number, n: number, k: number, transA: boolean, transB: boolean, batch = 1, aShared = false, bShared = false): MatmulSpec => ({
      batch, m, n, k, transA, transB, aBatchStride: aShared ? 0 : m * k, bBatchStride: bShared ? 0 : k * n,
    })

    const operands = (seed: number, s: MatmulSpec): [Float32Array, Float32Array] => [
      floats(seed, (s.aBatchStride === 0 ? 1 : s.batch) * s.m * s.k),
      floats(seed + 1, (s.bBatchStride === 0 ? 1 : s.batch) * s.k * s.n),
    ]

    const TRANSPOSES = [[false, false], [false, true], [true, false], [true, true]] as const

    describe('wasm matmul agrees with the reference within (k + 2)·2⁻²⁴·Σ|aᵢbᵢ|', () => {
      it('is available here (WebAssembly SIMD)', () => {
        expect(wasm.name).toBe(build === 'relaxed-simd' ? 'wasm-relaxed-simd' : 'wasm-simd')
      })

      it('for every m ≤ 9, n ≤ 17, k ≤ 9 and transpose combination (exhaustive)', () => {
        const bad: string[] = []
        for (let m = 1; m <= 9; m++)
          for (let n = 1; n <= 17; n++)
            for (let k = 0; k <= 9; k++)
              for (const [ta, tb] of TRANSPOSES) {
                const s = spec(m, n, k, ta, tb)
                const [a, b] = operands(m * 1000 + n * 10 + k, s)
                const e = matmulAgrees(wasm, a, b, s)
                if (!withinTol(e.lhs, e.rhs)) bad.push(`${m}×${n}×${k} ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`)
              }
        expect(bad).toEqual([])
      })

      it('around the block edges: rows MC ± 1, contraction KC ± 1 and 2·KC ± 1, columns NC ± 1', () => {
        const cases: Array<[number, number, number]> = [
          [127, 9, 5], [128, 9, 5], [129, 9, 5], [257, 3, 2],
          [5, 9, 255], [5, 9, 256], [5, 9, 257], [6, 10, 511], [6, 10, 513],
          [3, 2047, 3], [3, 2048, 3], [5, 2049, 4], [2, 4100, 2],
          [133, 70, 300],
        ]
        const bad: string[] = []
        for (const [m, n, k] of cases)
          for (const [ta, tb] of TRANSPOSES) {
            const s = spec(m, n, k, ta, tb)
            const [a, b] = operands(m + n + k, s)
            const e = matmulAgrees(wasm, a, b, s)
            if (!withinTol(e.lhs, e.rhs)) bad.push(`${m}×${n}×${k} ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`)
          }
        expect(bad).toEqual([])
      })

      const matmulCase = fc.record({
        m: fc.integer({ min: 1, max: 70 }),
        n: fc.integer({ min: 1, max: 70 }),
        k: fc.integer({ min: 0, max: 70 }),
        transA: fc.boolean(),
        transB: fc.boolean(),
        batch: fc.integer({ min: 1, max: 3 }),
        aShared: fc.boolean(),
        bShared: fc.boolean(),
        seed: fc.integer(),
      })

      test.prop([matmulCase])('for random sizes, transposes and batches (shared operands included)', (c) => {
        const s = spec(c.m, c.n, c.k, c.transA, c.transB, c.batch, c.aShared, c.bShared)
        const [a, b] = operands(c.seed, s)
        expect(matmulAgrees(wasm, a, b, s)).toHold(withinTol)
      })

      test.prop([matmulCase, fc.boolean(), fc.integer({ min: 0, max: 3 })])(
        'matmulEpilogue has the bits of matmul, then the add kernel (a bias per column), then relu (NaN, ±∞, ±0 included), across KC blocks and edge tiles',
        (c, relu, kBlocks) => {
          // a contraction over several KC = 256 blocks now and then: the epilogue follows the last one
          const s = spec(c.m, c.n, c.k + 256 * kBlocks, c.transA, c.transB, c.batch, c.aShared, c.bShared)
          const a = floats(c.seed, (s.aBatchStride === 0 ? 1 : s.batch) * s.m * s.k, { specials: 0.02 })
          const b = floats(c.seed + 1, (s.bBatchStride === 0 ? 1 : s.batch) * s.k * s.n)
          const bias = floats(c.seed + 2, s.n, { specials: 0.3 })
          const got = new Float32Array(s.batch * s.m * s.n)
          wasm.matmulEpilogue!(a, b, got, s, { bias, act: relu ? 'relu' : undefined })
          const product = new Float32Array(got.length)
          wasm.matmul(a, b, product, s)
          const sum = new Float32Array(got.length)
          wasm.binary('add', { data: product, offset: 0, strides: [s.n, 1] }, { data: bias, offset: 0, strides: [0, 1] }, [s.batch * s.m, s.n], sum)
          const want = relu ? new Float32Array(got.length) : sum
          if (relu) wasm.unary('relu', sum, want)
          expect(Array.from(got).every((v, i) => Object.is(v, want[i]))).toBe(true)
        },
      )

      it(build === 'relaxed-simd' ? 'rounds each multiply-add once (fused), in the tiled, few-row and convolution paths' : 'rounds each product and each sum (no fused multiply-add)', () => {
        // −1 + (1 + 2⁻¹²)²  =  2⁻¹¹ + 2⁻²⁴ exactly; rounding the product first loses the 2⁻²⁴
        const e = 1 + 2 ** -12
        const want = build === 'relaxed-simd' ? 2 ** -11 + 2 ** -24 : 2 ** -11
        for (const m of [1, 3, 4, 9]) {
          const a = Float32Array.from({ length: m * 2 }, (_, i) => (i % 2 === 0 ? -1 : e))
          const b = Float32Array.from({ length: 2 * 8 }, (_, i) => (i < 8 ? 1 : e))
          const got = new Float32Array(m * 8)
          wasm.matmul(a, b, got, spec(m, 8, 2, false, false))
          expect(Array.from(got)).toEqual(new Array<number>(m * 8).fill(want))
        }
        const conv: Conv2dSpec = { batch: 1, inH: 2, inW: 2, inC: 2, outH: 2, outW: 2, outC: 8, kH: 1, kW: 1, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0 }
        const y = new Float32Array(32)
        wasm.conv2d(Float32Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? -1 : e)), Float32Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : e)), y, conv)
        expect(Array.from(y)).toEqual(new Array<number>(32).fill(want))
      })

      it('propagates NaN and infinities like the reference', () => {
        const s = spec(5, 9, 7, false, false)
        const a = floats(1, 35)
        const b = floats(2, 63)
        a[3] = NaN
        b[10] = Infinity
        const got = new Float32Array(45)
        const want = new Float32Array(45)
        wasm.matmul(a, b, got, s)
        jsKernels.matmul(a, b, want, s)
        const kind = (v: number): string => (Number.isNaN(v) ? 'NaN' : Number.isFinite(v) ? 'finite' : String(v))
        expect(Array.from(got, kind)).toEqual(Array.from(want, kind))
        expect(Array.from(got, kind)).toContain('NaN')
      })

      it('leaves float64 to the reference kernels (identical bits)', () => {
        const s = spec(6, 7, 8, true, false)
        const a = Float64Array.from(floats(3, 48))
        const b = Float64Array.from(floats(4, 56))
        const got = new Float64Array(42)
        const want = new Float64Array(42)
        wasm.matmul(a, b, got, s)
        jsKernels.matmul(a, b, want, s)
        expect(sameBits({ values: got }, { values: want })).toBe(true)
      })
    })

    // ---- elementwise and reductions: every op of the generated op-code maps ------------------------

    /** Where an op runs on float32 under the wasm kernels. */
    type Where = 'wasm' | 'js'

    /**
     * The expected home of every elementwise and reduction op: 'wasm' for an op with a wasm kernel
     * (a member of the op-code enums of assembly/, hence a code in the maps that wasm/build.mjs
     * generates), 'js' for one that stays on the TypeScript kernels. Giving an op a wasm kernel
     * means changing its entry here; losing one fails the first tests below.
     */
    const expected: {
      readonly unary: { readonly [P in UnaryOp]: Where }
      readonly binary: { readonly [P in BinaryOp]: Where }
      readonly reduce: { readonly [P in ReduceOp]: Where }
    } = {
      unary: {
        neg: 'wasm', abs: 'wasm', sign: 'wasm', exp: 'wasm', expm1: 'js', log: 'js', log1p: 'js', sqrt: 'wasm', rsqrt: 'wasm',
        square: 'wasm', reciprocal: 'wasm', sin: 'js', cos: 'js', tanh: 'js', sigmoid: 'wasm', relu: 'wasm', softplus: 'js',
        erf: 'wasm', floor: 'wasm', ceil: 'wasm', round: 'js', isFinite: 'wasm', isNaN: 'wasm',
      },
      binary: {
        add: 'wasm', sub: 'wasm', mul: 'wasm', div: 'wasm', pow: 'js', maximum: 'wasm', minimum: 'wasm', atan2: 'js',
        equal: 'wasm', notEqual: 'wasm', less: 'wasm', lessEqual: 'wasm', greater: 'wasm', greaterEqual: 'wasm',
      },
      reduce: { sum: 'wasm', mean: 'wasm', max: 'wasm', min: 'wasm' },
    }

    const tensorOf = (shape: ReadonlyArray<number>, seed: number, specials = 0.1): T.Tensor =>
      T.fromArray(floats(seed, shape.reduce((p, d) => p * d, 1), { scale: 4, specials }), shape)

    const asOut = (t: T.Tensor): Out => ({ values: T.toTypedArray(t) })

    const codes = { unary: unaryCodes, binary: binaryCodes, reduce: reduceCodes } as const

    /** The wasm kernels over a reference that counts what falls back to it. */
    const counted = countingReference()
    const engine = createEngine(false, build)
    const spied = makeWasmKernels(engine, singleThread(engine), counted.kernels)

    /** Runs `f` and says how many calls of `kernel` it passed to the fallback. */
    const fallbacksOf = <A>(kernel: keyof FallbackCalls, f: () => A): [A, number] => {
      const before = counted.calls[kernel]
      const out = f()
      return [out, counted.calls[kernel] - before]
    }

    describe('the wasm op codes (generated from the enums of assembly/)', () => {
      for (const family of ['unary', 'binary', 'reduce'] as const) {
        it(`give a wasm kernel to exactly the ${family} ops expected to have one`, () => {
          const wasmOps = Object.entries(expected[family]).filter(([, where]) => where === 'wasm').map(([op]) => op)
          expect(Object.keys(codes[family]).sort()).toEqual(wasmOps.sort())
        })
      }

      it('are checked against the whole primitive set (no elementwise op is left unlisted above)', () => {
        expect(Object.keys(expected.unary).sort()).toEqual(Object.keys(unaryEval).sort())
        expect(Object.keys(expected.binary).sort()).toEqual(Object.keys(binaryEval).filter((op) => op !== 'where').sort())
      })
    })

    /** Unary ops whose wasm kernel is within one float32 ulp of the reference rather than bit-identical (see src/kernels/wasm/kernels.ts). */
    const WITHIN_ONE_ULP: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['exp', 'sigmoid', 'erf'])

    /** ulp-sized tolerance: |x − y| ≤ 2⁻²³·|y| (plus the smallest subnormal), NaN and infinities equal. */
    const oneUlp = (o: Out): Out => ({ values: o.values, tol: Float64Array.from(o.values, (v) => 2 ** -23 * Math.abs(v) + 1.5e-45) })

    const unaryHolds = (op: UnaryOp, e: Equiv<Out>): boolean => (WITHIN_ONE_ULP.has(op) ? withinTol(e.lhs, oneUlp(e.rhs)) : sameBits(e.lhs, e.rhs))

    describe('every wasm unary kernel agrees with the reference (bits, or one ulp for exp, sigmoid and erf)', () => {
      for (const op of Object.keys(unaryCodes) as UnaryOp[]) {
        const scale = op === 'erf' ? 5 : WITHIN_ONE_ULP.has(op) ? 110 : 4
        test.prop([fc.integer({ min: 128, max: 700 }), fc.integer()])(`${op}, in wasm, for any length ≥ 128 (with NaN, ±∞, ±0, subnormals)`, (n, seed) => {
          const [e, fallbacks] = fallbacksOf('unary', () => unaryAgrees(spied, op, floats(seed, n, { scale, specials: 0.2 })))
          expect(fallbacks).toBe(0)
          expect(unaryHolds(op, e)).toBe(true)
        })
      }

      it('on every special value', () => {
        const x = Float32Array.from({ length: 6 * SPECIALS.length }, (_, i) => SPECIALS[i % SPECIALS.length]!)
        const bad = (Object.keys(unaryCodes) as UnaryOp[]).filter((op) => !unaryHolds(op, unaryAgrees(spied, op, x)))
        expect(bad).toEqual([])
      })

      it('exp over a dense grid of (−104, 89) in float32 (through the Tensor API)', () => {
        const n = 100_000
        const x = T.fromArray(Float32Array.from({ length: n }, (_, i) => -104 + (193 * i) / n), [n])
        const e = underBoth(useKernels, wasm, () => asOut(T.exp(x)))
        expect(withinTol(e.lhs, oneUlp(e.rhs))).toBe(true)
      })
    })

    /** A shape and a broadcastable partner: each axis kept or set to 1, leading axes maybe dropped. */
    const broadcastShapes = fc
      .tuple(
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 0, maxLength: 4 }),
        fc.array(fc.constantFrom('keep', 'one'), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
      )
      .map(([s, mask, drop, swap]) => {
        const other = s.map((d, i) => (mask[i] === 'one' ? 1 : d)).slice(Math.min(drop, s.length))
        return { out: s, operands: swap ? ([other, s] as const) : ([s, other] as const) }
      })

    const sizeOf = (shape: ReadonlyArray<number>): number => shape.reduce((p, d) => p * d, 1)

    /** A float32 operand of `shape` broadcast to `out`, stored `offset` elements into its buffer. */
    const operand = (shape: ReadonlyArray<number>, out: ReadonlyArray<number>, seed: number, offset: number): Strided =>
      broadcastOperand(floats(seed, offset + sizeOf(shape), { scale: 4, specials: 0.1 }), shape, out, offset)

    /** The four operand patterns of a rows × len output the wasm binary kernel serves. */
    const PATTERNS = ['full', 'row', 'column', 'scalar'] as const
    const patternShape = (p: (typeof PATTERNS)[number], rows: number, len: number): number[] =>
      p === 'full' ? [rows, len] : p === 'row' ? [len] : p === 'column' ? [rows, 1] : []

    describe('every wasm binary kernel gives the reference bits', () => {
      for (const op of Object.keys(binaryCodes) as BinaryOp[]) {
        test.prop([broadcastShapes, fc.integer(), fc.nat(3)])(`${op}, for full, scalar, row-vector, column-vector and mixed broadcasts (with NaN, ±∞, ±0, subnormals)`, ({ out, operands: [sa, sb] }, seed, offset) => {
          expect(binaryAgrees(spied, op, operand(sa, out, seed, offset), operand(sb, out, seed + 7, 3 - offset), out)).toHold(sameBits)
        })

        test.prop([fc.constantFrom(...PATTERNS), fc.constantFrom(...PATTERNS), fc.integer({ min: 8, max: 40 }), fc.integer({ min: 16, max: 40 }), fc.integer()], { numRuns: 40 })(
          `${op}, in wasm, for each pair of full, row, column and scalar operands`,
          (pa, pb, rows, len, seed) => {
            const out = [rows, len]
            const [e, fallbacks] = fallbacksOf('binary', () =>
              binaryAgrees(spied, op, operand(patternShape(pa, rows, len), out, seed, 1), operand(patternShape(pb, rows, len), out, seed + 1, 0), out),
            )
            expect(fallbacks).toBe(0)
            expect(e).toHold(sameBits)
          },
        )
      }

      test.prop([fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 3 }), fc.integer()])('on transposed (strided) operands too (through the Tensor API)', (s, seed) => {
        const a = T.transpose(tensorOf(s, seed))
        const b = tensorOf([...s].reverse(), seed + 1)
        expect(underBoth(useKernels, wasm, () => asOut(T.add(T.mul(a, b), a)))).toHold(sameBits)
      })
    })

    describe('every wasm reduction agrees with the reference (max and min: bits; sum and mean: within 2⁻²³·|ref| + 2⁻⁵⁰·Σ|x|/count)', () => {
      const reduceCase = fc
        .tuple(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 4 }), fc.integer(), fc.integer(), fc.integer())
        .map(([shape, a, b, seed]) => {
          const r = shape.length
          const lo = Math.abs(a) % r
          const hi = lo + (Math.abs(b) % (r - lo))
          return { shape, axes: Array.from({ length: hi - lo + 1 }, (_, i) => lo + i), seed }
        })

      /** Sums: within the bound, and the same bits when trailing axes are kept (the same order of additions). */
      const holds = (op: ReduceOp, e: Equiv<Out>, shape: ReadonlyArray<number>, axes: ReadonlyArray<number>): boolean =>
        op === 'max' || op === 'min' ? sameBits(e.lhs, e.rhs) : withinTol(e.lhs, e.rhs) && (axes[axes.length - 1] === shape.length - 1 || sameBits(e.lhs, e.rhs))

      for (const op of Object.keys(reduceCodes) as ReduceOp[]) {
        const specials = op === 'max' || op === 'min' ? 0.1 : 0
        test.prop([reduceCase])(`${op} over any block of axes`, ({ shape, axes, seed }) => {
          const x = floats(seed, sizeOf(shape), { scale: 4, specials })
          expect(holds(op, reduceAgrees(spied, op, x, shape, axes), shape, axes)).toBe(true)
        })

        test.prop([fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 2, max: 9 }), fc.integer()], { numRuns: 40 })(
          `${op}, in wasm, over the middle axis of outer × mid × inner (inner ≥ 2, at least 128 elements)`,
          (outer, m, inner, seed) => {
            const mid = Math.max(m, Math.ceil(128 / (outer * inner)))
            const shape = [outer, mid, inner]
            const x = floats(seed, sizeOf(shape), { scale: 4, specials })
            const [e, fallbacks] = fallbacksOf('reduce', () => reduceAgrees(spied, op, x, shape, [1]))
            expect(fallbacks).toBe(0)
            expect(holds(op, e, shape, [1])).toBe(true)
          },
        )
      }
    })

    // ---- convolutions ------------------------------------------------------------------------------

    const convCase = fc
      .record({
        batch: fc.integer({ min: 1, max: 2 }),
        inH: fc.integer({ min: 1, max: 7 }),
        inW: fc.integer({ min: 1, max: 7 }),
        inC: fc.integer({ min: 1, max: 6 }),
        outC: fc.integer({ min: 1, max: 10 }),
        kH: fc.integer({ min: 1, max: 3 }),
        kW: fc.integer({ min: 1, max: 3 }),
        strideH: fc.integer({ min: 1, max: 2 }),
        strideW: fc.integer({ min: 1, max: 2 }),
        dilationH: fc.integer({ min: 1, max: 2 }),
        dilationW: fc.integer({ min: 1, max: 2 }),
        padTop: fc.integer({ min: 0, max: 2 }),
        padLeft: fc.integer({ min: 0, max: 2 }),
        seed: fc.integer(),
      })
      .map(({ seed, ...s }) => {
        const outH = Math.floor((s.inH + 2 * s.padTop - s.dilationH * (s.kH - 1) - 1) / s.strideH) + 1
        const outW = Math.floor((s.inW + 2 * s.padLeft - s.dilationW * (s.kW - 1) - 1) / s.strideW) + 1
        return { spec: { ...s, outH, outW } as Conv2dSpec, seed }
      })
      .filter(({ spec: s }) => s.outH > 0 && s.outW > 0)

    const convInputs = (s: Conv2dSpec, seed: number): [Float32Array, Float32Array, Float32Array] => {
      const n = convSizes(s)
      return [floats(seed, n.x), floats(seed + 1, n.w), floats(seed + 2, n.y)]
    }

    describe('wasm convolutions agree with the reference within (terms + 2)·2⁻²⁴·Σ|terms|', () => {
      for (const which of ['forward', 'input', 'filter'] as const) {
        test.prop([convCase])(`${which === 'forward' ? 'conv2d' : which === 'input' ? 'conv2dBackInput' : 'conv2dBackFilter'}, for random geometry (strides, dilations, padding)`, ({ spec: s, seed }) => {
          const [x, w, dy] = convInputs(s, seed)
          expect(convAgrees(wasm, which, x, w, dy, s)).toHold(withinTol)
        })
      }

      test.prop([
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          inH: fc.integer({ min: 1, max: 12 }),
          inW: fc.integer({ min: 1, max: 12 }),
          outC: fc.integer({ min: 1, max: 6 }).map((q) => 4 * q),
          kH: fc.integer({ min: 1, max: 5 }),
          kW: fc.integer({ min: 1, max: 5 }),
          strideH: fc.integer({ min: 1, max: 3 }),
          strideW: fc.integer({ min: 1, max: 3 }),
          dilationH: fc.integer({ min: 1, max: 2 }),
          dilationW: fc.integer({ min: 1, max: 2 }),
          padTop: fc.integer({ min: 0, max: 3 }),
          padLeft: fc.integer({ min: 0, max: 3 }),
          seed: fc.integer(),
        })
          .map(({ seed, ...s }) => ({
            spec: {
              ...s, inC: 1,
              outH: Math.floor((s.inH + 2 * s.padTop - s.dilationH * (s.kH - 1) - 1) / s.strideH) + 1,
              outW: Math.floor((s.inW + 2 * s.padLeft - s.dilationW * (s.kW - 1) - 1) / s.strideW) + 1,
            } as Conv2dSpec,
            seed,
          }))
          .filter(({ spec: s }) => s.outH > 0 && s.outW > 0),
      ])('conv2d and conv2dBackFilter with one input channel and outC a multiple of 4 (sums in registers over a zero-bordered copy of each image)', ({ spec: s, seed }) => {
        const [x, w, dy] = convInputs(s, seed)
        expect(convAgrees(wasm, 'forward', x, w, dy, s)).toHold(withinTol)
        expect(convAgrees(wasm, 'filter', x, w, dy, s)).toHold(withinTol)
        // conv2d sums each output over its taps in order, each product and sum rounded to float32, as conv2dGemm does (the relaxed-SIMD build fuses them)
        if (build !== 'simd128') return
        const got = new Float32Array(convSizes(s).y)
        wasm.conv2d(x, w, got, s)
        const want = convInOrder(x, w, s)
        expect(sameBits({ values: got }, { values: want })).toBe(true)
      })

      it('1×1 filters (the direct path without im2col) and a large 3×3 filter (K > KC; many im2col chunks in the gradients)', () => {
        const pointwise: Conv2dSpec = { batch: 2, inH: 5, inW: 6, inC: 7, outH: 5, outW: 6, outC: 9, kH: 1, kW: 1, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0 }
        // 2·34·34 output pixels × 3·3·64 columns = 1.33 M floats: many im2col chunks (of 2¹⁶ floats)
        const chunked: Conv2dSpec = { batch: 2, inH: 34, inW: 34, inC: 64, outH: 34, outW: 34, outC: 3, kH: 3, kW: 3, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 1, padLeft: 1 }
        for (const s of [pointwise, chunked]) {
          const [x, w, dy] = convInputs(s, 11)
          for (const which of ['forward', 'input', 'filter'] as const) expect(convAgrees(wasm, which, x, w, dy, s)).toHold(withinTol)
        }
      })
    })

    const poolCase = fc
      .record({
        batch: fc.integer({ min: 1, max: 3 }),
        inH: fc.integer({ min: 1, max: 9 }),
        inW: fc.integer({ min: 1, max: 9 }),
        channels: fc.integer({ min: 1, max: 19 }),
        kH: fc.integer({ min: 1, max: 3 }),
        kW: fc.integer({ min: 1, max: 3 }),
        strideH: fc.integer({ min: 1, max: 3 }),
        strideW: fc.integer({ min: 1, max: 3 }),
        padTop: fc.integer({ min: 0, max: 3 }),
        padLeft: fc.integer({ min: 0, max: 3 }),
        seed: fc.integer(),
        ties: fc.boolean(),
        tile: fc.boolean(),
      })
      // half of the cases: windows that tile the input (strides = window, no padding, sizes a multiple of it)
      .map(({ tile, ...s }) => (tile ? { ...s, strideH: s.kH, strideW: s.kW, padTop: 0, padLeft: 0, inH: s.kH * Math.ceil(s.inH / s.kH), inW: s.kW * Math.ceil(s.inW / s.kW) } : s))
      .map(({ seed, ties, ...s }) => ({
        spec: { ...s, outH: Math.floor((s.inH + 2 * s.padTop - s.kH) / s.strideH) + 1, outW: Math.floor((s.inW + 2 * s.padLeft - s.kW) / s.strideW) + 1 } as Pool2dSpec,
        seed,
        ties,
      }))
      // at least 128 inputs, so the wasm kernels do not hand small pools to the reference
      .filter(({ spec: s }) => s.outH > 0 && s.outW > 0 && s.batch * s.inH * s.inW * s.channels >= 128)

    /** Random inputs with NaN, ±Infinity and ±0 among them; with `ties`, a few small integers, so that windows hold equal maxima. */
    const poolInput = (seed: number, n: number, ties: boolean): Float32Array => {
      const v = floats(seed, n, { specials: 0.1 })
      return ties ? v.map((a) => (a === a ? Math.round(a) : a)) : v
    }

    /** The wasm kernels over a reference that counts the pooling calls handed to it. */
    const poolFallbacks = { n: 0 }
    const poolEngine = createEngine(false, build)
    const poolSpied = makeWasmKernels(poolEngine, singleThread(poolEngine), {
      ...jsKernels,
      pool2d: (...a) => (poolFallbacks.n++, jsKernels.pool2d(...a)),
      pool2dBack: (...a) => (poolFallbacks.n++, jsKernels.pool2dBack(...a)),
      pool2dSelect: (...a) => (poolFallbacks.n++, jsKernels.pool2dSelect(...a)),
    })

    test.prop([poolCase])('wasm max pooling, its gradient and its selection give the bits of the reference (ties, NaN, ±0, padding, overlapping and tiling windows)', ({ spec: s, seed, ties }) => {
      const nIn = s.batch * s.inH * s.inW * s.channels
      const nOut = s.batch * s.outH * s.outW * s.channels
      const x = poolInput(seed, nIn, ties)
      const dy = floats(seed + 1, nOut, { specials: 0.2 })
      const t = floats(seed + 2, nIn, { specials: 0.2 })
      const run = (k: Kernels): Float32Array[] => {
        const y = new Float32Array(nOut)
        const dx = new Float32Array(nIn)
        const sel = new Float32Array(nOut).fill(7)
        k.pool2d('max', x, y, s)
        k.pool2dBack('max', x, dy, dx, s)
        k.pool2dSelect(x, t, sel, s)
        return [y, dx, sel]
      }
      const got = run(poolSpied)
      const want = run(jsKernels)
      for (let i = 0; i < 3; i++) expect(sameBits({ values: got[i]! }, { values: want[i]! }), ['pool2d', 'pool2dBack', 'pool2dSelect'][i]).toBe(true)
      expect(poolFallbacks.n, 'max pooling calls handed to the reference').toBe(0)
    })

    /** The filter (kH × kW × inC × outC) flipped in space with its channel axes swapped (kH × kW × outC × inC). */
    const flipped = (w: Float32Array, s: Conv2dSpec): Float32Array => {
      const f = new Float32Array(w.length)
      for (let kh = 0; kh < s.kH; kh++)
        for (let kw = 0; kw < s.kW; kw++)
          for (let c = 0; c < s.inC; c++)
            for (let o = 0; o < s.outC; o++) f[(((s.kH - 1 - kh) * s.kW + (s.kW - 1 - kw)) * s.outC + o) * s.inC + c] = w[((kh * s.kW + kw) * s.inC + c) * s.outC + o]!
      return f
    }

    test.prop([convCase.map(({ spec: s, seed }) => ({ spec: { ...s, strideH: 1, strideW: 1, outH: s.inH + 2 * s.padTop - s.dilationH * (s.kH - 1), outW: s.inW + 2 * s.padLeft - s.dilationW * (s.kW - 1) }, seed })).filter(({ spec: s }) => s.outH > 0 && s.outW > 0)])(
      'conv2dBackInput with unit strides gives the bits of conv2d on dy with the filter flipped in space and its channel axes swapped (the transposed convolution)',
      ({ spec: s, seed }) => {
        const [, w, dy] = convInputs(s, seed)
        const t: Conv2dSpec = {
          ...s, inH: s.outH, inW: s.outW, inC: s.outC, outH: s.inH, outW: s.inW, outC: s.inC,
          padTop: (s.kH - 1) * s.dilationH - s.padTop, padLeft: (s.kW - 1) * s.dilationW - s.padLeft,
        }
        const dx = new Float32Array(convSizes(s).x)
        const y = new Float32Array(convSizes(s).x)
        wasm.conv2dBackInput(dy, w, dx, s)
        wasm.conv2d(dy, flipped(w, s), y, t)
        expect(sameBits({ values: dx }, { values: y })).toBe(true)
      },
    )

    if (build === 'simd128') {
      it('conv2d sums each output over its K = kH·kW·inC terms in order, in one block up to K = 512 (each product and sum rounded to float32)', () => {
        const geometry = (inH: number, inW: number, inC: number, outC: number, k: number, stride: number, dilation: number, pad: number): Conv2dSpec => {
          const out = (n: number): number => Math.floor((n + 2 * pad - dilation * (k - 1) - 1) / stride) + 1
          return { batch: 2, inH, inW, inC, outH: out(inH), outW: out(inW), outC, kH: k, kW: k, strideH: stride, strideW: stride, dilationH: dilation, dilationW: dilation, padTop: pad, padLeft: pad }
        }
        // K = 288 and 450 (more than gemm's KC = 256), and 512 exactly; outC 13: an edge column tile
        for (const s of [geometry(6, 9, 32, 13, 3, 1, 1, 1), geometry(9, 8, 50, 9, 3, 2, 2, 2), geometry(5, 5, 128, 8, 2, 1, 1, 0)]) {
          const [x, w] = convInputs(s, 3)
          const got = new Float32Array(convSizes(s).y)
          wasm.conv2d(x, w, got, s)
          const want = convInOrder(x, w, s)
          expect(sameBits({ values: got }, { values: want })).toBe(true)
        }
      })
    }

    // ---- threads -----------------------------------------------------------------------------------

    describe('wasm with a worker thread gives the same bits as one thread', () => {
      let threaded: Kernels
      beforeAll(async () => {
        const status = await useWasmKernels({ threads: 1, minParallelFlops: 0, adaptive: false, simd: build })
        expect(status).toEqual({ kernels: 'wasm', threads: 2, simd: build })
        threaded = kernels()
        useKernels(jsKernels)
      })
      afterAll(() => useJsKernels())

      it('for every m ≤ 9, n ≤ 17 and transpose combination (row and column splits)', () => {
        const bad: string[] = []
        for (let m = 1; m <= 9; m++)
          for (let n = 1; n <= 17; n++)
            for (const [ta, tb] of TRANSPOSES) {
              const s = spec(m, n, 5, ta, tb)
              const [a, b] = operands(m * 31 + n, s)
              const e = matmulSame(threaded, wasm, a, b, s)
              if (!sameBits(e.lhs, e.rhs)) bad.push(`${m}×${n}`)
            }
        expect(bad).toEqual([])
      })

      test.prop([fc.record({ m: fc.integer({ min: 1, max: 300 }), n: fc.integer({ min: 1, max: 300 }), k: fc.integer({ min: 0, max: 300 }), ta: fc.boolean(), tb: fc.boolean(), batch: fc.integer({ min: 1, max: 3 }), seed: fc.integer() })], { numRuns: 30 })(
        'for random sizes and batches (batch splits too)',
        (c) => {
          const s = spec(c.m, c.n, c.k, c.ta, c.tb, c.batch)
          const [a, b] = operands(c.seed, s)
          expect(matmulSame(threaded, wasm, a, b, s)).toHold(sameBits)
        },
      )

      it('with the worker taking part (it runs chunks of large products)', () => {
        const s = spec(256, 256, 256, false, true)
        const [a, b] = operands(5, s)
        const before = wasmThreadStats()!.workers
        // until the worker has taken a chunk (it always does once it gets a core; at most 10 s here)
        const t0 = Date.now()
        while (wasmThreadStats()!.workers === before && Date.now() - t0 < 10_000) {
          const e = matmulSame(threaded, wasm, a, b, s)
          expect(e).toHold(sameBits)
        }
        expect(wasmThreadStats()!.workers).toBeGreaterThan(before)
      })

      test.prop([convCase], { numRuns: 30 })('for the three convolution kernels', ({ spec: s, seed }) => {
        const [x, w, dy] = convInputs(s, seed)
        const n = convSizes(s)
        const run = (k: Kernels): Out[] => {
          const y = new Float32Array(n.y)
          const dx = new Float32Array(n.x)
          const dw = new Float32Array(n.w)
          k.conv2d(x, w, y, s)
          k.conv2dBackInput(dy, w, dx, s)
          k.conv2dBackFilter(x, dy, dw, s)
          return [{ values: y }, { values: dx }, { values: dw }]
        }
        const [p, q] = [run(threaded), run(wasm)]
        for (let i = 0; i < 3; i++) expect(sameBits(p[i]!, q[i]!)).toBe(true)
      })

      it('for conv2d on one thread and split by output pixels over two, and conv2dBackFilter on one thread (implicit product) and on two (im2col + split products), across KC blocks and edge tiles', () => {
        const geometry = (inH: number, inW: number, inC: number, outC: number, k: number, stride: number, dilation: number, pad: number): Conv2dSpec => {
          const out = (n: number): number => Math.floor((n + 2 * pad - dilation * (k - 1) - 1) / stride) + 1
          return { batch: 2, inH, inW, inC, outH: out(inH), outW: out(inW), outC, kH: k, kW: k, strideH: stride, strideW: stride, dilationH: dilation, dilationW: dilation, padTop: pad, padLeft: pad }
        }
        const specs = [
          // K = 9·29 = 261 and 9·40 = 360: a second KC block that starts inside a tap; outC 13: an edge column tile
          geometry(9, 7, 29, 13, 3, 1, 1, 1),
          geometry(11, 10, 40, 13, 3, 2, 2, 2),
          geometry(5, 5, 3, 17, 5, 1, 1, 2),
          // 800 output pixels: the filter gradient's contraction over pixels spans KC blocks; inC 5 and 7: panels across taps
          geometry(20, 20, 7, 13, 3, 1, 1, 1),
          geometry(20, 20, 5, 9, 3, 1, 2, 2),
          // one-thread conv2d takes its runs from the coordinates where MR pixels of a row see only
          // taps inside the image horizontally: with stride 2, and with 5×5 filters of dilation 2
          geometry(16, 19, 4, 8, 3, 2, 1, 1),
          geometry(13, 30, 3, 5, 5, 2, 2, 4),
        ]
        for (const s of specs) {
          const [x, w, dy] = convInputs(s, 7)
          const n = convSizes(s)
          const run = (k: Kernels): Out[] => {
            const y = new Float32Array(n.y)
            const dw = new Float32Array(n.w)
            k.conv2d(x, w, y, s)
            k.conv2dBackFilter(x, dy, dw, s)
            return [{ values: y }, { values: dw }]
          }
          const [p, q] = [run(threaded), run(wasm)]
          expect(sameBits(p[0]!, q[0]!)).toBe(true)
          expect(sameBits(p[1]!, q[1]!)).toBe(true)
          for (const which of ['forward', 'filter'] as const) expect(convAgrees(wasm, which, x, w, dy, s)).toHold(withinTol)
        }
      })

      it('conv2d is one job of output-pixel blocks (no column matrix), which the worker takes part in', () => {
        // 2·34·34 output pixels, K = 3·3·64: im2col + split products would post a job per im2col chunk of 2¹⁶ floats
        const s: Conv2dSpec = { batch: 2, inH: 34, inW: 34, inC: 64, outH: 34, outW: 34, outC: 3, kH: 3, kW: 3, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 1, padLeft: 1 }
        const [x, w] = convInputs(s, 13)
        const n = convSizes(s)
        const [y, z] = [new Float32Array(n.y), new Float32Array(n.y)]
        wasm.conv2d(x, w, z, s)
        const chunks = (): number => wasmThreadStats()!.workers + wasmThreadStats()!.caller
        const before = chunks()
        threaded.conv2d(x, w, y, s)
        expect(chunks() - before).toBe(planConv(2 * 34 * 34, 2).chunks)
        expect(sameBits({ values: y }, { values: z })).toBe(true)
        const t0 = Date.now()
        const workers = wasmThreadStats()!.workers
        while (wasmThreadStats()!.workers === workers && Date.now() - t0 < 10_000) threaded.conv2d(x, w, y, s)
        expect(wasmThreadStats()!.workers).toBeGreaterThan(workers)
        expect(sameBits({ values: y }, { values: z })).toBe(true)
      })
    })
  })
}
