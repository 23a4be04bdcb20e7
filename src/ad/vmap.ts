/**
 * `vmap`: a function of one example turned into a function of a batch, by the batching
 * interpreter (`batching.ts`). It composes with the differentiation transformations and with
 * itself.
 */
import { describe, fail } from '../core/errors.js'
import type { Tensor } from '../core/Tensor.js'
import { checkOptions } from '../core/options.js'
import { isKey, type Key, keyData, wrapKey } from '../rng/Key.js'
import * as Tr from '../tree/index.js'
import { child, isPlainRecord, showPath } from '../tree/internal.js'
import { batching } from './batching.js'
import { broadcastAt, moveAxis, stackFront } from './rules/batch.js'

/**
 * Which axis of each leaf is mapped: a number (negative counts from the end), null for a value
 * every example shares, or an array or record of these shaped like a prefix of the tree (a
 * number or null stands for a whole subtree).
 */
export type Axes = number | null | ReadonlyArray<Axes> | { readonly [key: string]: Axes }

/** Options of `vmap`. */
export interface VmapOptions {
  /** the mapped axis of the arguments: one `Axes` for all, or an array with one per argument (default 0) */
  readonly inAxes?: Axes
  /** where the batch axis goes in the result, a prefix of its tree (default 0) */
  readonly outAxes?: Axes
}

/** The arguments of a mapped function: a key argument may also be given as an array of keys, one per example. */
export type Batched<A extends ReadonlyArray<unknown>> = { readonly [K in keyof A]: A[K] extends Key ? A[K] | ReadonlyArray<Key> : A[K] }

const op = 'vmap'

/** A leaf of an input or output and the axis the options give it. */
interface Mapped {
  readonly leaf: Tensor
  readonly axis: number | null
}

/** Each leaf of `tree`, by path, with the axis that the prefix `spec` gives it; `where` names the tree in messages. */
const resolve = (what: string, where: string, spec: Axes, tree: unknown, path: string, out: Map<string, Mapped>): void => {
  const at = path === '' ? where : `${where} at ${showPath(path)}`
  if (spec === null || typeof spec === 'number') {
    if (spec !== null && !Number.isInteger(spec)) fail('INVALID_ARGUMENT', op, `${what} for ${at} is ${spec}; an axis is a whole number (negative counts from the end), or null.`)
    for (const { path: p, value } of Tr.leaves(tree as Tr.Tree)) out.set(child(path, p).replace(/\.$/, ''), { leaf: value, axis: spec })
    return
  }
  const mismatch = (shape: string): never =>
    fail('TREE_MISMATCH', op, `${what} for ${at} is ${shape} but the value there is ${describe(tree)}; give a prefix of the value's tree: one entry per element or key, or one axis (or null) for the whole of it.`)
  if (Array.isArray(spec)) {
    const s = spec as ReadonlyArray<Axes>
    if (!Array.isArray(tree) || tree.length !== s.length) return mismatch(`an array of ${s.length} entries`)
    s.forEach((sub, i) => resolve(what, where, sub, tree[i], child(path, i), out))
    return
  }
  if (!isPlainRecord(spec)) return fail('INVALID_ARGUMENT', op, `${what} for ${at} is ${describe(spec)}; use a number, null, or an array or record of them.`)
  const keys = Object.keys(spec).sort()
  if (!isPlainRecord(tree) || Object.keys(tree).sort().join('\u0000') !== keys.join('\u0000')) return mismatch(`a record with keys ${keys.join(', ') || '(none)'}`)
  for (const k of keys) resolve(what, where, (spec as { readonly [key: string]: Axes })[k]!, (tree as Record<string, unknown>)[k], child(path, k), out)
}

/** A leaf's axis normalised against `rank` axes (rank + 1 for outputs, which gain one). */
const normalize = (what: string, at: string, axis: number, rank: number, shape: ReadonlyArray<number>): number => {
  if (axis < -rank || axis >= rank || rank === 0) {
    const range = rank === 0 ? 'none: it is a scalar; give it null' : `use an axis in [${-rank}, ${rank - 1}], or null`
    fail('AXIS_OUT_OF_RANGE', op, `${what} gives axis ${axis} for ${at}, of shape [${shape.join(', ')}]; ${range}.`)
  }
  return axis < 0 ? axis + rank : axis
}

/** How one argument is mapped. */
type Arg =
  | { readonly kind: 'shared'; readonly value: unknown }
  | { readonly kind: 'keys'; readonly keys: ReadonlyArray<Key> }
  | { readonly kind: 'tree'; readonly tree: Tr.Tree; readonly leaves: ReadonlyMap<string, Mapped> }

const isKeyBatch = (u: unknown): u is ReadonlyArray<Key> => Array.isArray(u) && u.length > 0 && u.every(isKey)

/** Each argument's mapping and the batch size, checked. */
const plan = (args: ReadonlyArray<unknown>, inAxes: Axes): readonly [ReadonlyArray<Arg>, number] => {
  if (Array.isArray(inAxes) && inAxes.length !== args.length) {
    fail('TREE_MISMATCH', op, `inAxes has ${inAxes.length} entries for ${args.length} arguments; give one entry per argument (an axis, null, or a prefix of its tree), or one axis for all.`)
  }
  if (isPlainRecord(inAxes)) fail('INVALID_ARGUMENT', op, 'inAxes is a record, but arguments are positional: give an array with one entry per argument (each may be a record), or one axis for all.')
  const sizes: Array<{ readonly n: number; readonly at: string }> = []
  const see = (n: number, at: string): void => {
    const size = sizes[0]
    if (size === undefined) sizes.push({ n, at })
    else if (size.n !== n) {
      fail('SHAPE_MISMATCH', op, `the mapped inputs disagree on the batch size: ${size.at} has ${size.n} examples but ${at} has ${n}; every mapped input needs the same size along its mapped axis (give null in inAxes to an input every example shares).`)
    }
  }
  const plans = args.map((arg, i): Arg => {
    const spec = Array.isArray(inAxes) ? (inAxes as ReadonlyArray<Axes>)[i]! : inAxes
    const where = `argument ${i}`
    if (spec === null) return { kind: 'shared', value: arg }
    if (isKeyBatch(arg) && typeof spec === 'number') {
      if (spec !== 0 && spec !== -1) fail('AXIS_OUT_OF_RANGE', op, `inAxes gives axis ${spec} for ${where}, an array of ${arg.length} keys; an array of keys is mapped along axis 0.`)
      see(arg.length, `${where} (an array of keys)`)
      return { kind: 'keys', keys: arg }
    }
    if (!Tr.isTree(arg)) fail('INVALID_ARGUMENT', op, `${where} is ${describe(arg)}, not a tensor or a tree of tensors; give it null in inAxes to pass it unchanged to every example.`)
    const found = new Map<string, Mapped>()
    resolve('inAxes', where, spec, arg, '', found)
    const leaves = new Map<string, Mapped>()
    for (const [path, { leaf, axis }] of found) {
      const at = path === '' ? where : `${where} at '${path}'`
      if (axis === null) {
        leaves.set(path, { leaf, axis })
        continue
      }
      const a = normalize('inAxes', at, axis, leaf.rank, leaf.shape)
      see(leaf.shape[a]!, `${at} (shape [${leaf.shape.join(', ')}], axis ${a})`)
      leaves.set(path, { leaf, axis: a })
    }
    return { kind: 'tree', tree: arg as Tr.Tree, leaves }
  })
  const size = sizes[0]
  if (size === undefined) return fail('INVALID_ARGUMENT', op, 'no input is mapped (inAxes gives null to every leaf); map at least one input, or call the function directly.')
  if (size.n === 0) fail('INVALID_SHAPE', op, `${size.at} has no examples; vmap needs a batch of at least one.`)
  return [plans, size.n]
}

/** The outputs' leaves with their batch axes moved to where `outAxes` puts them. */
const place = (out: unknown, outAxes: Axes, size: number, batchOf: (leaf: Tensor, path: string) => readonly [Tensor, number | null]): Tr.Tree => {
  if (!Tr.isTree(out)) fail('INVALID_ARGUMENT', op, `the function returned ${describe(out)}; a mapped function must return a tensor or a tree of tensors.`)
  const spec = new Map<string, Mapped>()
  resolve('outAxes', 'the result', outAxes, out, '', spec)
  return Tr.map(out as Tr.Tree, (leaf, path) => {
    const at = path === '' ? 'the result' : `the result at '${path}'`
    const axis = spec.get(path)!.axis
    const [v, a] = batchOf(leaf, path)
    if (axis === null) {
      if (a !== null) fail('INVALID_ARGUMENT', op, `outAxes gives null for ${at}, but it differs between examples; give it an axis for the batch.`)
      return v
    }
    const o = normalize('outAxes', at, axis, leaf.rank + 1, [size, ...leaf.shape])
    return a === null ? broadcastAt(v, o, size) : moveAxis(v, a, o)
  })
}

/**
 * Vectorising map: turns `f`, written for one example, into a function of a batch, which
 * applies `f` to every example at once (each primitive runs once on the whole batch). Inputs
 * and outputs are tensors or trees of them. `inAxes` says which axis of each argument is
 * mapped: one number for all (default 0), or one entry per argument (a number, a prefix of its
 * tree, or null for an argument every example shares, passed unchanged: any value may be
 * given null). `outAxes` says where the batch axis goes in the result (default 0).
 *
 * It composes with every transformation and with itself: `vmap(grad(f))` gives per-example
 * gradients, `grad(vmap(f))`, `jvp(vmap(f))` and `vmap(vmap(f))` work as expected.
 *
 * - Inside `f`, a mapped value looks like one example (its shape has no batch axis) but its
 *   elements cannot be read: `toArray`, `item`, `equals` and the other reads of a value that
 *   depends on a mapped input are refused (INVALID_ARGUMENT, and ESCAPED_TRACER once the call
 *   has returned). Compute with tensor operations and read the results after `vmap` returns.
 * - A custom primitive (`Ad.custom`) without a `batch` rule is opaque to batching: it runs
 *   once per example and the results are stacked (its derivative rules still apply); with one,
 *   that rule computes the whole batch in one call. So does a convolution whose filter
 *   differs per example, and the filter gradient of a batched convolution.
 * - Random keys are data: an argument given as an array of keys (e.g. `Rng.split(key, n)`) is
 *   mapped as the tensor of their words, so each example gets its own key and draws what that
 *   key draws alone (independently of the others), all in one batched pass. A single key given
 *   null is shared (every example draws the same numbers).
 *
 * Mismatched batch sizes (SHAPE_MISMATCH), an axis outside a leaf (AXIS_OUT_OF_RANGE), axes
 * that are not a prefix of the tree (TREE_MISMATCH) and a mapped value used after the call
 * (ESCAPED_TRACER) are refused, naming the argument and path.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Rng, Tensor as T } from 'puregrad'
 * const dot = (x: T.Tensor, w: T.Tensor) => T.sum(T.mul(x, w))
 * const xs = T.tensor([[1, 2], [3, 4], [5, 6]])
 * const w = T.tensor([1, 10])
 * // the rows of xs, one weight vector for all
 * assert.deepStrictEqual(T.toArray(Ad.vmap(dot, { inAxes: [0, null] })(xs, w)), [21, 43, 65])
 * // per-example gradients: the gradient of each example's loss, not of their sum
 * const loss = (w: T.Tensor, x: T.Tensor) => T.square(dot(x, w))
 * const gs = Ad.vmap(Ad.grad(loss), { inAxes: [null, 0] })(w, xs)
 * assert.deepStrictEqual(T.toNested(gs), [[42, 84], [258, 344], [650, 780]])
 * // the columns instead, with the batch axis last in the result
 * const cols = Ad.vmap((c: T.Tensor) => T.mul(c, 2), { inAxes: 1, outAxes: 1 })(xs)
 * assert.deepStrictEqual(T.toNested(cols), [[2, 4], [6, 8], [10, 12]])
 * // a batch of keys: independent draws, each the draw of its key
 * const keys = Rng.split(Rng.key(0), 4)
 * const draws = Ad.vmap((k: Rng.Key) => Rng.normal(k, [2]))(keys)
 * assert.deepStrictEqual(draws.shape, [4, 2])
 * assert.ok(T.equals(draws, T.stack(keys.map((k) => Rng.normal(k, [2])))))
 * @category transformations
 */
export const vmap =
  <A extends ReadonlyArray<unknown>, R extends Tr.Tree>(f: (...args: A) => R, opts: VmapOptions = {}) =>
  (...args: Batched<A>): R => {
    if (typeof f !== 'function') fail('INVALID_ARGUMENT', op, `the function to map is ${describe(f)}.`)
    checkOptions(op, opts, ['inAxes', 'outAxes'])
    const { inAxes = 0, outAxes = 0 } = opts
    const [plans, size] = plan(args, inAxes)
    const g = f as unknown as (...xs: ReadonlyArray<unknown>) => unknown
    const bt = batching(`vmap (batch of ${size})`, size)
    let out: unknown
    try {
      const traced = plans.map((p) =>
        p.kind === 'shared' ? p.value : p.kind === 'keys' ? wrapKey(bt.example(stackFront(p.keys.map(keyData)), 0)) : Tr.map(p.tree, (leaf, path) => {
          const { axis } = p.leaves.get(path)!
          return axis === null ? leaf : bt.example(leaf, axis)
        }),
      )
      out = g(...traced)
    } finally {
      bt.close()
    }
    return place(out, outAxes, size, (leaf) => bt.batchOf(leaf)) as R
  }
