/**
 * Fuzzing every boundary user data crosses (issue 8, item 3). The property everywhere:
 * a clear PuregradError or a correct result — never another exception type, a hang or a
 * silently wrong value — and nothing the user passed in is changed.
 */
import { fc, test } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect } from 'vitest'
import { Data, type ErrorCode, Net, Optim, PuregradError, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { type Json, anyNum, isFiniteNum, mutate, mutationOf, isWhole, num, outcome, untouched, valueOr, weird } from './support.js'

// ---------------------------------------------------------------------------------------------
// Tensor creation

/** Arbitrary nested "array-ish" user data. */
const leafValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: num },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 2 }), fc.constant(null), fc.constant(undefined), fc.boolean(), fc.constant({})) },
)
const nested: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafValue,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.array(num, { maxLength: 3 }).map((xs) => new Float64Array(xs)),
    fc.array(fc.integer({ min: -9, max: 9 }), { maxLength: 3 }).map((xs) => new Int32Array(xs)),
  ),
})).node
/** Mostly rectangular nested arrays of a random shape, with the occasional odd element. */
const rectangular: fc.Arbitrary<unknown> = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).chain((shape) => {
  const build = (d: number): fc.Arbitrary<unknown> =>
    d === shape.length ? fc.oneof({ weight: 20, arbitrary: num }, { weight: 1, arbitrary: leafValue }) : fc.array(build(d + 1), { minLength: shape[d]!, maxLength: shape[d]! })
  return build(0)
})
const dtype = fc.constantFrom<T.DType>('float32', 'float64', 'int32')
const F32_MAX = 3.4028234663852886e38

/** Reference: the shape and flat values `tensor` should produce, or undefined when it must refuse. */
const reference = (x: unknown, dt: T.DType): { readonly shape: number[]; readonly values: number[] } | undefined => {
  const isArr = (u: unknown): u is ArrayLike<unknown> => Array.isArray(u) || u instanceof Float64Array || u instanceof Float32Array || u instanceof Int32Array
  const shape: number[] = []
  let cur: unknown = x
  while (isArr(cur)) {
    shape.push(cur.length)
    if (!Array.isArray(cur) || cur.length === 0) break
    cur = cur[0]
  }
  const values: number[] = []
  const walk = (node: unknown, d: number): boolean => {
    if (d === shape.length) {
      if (typeof node !== 'number') return false
      if (dt === 'int32' && !(Number.isInteger(node) && node >= -(2 ** 31) && node < 2 ** 31)) return false
      if (dt === 'float32' && Number.isFinite(node) && Math.abs(node) > F32_MAX) return false
      values.push(node)
      return true
    }
    if (!isArr(node) || node.length !== shape[d]) return false
    for (let i = 0; i < node.length; i++) if (!walk(node[i], d + 1)) return false
    return true
  }
  return walk(x, 0) ? { shape, values } : undefined
}
const stored = (values: ReadonlyArray<number>, dt: T.DType): number[] =>
  Array.from(dt === 'float32' ? Float32Array.from(values) : dt === 'float64' ? Float64Array.from(values) : Int32Array.from(values))

describe('fuzz: tensor creation', () => {
  test.prop([fc.oneof(nested, rectangular), dtype], { numRuns: 300 })('tensor(nested): the right tensor, or INVALID_VALUE / RAGGED_ARRAY', (x, dt) => {
    const o = untouched(x, (v) => valueOr(() => T.tensor(v as T.NestedArray, dt), 'INVALID_VALUE', 'RAGGED_ARRAY'))
    const want = reference(x, dt)
    if (want === undefined) {
      expect(o.ok).toBe(false)
      return
    }
    expect(o.ok).toBe(true)
    if (!o.ok) return
    expect(o.value.dtype).toBe(dt)
    expect([...o.value.shape]).toEqual(want.shape)
    expect(T.toArray(o.value)).toStrictEqual(stored(want.values, dt))
  })

  test.prop([fc.anything({ maxDepth: 3, withTypedArray: true, withNullPrototype: true, withMap: true, withSet: true, withDate: true, withSparseArray: true, withBoxedValues: true }), fc.oneof(dtype, fc.string({ maxLength: 4 }) as fc.Arbitrary<T.DType>)], { numRuns: 300 })(
    'tensor(anything) never throws anything but a PuregradError',
    (x, dt) => {
      valueOr(() => T.tensor(x as T.NestedArray, dt), 'INVALID_VALUE', 'RAGGED_ARRAY', 'DTYPE_MISMATCH', 'INVALID_SHAPE')
    },
  )

  const smallShape = fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: weird }), { maxLength: 4 })
  test.prop([fc.array(num, { maxLength: 24 }), smallShape, dtype], { numRuns: 300 })('fromArray(values, shape): the right tensor, or a clear refusal', (values, shape, dt) => {
    const o = untouched([values, shape] as const, ([v, s]) => valueOr(() => T.fromArray(v, s, dt), 'INVALID_SHAPE', 'SHAPE_MISMATCH', 'INVALID_VALUE', 'RESOURCE_LIMIT'))
    const shapeOk = shape.every((d) => Number.isInteger(d) && d >= 0)
    const size = shape.reduce((a, b) => a * b, 1)
    const valuesOk = reference(values, dt) !== undefined
    expect(o.ok).toBe(shapeOk && size === values.length && valuesOk)
    if (o.ok) {
      expect([...o.value.shape]).toEqual(shape)
      expect(T.toArray(o.value)).toStrictEqual(stored(values, dt))
    }
  })

  test.prop([smallShape, num, dtype], { numRuns: 200 })('zeros / ones / full refuse bad shapes and values', (shape, v, dt) => {
    const o = untouched(shape, (s) => valueOr(() => T.full(s, v, dt), 'INVALID_SHAPE', 'INVALID_VALUE', 'RESOURCE_LIMIT'))
    const ok = shape.every((d) => Number.isInteger(d) && d >= 0) && shape.reduce((p, d) => p * d, 1) < 2 ** 31 && reference(v, dt) !== undefined
    expect(o.ok).toBe(ok)
    if (o.ok) expect(T.toArray(o.value)).toStrictEqual(stored(new Array(o.value.size).fill(v), dt))
    valueOr(() => T.zeros(shape, dt), 'INVALID_SHAPE', 'RESOURCE_LIMIT')
  })
})

// ---------------------------------------------------------------------------------------------
// Tensor operations on arbitrary (possibly mismatched) shapes

const shapeArb = (maxRank = 4): fc.Arbitrary<number[]> => fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: maxRank })
const tensorOf = (s: ReadonlyArray<number>, dt: T.DType = 'float64'): fc.Arbitrary<T.Tensor> =>
  fc
    .array(dt === 'int32' ? fc.integer({ min: -5, max: 5 }) : fc.double({ min: -10, max: 10, noNaN: true }), { minLength: s.reduce((a, b) => a * b, 1), maxLength: s.reduce((a, b) => a * b, 1) })
    .map((xs) => T.fromArray(xs, s, dt))
const anyTensor = (maxRank = 4): fc.Arbitrary<T.Tensor> => fc.tuple(shapeArb(maxRank), dtype).chain(([s, dt]) => tensorOf(s, dt))
const axis = fc.oneof(fc.integer({ min: -5, max: 5 }), weird)
/** A tensor's content, to check nothing was mutated. */
const contentOf = (t: T.Tensor): unknown => ({ shape: [...t.shape], dtype: t.dtype, data: T.toArray(t) })

const SHAPE_CODES: ErrorCode[] = ['SHAPE_MISMATCH', 'DTYPE_MISMATCH', 'AXIS_OUT_OF_RANGE', 'INVALID_ARGUMENT', 'INVALID_SHAPE', 'INDEX_OUT_OF_RANGE', 'INVALID_VALUE']

/** Checks tensors are unchanged by `f`. */
const keeps = <A>(ts: ReadonlyArray<T.Tensor>, f: () => A): A => {
  const before = ts.map(contentOf)
  try {
    return f()
  } finally {
    expect(ts.map(contentOf)).toStrictEqual(before)
  }
}

const broadcast = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number[] | undefined => {
  const n = Math.max(a.length, b.length)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1
    const y = b[b.length - n + i] ?? 1
    if (x !== y && x !== 1 && y !== 1) return undefined
    out.push(x === 1 ? y : x)
  }
  return out
}

describe('fuzz: tensor operations', () => {
  const binary = { add: T.add, sub: T.sub, mul: T.mul, div: T.div, maximum: T.maximum, pow: T.pow, less: T.less }
  test.prop([fc.constantFrom(...(Object.keys(binary) as (keyof typeof binary)[])), anyTensor(), anyTensor()], { numRuns: 200 })('binary ops: broadcast shape or SHAPE/DTYPE_MISMATCH', (op, a, b) => {
    const o = keeps([a, b], () => valueOr(() => binary[op](a, b), 'SHAPE_MISMATCH', 'DTYPE_MISMATCH'))
    const want = broadcast(a.shape, b.shape)
    const floatOnly = (op === 'pow' || op === 'div') && a.dtype === 'int32'
    if (!floatOnly) expect(o.ok).toBe(want !== undefined && a.dtype === b.dtype)
    if (o.ok) expect([...o.value.shape]).toEqual(want)
  })

  test.prop([shapeArb(4), shapeArb(4), fc.boolean(), fc.boolean()], { numRuns: 200 })('matmul: a product of the right shape or SHAPE_MISMATCH', (sa, sb, ta, tb) => {
    const a = T.ones(sa, 'float64')
    const b = T.ones(sb, 'float64')
    const o = keeps([a, b], () => valueOr(() => T.matmul(a, b, { transposeA: ta, transposeB: tb } as T.MatmulOptions), 'SHAPE_MISMATCH', 'INVALID_ARGUMENT'))
    if (o.ok) {
      // all ones: every entry is the contracted size
      const k = sa.length === 1 ? sa[0]! : (ta ? sa[sa.length - 2] : sa[sa.length - 1])!
      expect(T.toArray(o.value).every((v) => v === k)).toBe(true)
    }
  })

  test.prop([anyTensor(3), fc.array(fc.oneof(fc.integer({ min: -1, max: 6 }), weird), { maxLength: 4 })], { numRuns: 200 })('reshape: same data, or a clear refusal', (t, s) => {
    const o = keeps([t], () => untouched(s, () => valueOr(() => T.reshape(t, s), 'INVALID_SHAPE', 'SHAPE_MISMATCH', 'INVALID_ARGUMENT', 'RESOURCE_LIMIT')))
    if (o.ok) {
      expect(o.value.size).toBe(t.size)
      expect(T.toArray(o.value)).toStrictEqual(T.toArray(t))
      s.forEach((d, i) => d >= 0 && expect(o.value.shape[i] === d).toBe(true))
    }
  })

  test.prop([fc.array(anyTensor(3), { maxLength: 3 }), axis], { numRuns: 200 })('concat / stack: right sizes or a clear refusal', (ts, ax) => {
    const o = keeps(ts, () => valueOr(() => T.concat(ts, ax), ...SHAPE_CODES))
    if (o.ok) expect(o.value.size).toBe(ts.reduce((n, t) => n + t.size, 0))
    const s = keeps(ts, () => valueOr(() => T.stack(ts, ax), ...SHAPE_CODES))
    if (s.ok) expect(s.value.size).toBe(ts.reduce((n, t) => n + t.size, 0))
  })

  test.prop([anyTensor(3), fc.array(fc.oneof(fc.integer({ min: -4, max: 4 }), weird), { maxLength: 4 }), axis], { numRuns: 200 })('gather: the selected slices or a clear refusal', (x, idx, ax) => {
    const o = keeps([x], () => untouched(idx, () => valueOr(() => T.gather(x, idx, ax), ...SHAPE_CODES)))
    if (o.ok) expect(o.value.rank).toBe(x.rank)
  })

  const depthArb = fc.oneof(fc.integer({ min: -1, max: 5 }), weird)
  test.prop([fc.array(fc.oneof(fc.integer({ min: -2, max: 5 }), weird), { maxLength: 5 }), depthArb], { numRuns: 200 })('oneHot: rows with a single one, or a clear refusal', (labels, depth) => {
    const o = untouched(labels, (l) => valueOr(() => T.oneHot(l, depth), 'INDEX_OUT_OF_RANGE', 'INVALID_ARGUMENT', 'INVALID_VALUE', 'INVALID_SHAPE', 'RESOURCE_LIMIT'))
    const valid = Number.isInteger(depth) && depth >= 1 && labels.every((v) => Number.isInteger(v) && v >= 0 && v < depth) && labels.length * depth < 2 ** 31
    expect(o.ok).toBe(valid)
    if (o.ok) expect(T.toArray(T.sum(o.value, -1))).toEqual(labels.map(() => 1))
  })

  const pair = fc.oneof(fc.integer({ min: -1, max: 4 }), weird, fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })))
  const padding = fc.oneof(fc.constantFrom('valid', 'same', 'full'), fc.integer({ min: -1, max: 3 }), weird)
  test.prop([shapeArb(5), shapeArb(5), fc.record({ strides: pair, padding, dilations: pair }, { requiredKeys: [] })], { numRuns: 200 })('conv2d: output or a clear refusal', (xs, ws, opts) => {
    const x = T.ones(xs, 'float64')
    const w = T.ones(ws, 'float64')
    const o = keeps([x, w], () => untouched(opts, () => valueOr(() => T.conv2d(x, w, opts as T.Conv2dOptions), ...SHAPE_CODES)))
    if (o.ok) expect(T.toArray(o.value).every((v) => Number.isFinite(v) && v >= 0)).toBe(true)
  })

  test.prop([fc.constantFrom('max', 'avg'), shapeArb(5), fc.record({ size: pair, strides: pair, padding }, { requiredKeys: ['size'] })], { numRuns: 200 })('pooling: output or a clear refusal', (kind, xs, opts) => {
    const x = T.ones(xs, 'float64')
    const f = kind === 'max' ? T.maxPool2d : T.avgPool2d
    const o = keeps([x], () => untouched(opts, () => valueOr(() => f(x, opts as T.Pool2dOptions), ...SHAPE_CODES)))
    // pooling a tensor of ones gives ones: padding is not counted, and windows of padding alone are refused
    if (o.ok) expect(T.toArray(o.value).every((v) => v === 1)).toBe(true)
  })

  test.prop([anyTensor(3), fc.oneof(axis, fc.array(axis, { maxLength: 3 }))], { numRuns: 150 })('reductions and softmax: a value or AXIS_OUT_OF_RANGE', (x, ax) => {
    keeps([x], () => {
      valueOr(() => T.sum(x, ax), 'AXIS_OUT_OF_RANGE', 'INVALID_ARGUMENT')
      valueOr(() => T.mean(x, ax), 'AXIS_OUT_OF_RANGE', 'INVALID_ARGUMENT', 'DTYPE_MISMATCH')
      if (typeof ax === 'number') valueOr(() => T.softmax(x, ax), 'AXIS_OUT_OF_RANGE', 'DTYPE_MISMATCH', 'INVALID_ARGUMENT', 'SHAPE_MISMATCH')
    })
  })
})

// ---------------------------------------------------------------------------------------------
// Decoding saved models

const network = Net.serial(Net.reshape([4, 4, 1]), Net.conv2d(2, 3, { padding: 'same' }), Net.batchNorm(), Net.relu, Net.flatten, Net.dense(3))
const vars = Net.init(network, { key: Rng.key(5), inShape: [16] })
const text = Net.encode({ network, inShape: [16], params: vars.params, state: vars.state })

/** A decoded model must match its own network: init's tree structure and shapes, same dtypes. */
const consistent = (m: Net.Model): boolean => {
  const fresh = Net.init(m.network, { key: Rng.key(0), inShape: m.inShape, dtype: Tree.leaves(m.params)[0]?.value.dtype === 'float64' ? 'float64' : 'float32' })
  const same = (a: Tree.Tree, b: Tree.Tree): boolean => {
    const la = Tree.leaves(a)
    const lb = Tree.leaves(b)
    return la.length === lb.length && la.every((l, i) => l.path === lb[i]!.path && l.value.dtype === lb[i]!.value.dtype && l.value.shape.join() === lb[i]!.value.shape.join())
  }
  return same(m.params, fresh.params) && same(m.state, fresh.state)
}

const decodes = (s: string): void => {
  let r: ReturnType<typeof Net.decode>
  try {
    r = Net.decode(s)
  } catch (e) {
    throw new Error(`decode threw instead of returning Left: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`)
  }
  if (E.isLeft(r)) {
    expect(r.left).toBeInstanceOf(PuregradError)
    // a damaged document, or one whose network grew beyond the default budget
    expect(['INVALID_VALUE', 'RESOURCE_LIMIT']).toContain(r.left.code)
  } else {
    expect(consistent(r.right)).toBe(true)
  }
}

const mutation = mutationOf(JSON.parse(text) as Json)

describe('fuzz: decoding saved models', () => {
  test('the unmutated model decodes', () => {
    expect(E.isRight(Net.decode(text))).toBe(true)
  })
  test.prop([fc.nat({ max: text.length - 1 })], { numRuns: 100 })('a truncated file is refused with INVALID_VALUE', (n) => {
    const r = Net.decode(text.slice(0, n))
    expect(E.isLeft(r) && r.left.code).toBe('INVALID_VALUE')
  })
  test.prop([fc.array(fc.tuple(fc.nat({ max: text.length - 1 }), fc.constantFrom('', 'x', '0', '9', '"', '{', '}', ',', '[', ']', 'e', '-', '.', 'A', '/', '+', '=', 'null')), { minLength: 1, maxLength: 4 })], { numRuns: 200 })(
    'flipped characters: Left INVALID_VALUE or a model consistent with its network, never a throw',
    (edits) => {
      let s = text
      for (const [i, c] of edits) s = s.slice(0, i) + c + s.slice(i + 1)
      decodes(s)
    },
  )
  test.prop([fc.array(mutation, { minLength: 1, maxLength: 3 })], { numRuns: 300 })('deleted, added, retyped fields: Left INVALID_VALUE or a consistent model', (ms) => {
    const doc = JSON.parse(text) as Json
    for (const m of ms) {
      try {
        mutate(doc, m)
      } catch {
        return // the path vanished under an earlier mutation
      }
    }
    decodes(JSON.stringify(doc))
  })
  test.prop([fc.anything({ maxDepth: 3 })], { numRuns: 100 })('decode of arbitrary JSON or non-strings never throws', (u) => {
    decodes(JSON.stringify(u) ?? 'undefined')
    let r: unknown
    expect(() => {
      r = Net.decode(u as string)
    }).not.toThrow()
    expect((r as E.Either<PuregradError, unknown>)._tag).toBe('Left')
  })
})

// ---------------------------------------------------------------------------------------------
// Hyperparameters of layers and optimizers

/** Constructor over one arbitrary value: valid → a value, invalid → INVALID_ARGUMENT. */
const hyper = (f: () => unknown, valid: boolean | undefined): void => {
  const o = valueOr(f, 'INVALID_ARGUMENT')
  if (valid !== undefined) expect(o.ok).toBe(valid)
}
/** For an option, undefined (and null) mean "the default": valid. */
const opt = (v: (u: unknown) => boolean | undefined) => (u: unknown): boolean | undefined => (u === undefined || u === null ? true : v(u))
/** undefined = the library may choose (edge of the documented range). */
const wholeValid = (min: number) => (u: unknown): boolean | undefined => (isWhole(u, min) ? (u as number) < 1e6 || undefined : false)

describe('fuzz: layer hyperparameters', () => {
  const layers: ReadonlyArray<readonly [string, (u: any) => unknown, (u: unknown) => boolean | undefined]> = [
    ['dense', (u) => Net.dense(u), wholeValid(1)],
    ['conv2d filters', (u) => Net.conv2d(u, 3), wholeValid(1)],
    ['conv2d kernel', (u) => Net.conv2d(2, u), wholeValid(1)],
    ['conv2d strides', (u) => Net.conv2d(2, 3, { strides: u }), opt(wholeValid(1))],
    ['conv2d padding', (u) => Net.conv2d(2, 3, { padding: u }), opt((u) => isWhole(u, 0) && (u as number) < 2 ** 30)],
    ['maxPool2d padding', (u) => Net.maxPool2d(2, { padding: u }), opt((u) => isWhole(u, 0) && (u as number) < 2 ** 30)],
    ['maxPool2d', (u) => Net.maxPool2d(u), wholeValid(1)],
    ['avgPool2d', (u) => Net.avgPool2d(u), wholeValid(1)],
    ['avgPool2d strides', (u) => Net.avgPool2d(2, { strides: u }), opt(wholeValid(1))],
    ['dropout', (u) => Net.dropout(u), (u) => (typeof u !== 'number' || !(u >= 0 && u <= 1) ? false : u > 0 || undefined)],
    ['batchNorm momentum', (u) => Net.batchNorm({ momentum: u }), opt((u) => (typeof u !== 'number' || !(u >= 0 && u <= 1) ? false : u < 1 || undefined))],
    ['batchNorm eps', (u) => Net.batchNorm({ eps: u }), opt((u) => (isFiniteNum(u) && u > 0 ? true : u === 0 ? undefined : false))],
    ['embedding vocab', (u) => Net.embedding(u, 2), wholeValid(1)],
    ['embedding dim', (u) => Net.embedding(3, u), wholeValid(1)],
    ['simpleRnn', (u) => Net.simpleRnn(u), wholeValid(1)],
    ['lstm', (u) => Net.lstm(u), wholeValid(1)],
    ['leakyRelu', (u) => Net.leakyRelu(u), (u) => (u === undefined ? true : isFiniteNum(u) || (typeof u === 'number' ? undefined : false))],
    ['elu', (u) => Net.elu(u), (u) => (u === undefined ? true : typeof u === 'number' && u <= 0 ? undefined : isFiniteNum(u) || (typeof u === 'number' ? undefined : false))],
    ['maxout', (u) => Net.maxout(u), wholeValid(1)],
    ['reshape', (u) => Net.reshape([u, 2]), (u) => (isWhole(u, 1) ? true : u === -1 ? undefined : false)],
    ['repeat', (u) => Net.repeat(u, Net.relu), (u) => (isWhole(u, 1) ? (u as number) < 1e6 || undefined : u === 0 ? undefined : false)],
    ['fanOut', (u) => Net.fanOut(u), (u) => (isWhole(u, 2) ? (u as number) < 1e6 || undefined : u === 1 || u === 0 ? undefined : false)],
    ['fanInConcat', (u) => Net.fanInConcat(u), (u) => u === undefined || (typeof u === 'number' && Number.isInteger(u) ? (Math.abs(u) < 64 ? true : undefined) : false)],
  ]
  for (const [name, make, valid] of layers) {
    test.prop([anyNum], { numRuns: 60 })(`${name}: valid → a layer, invalid → INVALID_ARGUMENT`, (u) => hyper(() => make(u), valid(u)))
  }
})

describe('fuzz: optimizer hyperparameters', () => {
  const lrValid = (u: unknown): boolean => isFiniteNum(u) && u >= 0
  const opts = fc.dictionary(fc.constantFrom('momentum', 'nesterov', 'weightDecay', 'b1', 'b2', 'eps', 'rho', 'alpha', 'centered', 'initialAccumulatorValue', 'lrDecay', 'amsgrad', 'momentumDecay', 'bogus'), anyNum, { maxKeys: 2 })
  const optimizers = { sgd: Optim.sgd, adam: Optim.adam, adamw: Optim.adamw, rmsprop: Optim.rmsprop, adagrad: Optim.adagrad, adadelta: Optim.adadelta, adamax: Optim.adamax, nadam: Optim.nadam, lion: Optim.lion }
  const params = { w: T.tensor([0.5, -1], 'float64'), b: T.tensor([2], 'float64') }
  const grads = { w: T.tensor([0.1, 0.2], 'float64'), b: T.tensor([-0.3], 'float64') }

  for (const [name, make] of Object.entries(optimizers)) {
    test.prop([anyNum], { numRuns: 40 })(`${name}(learningRate): valid → an optimizer, invalid → INVALID_ARGUMENT`, (lr) => hyper(() => (make as (lr: unknown) => unknown)(lr), lrValid(lr)))
    test.prop([fc.double({ min: 0, max: 1, noNaN: true }), opts], { numRuns: 40 })(`${name}(lr, options): a working optimizer or INVALID_ARGUMENT, inputs unchanged`, (lr, o) => {
      const r = untouched(o, (oo) => valueOr(() => (make as (lr: number, o: object) => Optim.GradientTransformation<unknown>)(lr, oo), 'INVALID_ARGUMENT'))
      if (!r.ok) return
      keeps([params.w, params.b, grads.w, grads.b], () => {
        const s = r.value.init(params)
        const [u] = r.value.update(grads, s, params)
        // an accepted optimizer with finite options makes finite updates, or was given non-finite options
        const finiteOpts = Object.values(o).every((v) => typeof v !== 'number' || Number.isFinite(v))
        if (finiteOpts && Object.values(o).every((v) => typeof v === 'number' || typeof v === 'boolean')) {
          expect(Tree.leaves(u).every((l) => T.toArray(l.value).every(Number.isFinite))).toBe(true)
        }
      })
    })
  }

  const schedules: ReadonlyArray<readonly [string, (v: unknown, w: unknown) => unknown]> = [
    ['constant', (v) => Optim.constant(v as number)],
    ['exponentialDecay', (v, w) => Optim.exponentialDecay(v as number, { transitionSteps: w as number, decayRate: 0.5 } as Optim.ExponentialDecayOptions)],
    ['stepDecay', (v, w) => Optim.stepDecay(v as number, { stepSize: w as number } as Optim.StepDecayOptions)],
    ['inverseTimeDecay', (v, w) => Optim.inverseTimeDecay(v as number, { decaySteps: w as number } as unknown as Optim.InverseTimeDecayOptions)],
    ['polynomialDecay', (v, w) => Optim.polynomialDecay(v as number, { transitionSteps: w as number, endValue: 0 } as Optim.PolynomialDecayOptions)],
    ['cosineDecay', (v, w) => Optim.cosineDecay(v as number, { decaySteps: w as number } as Optim.CosineDecayOptions)],
    ['warmupCosineDecay', (v, w) => Optim.warmupCosineDecay(v as number, { warmupSteps: w as number, decaySteps: 10 } as Optim.WarmupCosineDecayOptions)],
    ['piecewiseConstant', (v, w) => Optim.piecewiseConstant(v as number, { boundariesAndScales: { [String(w)]: 0.5 } } as unknown as Optim.PiecewiseConstantOptions)],
  ]
  for (const [name, make] of schedules) {
    test.prop([anyNum, anyNum, fc.oneof(fc.integer({ min: 0, max: 100 }), weird)], { numRuns: 40 })(`${name}: a schedule of finite rates, or INVALID_ARGUMENT`, (v, w, step) => {
      const o = valueOr(() => make(v, w), 'INVALID_ARGUMENT')
      if (o.ok && Number.isInteger(step) && step >= 0) {
        const r = valueOr(() => (o.value as Optim.Schedule)(step), 'INVALID_ARGUMENT')
        if (r.ok) expect(Number.isFinite(r.value)).toBe(true)
      }
    })
  }
})

// ---------------------------------------------------------------------------------------------
// Data sets and training options

describe('fuzz: data sets and fit options', () => {
  const n = fc.integer({ min: 0, max: 6 })
  test.prop([n, n, fc.integer({ min: 0, max: 3 })], { numRuns: 100 })('dataset: refuses mismatched lengths with SHAPE_MISMATCH', (nx, ny, f) => {
    const x = T.zeros([nx, f])
    const y = T.zeros([ny])
    const o = keeps([x, y], () => valueOr(() => Data.dataset(x, y), 'SHAPE_MISMATCH'))
    expect(o.ok).toBe(nx === ny)
  })
  test.prop([fc.integer({ min: 0, max: 12 }), fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), weird), { maxLength: 4 })], { numRuns: 150 })(
    'split: parts that partition the data set, or INVALID_ARGUMENT for bad ratios',
    (size, ratios) => {
      const ds = Data.dataset(T.arange(size, undefined, undefined, 'float64'), T.arange(size, undefined, undefined, 'float64'))
      const o = untouched(ratios, (r) => valueOr(() => Data.split(Rng.key(1), ds, r), 'INVALID_ARGUMENT'))
      const valid = ratios.length > 0 && ratios.every((r) => Number.isFinite(r) && r >= 0) && Math.abs(ratios.reduce((a, b) => a + b, 0) - 1) <= 1e-9
      expect(o.ok).toBe(valid)
      if (o.ok) {
        expect(o.value.length).toBe(ratios.length)
        const all = o.value.flatMap((p) => T.toArray(p.x)).sort((a, b) => a - b)
        expect(all).toEqual(T.toArray(ds.x))
        o.value.forEach((p) => expect(T.toArray(p.x)).toEqual(T.toArray(p.y)))
      }
    },
  )
  test.prop([fc.integer({ min: 0, max: 10 }), fc.oneof(fc.integer({ min: -2, max: 12 }), weird), fc.boolean(), fc.boolean()], { numRuns: 150 })(
    'batches: every example once, or INVALID_ARGUMENT for bad sizes',
    (size, bs, keyed, drop) => {
      const ds = Data.dataset(T.arange(size, undefined, undefined, 'float64'), T.arange(size, undefined, undefined, 'float64'))
      const o = valueOr(() => Data.batches(keyed ? Rng.key(2) : undefined, ds, bs, { dropRemainder: drop }), 'INVALID_ARGUMENT')
      expect(o.ok).toBe(Number.isInteger(bs) && bs >= 1)
      if (o.ok) {
        const seen = o.value.flatMap((b) => T.toArray(b.x))
        expect(new Set(seen).size).toBe(seen.length)
        expect(seen.length).toBe(drop ? Math.floor(size / bs) * bs : size)
        o.value.forEach((b) => expect(b.x.shape[0]).toBe(drop ? bs : Math.min(bs, b.x.shape[0]!)))
      }
    },
  )

  const trainer: Train.Trainer<unknown> = { network: Net.dense(1), optimizer: Optim.sgd(0.1) as Optim.GradientTransformation<unknown>, loss: (p, t) => T.mean(T.square(T.sub(p, t))) }
  const train = Data.dataset(T.ones([4, 2]), T.ones([4, 1]))
  const start = Train.initFit(trainer, Rng.key(0), [2])
  test.prop([fc.oneof(fc.integer({ min: -1, max: 2 }), weird), fc.oneof(fc.integer({ min: -1, max: 5 }), weird)], { numRuns: 60 })('fit: out-of-range epochs / batchSize → INVALID_ARGUMENT', (epochs, batchSize) => {
    const epochsOk = Number.isInteger(epochs) && epochs >= 0
    fc.pre(!epochsOk || epochs <= 2) // never run a huge valid number of epochs
    const o = valueOr(() => Train.fit(trainer, start, train, { epochs, batchSize }), 'INVALID_ARGUMENT')
    expect(o.ok).toBe(epochsOk && Number.isInteger(batchSize) && batchSize >= 1)
  })
})

// ---------------------------------------------------------------------------------------------
// Trees

class Point {
  constructor(readonly x: T.Tensor) {}
}

describe('fuzz: Tree functions on non-trees', () => {
  const cyclic = (): unknown => {
    const o: Record<string, unknown> = { a: T.zeros([1]) }
    o['self'] = o
    return o
  }
  const cyclicArr = (): unknown => {
    const a: unknown[] = [T.zeros([1])]
    a.push(a)
    return a
  }
  const nonTree = fc.oneof(
    fc.anything({ maxDepth: 2 }).filter((u) => !Tree.isTree(u)),
    fc.constantFrom<() => unknown>(cyclic, cyclicArr, () => new Point(T.zeros([1])), () => new Map([['a', T.zeros([1])]]), () => 3, () => 'w', () => null, () => undefined, () => [1, T.zeros([1])], () => ({ w: 2 })).map((f) => f()),
  )
  const fns: ReadonlyArray<readonly [string, (u: any) => unknown]> = [
    ['map', (u) => Tree.map(u, (x) => x)],
    ['leaves', (u) => Tree.leaves(u)],
    ['paths', (u) => Tree.paths(u)],
    ['size', (u) => Tree.size(u)],
    ['count', (u) => Tree.count(u)],
    ['reduce', (u) => Tree.reduce(u, 0, (a: number) => a + 1)],
    ['zipWith', (u) => Tree.zipWith(u, u, (a) => a)],
    ['structure', (u) => Tree.structure(u)],
    ['flatten', (u) => Tree.flatten(u)],
    ['deepFreeze', (u) => Tree.deepFreeze(u)],
    ['checkSameStructure', (u) => Tree.checkSameStructure(u, { a: T.zeros([1]) })],
  ]
  for (const [name, f] of fns) {
    test.prop([nonTree], { numRuns: 40 })(`${name}(non-tree): a clear PuregradError, never a crash or a hang`, (u) => {
      const o = outcome(() => f(u))
      if (o.ok) {
        // checkSameStructure and checkTree report through Either
        const v = o.value as { _tag?: string; left?: unknown }
        expect(v._tag).toBe('Left')
        expect(v.left).toBeInstanceOf(PuregradError)
      } else expect(['INVALID_VALUE', 'INVALID_ARGUMENT', 'TREE_MISMATCH']).toContain(o.error.code)
    })
  }
  test.prop([nonTree], { numRuns: 60 })('checkTree(non-tree) is a Left', (u) => {
    const r = Tree.checkTree(u)
    expect(E.isLeft(r)).toBe(true)
  })
})
