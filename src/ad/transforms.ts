/**
 * The differentiation transformations. Each takes a function of tensors or parameter trees
 * written with the ordinary `Tensor` operations and returns a new function; they compose
 * freely (`jvp` of `grad` is a Hessian-vector product, `jacfwd` of `jacrev` a Hessian).
 *
 * Each call runs its own interpreter for exactly the duration of the call: values it traced
 * cannot be used once it returns, and no state survives between calls.
 */
import { checkArray, checkFunction, describe, fail, showShape } from '../core/errors.js'
import { isFloat } from '../core/dtype.js'
import { checkOptions } from '../core/options.js'
import { type Tensor, checkTensor, isTensor } from '../core/Tensor.js'
import { type Level, primalAt } from '../prims/bind.js'
import * as T from '../tensor/index.js'
import * as Tr from '../tree/index.js'
import { forward } from './forward.js'
import { reverse } from './reverse.js'
import { vmap } from './vmap.js'

type Tree = Tr.Tree

/** Refuses leaves that cannot carry derivatives. */
const differentiable = (op: string) => (x: Tensor, path: string): Tensor =>
  isFloat(x.dtype)
    ? x
    : fail('DTYPE_MISMATCH', op, `the leaf ${path === '' ? '(the argument itself)' : `'${path}'`} is ${x.dtype} ${showShape(x.shape)}; only float tensors can be differentiated. Pass integer data as an argument that is not differentiated, or cast it.`)

/** Replaces every tensor traced at `level` inside an arbitrary value by its primal. */
const strip = (level: Level, v: unknown): unknown => {
  if (isTensor(v)) return primalAt(level, v)
  if (Array.isArray(v)) return v.map((x) => strip(level, x))
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(level, x)]))
  }
  return v
}

const asTensor = (op: string, what: string, v: unknown): Tensor =>
  isTensor(v) ? v : fail('INVALID_ARGUMENT', op, `${what} must be a tensor; got ${describe(v)}.`)

/** The function a transformation is given, checked when the transformation is made. */
const checkF = <F>(op: string, f: F): F => checkFunction(op, 'the function to differentiate (argument 1)', f)

/** Refuses options of `grad` and `valueAndGrad` it does not know, and argnums or hasAux of the wrong type. */
const checkGradOptions = (op: string, opts: unknown, known: ReadonlyArray<string>): void => {
  checkOptions(op, opts, known)
  const { argnums, hasAux } = (opts ?? {}) as { readonly argnums?: unknown; readonly hasAux?: unknown }
  if (argnums !== undefined && typeof argnums !== 'number' && !Array.isArray(argnums)) {
    fail('INVALID_ARGUMENT', op, `argnums is ${describe(argnums)}; pass the index of the argument to differentiate (0 for the first) or an array of indices such as [0, 1].`)
  }
  if (hasAux !== undefined && typeof hasAux !== 'boolean') fail('INVALID_ARGUMENT', op, `hasAux is ${describe(hasAux)}; pass true or false.`)
}

/**
 * Reverse mode: evaluates `f` at `primals` and returns its value with a function that maps a
 * cotangent of the output (a tree shaped like it) to one cotangent per argument.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * const [y, back] = Ad.vjp((x: T.Tensor) => T.mul(x, x), T.tensor([3, 4]))
 * assert.deepStrictEqual(T.toArray(y), [9, 16])
 * // the cotangent weighs the outputs: here the second one only
 * assert.deepStrictEqual(T.toArray(back(T.tensor([0, 1]))[0]), [0, 8])
 * @category transformations
 */
export const vjp = <A extends ReadonlyArray<Tree>, R extends Tree>(f: (...args: A) => R, ...primals: A): readonly [R, (ct: R) => A] => {
  const op = 'vjp'
  checkF(op, f)
  const r = reverse(op)
  let traced: A
  let out: R
  try {
    traced = primals.map((p) => Tr.map(p, (x, path) => r.input(differentiable(op)(x, path)))) as unknown as A
    out = f(...traced)
  } finally {
    r.close()
  }
  const value = Tr.map(out, (y) => primalAt(r.level, y)) as R
  const back = (ct: R): A => {
    Tr.zipWith(value, ct, (y, c, path) =>
      y.dtype === c.dtype ? c : fail('DTYPE_MISMATCH', op, `the cotangent at '${path}' is ${c.dtype} but the output there is ${y.dtype}.`),
    )
    const seeds = new Map<number, Tensor>()
    const outs = Tr.leaves(out)
    Tr.leaves(ct).forEach(({ value: c }, i) => {
      const node = r.nodeOf(outs[i]!.value)
      if (node >= 0) seeds.set(node, seeds.has(node) ? T.add(seeds.get(node)!, c) : c)
    })
    const adjoints = r.backward(seeds)
    return traced.map((t) => Tr.map(t, (x) => adjoints.get(r.nodeOf(x)) ?? T.zerosLike(primalAt(r.level, x)))) as unknown as A
  }
  return [value, back]
}

/** Which arguments `grad` differentiates: one index or several. */
export type Argnums = number | ReadonlyArray<number>

/** Options of `grad` and `valueAndGrad`. */
export interface GradOptions {
  /** which arguments to differentiate: one index (default 0) or several */
  readonly argnums?: Argnums
  /** whether `f` returns `[value, aux]`, with `aux` passed through undifferentiated */
  readonly hasAux?: boolean
}

/**
 * The type of the gradient of a function of arguments `A` with respect to `argnums` `N`: the
 * type of that argument (a tree of the same shape), or a tuple of them for a list of indices.
 */
export type GradOf<A extends ReadonlyArray<unknown>, N extends Argnums> = N extends number
  ? A[N]
  : { -readonly [K in keyof N]: N[K] extends number ? A[N[K]] : never }

/** The overloads of `valueAndGrad`: the gradient is typed like the differentiated argument(s). */
export type ValueAndGrad = {
  <A extends ReadonlyArray<unknown>>(f: (...args: A) => Tensor, opts?: { readonly argnums?: 0; readonly hasAux?: false }): (...args: A) => readonly [Tensor, A[0]]
  <A extends ReadonlyArray<unknown>, const N extends Argnums>(f: (...args: A) => Tensor, opts: { readonly argnums: N; readonly hasAux?: false }): (...args: A) => readonly [Tensor, GradOf<A, N>]
  <A extends ReadonlyArray<unknown>, Aux>(f: (...args: A) => readonly [Tensor, Aux], opts: { readonly argnums?: 0; readonly hasAux: true }): (...args: A) => readonly [readonly [Tensor, Aux], A[0]]
  <A extends ReadonlyArray<unknown>, Aux, const N extends Argnums>(f: (...args: A) => readonly [Tensor, Aux], opts: { readonly argnums: N; readonly hasAux: true }): (...args: A) => readonly [readonly [Tensor, Aux], GradOf<A, N>]
}

/**
 * Value and gradient of a function whose value is a single number (a tensor with one
 * element), by one backward pass over the call's tape. With `hasAux`, `f` returns
 * `[value, aux]` and the result is `[[value, aux], grads]`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * const loss = (w: T.Tensor) => T.sum(T.square(w))
 * const [v, g] = Ad.valueAndGrad(loss)(T.tensor([1, 2]))
 * assert.strictEqual(T.item(v), 5)
 * assert.deepStrictEqual(T.toArray(g), [2, 4])
 * // hasAux: a second result (here the largest weight) rides along undifferentiated
 * const [[, biggest]] = Ad.valueAndGrad((w: T.Tensor) => [loss(w), T.max(w)] as const, { hasAux: true })(T.tensor([1, 2]))
 * assert.strictEqual(T.item(biggest), 2)
 * @category transformations
 */
export const valueAndGrad: ValueAndGrad = ((f: (...args: ReadonlyArray<unknown>) => unknown, opts: GradOptions = {}) => {
  checkF('valueAndGrad', f)
  checkGradOptions('valueAndGrad', opts, ['argnums', 'hasAux'])
  return (...args: ReadonlyArray<unknown>): readonly [unknown, unknown] => {
    const op = opts.hasAux === true ? 'valueAndGrad (hasAux)' : 'grad'
    const argnums: Argnums | undefined = opts.argnums
    const nums = typeof argnums === 'number' || argnums === undefined ? [argnums ?? 0] : [...argnums]
    nums.forEach((i) => {
      if (!Number.isInteger(i) || i < 0 || i >= args.length) fail('INVALID_ARGUMENT', op, `argnums ${i} is not the index of one of the ${args.length} arguments.`)
    })
    const r = reverse(op)
    let traced: unknown[]
    let result: unknown
    try {
      traced = args.map((a, i) => (nums.includes(i) ? Tr.map(a as Tree, (x, path) => r.input(differentiable(op)(x, path))) : a))
      result = f(...traced)
    } finally {
      r.close()
    }
    if (opts.hasAux === true && !(Array.isArray(result) && result.length === 2)) {
      fail('INVALID_ARGUMENT', op, 'with hasAux the function must return [value, aux].')
    }
    const [rawValue, aux] = opts.hasAux === true ? (result as [unknown, unknown]) : [result, undefined]
    const value = asTensor(op, 'the value of a function given to grad', rawValue)
    if (value.size !== 1) {
      fail('NOT_SCALAR', op, `the function returned a tensor of shape ${showShape(value.shape)}; grad needs a single number (reduce it with sum or mean), and vjp or jacrev handle other outputs.`)
    }
    const primal = primalAt(r.level, value)
    const node = r.nodeOf(value)
    const adjoints = node >= 0 ? r.backward(new Map([[node, T.onesLike(primal)]])) : new Map<number, Tensor>()
    const grads = nums.map((i) => Tr.map(traced[i] as Tree, (x) => adjoints.get(r.nodeOf(x)) ?? T.zerosLike(primalAt(r.level, x))))
    const g = typeof opts.argnums === 'object' ? grads : grads[0]
    return opts.hasAux === true ? [[primal, strip(r.level, aux)], g] : [primal, g]
  }
}) as ValueAndGrad

/** The overloads of `grad`: the gradient is typed like the differentiated argument(s). */
export type Grad = {
  <A extends ReadonlyArray<unknown>>(f: (...args: A) => Tensor, opts?: { readonly argnums?: 0 }): (...args: A) => A[0]
  <A extends ReadonlyArray<unknown>, const N extends Argnums>(f: (...args: A) => Tensor, opts: { readonly argnums: N }): (...args: A) => GradOf<A, N>
}

/**
 * Gradient of a function whose value is a single number, with respect to its first argument
 * (or `argnums`), as a tree shaped like that argument.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * const f = (p: { w: T.Tensor }) => T.sum(T.mul(p.w, p.w))
 * assert.deepStrictEqual(T.toArray(Ad.grad(f)({ w: T.tensor([3]) }).w), [6])
 * // argnums picks the argument: d/dy Σ x·y = x
 * const dy = Ad.grad((x: T.Tensor, y: T.Tensor) => T.sum(T.mul(x, y)), { argnums: 1 })(T.tensor([2, 5]), T.tensor([1, 1]))
 * assert.deepStrictEqual(T.toArray(dy), [2, 5])
 * @category transformations
 */
export const grad: Grad = ((f: (...args: ReadonlyArray<unknown>) => Tensor, opts: { readonly argnums?: Argnums } = {}) => {
  checkF('grad', f)
  checkGradOptions('grad', opts, ['argnums'])
  const vg = valueAndGrad(f, opts as { readonly argnums: Argnums })
  return (...args: ReadonlyArray<unknown>): unknown => vg(...args)[1]
}) as Grad

/**
 * Forward mode: evaluates `f` at `primals` and pushes `tangents` (trees shaped like them)
 * through it, returning `[value, tangent of the value]` with one pass and no tape.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * // d sin(x) = cos(x)·dx: at x = 0 a tangent of 2 comes out unchanged
 * const [y, dy] = Ad.jvp((x: T.Tensor) => T.sin(x), [T.tensor([0])], [T.tensor([2])])
 * assert.deepStrictEqual(T.toArray(y), [0])
 * assert.deepStrictEqual(T.toArray(dy), [2])
 * @category transformations
 */
export const jvp = <A extends ReadonlyArray<Tree>, R extends Tree>(f: (...args: A) => R, primals: A, tangents: A): readonly [R, R] => {
  const op = 'jvp'
  checkF(op, f)
  checkArray(op, 'the primals (argument 2)', primals, 'an array with one tree per argument of the function, e.g. [x]')
  checkArray(op, 'the tangents (argument 3)', tangents, 'an array with one tree per primal, shaped like it, e.g. [Tensor.onesLike(x)]')
  if (primals.length !== tangents.length) fail('INVALID_ARGUMENT', op, `got ${primals.length} primals but ${tangents.length} tangents; give one tangent tree per argument.`)
  const fw = forward(op)
  let out: R
  try {
    const duals = primals.map((p, i) =>
      Tr.zipWith(p, tangents[i]!, (x, t, path) => fw.dual(differentiable(op)(x, path), t)),
    ) as unknown as A
    out = f(...duals)
  } finally {
    fw.close()
  }
  const value = Tr.map(out, (y) => primalAt(fw.level, y)) as R
  const tangent = Tr.map(out, (y) => fw.tangentOf(y) ?? T.zerosLike(primalAt(fw.level, y))) as R
  return [value, tangent]
}

/** The basis of `like`'s space: `like.size` one-hot tensors of its shape, stacked along a new first axis. */
const basis = (like: Tensor): Tensor =>
  T.reshape(T.oneHot(Array.from({ length: like.size }, (_, i) => i), like.size, { dtype: like.dtype }), [like.size, ...like.shape])

/**
 * The Jacobian by forward mode: `jvp` pushes every basis tangent of `x` through `f` at once,
 * mapped over the basis by `vmap` (one batched pass, not one pass per input element; best when
 * inputs are few). Shape `[...out.shape, ...x.shape]`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * const J = Ad.jacfwd((x: T.Tensor) => T.mul(x, 3))(T.tensor([1, 2]))
 * assert.deepStrictEqual(T.toNested(J), [[3, 0], [0, 3]])
 * @category transformations
 */
export const jacfwd = (f: (x: Tensor) => Tensor): ((x: Tensor) => Tensor) => {
  checkF('jacfwd', f)
  return (x: Tensor): Tensor => {
    checkTensor('jacfwd', x, 'x')
    if (x.size === 0) {
      const value = asTensor('jacfwd', 'the value of the function', f(x))
      return T.zeros([...value.shape, ...x.shape], value.dtype)
    }
    // the value is the same for every tangent (null); each tangent's output goes last
    const [value, cols] = vmap((t: Tensor) => jvp(f, [x], [t]), { inAxes: 0, outAxes: [null, -1] })(basis(x))
    asTensor('jacfwd', 'the value of the function', value)
    return T.reshape(cols, [...value.shape, ...x.shape])
  }
}

/**
 * The Jacobian by reverse mode: one `vjp` whose backward pass runs for every basis cotangent of
 * the output at once, mapped over the basis by `vmap` (best when outputs are few). Shape
 * `[...out.shape, ...x.shape]`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * // f(x) = x·Σx, so ∂fᵢ/∂xⱼ = Σx·[i = j] + xᵢ
 * const f = (x: T.Tensor) => T.mul(x, T.sum(x))
 * const J = Ad.jacrev(f)(T.tensor([1, 2]))
 * assert.deepStrictEqual(T.toNested(J), [[4, 1], [2, 5]])
 * assert.deepStrictEqual(T.toNested(Ad.jacfwd(f)(T.tensor([1, 2]))), [[4, 1], [2, 5]])
 * @category transformations
 */
export const jacrev = (f: (x: Tensor) => Tensor): ((x: Tensor) => Tensor) => {
  checkF('jacrev', f)
  return (x: Tensor): Tensor => {
    checkTensor('jacrev', x, 'x')
    const [out, back] = vjp(f, x)
    const value = asTensor('jacrev', 'the value of the function', out)
    const shape = [...value.shape, ...x.shape]
    if (value.size === 0 || x.size === 0) return T.zeros(shape, x.dtype)
    // one output element (a gradient) needs no batch
    if (value.size === 1) return T.reshape(back(T.onesLike(value))[0], shape)
    return T.reshape(vmap((ct: Tensor) => back(ct)[0])(basis(value)), shape)
  }
}

/**
 * The Hessian of a function whose value is a single number: forward mode over reverse mode
 * (`jacfwd` of `jacrev`: the gradient's `jvp` mapped over every basis tangent at once), shape
 * `[...x.shape, ...x.shape]`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * // Σx³ has Hessian diag(6x)
 * const H = Ad.hessian((x: T.Tensor) => T.sum(T.pow(x, 3)))(T.tensor([1, 2], 'float64'))
 * assert.deepStrictEqual(T.toNested(H), [[6, 0], [0, 12]])
 * @category transformations
 */
export const hessian = (f: (x: Tensor) => Tensor): ((x: Tensor) => Tensor) => {
  checkF('hessian', f)
  return jacfwd((x: Tensor) => T.reshape(jacrev(f)(x), x.shape))
}

/**
 * Hessian-vector product H(p)·v by forward mode over reverse mode (`jvp` of `grad`), at the
 * cost of about two gradients and without forming H. `p` and `v` are trees of one shape.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * // Σx³ has Hessian diag(6x), so H(p)·v = 6·p·v
 * const f = (x: T.Tensor) => T.sum(T.pow(x, 3))
 * const hv = Ad.hvp(f)(T.tensor([1, 2], 'float64'), T.tensor([1, 1], 'float64'))
 * assert.deepStrictEqual(T.toArray(hv), [6, 12])
 * @category transformations
 */
export const hvp = <P extends Tree>(f: (p: P) => Tensor): ((p: P, v: P) => P) => {
  checkF('hvp', f)
  const g = grad(f)
  return (p: P, v: P): P => jvp((q: P) => g(q) as P, [p], [v])[1]
}
