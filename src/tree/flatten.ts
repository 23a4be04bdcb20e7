/**
 * A tree as one float64 vector θ and back: gradient checking perturbs θ one component at a time
 * and compares ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂).
 *
 * θ holds every leaf's values, row-major, leaf after leaf in traversal order (record keys
 * sorted, arrays by index). Going back restores each leaf's shape and dtype exactly: the round
 * trip tree → θ → tree is bit for bit for float32, float64 and int32 leaves, −0 and NaN included.
 *
 * @since 0.1.0
 */
import { type DType, alloc } from '../core/dtype.js'
import { fail, showShape } from '../core/errors.js'
import type { Shape } from '../core/shape.js'
import { type Tensor, dataOf, fromBuffer, isTensor } from '../core/Tensor.js'
import { describe, dual, fold, record, showPath } from './internal.js'
import type { Tree } from './types.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Where one leaf sits in θ: `theta[offset … offset + size)` holds its values, row-major.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const { segments } = Tree.flatten({ W: T.zeros([2, 3]), b: T.zeros([3]) })
 * assert.deepStrictEqual(segments.map((s) => [s.path, s.offset, s.size]), [['W', 0, 6], ['b', 6, 3]])
 * @category model
 * @since 0.1.0
 */
export interface Segment {
  /** The leaf's path. */
  readonly path: string
  /** Index in θ of the leaf's first value. */
  readonly offset: number
  /** Number of values of the leaf. */
  readonly size: number
  /** The leaf's shape, restored by `unflatten`. */
  readonly shape: Shape
  /** The leaf's dtype, restored by `unflatten`. */
  readonly dtype: DType
}

/**
 * The result of `flatten`: θ, where each leaf sits in it, and the way back.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const f: Tree.Flattened<{ W: T.Tensor }> = Tree.flatten({ W: T.zeros([2]) })
 * assert.strictEqual(f.theta.dtype, 'float64')
 * @category model
 * @since 0.1.0
 */
export interface Flattened<T extends Tree> {
  /** Every leaf's values in traversal order: a float64 vector of shape `[Tree.size(tree)]`. */
  readonly theta: Tensor
  /** One entry per leaf, in traversal order, to find which leaf a component of θ belongs to. */
  readonly segments: ReadonlyArray<Segment>
  /**
   * A tree of the flattened tree's structure (keys, lengths, shapes, dtypes) holding the values
   * of a vector of the same length. Refuses values that an int32 leaf cannot hold exactly or
   * that overflow a float32 leaf, naming the leaf. Float values are rounded to float32 as usual.
   */
  readonly unflatten: (theta: Tensor) => T
}

// -------------------------------------------------------------------------------------
// internals
// -------------------------------------------------------------------------------------

/** A snapshot of a tree's structure, so later changes to a (mutable) template do not matter. */
type Skeleton =
  | { readonly k: 'leaf'; readonly seg: Segment }
  | { readonly k: 'array'; readonly items: ReadonlyArray<Skeleton> }
  | { readonly k: 'record'; readonly keys: ReadonlyArray<string>; readonly items: ReadonlyArray<Skeleton> }

interface Plan {
  readonly skeleton: Skeleton
  readonly segments: ReadonlyArray<Segment>
  /** The leaves, in the order of `segments`. */
  readonly tensors: ReadonlyArray<Tensor>
  readonly size: number
}

const plan = (op: string, tree: unknown): Plan => {
  const segments: Segment[] = []
  const tensors: Tensor[] = []
  let offset = 0
  const skeleton = fold<Skeleton>(op, tree, {
    leaf: (t, path) => {
      const seg: Segment = Object.freeze({ path, offset, size: t.size, shape: t.shape, dtype: t.dtype })
      segments.push(seg)
      tensors.push(t)
      offset += t.size
      return { k: 'leaf', seg }
    },
    array: (items) => ({ k: 'array', items }),
    record: (keys, items) => ({ k: 'record', keys, items }),
  })
  return { skeleton, segments: Object.freeze(segments), tensors, size: offset }
}

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

const leafFrom = (op: string, src: Float32Array | Float64Array | Int32Array, seg: Segment): Tensor => {
  const { offset, size, dtype, path } = seg
  const out = alloc(dtype, size, op)
  const part = src.subarray(offset, offset + size)
  // float64 takes anything; float32 takes float32 and int32 values; int32 takes int32 values
  const fits = dtype === 'float64' || (dtype === 'float32' ? !(src instanceof Float64Array) : src instanceof Int32Array)
  if (fits) {
    out.set(part)
    return fromBuffer(out, seg.shape)
  }
  for (let i = 0; i < size; i++) {
    const v = part[i]!
    if (dtype === 'int32' && !(Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX)) {
      fail(
        'INVALID_VALUE',
        op,
        `θ[${offset + i}] is ${v}, but it belongs to the int32 leaf at ${showPath(path)} (its element ${i}), which holds ` +
          `whole numbers in [${INT32_MIN}, ${INT32_MAX}] only; leave int32 leaves (counters, labels) unperturbed or round θ first.`,
      )
    }
    if (dtype === 'float32' && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
      fail(
        'INVALID_VALUE',
        op,
        `θ[${offset + i}] is ${v}, which overflows the float32 leaf at ${showPath(path)} (its element ${i}; ` +
          'the largest float32 is ≈ 3.4e38); keep θ in range or make that leaf float64.',
      )
    }
    out[i] = v
  }
  return fromBuffer(out, seg.shape)
}

const build = (op: string, p: Plan, theta: unknown): Tree => {
  if (!isTensor(theta)) {
    return fail('INVALID_ARGUMENT', op, `θ must be a Tensor (a vector of shape [${p.size}]); got ${describe(theta)}.`)
  }
  if (theta.rank !== 1 || theta.size !== p.size) {
    fail(
      'SHAPE_MISMATCH',
      op,
      `θ has shape ${showShape(theta.shape)}, but the tree holds ${p.size} scalars in ${p.segments.length} leaves, ` +
        `so θ must be a vector of shape [${p.size}]; use the theta that flatten returned (or one of the same length).`,
    )
  }
  const src = dataOf(theta)
  const go = (s: Skeleton): Tree => {
    switch (s.k) {
      case 'leaf':
        return leafFrom(op, src, s.seg)
      case 'array':
        return Object.freeze(s.items.map(go))
      case 'record':
        return Object.freeze(record(s.keys, s.items.map(go)))
    }
  }
  return go(p.skeleton)
}

// -------------------------------------------------------------------------------------
// destructors
// -------------------------------------------------------------------------------------

/**
 * Concatenates every leaf's values, in traversal order, into one float64 vector θ, and returns
 * the way back (see `Flattened`). `unflatten(theta)` gives a tree equal to the input bit for bit.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const params = { W: T.tensor([[1, 2], [3, 4]]), step: T.tensor([7], 'int32') }
 * const { theta, unflatten } = Tree.flatten(params)
 * assert.deepStrictEqual(T.toArray(theta), [1, 2, 3, 4, 7])
 * const back = unflatten(T.fromArray([0, 0, 0, 0, 8], [5], 'float64'))
 * assert.deepStrictEqual([back.W.shape, back.W.dtype, back.step.dtype], [[2, 2], 'float32', 'int32'])
 * @category destructors
 * @since 0.1.0
 */
export const flatten = <T extends Tree>(tree: T): Flattened<T> => {
  const p = plan('Tree.flatten', tree)
  const theta = alloc('float64', p.size, 'Tree.flatten')
  p.tensors.forEach((t, i) => theta.set(dataOf(t), p.segments[i]!.offset))
  return Object.freeze({
    theta: fromBuffer(theta, [p.size]),
    segments: p.segments,
    unflatten: (th: Tensor): T => build('Tree.unflatten', p, th) as T,
  })
}

/**
 * A tree shaped like `template` (keys, lengths, shapes, dtypes) holding the values of θ; the
 * same as `flatten(template).unflatten(theta)` without building the template's θ.
 *
 * Data-first `unflattenLike(template, theta)` or data-last `pipe(template, unflattenLike(theta))`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T, Tree } from 'puregrad'
 * const template = { b: T.zeros([1]), W: T.zeros([2]) }
 * const t = Tree.unflattenLike(template, T.tensor([1, 2, 3], 'float64'))
 * assert.deepStrictEqual([T.toArray(t.W), T.toArray(t.b)], [[1, 2], [3]])
 * @category constructors
 * @since 0.1.0
 */
export const unflattenLike: {
  (theta: Tensor): <T extends Tree>(template: T) => T
  <T extends Tree>(template: T, theta: Tensor): T
} = dual(2, <T extends Tree>(template: T, theta: Tensor): T => build('Tree.unflattenLike', plan('Tree.unflattenLike', template), theta) as T)
