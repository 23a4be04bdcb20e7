// Softmax fusion under jit: the five equations of a softmax over the last axis run as one step,
// with the bits of the unfused program on the same kernels.
import { afterEach, describe, expect, it } from 'vitest'
import { Ad, Rng, Tensor as T } from '../../src/index.js'
import type { Kernels } from '../../src/kernels/Kernels.js'
import { jsKernels } from '../../src/kernels/js/index.js'
import { kernels, useKernels } from '../../src/kernels/registry.js'
import { createWasmKernels } from '../../src/kernels/wasm/index.js'

const wasm = createWasmKernels('simd128')!
const KERNELS: ReadonlyArray<[string, Kernels]> = [['js', jsKernels], ['wasm', wasm]]

/** Logits with NaN, ±∞, −0, huge and tiny values sprinkled in, and a row of −∞ now and then. */
const logits = (seed: number, shape: ReadonlyArray<number>): T.Tensor => {
  const v = T.toTypedArray(Rng.normal(Rng.key(seed), shape, { std: 30 })) as Float32Array
  const n = shape[shape.length - 1]!
  for (let i = 0; i < v.length; i++) {
    if (i % 101 === 5) v[i] = NaN
    else if (i % 89 === 3) v[i] = Infinity
    else if (i % 83 === 7) v[i] = -Infinity
    else if (i % 13 === 7) v[i] = -0
    else if (i % 17 === 2) v[i] = 3e38
  }
  if (v.length >= 3 * n) v.fill(-Infinity, 2 * n, 3 * n)
  return T.fromArray(v, shape)
}

const previous = kernels()
afterEach(() => useKernels(previous))

describe('jit fuses a softmax over the last axis', () => {
  it('into one step, and leaves it apart when a part of it is read elsewhere or it runs over another axis', () => {
    const x = T.zeros([4, 10])
    expect(Ad.makeProgram((u: T.Tensor) => T.softmax(u), { form: 'compiled' })(x)).toMatch(/^ {4}[a-z]+:f32\[4,10\] = softmax\{max, sub, exp, sum, div\} a$/m)
    const withSum = (u: T.Tensor) => {
      const e = T.exp(T.sub(u, T.max(u, -1, true)))
      const s = T.sum(e, -1, true)
      return [T.div(e, s), s]
    }
    expect(Ad.makeProgram(withSum, { form: 'compiled' })(x)).not.toMatch(/softmax/)
    expect(Ad.makeProgram((u: T.Tensor) => T.softmax(u, 0), { form: 'compiled' })(x)).not.toMatch(/softmax/)
  })

  for (const [name, k] of KERNELS) {
    it(`equals the unfused program bit for bit on the ${name} kernels (NaN, ±∞, rows of −∞; one row, many rows, float64, any rank)`, () => {
      useKernels(k)
      const f = (u: T.Tensor) => T.softmax(u)
      // the unfused program: the same equations with the softmax's pieces kept apart (its sum is also returned)
      const unfused = Ad.jit((u: T.Tensor) => {
        const e = T.exp(T.sub(u, T.max(u, -1, true)))
        const s = T.sum(e, -1, true)
        return [T.div(e, s), T.add(s, 0)]
      })
      for (const x of [logits(1, [1, 10]), logits(2, [1024, 10]), logits(3, [3, 7, 33]), logits(4, [5]), T.cast(logits(5, [40, 10]), 'float64')]) {
        const got = Ad.jit(f)(x)
        expect(T.equals(got, unfused(x)[0]!), x.shape.join('×')).toBe(true)
        expect(T.equals(got, f(x)) || name === 'wasm', x.shape.join('×')).toBe(true) // eager wasm computes exp in its own way
      }
    })
  }
})
