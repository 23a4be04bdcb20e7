import { describe, expect, it } from 'vitest'
import { PuregradError, Rng, Tensor as T } from '../../src/index.js'

/** Asserts that `f` throws a PuregradError with this code whose message contains every part. */
const refuses = (f: () => unknown, code: string, ...parts: ReadonlyArray<string>): void => {
  let caught: unknown
  try {
    f()
  } catch (e) {
    caught = e
  }
  expect(caught, 'expected a refusal').toBeInstanceOf(PuregradError)
  const e = caught as PuregradError
  expect(e.code).toBe(code)
  for (const p of parts) expect(e.message).toContain(p)
}

const k = Rng.key(0)
// Deliberately ill-typed calls, as from untyped JavaScript.
const any = <F>(f: F): ((...args: ReadonlyArray<unknown>) => unknown) => f as unknown as (...args: ReadonlyArray<unknown>) => unknown

describe('non-keys are refused by every function that takes a key', () => {
  const calls: Array<[string, (bad: unknown) => unknown]> = [
    ['split', (b) => any(Rng.split)(b)],
    ['split', (b) => any(Rng.split)(b, 3)],
    ['foldIn', (b) => any(Rng.foldIn)(b, 1)],
    ['bits', (b) => any(Rng.bits)(b, [2])],
    ['uniform', (b) => any(Rng.uniform)(b, [2])],
    ['normal', (b) => any(Rng.normal)(b, [2])],
    ['truncatedNormal', (b) => any(Rng.truncatedNormal)(b, [2])],
    ['bernoulli', (b) => any(Rng.bernoulli)(b, 0.5, [2])],
    ['integers', (b) => any(Rng.integers)(b, [2], 0, 3)],
    ['permutation', (b) => any(Rng.permutation)(b, 3)],
    ['shuffle', (b) => any(Rng.shuffle)(b, T.tensor([1, 2]))],
  ]
  const bad: unknown[] = [undefined, null, 'key', {}, { _tag: 'Key', words: [1] }, { _tag: 'Key', words: [1, -1] }, { words: [0, 1] }, T.tensor([0, 1])]
  it.each(calls)('%s', (op, call) => {
    for (const b of bad) refuses(() => call(b), 'INVALID_KEY', `${op}: expected a random key`, 'Rng.key(seed)')
  })

  it('a number seed gets a pointer to Rng.key', () => {
    refuses(() => any(Rng.normal)(42, [2]), 'INVALID_KEY', 'a seed is not a key', 'Rng.key(42)')
  })

  it('raw words get a pointer to Rng.keyFromWords', () => {
    refuses(() => any(Rng.uniform)([0, 42], [2]), 'INVALID_KEY', 'Rng.keyFromWords(0, 42)')
  })

  it('undefined mentions a forgotten key', () => {
    refuses(() => any(Rng.uniform)(undefined, [2]), 'INVALID_KEY', 'forget')
  })
})

describe('seeds and data', () => {
  it.each([1.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), '3', 3n, undefined])('key(%s) is refused', (seed) => {
    refuses(() => any(Rng.key)(seed), 'INVALID_ARGUMENT', 'key: the seed must be a whole number')
  })

  it('a fractional seed gets a rounding hint', () => {
    refuses(() => Rng.key(1.5), 'INVALID_ARGUMENT', 'Math.floor(1.5)')
  })

  it.each([0.5, NaN, 2 ** 60, 'x'])('foldIn(key, %s) is refused', (d) => {
    refuses(() => any(Rng.foldIn)(k, d), 'INVALID_ARGUMENT', 'foldIn: the data folded in must be a whole number')
  })

  it.each([[-1, 0], [0, 2 ** 32], [0.5, 1], ['1', 2]])('keyFromWords(%s, %s) is refused', (a, b) => {
    refuses(() => any(Rng.keyFromWords)(a, b), 'INVALID_ARGUMENT', 'keyFromWords', 'integers in [0, 2^32)')
  })

  it.each([-1, 1.5, NaN, 2 ** 31, '2'])('split(key, %s) is refused', (n) => {
    refuses(() => any(Rng.split)(k, n), 'INVALID_ARGUMENT', 'split: the number of keys must be a whole number')
  })
})

describe('shapes', () => {
  const samplers: Array<[string, (s: unknown) => unknown]> = [
    ['bits', (s) => any(Rng.bits)(k, s)],
    ['uniform', (s) => any(Rng.uniform)(k, s)],
    ['normal', (s) => any(Rng.normal)(k, s)],
    ['truncatedNormal', (s) => any(Rng.truncatedNormal)(k, s)],
    ['bernoulli', (s) => any(Rng.bernoulli)(k, 0.5, s)],
    ['integers', (s) => any(Rng.integers)(k, s, 0, 2)],
  ]
  it.each(samplers)('%s refuses bad shapes', (op, call) => {
    refuses(() => call([-1]), 'INVALID_SHAPE', `${op}:`, 'whole number ≥ 0')
    refuses(() => call([2, 1.5]), 'INVALID_SHAPE', 'whole number ≥ 0')
    refuses(() => call([NaN]), 'INVALID_SHAPE', 'whole number ≥ 0')
    refuses(() => call(3), 'INVALID_SHAPE', 'a shape is an array of sizes')
    refuses(() => call(undefined), 'INVALID_SHAPE', 'a shape is an array of sizes')
  })

  it('refuses more elements than one tensor holds, before allocating', () => {
    refuses(() => Rng.uniform(k, [2 ** 20, 2 ** 20]), 'RESOURCE_LIMIT', 'one tensor may hold at most')
  })
})

describe('options and parameters', () => {
  it('options must be an object', () => {
    refuses(() => any(Rng.uniform)(k, [2], 'float64'), 'INVALID_ARGUMENT', 'uniform: options must be an object', "{ dtype: 'float64'")
    refuses(() => any(Rng.normal)(k, [2], 3), 'INVALID_ARGUMENT', 'normal: options must be an object')
  })

  it('float samplers refuse int32 and unknown dtypes', () => {
    for (const f of [Rng.uniform, Rng.normal, Rng.truncatedNormal]) {
      refuses(() => any(f)(k, [2], { dtype: 'int32' }), 'DTYPE_MISMATCH', "'float32' or 'float64'", 'Rng.integers')
      refuses(() => any(f)(k, [2], { dtype: 'float16' }), 'DTYPE_MISMATCH', 'unknown dtype "float16"')
    }
    refuses(() => any(Rng.bernoulli)(k, 0.5, [2], { dtype: 'bool' }), 'DTYPE_MISMATCH', 'unknown dtype "bool"')
  })

  it('uniform refuses empty, inverted, non-finite and unrepresentable intervals', () => {
    refuses(() => Rng.uniform(k, [2], { min: 1, max: 1 }), 'INVALID_ARGUMENT', 'min must be below max', 'min 1 and max 1')
    refuses(() => Rng.uniform(k, [2], { min: 2, max: 1 }), 'INVALID_ARGUMENT', 'min must be below max')
    refuses(() => Rng.uniform(k, [2], { min: NaN }), 'INVALID_ARGUMENT', 'min must be a finite number', 'NaN')
    refuses(() => Rng.uniform(k, [2], { max: Infinity }), 'INVALID_ARGUMENT', 'max must be a finite number')
    refuses(() => any(Rng.uniform)(k, [2], { max: '1' }), 'INVALID_ARGUMENT', 'max must be a finite number', 'the string "1"')
    refuses(() => Rng.uniform(k, [2], { dtype: 'float64', min: -1e308, max: 1e308 }), 'INVALID_ARGUMENT', 'overflows')
    refuses(() => Rng.uniform(k, [2], { min: 0, max: 1e39 }), 'INVALID_ARGUMENT', 'float32 range', "dtype 'float64'")
    refuses(() => Rng.uniform(k, [2], { min: 1 + 1e-12, max: 1 + 2e-12 }), 'INVALID_ARGUMENT', 'no float32 value lies in')
  })

  it('normal refuses bad mean/std and parameters that would overflow', () => {
    refuses(() => Rng.normal(k, [2], { std: -1 }), 'INVALID_ARGUMENT', 'std must be ≥ 0', 'absolute value')
    refuses(() => Rng.normal(k, [2], { std: NaN }), 'INVALID_ARGUMENT', 'std must be a finite number')
    refuses(() => Rng.normal(k, [2], { mean: Infinity }), 'INVALID_ARGUMENT', 'mean must be a finite number')
    refuses(() => Rng.normal(k, [2], { std: 1e38 }), 'INVALID_ARGUMENT', 'leaves the float32 range', "dtype 'float64'")
    refuses(() => Rng.normal(k, [2], { dtype: 'float64', std: 1e308 }), 'INVALID_ARGUMENT', 'leaves the float64 range')
  })

  it('truncatedNormal refuses bad bounds', () => {
    refuses(() => Rng.truncatedNormal(k, [2], { lower: 1, upper: 1 }), 'INVALID_ARGUMENT', 'lower must be below upper')
    refuses(() => Rng.truncatedNormal(k, [2], { lower: 3, upper: -3 }), 'INVALID_ARGUMENT', 'lower must be below upper')
    refuses(() => Rng.truncatedNormal(k, [2], { lower: NaN }), 'INVALID_ARGUMENT', 'lower must be a number')
    refuses(() => Rng.truncatedNormal(k, [2], { lower: 40, upper: 41 }), 'INVALID_ARGUMENT', 'so far in the tail', '±37')
    refuses(() => Rng.truncatedNormal(k, [2], { lower: -Infinity, upper: -40 }), 'INVALID_ARGUMENT', 'so far in the tail')
    refuses(() => Rng.truncatedNormal(k, [2], { std: -0.1 }), 'INVALID_ARGUMENT', 'std must be ≥ 0')
  })

  it.each([-0.1, 1.1, NaN, Infinity, '0.5', null])('bernoulli refuses p = %s', (p) => {
    refuses(() => any(Rng.bernoulli)(k, p, [2]), 'INVALID_ARGUMENT', 'bernoulli: p is the probability of a 1', '[0, 1]')
  })

  it('bernoulli hints at percentages and tensors', () => {
    refuses(() => Rng.bernoulli(k, 50, [2]), 'INVALID_ARGUMENT', 'divided by 100')
    refuses(() => any(Rng.bernoulli)(k, T.scalar(0.5), [2]), 'INVALID_ARGUMENT', 'plain number')
  })

  it('integers refuses bad bounds', () => {
    refuses(() => Rng.integers(k, [2], 5, 5), 'INVALID_ARGUMENT', 'low must be below high', '[low, high)')
    refuses(() => Rng.integers(k, [2], 5, 1), 'INVALID_ARGUMENT', 'low must be below high')
    refuses(() => Rng.integers(k, [2], 0.5, 3), 'INVALID_ARGUMENT', 'low must be a whole number')
    refuses(() => Rng.integers(k, [2], 0, 2 ** 31 + 1), 'INVALID_ARGUMENT', 'high must be a whole number in [-2^31, 2^31]')
    refuses(() => Rng.integers(k, [2], -(2 ** 31) - 1, 0), 'INVALID_ARGUMENT', 'low must be a whole number')
    refuses(() => any(Rng.integers)(k, [2], 0), 'INVALID_ARGUMENT', 'high must be a whole number', 'undefined')
  })

  it.each([-1, 2.5, NaN, 2 ** 31, '3'])('permutation refuses n = %s', (n) => {
    refuses(() => any(Rng.permutation)(k, n), 'INVALID_ARGUMENT', 'permutation: n must be a whole number in [0, 2^31 - 1]')
  })

  it('shuffle refuses non-tensors, scalars and bad axes', () => {
    refuses(() => any(Rng.shuffle)(k, [1, 2, 3]), 'INVALID_ARGUMENT', 'expected a tensor to shuffle', 'Tensor.tensor')
    refuses(() => Rng.shuffle(k, T.scalar(1)), 'INVALID_SHAPE', 'cannot shuffle a scalar')
    refuses(() => Rng.shuffle(k, T.zeros([2, 3]), 2), 'AXIS_OUT_OF_RANGE', 'axis 2 is out of range')
    refuses(() => Rng.shuffle(k, T.zeros([2, 3]), 0.5), 'AXIS_OUT_OF_RANGE', 'axis 0.5')
  })
})

describe('messages never throw while describing odd values', () => {
  it('bigints, symbols and functions are described, not serialised', () => {
    refuses(() => any(Rng.uniform)(3n, [2]), 'INVALID_KEY', 'the bigint 3n')
    refuses(() => any(Rng.uniform)(Symbol('k'), [2]), 'INVALID_KEY', 'Symbol(k)')
    refuses(() => any(Rng.integers)(k, [2], 0n, 3), 'INVALID_ARGUMENT', 'the bigint 0n')
    refuses(() => any(Rng.normal)(k, [2], { std: 2n }), 'INVALID_ARGUMENT', 'the bigint 2n')
    refuses(() => any(Rng.permutation)(k, () => 3), 'INVALID_ARGUMENT', 'a function')
    refuses(() => any(Rng.bernoulli)(k, 1n, [2]), 'INVALID_ARGUMENT', 'the bigint 1n')
  })
})
