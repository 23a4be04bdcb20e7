import { describe, expect, it } from 'vitest'
import { Tensor as T } from '../../src/index.js'
import { caught } from '../util.js'

describe('creation', () => {
  it('infers the shape of nested arrays, float32 by default', () => {
    const t = T.tensor([[1, 2, 3], [4, 5, 6]])
    expect(t.shape).toEqual([2, 3])
    expect(t.dtype).toBe('float32')
    expect(T.toNested(t)).toEqual([[1, 2, 3], [4, 5, 6]])
  })
  it('makes scalars, empty tensors and float64 / int32 tensors', () => {
    expect(T.tensor(3).shape).toEqual([])
    expect(T.item(T.scalar(2.5, 'float64'))).toBe(2.5)
    expect(T.tensor([]).shape).toEqual([0])
    expect(T.tensor([[], []]).shape).toEqual([2, 0])
    expect(T.tensor([1.1], 'float64').dtype).toBe('float64')
    expect(T.toArray(T.tensor([1, -2], 'int32'))).toEqual([1, -2])
  })
  it('rounds float32 values once, at creation', () => {
    expect(T.toArray(T.tensor([0.1]))).toEqual([Math.fround(0.1)])
    expect(T.toArray(T.tensor([0.1], 'float64'))).toEqual([0.1])
  })
  it('accepts typed arrays at the innermost level', () => {
    expect(T.toNested(T.tensor([new Float32Array([1, 2]), new Float32Array([3, 4])]))).toEqual([[1, 2], [3, 4]])
  })
  it('fromArray of a typed array stores what the checked path stores, and refuses what it refuses', () => {
    const sources = [
      new Float32Array([0.1, -2.5, 3e38, -0]),
      new Float64Array([0.1, -2.5, 1e-300, -0]),
      new Int32Array([7, -2147483648, 2147483647, 0]),
      new Uint32Array([1, 4294967295, 0, 5]),
      new Uint8Array([0, 255, 3, 4]),
      new Int8Array([-128, 127, 0, 1]),
      new Uint8ClampedArray([0, 255, 9, 1]),
      new Int16Array([-32768, 32767, 2, 3]),
      new Uint16Array([65535, 0, 2, 3]),
    ]
    for (const v of sources) {
      for (const dtype of ['float32', 'float64', 'int32'] as const) {
        const plain = (() => { try { return T.toArray(T.fromArray(Array.from(v), [4], dtype)) } catch (e) { return (e as { code: string }).code } })()
        const typed = (() => { try { return T.toArray(T.fromArray(v, [4], dtype)) } catch (e) { return (e as { code: string }).code } })()
        expect(typed, `${v.constructor.name} as ${dtype}`).toEqual(plain)
      }
    }
    expect(() => T.fromArray(new Float64Array([1e39]), [1])).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }))
    expect(() => T.fromArray(new Uint32Array([4294967295]), [1], 'int32')).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }))
    expect(() => T.fromArray(new Float32Array([0.5]), [1], 'int32')).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }))
  })

  it('builds constants', () => {
    expect(T.toArray(T.zeros([2, 2]))).toEqual([0, 0, 0, 0])
    expect(T.toArray(T.ones([3], 'int32'))).toEqual([1, 1, 1])
    expect(T.toArray(T.full([2], 7))).toEqual([7, 7])
    expect(T.toArray(T.arange(5))).toEqual([0, 1, 2, 3, 4])
    expect(T.toArray(T.arange(1, 2, 0.25))).toEqual([1, 1.25, 1.5, 1.75])
    expect(T.toArray(T.arange(3, 0, -1))).toEqual([3, 2, 1])
    expect(T.toNested(T.eye(2, 3))).toEqual([[1, 0, 0], [0, 1, 0]])
    expect(T.toArray(T.linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1])
  })
  it('reads single values and casts', () => {
    const t = T.tensor([[1, 2], [3, 4]])
    expect(T.get(t, 1, 0)).toBe(3)
    expect(T.get(t, -1, -1)).toBe(4)
    expect(T.toArray(T.cast(T.tensor([-1.7, 2.7]), 'int32'))).toEqual([-1, 2])
    expect(T.cast(t, 'float32')).toBe(t)
  })
})

describe('immutability', () => {
  it('keeps the buffer out of reach', () => {
    const t = T.tensor([1, 2, 3])
    expect(Object.isFrozen(t)).toBe(true)
    expect(Object.isFrozen(t.shape)).toBe(true)
    expect(Object.keys(t).sort()).toEqual(['dtype', 'shape', 'size'])
    expect(JSON.stringify(t)).toBe('{"dtype":"float32","shape":[3],"data":[1,2,3]}')
  })
  it('hands out copies only', () => {
    const t = T.tensor([1, 2, 3])
    const copy = T.toTypedArray(t)
    copy[0] = 100
    const arr = T.toArray(t)
    arr[1] = 100
    expect(T.toArray(t)).toEqual([1, 2, 3])
  })
  it('does not keep the array it was made from', () => {
    const src = new Float32Array([1, 2])
    const t = T.tensor(src)
    src[0] = 9
    expect(T.toArray(t)).toEqual([1, 2])
  })
  it('shares buffers only between tensors that can never change (reshape)', () => {
    const t = T.arange(6)
    const r = T.reshape(t, [2, 3])
    expect(T.toArray(r)).toEqual(T.toArray(t))
    expect(() => {
      ;(r as unknown as { shape: number[] }).shape = [6]
    }).toThrow(TypeError)
  })
  it('prints itself briefly', () => {
    expect(String(T.arange(10))).toBe('Tensor<float32>[10] [0, 1, 2, 3, 4, 5, …]')
  })
})

describe('bad input', () => {
  it('refuses ragged nested arrays, saying where', () => {
    const e = caught(() => T.tensor([[1, 2], [3]]))
    expect(e.code).toBe('RAGGED_ARRAY')
    expect(e.message).toMatch(/row at \[1\] has length 1 where length 2/)
    expect(caught(() => T.tensor([[1, 2], 3] as never)).code).toBe('RAGGED_ARRAY')
    expect(caught(() => T.tensor([1, [2]] as never)).message).toMatch(/element at \[1\] is an array/)
  })
  it('refuses values that are not numbers, naming the position', () => {
    const e = caught(() => T.tensor([[1, 'a']] as never))
    expect(e.code).toBe('INVALID_VALUE')
    expect(e.message).toMatch(/\[0, 1\] is string "a"/)
    expect(caught(() => T.tensor([null] as never)).message).toMatch(/is null/)
  })
  it('refuses values the dtype cannot hold instead of changing them', () => {
    expect(caught(() => T.tensor([1.5], 'int32')).message).toMatch(/not a 32-bit integer/)
    expect(caught(() => T.tensor([2 ** 31], 'int32')).code).toBe('INVALID_VALUE')
    expect(caught(() => T.tensor([1e39])).message).toMatch(/overflows float32/)
    expect(caught(() => T.cast(T.tensor([NaN]), 'int32')).code).toBe('INVALID_VALUE')
  })
  it('refuses NaN, negative, fractional and infinite sizes', () => {
    for (const bad of [[2, NaN], [-1], [1.5], [Infinity]]) {
      const e = caught(() => T.zeros(bad))
      expect(e.code).toBe('INVALID_SHAPE')
      expect(e.message).toMatch(/^zeros: size \d of shape/)
    }
    expect(caught(() => T.ones('3' as never)).code).toBe('INVALID_SHAPE')
    expect(caught(() => T.fromArray([1, 2, 3], [2, 2])).message).toBe('fromArray: 3 values cannot fill shape [2, 2], which holds 4.')
  })
  it('refuses unknown dtypes and bad ranges', () => {
    expect(caught(() => T.zeros([2], 'float16' as never)).code).toBe('DTYPE_MISMATCH')
    expect(caught(() => T.arange(0, 1, 0)).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => T.item(T.zeros([2]))).message).toMatch(/one element; got shape \[2\]/)
    expect(caught(() => T.get(T.zeros([2]), 2)).code).toBe('INDEX_OUT_OF_RANGE')
  })
})
