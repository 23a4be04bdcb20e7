// Epilogue fusion under jit: a product followed by a bias add (and relu) runs as one step whose
// kernel applies the bias and the activation to each finished part of the output, with the bits
// of the unfused equations on the same kernels.
import { afterEach, describe, expect, it } from 'vitest'
import { Ad, Rng, Tensor as T } from '../../src/index.js'
import type { Kernels } from '../../src/kernels/Kernels.js'
import { jsKernels } from '../../src/kernels/js/index.js'
import { kernels, useKernels } from '../../src/kernels/registry.js'
import { createWasmKernels } from '../../src/kernels/wasm/index.js'

/** The kernels with every call counted by method. */
const counting = (k: Kernels): { readonly kernels: Kernels; readonly calls: Map<string, number> } => {
  const calls = new Map<string, number>()
  const wrapped = Object.fromEntries(
    Object.entries(k).map(([name, f]) => [
      name,
      typeof f === 'function'
        ? (...args: unknown[]) => {
            calls.set(name, (calls.get(name) ?? 0) + 1)
            return (f as (...a: unknown[]) => unknown)(...args)
          }
        : f,
    ]),
  ) as unknown as Kernels
  return { kernels: wrapped, calls }
}

const wasm = createWasmKernels('simd128')!
const KERNELS: ReadonlyArray<[string, Kernels]> = [['js', jsKernels], ['wasm', wasm]]

const dense = (x: T.Tensor, w: T.Tensor, b: T.Tensor) => T.relu(T.add(T.matmul(x, w), b))

/** Normal values with NaN, ±∞, −0 and exact zeros sprinkled in (every 7th, 11th, … element). */
const awkward = (seed: number, shape: ReadonlyArray<number>): T.Tensor => {
  const v = T.toTypedArray(Rng.normal(Rng.key(seed), shape)) as Float32Array
  for (let i = 0; i < v.length; i++) {
    if (i % 97 === 5) v[i] = NaN
    else if (i % 89 === 3) v[i] = Infinity
    else if (i % 13 === 7) v[i] = -0
    else if (i % 11 === 2) v[i] = 0
  }
  return T.fromArray(v, shape)
}

const previous = kernels()
afterEach(() => useKernels(previous))

describe('jit fuses a product with its bias and activation', () => {
  it('forms one step of matmul, add and relu (bias on either side, with or without relu)', () => {
    const x = T.zeros([4, 6])
    const w = T.zeros([6, 3])
    const b = T.zeros([3])
    expect(Ad.makeProgram(dense, { form: 'compiled' })(x, w, b)).toMatch(/[a-z]+:f32\[4,3\] = matmul\[transA=false transB=false\]\+add\+relu a b c\n/)
    const biasFirst = (u: T.Tensor, v: T.Tensor, c: T.Tensor) => T.relu(T.add(c, T.matmul(u, v)))
    expect(Ad.makeProgram(biasFirst, { form: 'compiled' })(x, w, b)).toMatch(/= matmul\[transA=false transB=false\]\+add\+relu a b c\n/)
    const linear = (u: T.Tensor, v: T.Tensor, c: T.Tensor) => T.add(T.matmul(u, v), T.reshape(c, [1, 3]))
    expect(Ad.makeProgram(linear, { form: 'compiled' })(x, w, b)).toMatch(/= matmul\[transA=false transB=false\]\+add a b e\n/)
  })

  it('leaves the product alone when something else reads it, and the activation when something else reads the sum', () => {
    const x = T.zeros([4, 6])
    const w = T.zeros([6, 3])
    const b = T.zeros([3])
    const both = (u: T.Tensor, v: T.Tensor, c: T.Tensor) => {
      const h = T.matmul(u, v)
      return [T.relu(T.add(h, c)), h]
    }
    expect(Ad.makeProgram(both, { form: 'compiled' })(x, w, b)).toMatch(/= matmul\[transA=false transB=false\] a b\n/)
    // the training forward: relu's derivative reads the sum too, so only the add joins the product
    const twice = (u: T.Tensor, v: T.Tensor, c: T.Tensor) => {
      const z = T.add(T.matmul(u, v), c)
      return T.mul(T.relu(z), T.sigmoid(z))
    }
    const shown = Ad.makeProgram(twice, { form: 'compiled' })(x, w, b)
    expect(shown).toMatch(/= matmul\[transA=false transB=false\]\+add a b c\n/)
    expect(shown).toMatch(/fused\{relu, sigmoid, mul\}/)
    // a bias that is not a vector over the last axis (a column) is added on its own
    const column = (u: T.Tensor, v: T.Tensor, c: T.Tensor) => T.relu(T.add(T.matmul(u, v), c))
    expect(Ad.makeProgram(column, { form: 'compiled' })(x, w, T.zeros([4, 1]))).toMatch(/= matmul\[transA=false transB=false\] a b\n/)
  })

  for (const [name, k] of KERNELS) {
    it(`runs as one step on the ${name} kernels (no add or relu kernel runs) and equals the unfused equations bit for bit, NaN through relu included`, () => {
      const { kernels: spy, calls } = counting(k)
      const f = Ad.jit(dense)
      // rows around the register tile (the few-row path below 4), columns around 4, 8 and 32, a contraction over KC = 256
      for (const [m, kk, n] of [[1, 784, 128], [2, 300, 10], [3, 9, 33], [4, 17, 8], [5, 260, 1], [37, 64, 40]] as const) {
        const x = awkward(m * 100 + n, [m, kk])
        const w = Rng.normal(Rng.key(n), [kk, n])
        const b = awkward(n + 7, [n])
        useKernels(k)
        const want = dense(x, w, b)
        useKernels(spy)
        calls.clear()
        const got = f(x, w, b)
        expect(T.equals(got, want), `${m}×${kk}×${n}`).toBe(true)
        expect([calls.get('binary'), calls.get('unary')]).toEqual([undefined, undefined])
        expect((calls.get('matmulEpilogue') ?? 0) + (calls.get('matmul') ?? 0)).toBe(1)
        if (name === 'wasm') expect(calls.get('matmulEpilogue')).toBe(1)
      }
      // NaN in, NaN out, through relu; relu(−0 + −0) is +0
      expect(Number.isNaN(T.toTypedArray(f(T.tensor([[NaN, 1]]), T.ones([2, 2]), T.zeros([2])))[0]!)).toBe(true)
      expect(Object.is(T.toTypedArray(f(T.tensor([[-0]]), T.ones([1, 1]), T.tensor([-0])))[0], 0)).toBe(true)
    })

    it(`equals the unfused equations bit for bit on the ${name} kernels for transposed operands, batched products and float64`, () => {
      const cases: ReadonlyArray<[string, (a: T.Tensor, w: T.Tensor, c: T.Tensor) => T.Tensor, T.Tensor, T.Tensor, T.Tensor]> = [
        ['xᵀ·w', (a, w, c) => T.relu(T.add(T.matmul(a, w, { transposeA: true }), c)), awkward(1, [300, 6]), Rng.normal(Rng.key(2), [300, 12]), awkward(3, [12])],
        ['x·wᵀ', (a, w, c) => T.relu(T.add(c, T.matmul(a, w, { transposeB: true }))), awkward(4, [2, 40]), Rng.normal(Rng.key(5), [9, 40]), awkward(6, [9])],
        ['batched', (a, w, c) => T.relu(T.add(T.matmul(a, w), c)), awkward(7, [3, 5, 20]), Rng.normal(Rng.key(8), [20, 11]), awkward(9, [1, 11])],
        ['batched both', (a, w, c) => T.add(T.matmul(a, w), c), awkward(10, [2, 1, 20]), Rng.normal(Rng.key(11), [2, 20, 7]), awkward(12, [7])],
        ['float64', (a, w, c) => T.relu(T.add(T.matmul(a, w), c)), T.cast(awkward(13, [5, 30]), 'float64'), T.cast(Rng.normal(Rng.key(14), [30, 6]), 'float64'), T.cast(awkward(15, [6]), 'float64')],
      ]
      useKernels(k)
      for (const [label, f, a, w, c] of cases) {
        expect(Ad.makeProgram(f, { form: 'compiled' })(a, w, c), label).toMatch(/ = matmul\[[^\]]*\]\+add/)
        expect(T.equals(Ad.jit(f)(a, w, c), f(a, w, c)), label).toBe(true)
      }
    })
  }

  it('applies the epilogue after a product split over threads (as a pass of its own) with the same bits', async () => {
    const { useWasmKernels, useJsKernels } = await import('../../src/kernels/wasm/index.js')
    const status = await useWasmKernels({ threads: 1, minParallelFlops: 0, adaptive: false, simd: 'simd128' })
    try {
      expect(status.threads).toBe(2)
      const x = awkward(21, [64, 300])
      const w = Rng.normal(Rng.key(22), [300, 70])
      const b = awkward(23, [70])
      const want = dense(x, w, b)
      expect(T.equals(Ad.jit(dense)(x, w, b), want)).toBe(true)
    } finally {
      useJsKernels()
    }
  })
})
