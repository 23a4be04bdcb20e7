/**
 * Bugs found by the reliability work (issue 8). Each test states the intended behaviour and is
 * marked `it.fails` until src/ is fixed; the marker goes once it is (all are fixed).
 */
import { describe, expect, it } from 'vitest'
import { Net, PuregradError, Tensor as T, useJsKernels, useWasmKernels } from '../../src/index.js'
import { caught as refusal } from '../util.js'


describe('known bugs', () => {
  // Fixed: shapes whose size is too large to allocate crash with a RangeError ("Invalid typed array
  // length") from deep inside instead of a PuregradError (src/core/dtype.ts alloc; callers in
  // src/tensor/create.ts zeros/full/eye/arange, src/tensor/indexing.ts oneHot).
  it.each([
    ['zeros([1e12])', () => T.zeros([1e12])],
    ['zeros([1e6, 1e6])', () => T.zeros([1e6, 1e6])],
    ['eye(1e6)', () => T.eye(1e6)],
    ['arange(0, 1e12)', () => T.arange(0, 1e12)],
    ['oneHot([0], 2**53)', () => T.oneHot([0], 2 ** 53)],
  ] as const)('%s is refused with a PuregradError', (_, f) => {
    expect(['INVALID_SHAPE', 'INVALID_ARGUMENT', 'RESOURCE_LIMIT']).toContain(refusal(f).code)
  })

  // Fixed: a BigInt element makes the error message builder throw "TypeError: Do not know how to
  // serialize a BigInt" (JSON.stringify in src/tensor/create.ts checkValue).
  it('tensor([0n]) is refused with INVALID_VALUE', () => {
    expect(refusal(() => T.tensor([0n as unknown as number])).code).toBe('INVALID_VALUE')
  })

  // Fixed: a non-tensor operand crashes with "TypeError: Cannot read properties of undefined
  // (reading 'length')" (src/tensor/elementwise.ts binaryOp / commonDType).
  it.each([
    ['add({}, 1)', () => T.add({} as unknown as T.Tensor, 1)],
    ["add(t, '1')", () => T.add(T.zeros([2]), '1' as unknown as number)],
  ] as const)('%s is refused with a PuregradError', (_, f) => {
    expect(['INVALID_ARGUMENT', 'DTYPE_MISMATCH', 'INVALID_VALUE']).toContain(refusal(f).code)
  })

  // Fixed: errors name an internal operation instead of the one the user called (unclear message):
  // gather/oneHot with a fractional index report op 'fromArray'; softmax with a bad axis reports
  // op 'max'; an int32 tensor plus 0.5 reports op 'full' and "the element at the fill value"
  // (src/tensor/indexing.ts, src/tensor/softmax.ts, src/tensor/elementwise.ts lift).
  it.each([
    ['gather', () => T.gather(T.zeros([3]), [0.5])],
    ['oneHot', () => T.oneHot([0.5], 3)],
    ['softmax', () => T.softmax(T.zeros([2]), 3)],
    ['add', () => T.add(T.zeros([2], 'int32'), 0.5)],
  ] as const)('%s names itself in its error', (op, f) => {
    expect(refusal(f).op).toBe(op)
  })

  // Fixed: null / undefined in a required size crash with "TypeError: Cannot read properties of
  // undefined (reading '0')" (src/net/kinds/conv2d.ts kernelSize, kinds/pool2d.ts size).
  it.each([
    ['conv2d(2, undefined)', () => Net.conv2d(2, undefined as unknown as number)],
    ['conv2d(2, null)', () => Net.conv2d(2, null as unknown as number)],
    ['maxPool2d(undefined)', () => Net.maxPool2d(undefined as unknown as number)],
    ['avgPool2d(null)', () => Net.avgPool2d(null as unknown as number)],
  ] as const)('%s is refused with INVALID_ARGUMENT', (_, f) => {
    expect(refusal(f).code).toBe('INVALID_ARGUMENT')
  })

  // Fixed: batchNorm accepts eps = Infinity (every output is then silently 0)
  // (src/net/kinds/batchNorm.ts / its validator).
  it('batchNorm({ eps: Infinity }) is refused', () => {
    expect(refusal(() => Net.batchNorm({ eps: Infinity })).code).toBe('INVALID_ARGUMENT')
  })

  // Fixed: pooling accepts an explicit padding at least as large as the window, so some windows hold
  // only padding; they silently output 0 (max-pooling ones gives 0, not 1), and an empty image
  // pools to a non-empty output of zeros (src/tensor/geometry.ts padding checks; PyTorch refuses
  // padding > window / 2).
  it.each([
    ['maxPool2d(ones [1,1,1,1], size 2, padding 2)', () => T.maxPool2d(T.ones([1, 1, 1, 1]), { size: 2, padding: 2 })],
    ['avgPool2d(ones [1,2,2,1], size 2, padding 5)', () => T.avgPool2d(T.ones([1, 2, 2, 1]), { size: 2, padding: 5 })],
    ['maxPool2d(ones [1,0,0,1], size 1, padding 1)', () => T.maxPool2d(T.ones([1, 0, 0, 1]), { size: 1, padding: 1 })],
  ] as const)('%s: refused, or every output is a real maximum / mean (1)', (_, f) => {
    let out: T.Tensor | undefined
    try {
      out = f()
    } catch (e) {
      if (e instanceof PuregradError && e.code === 'INVALID_ARGUMENT') return
      throw e
    }
    expect(T.toArray(out).every((v) => v === 1)).toBe(true)
  })

  // Fixed (was a HANG): a huge padding with an empty channel or filter
  // axis makes conv2d / maxPool2d loop over ~2^64 output positions of a size-0 output
  // (src/tensor/conv.ts and the JS kernels). Refuse paddings that overflow the output size.
  it('maxPool2d(ones [1,1,1,0], size 1, padding 2^31) returns promptly (refused)', () => {
    expect(() => T.maxPool2d(T.ones([1, 1, 1, 0]), { size: 1, padding: 2 ** 31 })).toThrow(PuregradError)
  })
  it('conv2d(ones [1,1,1,1], ones [1,1,1,0], padding 2^31) returns promptly (refused)', () => {
    expect(() => T.conv2d(T.ones([1, 1, 1, 1]), T.ones([1, 1, 1, 0]), { padding: 2 ** 31 })).toThrow(PuregradError)
  })

  // Fixed (minor): full(shape, -0) stores +0 — the fill is skipped because -0 === 0
  // (src/tensor/create.ts filled: `if (v !== 0)`).
  it('full([1], -0) keeps the sign of zero', () => {
    expect(Object.is(T.toArray(T.full([1], -0, 'float64'))[0], -0)).toBe(true)
  })

  // Fixed (minor): float32 mean overflows where the mean is representable (src/tensor/reduce.ts
  // mean summed, rounded to float32, then divided; the kernels now divide before rounding).
  it('mean([3e38, 3e38]) in float32 is 3e38, not Infinity', () => {
    expect(T.item(T.mean(T.tensor([3e38, 3e38])))).toBeCloseTo(3e38, -32)
  })
  it('mean over a wide float32 axis stays finite on both kernels (the wasm path starts at 128 elements)', async () => {
    const x = T.full([4, 256], 3e38)
    for (const use of [useJsKernels, useWasmKernels]) {
      await use()
      expect(T.toArray(T.mean(x, 1))).toEqual(T.toArray(T.full([4], 3e38)))
      expect(T.toArray(T.mean(x, 0))).toEqual(T.toArray(T.full([256], 3e38)))
    }
    useJsKernels()
  })

  // Fixed (minor, found by CI): minimum(−0, 0) gave +0 and maximum(0, −0) gave −0, unlike
  // Math.min/Math.max (src/kernels/js/elementwise.ts, assembly/elementwise.ts kept the second
  // operand on ties); they now follow IEEE 754-2019, where −0 < +0, on both kernels.
  it('minimum and maximum order −0 below +0, either way round, on both kernels', async () => {
    const z = T.full([256], 0, 'float32')
    const nz = T.full([256], -0, 'float32')
    for (const use of [useJsKernels, useWasmKernels]) {
      await use()
      for (const [a, b] of [[z, nz], [nz, z]] as const) {
        expect(T.toArray(T.minimum(a, b)).every((v) => Object.is(v, -0))).toBe(true)
        expect(T.toArray(T.maximum(a, b)).every((v) => Object.is(v, 0))).toBe(true)
      }
    }
    useJsKernels()
  })
})
