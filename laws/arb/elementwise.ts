/**
 * Random float32 elementwise programs: a straight line of operations over four inputs that
 * broadcast in each of the ways a fused loop reads them — x [r, c] (whole), b [c] (a bias
 * row), col [r, 1] (one value per row) and s [] (a scalar) — holding NaN, ±0, ±∞, subnormals
 * and huge values among ordinary floats. Every operation is one that fused groups may run in
 * WebAssembly, so jit fuses the program into groups that do.
 */
import fc from 'fast-check'
import { Tensor as T } from '../../src/index.js'

const unary = {
  neg: T.neg, abs: T.abs, sqrt: T.sqrt, square: T.square, reciprocal: T.reciprocal, relu: T.relu,
  floor: T.floor, ceil: T.ceil, sign: T.sign, isFinite: T.isFinite, isNaN: T.isNaN,
} as const
const binary = {
  add: T.add, sub: T.sub, mul: T.mul, div: T.div, maximum: T.maximum, minimum: T.minimum,
  equal: T.equal, notEqual: T.notEqual, less: T.less, lessEqual: T.lessEqual, greater: T.greater, greaterEqual: T.greaterEqual,
} as const

/** One operation: its name and the values it reads (0–3: x, b, col, s; then earlier results). */
export type Step = { readonly op: keyof typeof unary | keyof typeof binary | 'where'; readonly args: ReadonlyArray<number> }
export interface Program {
  readonly rows: number
  readonly cols: number
  readonly steps: ReadonlyArray<Step>
}

const NAMES = ['x', 'b', 'col', 's']

/**
 * The program applied to its inputs; the result is the last value broadcast to x's shape (by a
 * `where` on ones, which keeps every bit, beside −x so that it is a group of two at least).
 */
export const run = (p: Program, x: T.Tensor, b: T.Tensor, col: T.Tensor, s: T.Tensor): T.Tensor => {
  const vals = [x, b, col, s]
  for (const st of p.steps) {
    const a = st.args.map((i) => vals[i]!)
    vals.push(st.op === 'where' ? T.where(a[0]!, a[1]!, a[2]!) : st.op in unary ? unary[st.op as keyof typeof unary](a[0]!) : binary[st.op as keyof typeof binary](a[0]!, a[1]!))
  }
  return T.where(T.ones([p.rows, p.cols]), vals[vals.length - 1]!, T.neg(x))
}

/**
 * The program with two results of x's shape, stacked: the last value (as `run` gives it) and an
 * earlier one, `pick` counted from the end, broadcast by a `where` beside x itself. Both results
 * are outputs of the program and both read x, so jit runs them (and whatever they share) as one
 * fused group with several outputs.
 */
export const runTwo = (p: Program, pick: number, x: T.Tensor, b: T.Tensor, col: T.Tensor, s: T.Tensor): T.Tensor => {
  const vals = [x, b, col, s]
  for (const st of p.steps) {
    const a = st.args.map((i) => vals[i]!)
    vals.push(st.op === 'where' ? T.where(a[0]!, a[1]!, a[2]!) : st.op in unary ? unary[st.op as keyof typeof unary](a[0]!) : binary[st.op as keyof typeof binary](a[0]!, a[1]!))
  }
  const ones = T.ones([p.rows, p.cols])
  const last = T.where(ones, vals[vals.length - 1]!, T.neg(x))
  const earlier = T.where(ones, vals[Math.max(0, vals.length - 1 - pick)]!, x)
  return T.stack([last, earlier], 0)
}

export const show = (p: Program): string =>
  `[${p.rows},${p.cols}]: ${p.steps.map((st, k) => `v${k + 4} = ${st.op}(${st.args.map((i) => (i < 4 ? NAMES[i] : `v${i}`)).join(', ')})`).join('; ')}`

const stepAt = (k: number): fc.Arbitrary<Step> => {
  const arg = fc.integer({ min: 0, max: k + 3 })
  return fc.oneof(
    fc.record({ op: fc.constantFrom(...(Object.keys(unary) as Array<keyof typeof unary>)), args: fc.tuple(arg) }),
    fc.record({ op: fc.constantFrom(...(Object.keys(binary) as Array<keyof typeof binary>)), args: fc.tuple(arg, arg) }),
    fc.record({ op: fc.constant('where' as const), args: fc.tuple(arg, arg, arg) }),
  )
}

/** A loop nest of 128 to 20 000 elements: small ones, many rows (several blocks of whole rows), or long rows (cut in pieces). */
const dims = fc.oneof(
  fc.record({ rows: fc.integer({ min: 1, max: 24 }), cols: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ rows: fc.integer({ min: 100, max: 400 }), cols: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ rows: fc.integer({ min: 1, max: 3 }), cols: fc.integer({ min: 4000, max: 6000 }) }),
)

/** Programs of 1–12 operations over x of at least 128 elements (smaller groups stay in JavaScript). */
export const program = (): fc.Arbitrary<Program> =>
  fc.record({ d: dims, n: fc.integer({ min: 1, max: 12 }) })
    .filter(({ d }) => d.rows * d.cols >= 128)
    .chain(({ d, n }) => fc.tuple(...Array.from({ length: n }, (_, k) => stepAt(k))).map((steps) => ({ ...d, steps })))

const special = fc.constantFrom(NaN, 0, -0, Infinity, -Infinity, 1, -1, 0.5, 2, 1e-45, -3e-39, 3.4e38, -1e30)
const value = fc.oneof(special, fc.float(), fc.float({ min: -4, max: 4, noNaN: true }))

/** The four float32 inputs of a program, filled cyclically from up to 101 drawn values (so large ones cost little). */
export const inputs = (p: Program): fc.Arbitrary<[T.Tensor, T.Tensor, T.Tensor, T.Tensor]> => {
  const t = (shape: number[]): fc.Arbitrary<T.Tensor> => {
    const n = shape.reduce((a, d) => a * d, 1)
    const m = Math.min(n, 101)
    return fc.array(value, { minLength: m, maxLength: m }).map((v) => T.fromArray(Float32Array.from({ length: n }, (_, i) => v[i % m]!), shape))
  }
  return fc.tuple(t([p.rows, p.cols]), t([p.cols]), t([p.rows, 1]), t([]))
}
