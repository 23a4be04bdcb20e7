import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { Tensor as T } from '../src/index.js'
import * as Arb from './arb/tensor.js'
import { allclose, exact } from './Equiv.js'
import * as L from './tensor.js'
import * as Ref from './reference.js'

const dtype = fc.constantFrom<T.FloatDType>('float32', 'float64')

/** Two broadcastable tensors of one dtype. */
const broadcastPair = (o: Arb.ValueOptions = {}) =>
  fc.tuple(Arb.broadcastablePair(), dtype).chain(([[sa, sb], d]) =>
    fc.tuple(Arb.tensorOfShape(sa, { ...o, dtype: d }), Arb.tensorOfShape(sb, { ...o, dtype: d })),
  )

const binaryOps: ReadonlyArray<readonly [string, (a: T.Tensor, b: T.Tensor) => T.Tensor, (x: number, y: number) => number]> = [
  ['add', T.add, (x, y) => x + y],
  ['sub', T.sub, (x, y) => x - y],
  ['mul', T.mul, (x, y) => x * y],
  ['div', T.div, (x, y) => x / y],
  ['maximum', T.maximum, Math.max],
  ['minimum', T.minimum, Math.min],
  ['less', T.less, (x, y) => (x < y ? 1 : 0)],
  ['equal', T.equal, (x, y) => (x === y ? 1 : 0)],
  ['greaterEqual', T.greaterEqual, (x, y) => (x >= y ? 1 : 0)],
]

describe('broadcasting', () => {
  for (const [name, op, f] of binaryOps) {
    test.prop([broadcastPair()])(`${name} agrees with an explicit loop over the broadcast shape`, ([a, b]) => {
      expect(L.broadcastMatchesLoop(op, f, a, b)).toHold(exact)
    })
  }
  test.prop([broadcastPair(), fc.integer({ min: 0, max: 3 })])('where agrees with an explicit loop', ([a, b], k) => {
    const c = T.greater(a, k - 2)
    expect(L.whereMatchesLoop(c, a, b)).toHold(exact)
  })
  test.prop([broadcastPair({ min: 0.5, max: 3 })])('pow agrees with an explicit loop', ([a, b]) => {
    expect(L.broadcastMatchesLoop(T.pow, Math.pow, a, b)).toHold(exact)
  })
})

const matmulCase = fc
  .record({
    m: fc.integer({ min: 1, max: 9 }),
    k: fc.integer({ min: 0, max: 9 }),
    n: fc.integer({ min: 1, max: 9 }),
    batchA: fc.constantFrom<number[]>([], [2], [1], [3, 2]),
    batchB: fc.constantFrom<number[]>([], [2], [1]),
    transposeA: fc.boolean(),
    transposeB: fc.boolean(),
    dtype,
  })
  .filter(({ batchA, batchB }) => !(batchA.length === 2 && batchB[0] === 2 && batchA[1] !== 2))
  .chain((c) =>
    fc.tuple(
      fc.constant(c),
      Arb.tensorOfShape([...c.batchA, c.m, c.k], { dtype: c.dtype }),
      Arb.tensorOfShape([...c.batchB, c.k, c.n], { dtype: c.dtype }),
    ),
  )

describe('matmul', () => {
  // The kernel has a 4×4 tiled core and edge paths; sweep every size pair around them.
  it('matches the naive triple loop for every m, n in 1…9, several k, every transpose combination', () => {
    let seed = 1
    const next = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 4 - 2
    for (let m = 1; m <= 9; m++)
      for (let n = 1; n <= 9; n++)
        for (const k of [0, 1, 5, 8])
          for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
            const a = T.fromArray(Array.from({ length: m * k }, next), [m, k], 'float64')
            const b = T.fromArray(Array.from({ length: k * n }, next), [k, n], 'float64')
            expect(L.matmulMatchesNaive(a, b, ta, tb)).toHold(allclose({ rtol: 1e-12, atol: 1e-12 }))
          }
  })
  // k = 1 has its own kernel (outer products, written four at a time): bits, signed zeros and
  // non-finite values included, for n around the 4-wide steps and batches with a shared operand
  it('with k = 1 gives the triple loop bit for bit (±0, ±∞, NaN, overflow), every n in 1…13, shared operands, every transposition', () => {
    const specials = [-0, 0, Infinity, -Infinity, NaN, 3e38, -2.5e-39, 1.5]
    let seed = 7
    const next = (): number => ((seed = (seed * 48271) % 2147483647) % 5 === 0 ? specials[seed % specials.length]! : (seed / 2147483647) * 4 - 2)
    const bits = (t: T.Tensor): number[] => Array.from(T.toTypedArray(t))
    for (const dt of ['float32', 'float64'] as const)
      for (const [batchA, batchB] of [[[], []], [[3], [3]], [[], [2]], [[2], []], [[2], [1]]] as const)
        for (let m = 1; m <= 6; m++)
          for (let n = 1; n <= 13; n++)
            for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
              const a = T.fromArray(Array.from({ length: T.sizeOf([...batchA, m]) }, next), [...batchA, m, 1], dt)
              const b = T.fromArray(Array.from({ length: T.sizeOf([...batchB, n]) }, next), [...batchB, 1, n], dt)
              // a stored transposed is [.., 1, m]: the same elements in the same order
              const got = T.matmul(ta ? T.reshape(a, [...batchA, 1, m]) : a, tb ? T.reshape(b, [...batchB, n, 1]) : b, { transposeA: ta, transposeB: tb })
              const want = bits(Ref.matmul(a, b))
              expect(bits(got).every((v, i) => Object.is(v, want[i])), `${dt} a [${a.shape}] b [${b.shape}] transposes ${ta} ${tb}`).toBe(true)
            }
  })
  test.prop([matmulCase])('matches the naive triple loop, for every transpose combination and broadcast batch', ([c, a, b]) => {
    const tol = c.dtype === 'float32' ? { rtol: 1e-6, atol: 1e-5 } : { rtol: 1e-12, atol: 1e-12 }
    expect(L.matmulMatchesNaive(a, b, c.transposeA, c.transposeB)).toHold(allclose(tol))
  })
})

/** A tensor with a random subset of its axes. */
const withAxes = (o: Arb.ValueOptions = {}) =>
  fc.tuple(Arb.shape({ maxRank: 4, minDim: 1, maxDim: 3 }), dtype).chain(([s, d]) =>
    fc.tuple(Arb.tensorOfShape(s, { ...o, dtype: d }), fc.subarray([...s.keys()]), fc.boolean()),
  )

const sumOf = (xs: number[]): number => xs.reduce((p, v) => p + v, 0)

describe('reductions', () => {
  const cases: ReadonlyArray<readonly [string, (x: T.Tensor, axes: ReadonlyArray<number>, k: boolean) => T.Tensor, (xs: number[]) => number]> = [
    ['sum', T.sum, sumOf],
    ['mean', T.mean, (xs) => sumOf(xs) / xs.length],
    ['max', T.max, (xs) => Math.max(...xs)],
    ['min', T.min, (xs) => Math.min(...xs)],
    ['logsumexp', T.logsumexp, (xs) => Math.log(sumOf(xs.map(Math.exp)))],
    ['variance', T.variance, (xs) => sumOf(xs.map((v) => (v - sumOf(xs) / xs.length) ** 2)) / xs.length],
  ]
  for (const [name, op, fold] of cases) {
    test.prop([withAxes({ min: -3, max: 3 })])(`${name} over any axes agrees with grouping by output index`, ([x, axes, keepdims]) => {
      const tol = x.dtype === 'float32' ? { rtol: 1e-5, atol: 1e-5 } : { rtol: 1e-11, atol: 1e-11 }
      expect(L.reductionMatchesGroups(op, fold, x, axes, keepdims)).toHold(allclose(tol))
    })
  }
  test.prop([withAxes(), fc.nat()])('argmax picks an index of the maximum, the first one', ([x], a) => {
    fc.pre(x.rank > 0)
    const axis = a % x.rank
    const idx = T.argmax(x, axis, true)
    const picked = T.toArray(x).length === 0 ? [] : T.toArray(T.max(x, axis, true))
    // gathering at the chosen index reproduces the max
    const moved = T.transpose(x, [...x.shape.keys()].filter((i) => i !== axis).concat(axis))
    const flat = T.reshape(moved, [-1, x.shape[axis]!])
    const rows = T.toNested(flat) as number[][]
    const ix = T.toArray(T.reshape(T.transpose(idx, [...x.shape.keys()].filter((i) => i !== axis).concat(axis)), [-1]))
    const maxes = T.toArray(T.reshape(T.transpose(T.max(x, axis, true), [...x.shape.keys()].filter((i) => i !== axis).concat(axis)), [-1]))
    rows.forEach((r, i) => {
      expect(r[ix[i]!]).toBe(maxes[i])
      expect(r.indexOf(maxes[i]!)).toBe(ix[i])
    })
    expect(picked.length).toBe(maxes.length)
  })
})

describe('layout round trips', () => {
  test.prop([Arb.tensor({ maxRank: 4 }).chain((x) => fc.tuple(fc.constant(x), fc.shuffledSubarray([...x.shape.keys()], { minLength: x.rank, maxLength: x.rank })))])(
    'transpose then the inverse permutation is the identity',
    ([x, perm]) => {
      expect(L.transposeRoundTrip(x, perm)).toHold(exact)
    },
  )
  test.prop([Arb.tensor({ maxRank: 4 }).chain((x) => fc.tuple(fc.constant(x), fc.constantFrom([x.size], [1, x.size, 1], [-1], [x.size, -1])))])(
    'reshape and back is the identity',
    ([x, shape]) => {
      expect(L.reshapeRoundTrip(x, shape)).toHold(exact)
    },
  )
  test.prop([Arb.tensor({ minRank: 1, maxRank: 3 }).chain((x) => fc.tuple(fc.constant(x), fc.nat({ max: x.rank - 1 })).chain(([x, ax]) => fc.tuple(fc.constant(x), fc.constant(ax), fc.nat({ max: x.shape[ax]! }))))])(
    'slices along an axis concatenate back to the tensor',
    ([x, axis, cut]) => {
      expect(L.sliceConcatRoundTrip(x, axis, cut)).toHold(exact)
    },
  )
  test.prop([Arb.tensor({ maxRank: 3 }).chain((x) => fc.tuple(fc.constant(x), fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: x.rank, maxLength: x.rank })))])(
    'pad then slice the padding off is the identity',
    ([x, pads]) => {
      expect(L.padSliceRoundTrip(x, pads)).toHold(exact)
    },
  )
})

describe('softmax', () => {
  const logits = dtype.chain((d) => Arb.tensor({ dtype: d, minRank: 1, maxRank: 3, min: -50, max: 50 }))
  test.prop([logits])('sums to one along its axis', (x) => {
    expect(L.softmaxSumsToOne(x)).toHold(allclose({ rtol: 1e-5, atol: 1e-6 }))
  })
  test.prop([logits, fc.double({ min: -1000, max: 1000, noNaN: true })])('is invariant to shifting the logits', (x, c) => {
    fc.pre(x.dtype === 'float64')
    expect(L.softmaxShiftInvariant(x, c)).toHold(allclose({ rtol: 1e-9, atol: 1e-12 }))
  })
  test.prop([logits])('exp(logSoftmax) = softmax', (x) => {
    expect(L.logSoftmaxConsistent(x)).toHold(allclose({ rtol: 1e-5, atol: 1e-7 }))
  })
})

describe('indexing', () => {
  test.prop([fc.integer({ min: 1, max: 10 }).chain((d) => fc.tuple(fc.array(fc.nat(d - 1), { maxLength: 20 }), fc.constant(d)))])(
    'argmax of oneHot gives the labels back',
    ([labels, depth]) => {
      expect(L.oneHotArgmaxRoundTrip(labels, depth)).toHold(exact)
    },
  )
})

describe('purity', () => {
  const ops: ReadonlyArray<readonly [string, (x: T.Tensor, y: T.Tensor) => unknown]> = [
    ['add', T.add], ['mul', T.mul], ['where', (x, y) => T.where(x, x, y)], ['matmulᵀ', (x) => T.matmul(T.reshape(x, [1, -1]), T.reshape(x, [1, -1]), { transposeB: true })],
    ['sum', (x) => T.sum(x)], ['max', (x) => (x.size > 0 ? T.max(x) : x)], ['logsumexp', (x) => T.logsumexp(x)], ['softmax', (x) => (x.rank > 0 ? T.softmax(x) : x)],
    ['transpose', (x) => T.transpose(x)], ['reshape', (x) => T.reshape(x, [-1])], ['slice', (x) => T.slice(x, [])], ['concat', (x) => (x.rank > 0 ? T.concat([x, x]) : x)],
    ['stack', (x, y) => T.stack([x, y])], ['pad', (x) => T.pad(x, x.shape.map(() => [1, 1] as const))], ['cast', (x) => T.cast(x, 'float64')],
    ['exp', T.exp], ['relu', T.relu], ['sigmoid', T.sigmoid], ['neg', T.neg], ['clip', (x) => T.clip(x, -1, 1)],
  ]
  for (const [name, run] of ops) {
    test.prop([Arb.shape({ maxRank: 3 }).chain((s) => fc.tuple(Arb.tensorOfShape(s), Arb.tensorOfShape(s)))])(`${name} never changes its inputs`, ([x, y]) => {
      expect(L.leavesInputsAlone(() => run(x, y), [x, y])).toHold((a, b) => a.every((t, i) => T.equals(t, b[i]!)))
    })
  }
})
