/**
 * The public surface holds its promises: tensors cannot be made over a buffer the caller keeps,
 * results are frozen, misspelt options are refused, derivatives at kinks match PyTorch's,
 * gradCheck does not call an unchecked gradient right, and errors say what to do.
 */
import { describe, expect, it } from 'vitest'
import { Net, PuregradError, Rng, Tensor as T } from '../../src/index.js'

/** The PuregradError `f` throws (any other exception fails). */
const refusal = (f: () => unknown): PuregradError => {
  try {
    f()
  } catch (e) {
    if (e instanceof PuregradError) return e
    throw new Error(`expected a PuregradError, got ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`)
  }
  throw new Error('expected a PuregradError, got none')
}

type AnyCtor = new (...args: unknown[]) => T.Tensor

describe('tensors cannot be built around a buffer from outside', () => {
  it('new Tensor(buf, shape) is refused: the caller would keep a writable view', () => {
    const buf = new Float32Array([1, 2, 3, 4])
    const e = refusal(() => new (T.Tensor as unknown as AnyCtor)(buf, [2, 2]))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.detail).toMatch(/Tensor\.tensor/)
  })
  it('a buffer shorter than its shape is refused too (the kernels would read past it)', () => {
    expect(() => new (T.Tensor as unknown as AnyCtor)(new Float32Array(1), [1000])).toThrow(PuregradError)
  })
  it('a subclass cannot reach the constructor either', () => {
    class Evil extends (T.Tensor as unknown as AnyCtor) {}
    expect(() => new Evil(new Float32Array(4), [4], undefined)).toThrow(PuregradError)
  })
  it('there is no static _wrap (nor any other static function) to call', () => {
    expect((T.Tensor as unknown as Record<string, unknown>)['_wrap']).toBeUndefined()
    const statics = Object.getOwnPropertyNames(T.Tensor).filter((k) => typeof (T.Tensor as unknown as Record<string, unknown>)[k] === 'function')
    expect(statics).toEqual([])
  })
  it('instanceof and isTensor still work; an object with the prototype but no buffer is not a tensor', () => {
    const x = T.tensor([1, 2])
    expect(x instanceof T.Tensor).toBe(true)
    expect(T.isTensor(x)).toBe(true)
    expect(T.isTensor(Object.create(T.Tensor.prototype))).toBe(false)
    expect(T.isTensor(null)).toBe(false)
  })
})
