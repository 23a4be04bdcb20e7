import { describe, expect, it } from 'vitest'
import { Ad, Rng, Tensor as T } from '../../src/index.js'
import { caught } from '../util.js'

const f64 = (v: T.NestedArray) => T.tensor(v, 'float64')
const xs = f64([[1, 2, 3], [4, 5, 6]])

describe('vmap: trees and axes', () => {
  it('maps trees of inputs with prefix axes and places outputs by a prefix of their tree', () => {
    const f = (p: { w: T.Tensor; b: T.Tensor }, x: T.Tensor) => ({ y: T.add(T.mul(x, p.w), p.b), s: T.sum(x) })
    const p = { w: f64([1, 10, 100]), b: f64([[0.5], [0.25]]) } // w shared, b mapped along axis 0
    const out = Ad.vmap(f, { inAxes: [{ w: null, b: 0 }, 1], outAxes: { y: 1, s: 0 } })(p, T.transpose(xs))
    expect(T.toNested(out.y)).toEqual([[1.5, 4.25], [20.5, 50.25], [300.5, 600.25]])
    expect(T.toArray(out.s)).toEqual([6, 15])
  })
  it('broadcasts an output that does not depend on the batch, and passes shared non-tensor arguments unchanged', () => {
    const out = Ad.vmap((x: T.Tensor, k: number) => [T.mul(x, k), T.ones([2])], { inAxes: [0, null] })(xs, 3)
    expect(T.toNested(out[0]!)).toEqual([[3, 6, 9], [12, 15, 18]])
    expect(T.toNested(out[1]!)).toEqual([[1, 1], [1, 1]])
  })
  it('a batch of keys draws independently, as the loop over the keys', () => {
    const keys = Rng.split(Rng.key(3), 4)
    const draws = Ad.vmap((k: Rng.Key, x: T.Tensor) => T.add(Rng.normal(k, [3]), x), { inAxes: [0, null] })(keys, T.zeros([3]))
    expect(T.equals(draws, T.stack(keys.map((k) => Rng.normal(k, [3]))))).toBe(true)
    expect(T.equals(T.slice(draws, [0, 0], [1, 3]), T.slice(draws, [1, 0], [1, 3]))).toBe(false)
  })
  it('a custom primitive runs once per example, keeping its own derivative rule', () => {
    let calls = 0
    const roundST = Ad.custom('roundST', (x) => (calls++, T.round(x)), { jvp: (_, [t]) => t!, vjp: (g) => [g] })
    const x = f64([[0.3, 1.6], [2.4, -0.7], [1, 1]])
    expect(T.toNested(Ad.vmap(roundST)(x))).toEqual([[0, 2], [2, -1], [1, 1]])
    expect(calls).toBe(3)
    const g = Ad.vmap(Ad.grad((z: T.Tensor) => T.sum(T.mul(roundST(z), z))))(x)
    // d/dz Σ round(z)·z with a straight-through round: z + round(z)
    expect(T.toNested(g)).toEqual([[0.3, 3.6], [4.4, -1.7], [2, 2]])
  })
  it("a custom primitive's batch rule runs once on the batch, batch axes first, and equals the loop", () => {
    const seen: Array<[number[][], boolean[], number]> = []
    const body = (x: T.Tensor, w: T.Tensor) => T.sum(T.mul(x, w), -1)
    const dotB = Ad.custom('dotB', body, {
      vjp: (g, [x, w]) => [T.mul(T.expandDims(g, -1), w!), T.mul(T.expandDims(g, -1), x!)],
      batch: (xs, batched, size) => (seen.push([xs.map((x) => [...x.shape]), [...batched], size]), body(xs[0]!, batched[1] ? xs[1]! : T.expandDims(xs[1]!, 0))),
    })
    const w = f64([1, 10, 100])
    const out = Ad.vmap(dotB, { inAxes: [1, null] })(T.transpose(xs), w)
    expect(seen).toEqual([[[[2, 3], [3]], [true, false], 2]])
    expect(T.toArray(out)).toEqual([321, 654])
    // inside the map, the custom vjp applies to the batched values
    const g = Ad.vmap(Ad.grad((x: T.Tensor) => dotB(x, w)))(xs)
    expect(T.toNested(g)).toEqual([[1, 10, 100], [1, 10, 100]])
    const bad = Ad.custom('bad', body, { batch: (xs) => xs[1]! }) // the shared w, not a batch
    const e = caught(() => Ad.vmap(bad, { inAxes: [1, null] })(T.transpose(xs), w))
    expect(e.code).toBe('INVALID_SHAPE')
    expect(e.detail).toContain('shape [3] for a batch of 2')
  })
  it('a convolution whose filter differs per example equals the loop', () => {
    const x = Rng.normal(Rng.key(1), [1, 4, 4, 2], { dtype: 'float64' })
    const ws = Rng.normal(Rng.key(2), [3, 2, 2, 2, 1], { dtype: 'float64' })
    const out = Ad.vmap((w: T.Tensor) => T.conv2d(x, w), { inAxes: 0 })(ws)
    const loop = T.stack([0, 1, 2].map((i) => T.conv2d(x, T.reshape(T.slice(ws, [i, 0, 0, 0, 0], [1, 2, 2, 2, 1]), [2, 2, 2, 1]))))
    expect(T.equals(out, loop)).toBe(true)
  })
})

describe('vmap: refusals', () => {
  it('mismatched batch sizes: SHAPE_MISMATCH naming both inputs and sizes', () => {
    const e = caught(() => Ad.vmap((a: T.Tensor, b: { c: T.Tensor }) => T.add(a, b.c))(xs, { c: T.zeros([3, 3]) }))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.detail).toContain('argument 0')
    expect(e.detail).toContain("argument 1 at 'c'")
    expect(e.detail).toMatch(/2 examples .* has 3/)
  })
  it('an axis out of range: AXIS_OUT_OF_RANGE naming the path and the shape', () => {
    const e = caught(() => Ad.vmap((p: { w: T.Tensor }) => p.w, { inAxes: [{ w: 2 }] })({ w: xs }))
    expect(e.code).toBe('AXIS_OUT_OF_RANGE')
    expect(e.detail).toContain("argument 0 at 'w'")
    expect(e.detail).toContain('[2, 3]')
    expect(caught(() => Ad.vmap((x: T.Tensor) => x, { outAxes: 3 })(xs)).code).toBe('AXIS_OUT_OF_RANGE')
    expect(caught(() => Ad.vmap((x: T.Tensor) => x)(T.scalar(1))).code).toBe('AXIS_OUT_OF_RANGE')
  })
  it('axes that are not a prefix of the tree: TREE_MISMATCH', () => {
    expect(caught(() => Ad.vmap((x: T.Tensor) => ({ a: x }), { outAxes: { b: 0 } })(xs)).code).toBe('TREE_MISMATCH')
    expect(caught(() => Ad.vmap((x: T.Tensor) => [x, x], { outAxes: [0] })(xs)).code).toBe('TREE_MISMATCH')
    const e = caught(() => Ad.vmap((x: T.Tensor, y: T.Tensor) => T.add(x, y), { inAxes: [0] })(xs, xs))
    expect(e.code).toBe('TREE_MISMATCH')
    expect(e.detail).toContain('1 entries for 2 arguments')
  })
  it('a mapped value used after the call: ESCAPED_TRACER', () => {
    let leaked: T.Tensor | undefined
    Ad.vmap((x: T.Tensor) => (leaked = T.mul(x, 2)))(xs)
    const e = caught(() => T.add(leaked!, 1))
    expect(e.code).toBe('ESCAPED_TRACER')
    expect(e.detail).toContain('vmap (batch of 2)')
  })
  it('reading a mapped value inside the call: INVALID_ARGUMENT saying to compute with tensor operations and read after vmap', () => {
    const reads: ReadonlyArray<readonly [string, (t: T.Tensor) => unknown]> = [
      ['toArray', T.toArray], ['toTypedArray', T.toTypedArray], ['toNested', T.toNested], ['item', (t) => T.item(T.sum(t))],
      ['get', (t) => T.get(t, 0)], ['equals', (t) => T.equals(t, t)], ['allclose', (t) => T.allclose(f64([0, 0, 0]), t)], ['toJSON', (t) => JSON.stringify(t)],
    ]
    for (const [op, read] of reads) {
      const e = caught(() => Ad.vmap((x: T.Tensor) => (read(x), x))(xs))
      expect([op, e.code]).toEqual([op, 'INVALID_ARGUMENT'])
      expect(e.op).toBe(op)
      expect(e.detail).toContain('one example of a batch inside vmap (batch of 2)')
      expect(e.detail).toContain('read the results after vmap returns')
    }
    // under a transformation inside the map too, and a value derived from the example
    expect(caught(() => Ad.vmap(Ad.grad((x: T.Tensor) => T.scalar(T.item(T.sum(x)))))(xs)).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => Ad.vmap((x: T.Tensor) => T.scalar(T.item(T.max(T.mul(x, 2)))))(xs)).code).toBe('INVALID_ARGUMENT')
    // a shared input and values computed from it alone read as usual
    expect(T.toNested(Ad.vmap((x: T.Tensor, w: T.Tensor) => T.mul(x, T.item(T.sum(w))), { inAxes: [0, null] })(xs, f64([1, 2])))).toEqual([[3, 6, 9], [12, 15, 18]])
    expect(String(Ad.vmap((x: T.Tensor) => (expect(String(x)).toBe('Traced<float64>[3] (one example of a batch under vmap)'), x))(xs))).toContain('Tensor')
  })
  it('reading a mapped value after the call: ESCAPED_TRACER saying to return it', () => {
    let leaked: T.Tensor | undefined
    Ad.vmap((x: T.Tensor) => (leaked = T.mul(x, 2)), { inAxes: 1 })(xs)
    for (const read of [T.toArray, T.toNested, (t: T.Tensor) => T.item(T.sum(t))]) {
      const e = caught(() => read(leaked!))
      expect(e.code).toBe('ESCAPED_TRACER')
      expect(e.detail).toMatch(/return it from the function instead/i)
    }
    expect(caught(() => T.add(leaked!, 1)).detail).toContain('return it from the function instead, and vmap stacks it')
  })
  it('a cast to int32 checks every example, not only the first', () => {
    // the non-finite value is in the second example, past the elements the traced example covers
    const e = caught(() => Ad.vmap((x: T.Tensor) => T.cast(x, 'int32'))(f64([[1, 2], [3, NaN]])))
    expect(e.code).toBe('INVALID_VALUE')
  })
  it('outAxes that do not fit the output tree or its rank: named by path, with the sizes', () => {
    const e = caught(() => Ad.vmap((x: T.Tensor) => [x, x], { outAxes: [0] })(xs))
    expect(e.detail).toContain('an array of 1 entries but the value there is an array of length 2')
    const r = caught(() => Ad.vmap((x: T.Tensor) => ({ a: { b: x } }), { outAxes: { a: { b: 2 } } })(xs))
    expect(r.code).toBe('AXIS_OUT_OF_RANGE')
    expect(r.detail).toContain("the result at 'a.b', of shape [2, 3]")
    expect(r.detail).toContain('[-2, 1]')
  })
  it('outAxes null for an output that differs between examples, no mapped input, or an empty batch', () => {
    expect(caught(() => Ad.vmap((x: T.Tensor) => x, { outAxes: null })(xs)).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => Ad.vmap((x: T.Tensor) => x, { inAxes: null })(xs)).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => Ad.vmap((x: T.Tensor) => x)(T.zeros([0, 2]))).code).toBe('INVALID_SHAPE')
  })
  it('mapped indices are checked for every example, not only the one the public operation sees', () => {
    const ix = T.tensor([[0, 1], [1, 5]], 'int32') // the second example's 5 is out of range for 3 rows
    const e = caught(() => Ad.vmap((i: T.Tensor) => T.gather(f64([1, 2, 3]), i))(ix))
    expect(e.code).toBe('INDEX_OUT_OF_RANGE')
    expect(caught(() => Ad.vmap((i: T.Tensor) => T.oneHot(i, 3))(ix)).code).toBe('INDEX_OUT_OF_RANGE')
  })
})
