/**
 * `scan`: a loop over the first axis of its inputs that every transformation sees as one
 * operation (see `scanCompound.ts` for its rules and `closure.ts` for how the body's closed-over
 * values become its inputs).
 */
import { checkFunction, describe, fail, showShape } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { sameShape } from '../core/shape.js'
import type { Tensor } from '../core/Tensor.js'
import { type Rewrite, bindCompound, liveBox, unobserved } from '../prims/bind.js'
import * as T from '../tensor/index.js'
import * as Tr from '../tree/index.js'
import { compareTrees } from '../tree/structure.js'
import { showPath } from '../tree/internal.js'
import { type Within, probe, standIn, within } from './closure.js'
import { type Aval, type Body, type ScanSpec, loop, row, scanCompound } from './scanCompound.js'

/** Options of `scan`. */
export interface ScanOptions {
  /** the number of steps: needed when there are no `xs`; when there are, it must equal their first axis */
  readonly length?: number
  /** run from the last step to the first (the outputs stay in step order); default false */
  readonly reverse?: boolean
}

const op = 'scan'

type Tree = Tr.Tree

const leavesOf = (u: Tree | undefined | null): ReadonlyArray<Tr.Leaf> => (u === undefined || u === null ? [] : Tr.leaves(u))

/** A tree shaped like `template` with the given leaves, in traversal order. */
const unflatten = <A>(template: A, values: ReadonlyArray<Tensor>): A => {
  if (template === undefined || template === null) return template
  let i = 0
  return Tr.map(template as Tree, () => values[i++]!) as A
}

const checkTreeArg = (what: string, u: unknown, optional: boolean): void => {
  if (optional && (u === undefined || u === null)) return
  if (!Tr.isTree(u)) {
    fail('INVALID_ARGUMENT', op, `${what} is ${describe(u)}; pass a tensor or a tree of tensors (records and arrays of tensors)${optional ? ', or undefined with the length option' : ''}.`)
  }
}

/** The number of steps, from the xs' first axes and the length option, checked. */
const stepsOf = (xs: ReadonlyArray<Tr.Leaf>, length: number | undefined): number => {
  if (length !== undefined && (!Number.isInteger(length) || length < 0)) fail('INVALID_ARGUMENT', op, `length is ${describe(length)}; pass the number of steps, a whole number ≥ 0.`)
  let first: Tr.Leaf | undefined
  for (const l of xs) {
    const at = l.path === '' ? 'xs' : `xs at '${l.path}'`
    if (l.value.rank === 0) fail('INVALID_SHAPE', op, `${at} is a scalar; every leaf of xs needs a first axis of one entry per step (stack the steps along axis 0).`)
    if (first === undefined) first = l
    else if (l.value.shape[0] !== first.value.shape[0]) {
      const at0 = first.path === '' ? 'xs' : `xs at '${first.path}'`
      fail('SHAPE_MISMATCH', op, `the leaves of xs disagree on the number of steps: ${at0} has ${first.value.shape[0]} (shape ${showShape(first.value.shape)}) but ${at} has ${l.value.shape[0]} (shape ${showShape(l.value.shape)}); every leaf needs the same first axis, one entry per step.`)
    }
  }
  if (first === undefined) {
    return length ?? fail('INVALID_ARGUMENT', op, 'there are no xs to scan over and no length; pass xs (a tree whose leaves have one entry per step along axis 0) or the length option.')
  }
  const n = first.value.shape[0]!
  if (length !== undefined && length !== n) {
    fail('SHAPE_MISMATCH', op, `length is ${length} but ${first.path === '' ? 'xs' : `xs at '${first.path}'`} has ${n} steps (shape ${showShape(first.value.shape)}); leave length out or make them agree.`)
  }
  return n
}

/** Refuses a carry that changed its structure, a leaf's shape or dtype during a step. */
const checkCarry = (init: Tree, paths: ReadonlyArray<string>, carry: unknown, avals: ReadonlyArray<Aval>): ReadonlyArray<Tensor> => {
  if (!Tr.isTree(carry)) fail('TREE_MISMATCH', op, `the body returned ${describe(carry)} as the carry; return the carry with the structure of the initial carry, e.g. [carry, y].`)
  const leaves = Tr.leaves(carry as Tree)
  if (leaves.length !== paths.length || leaves.some((l, i) => l.path !== paths[i])) {
    const e = compareTrees(op, init, carry, 'initial carry', 'carry the body returned')
    throw e ?? fail('TREE_MISMATCH', op, `the body returned a carry with leaves [${leaves.map((l) => l.path).join(', ')}] for an initial carry with [${paths.join(', ')}]; the carry keeps its structure from step to step.`)
  }
  leaves.forEach((l, i) => {
    const a = avals[i]!
    const at = showPath(l.path)
    if (!sameShape(l.value.shape, a.shape)) {
      fail('SHAPE_MISMATCH', op, `the body returned the carry at ${at} with shape ${showShape(l.value.shape)}, but it entered the step with ${showShape(a.shape)}; the carry keeps the shapes and dtypes of the initial carry from step to step (reshape, or move the value to the per-step outputs).`)
    }
    if (l.value.dtype !== a.dtype) {
      fail('DTYPE_MISMATCH', op, `the body returned the carry at ${at} as ${l.value.dtype}, but it entered the step as ${a.dtype}; the carry keeps the dtypes of the initial carry from step to step (cast it back).`)
    }
  })
  return leaves.map((l) => l.value)
}

/** Refuses per-step outputs whose structure, shapes or dtypes differ from the first step's. */
const checkOutputs = (first: unknown, y: unknown): ReadonlyArray<Tensor> => {
  if (y === undefined || y === null) {
    if (first === y) return []
    return fail('TREE_MISMATCH', op, `the body returned ${describe(y)} as this step's output but ${describe(first)} at the first step; every step returns outputs of one structure.`)
  }
  const e = compareTrees(op, first, y, "first step's output", "output of a later step")
  if (e !== undefined) throw e
  return Tr.leaves(y as Tree).map((l) => l.value)
}

/**
 * A loop whose body every transformation sees once: `f(carry, x)` returns `[carry, y]`, is
 * applied to each step of `xs` (a tree whose leaves have one entry per step along their
 * first axis) and the result is `[final carry, ys]`, the `y`s stacked along a new first axis.
 * Like `jax.lax.scan`: with `length` and no `xs` (pass `undefined`) the body gets `undefined`
 * as `x`; with `reverse` the steps run from the last to the first, the `ys` staying in step
 * order. `y` may be `undefined` when only the carry matters.
 *
 * Under differentiation and `vmap` the loop stays one operation: `grad` records one node and
 * keeps only the carry entering each step, its backward pass recomputing each step's
 * derivatives from it (so a long loop costs little memory on the tape, for a second forward
 * evaluation of the body); `jvp` scans tangents alongside; `vmap` maps the body over the
 * batch once per step. Tensors the body closes over (weights) are found by running the body
 * once on the first step, and receive their gradients. Scans nest.
 *
 * The carry must keep its structure, shapes and dtypes from step to step, and the body must
 * not read values (`toArray`, `item`) of what it computes: as under `vmap`, it is not always
 * given the values of a step. Mismatched steps among `xs` (SHAPE_MISMATCH), a carry that
 * changes (TREE_MISMATCH, SHAPE_MISMATCH, DTYPE_MISMATCH) are refused, naming the path.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * // running sums: the carry is the sum so far, each step outputs it
 * const cumsum = (xs: T.Tensor) => Ad.scan((s: T.Tensor, x: T.Tensor) => [T.add(s, x), T.add(s, x)] as const, T.scalar(0), xs)
 * const [total, sums] = cumsum(T.tensor([1, 2, 3, 4]))
 * assert.strictEqual(T.item(total), 10)
 * assert.deepStrictEqual(T.toArray(sums), [1, 3, 6, 10])
 * // a linear recurrence h ← w·h + x, differentiated with respect to w (closed over)
 * const final = (w: T.Tensor) => Ad.scan((h: T.Tensor, x: T.Tensor) => [T.add(T.mul(w, h), x), undefined] as const, T.scalar(1), T.tensor([0, 0, 0]))[0]
 * assert.strictEqual(T.item(Ad.grad(final)(T.scalar(2))), 12) // d w³/dw = 3w²
 * // no xs: the length option, and a tree as the carry
 * const [fib] = Ad.scan(({ a, b }: { a: T.Tensor; b: T.Tensor }) => [{ a: b, b: T.add(a, b) }, undefined] as const, { a: T.scalar(0), b: T.scalar(1) }, undefined, { length: 10 })
 * assert.strictEqual(T.item(fib.a), 55)
 * @category transformations
 */
export const scan = <C extends Tree, X extends Tree | undefined, Y extends Tree | undefined>(
  f: (carry: C, x: X) => readonly [C, Y],
  init: C,
  xs: X,
  opts: ScanOptions = {},
): readonly [C, Y] => {
  checkFunction(op, 'the body (argument 1)', f)
  checkTreeArg('the initial carry (argument 2)', init, false)
  checkTreeArg('xs (argument 3)', xs, true)
  checkOptions(op, opts, ['length', 'reverse'])
  const reverse = opts.reverse ?? false
  if (typeof reverse !== 'boolean') fail('INVALID_ARGUMENT', op, `reverse is ${describe(reverse)}; pass true or false.`)
  const xLeaves = leavesOf(xs)
  const length = stepsOf(xLeaves, opts.length)
  const cLeaves = Tr.leaves(init)
  const carry: ReadonlyArray<Aval> = cLeaves.map((l) => ({ shape: l.value.shape, dtype: l.value.dtype }))
  const paths = cLeaves.map((l) => l.path)

  let firstY: unknown
  let ys: ReadonlyArray<Aval> = []
  /** The flat body: `f` on trees, checked, its results with the constants replaced by `sub`. */
  const flat =
    (run: Within): Body =>
    (k, c, x) =>
      run(k, (sub: Rewrite) => {
        const out = f(unflatten(init, c), unflatten(xs, x) as X) as unknown
        if (!Array.isArray(out) || out.length !== 2) fail('INVALID_ARGUMENT', op, `the body returned ${describe(out)}; it must return [carry, y] (y may be undefined).`)
        const [c2, y] = out as [unknown, unknown]
        return [checkCarry(init, paths, c2, carry).map(sub), checkOutputs(firstY, y).map(sub)]
      })

  // the first step, on concrete stand-ins: finds the constants and the outputs' structure
  const traced = [...cLeaves, ...xLeaves].some((l) => liveBox(op, l.value) !== undefined)
  const c0 = cLeaves.map((l) => standIn(l.value))
  const t0 = reverse ? length - 1 : 0
  const x0 = xLeaves.map((l) => (length === 0 ? T.zeros(l.value.shape.slice(1), l.value.dtype) : row(standIn(l.value), t0)))
  const probeStep = (): ReturnType<typeof probe<readonly [ReadonlyArray<Tensor>, ReadonlyArray<Tensor>, unknown]>> =>
    probe(op, (lift) => {
      const out = f(unflatten(init, c0), unflatten(xs, x0) as X) as unknown
      if (!Array.isArray(out) || out.length !== 2) fail('INVALID_ARGUMENT', op, `the body returned ${describe(out)}; it must return [carry, y] (y may be undefined).`)
      const [c2, y] = out as [unknown, unknown]
      if (y !== undefined && y !== null && !Tr.isTree(y)) fail('INVALID_ARGUMENT', op, `the body returned ${describe(y)} as y; return a tensor, a tree of tensors, or undefined.`)
      return [checkCarry(init, paths, c2, carry).map(lift), leavesOf(y as Tree).map((l) => lift(l.value)), y] as const
    })
  // a probe whose result is thrown away is not shown to observers (the numeric guard)
  const probed = traced ? unobserved(probeStep) : probeStep()
  const [cFirst, yFirst, yTree] = probed.result
  firstY = yTree
  ys = yFirst.map((t) => ({ shape: t.shape, dtype: t.dtype }))
  const spec: ScanSpec = { body: flat(within(probed.ambient, probed.consts)), nK: probed.consts.length, nX: xLeaves.length, length, reverse, carry, ys }
  const outs =
    !traced && probed.consts.length === 0
      ? // nothing is traced: the probe was the first step
        loop(spec, [], c0, xLeaves.map((l) => l.value), length === 0 ? undefined : { c: cFirst, y: yFirst })
      : bindCompound(scanCompound(spec), [...probed.consts, ...cLeaves.map((l) => l.value), ...xLeaves.map((l) => l.value)])
  return [unflatten(init, outs.slice(0, carry.length)), unflatten(yTree, outs.slice(carry.length)) as Y]
}
