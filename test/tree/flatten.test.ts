import { pipe } from 'fp-ts/lib/function.js'
import { describe, expect, it } from 'vitest'
import { Tensor as T, Tree } from '../../src/index.js'
import { caught } from '../util.js'

const vec = (values: number[]) => T.fromArray(values, [values.length], 'float64')

describe('flatten', () => {
  const params = {
    layers: [{ W: T.tensor([[1, 2], [3, 4]]), b: T.tensor([5], 'float64') }],
    step: T.tensor([7], 'int32'),
  }

  it('concatenates the leaves in traversal order into a float64 vector', () => {
    const { theta } = Tree.flatten(params)
    expect(theta.dtype).toBe('float64')
    expect(theta.shape).toEqual([6])
    expect(T.toArray(theta)).toEqual([1, 2, 3, 4, 5, 7])
  })

  it('says where each leaf sits in θ', () => {
    expect(Tree.flatten(params).segments).toEqual([
      { path: 'layers.0.W', offset: 0, size: 4, shape: [2, 2], dtype: 'float32' },
      { path: 'layers.0.b', offset: 4, size: 1, shape: [1], dtype: 'float64' },
      { path: 'step', offset: 5, size: 1, shape: [1], dtype: 'int32' },
    ])
  })

  it('restores every shape and dtype', () => {
    const { unflatten } = Tree.flatten(params)
    const back = unflatten(vec([10, 20, 30, 40, 0.1, -3]))
    expect(Tree.structure(back)).toEqual(Tree.structure(params))
    expect(back.layers[0]!.W.dtype).toBe('float32')
    expect(back.layers[0]!.b.dtype).toBe('float64')
    expect(back.step.dtype).toBe('int32')
    expect(T.toArray(back.layers[0]!.W)).toEqual([10, 20, 30, 40])
    expect(T.toArray(back.layers[0]!.b)).toEqual([0.1])
    expect(T.toArray(back.step)).toEqual([-3])
    expect(Object.isFrozen(back) && Object.isFrozen(back.layers) && Object.isFrozen(back.layers[0])).toBe(true)
  })

  it('rounds float values to float32 leaves as any float32 store does', () => {
    const back = Tree.flatten({ w: T.zeros([1]) }).unflatten(vec([0.1]))
    expect(T.toArray(back.w)).toEqual([Math.fround(0.1)])
  })

  it('round-trips −0, NaN (with any payload), ±Infinity, subnormals and the extremes exactly', () => {
    const f32bits = new Uint32Array([0x7fc00001, 0xffc12345, 0x00000001, 0x7f7fffff])
    const f32 = T.fromArray(new Float32Array(f32bits.buffer), [4], 'float32')
    const f64 = T.fromArray([-0, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE], [2, 3], 'float64')
    const i32 = T.fromArray([-2147483648, 2147483647, 0], [3], 'int32')
    const f32neg = T.fromArray([-0, -Infinity, Math.fround(-3.4028234663852886e38)], [3], 'float32')
    const tree = { f32, f64, i32, f32neg }
    const { theta, unflatten } = Tree.flatten(tree)
    const back = unflatten(theta)
    for (const k of ['f32', 'f64', 'i32', 'f32neg'] as const) expect(T.equals(back[k], tree[k])).toBe(true)
    expect(Object.is(T.toArray(back.f64)[0], -0)).toBe(true)
    expect(Object.is(T.toArray(back.f32neg)[0], -0)).toBe(true)
    expect(Number.isNaN(T.toArray(back.f32)[0])).toBe(true)
  })

  it('handles empty trees, empty tensors and a root leaf', () => {
    const empty = Tree.flatten({ relu: {}, pool: [] })
    expect(empty.theta.shape).toEqual([0])
    expect(empty.unflatten(vec([]))).toEqual({ pool: [], relu: {} })
    const withEmpty = Tree.flatten({ e: T.zeros([0, 3]), w: T.ones([2]) })
    expect(T.toArray(withEmpty.theta)).toEqual([1, 1])
    expect(withEmpty.unflatten(vec([4, 5])).e.shape).toEqual([0, 3])
    const root = Tree.flatten(T.tensor([[1, 2]], 'int32'))
    const back = root.unflatten(vec([3, 4]))
    expect([back.shape, back.dtype, T.toArray(back)]).toEqual([[1, 2], 'int32', [3, 4]])
  })

  it('accepts a θ of any dtype', () => {
    const { unflatten } = Tree.flatten({ w: T.zeros([2], 'float64'), i: T.zeros([1], 'int32') })
    // keys sorted: i before w
    expect(T.toArray(unflatten(T.tensor([3, 1.5, 2], 'float32')).w)).toEqual([1.5, 2])
    expect(T.toArray(unflatten(T.tensor([3, 1, 2], 'int32')).i)).toEqual([3])
  })

  it('does not keep the template: changing a mutable template afterwards changes nothing', () => {
    const layers: Array<{ W: T.Tensor }> = [{ W: T.zeros([2]) }]
    const { unflatten } = Tree.flatten({ layers })
    layers.push({ W: T.zeros([5]) })
    expect(Tree.paths(unflatten(vec([1, 2])))).toEqual(['layers.0.W'])
  })

  it('flattens and restores a 784×128 layer quickly', () => {
    const n = 784 * 128
    const W = T.fromArray(Float32Array.from({ length: n }, (_, i) => i / n), [784, 128])
    const params = { layers: [{ W, b: T.zeros([128]) }, { W: T.zeros([128, 10]), b: T.zeros([10]) }] }
    const t0 = performance.now()
    const { theta, unflatten } = Tree.flatten(params)
    const back = unflatten(theta)
    const ms = performance.now() - t0
    expect(theta.size).toBe(n + 128 + 1280 + 10)
    expect(T.equals(back.layers[0]!.W, W)).toBe(true)
    expect(ms).toBeLessThan(250)
  })
})

describe('unflatten refusals', () => {
  const { unflatten } = Tree.flatten({ layers: [{ W: T.zeros([2, 2]) }], step: T.zeros([1], 'int32') })

  it('refuses a θ of the wrong length', () => {
    const e = caught(() => unflatten(vec([1, 2, 3, 4])))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.op).toBe('Tree.unflatten')
    expect(e.message).toContain('θ has shape [4], but the tree holds 5 scalars in 2 leaves')
    expect(e.message).toContain('shape [5]')
  })

  it('refuses a θ of the wrong rank', () => {
    const e = caught(() => unflatten(T.zeros([5, 1], 'float64')))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toContain('θ has shape [5, 1]')
    expect(caught(() => unflatten(T.zeros([], 'float64'))).code).toBe('SHAPE_MISMATCH')
  })

  it('refuses a θ that is not a tensor', () => {
    const e = caught(() => unflatten([1, 2, 3, 4, 5] as unknown as T.Tensor))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toContain('an array of length 5')
  })

  it('refuses values an int32 leaf cannot hold, naming the leaf', () => {
    for (const bad of [0.5, Number.NaN, Infinity, 2147483648, -2147483649]) {
      const e = caught(() => unflatten(vec([0, 0, 0, 0, bad])))
      expect(e.code).toBe('INVALID_VALUE')
      expect(e.message).toContain("int32 leaf at 'step'")
      expect(e.message).toContain('θ[4]')
    }
    expect(T.toArray(unflatten(vec([0, 0, 0, 0, -0])).step)).toEqual([0])
  })

  it('refuses values that overflow a float32 leaf, naming the leaf and the element', () => {
    const e = caught(() => unflatten(vec([0, 0, 1e39, 0, 0])))
    expect(e.code).toBe('INVALID_VALUE')
    expect(e.message).toContain("float32 leaf at 'layers.0.W'")
    expect(e.message).toContain('θ[2]')
    expect(e.message).toContain('element 2')
    expect(e.message).toContain('float64')
  })

  it('accepts ±Infinity and NaN for float leaves, and values that round to the largest float32', () => {
    const back = unflatten(vec([Infinity, -Infinity, Number.NaN, 3.4028235e38, 0]))
    const w = T.toArray(back.layers[0]!.W)
    expect(w.slice(0, 2)).toEqual([Infinity, -Infinity])
    expect(Number.isNaN(w[2])).toBe(true)
    expect(w[3]).toBe(3.4028234663852886e38)
  })
})

describe('unflattenLike', () => {
  const template = { W: T.zeros([2], 'float32'), b: T.zeros([1], 'int32') }

  it('shapes θ like a template, data-first and data-last', () => {
    const a = Tree.unflattenLike(template, vec([1, 2, 3]))
    const b = pipe(template, Tree.unflattenLike(vec([1, 2, 3])))
    expect(T.toArray(a.W)).toEqual([1, 2])
    expect(a.b.dtype).toBe('int32')
    expect(T.equals(a.b, b.b)).toBe(true)
  })

  it('refuses θ as unflatten does, under its own name', () => {
    const e = caught(() => Tree.unflattenLike(template, vec([1, 2, 3.5])))
    expect([e.code, e.op]).toEqual(['INVALID_VALUE', 'Tree.unflattenLike'])
    expect(e.message).toContain("'b'")
  })
})
