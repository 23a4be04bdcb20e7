/** Derivative rules of the indexing primitives: gather and its adjoint scatterAdd, and oneHot. @internal */
import type { Tensor } from '../../core/Tensor.js'
import { bind } from '../../prims/bind.js'
import * as T from '../../tensor/index.js'
import { checkBatchedIndices, materialize, moveAxis, sameAxis, toFront } from './batch.js'
import type { BatchRule, Rule } from './Rule.js'

/**
 * Per-example indices into axis size `n` (batch axis first) as indices into the batch folded
 * with that axis ([size, n, …] read as [size·n, …]): example b's index i becomes b·n + i.
 */
const folded = (ix: Tensor, n: number, size: number): Tensor => {
  const offsets = T.reshape(T.mul(T.arange(0, size, 1, 'int32'), n), [size, ...new Array<number>(ix.rank - 1).fill(1)])
  return T.add(T.where(T.less(ix, 0), T.add(ix, n), ix), offsets)
}

/** The axes of a rank-`rank` tensor with the block [from, from + len) moved to start at `to`. */
const moveBlock = (rank: number, from: number, len: number, to: number): number[] => {
  const block = Array.from({ length: len }, (_, i) => from + i)
  const rest = Array.from({ length: rank }, (_, i) => i).filter((i) => i < from || i >= from + len)
  return [...rest.slice(0, to), ...block, ...rest.slice(to)]
}

const permute = (x: Tensor, perm: ReadonlyArray<number>): Tensor => (perm.every((a, i) => a === i) ? x : bind('transpose', [x], { perm }))

const gatherBatch: BatchRule<'gather'> = ([x, ix], axes, { axis: a }, { size }) => {
  const [bx, bi] = [axes[0]!, axes[1]!]
  if (bi === null) {
    // the same indices for every example: gather along the axis past the batch axis
    const ax = a < bx! ? a : a + 1
    return [bind('gather', [x!, ix!], { axis: ax }), bx! < ax ? bx! : bx! + ix!.rank - 1]
  }
  const n = (bx === null ? x!.shape[a] : x!.shape[a < bx ? a : a + 1])!
  checkBatchedIndices('gather', ix!, -n, n)
  // one table for all examples: the indices' batch axis lands inside the output
  if (bx === null) return [bind('gather', [x!, ix!], { axis: a }), a + bi!]
  // a table per example: fold the batch into the gathered axis, shift each example's indices
  const xf = moveAxis(toFront(x!, bx!), a + 1, 1)
  const table = bind('reshape', [xf], { shape: [size * n, ...xf.shape.slice(2)] })
  const ixf = toFront(ix!, bi!)
  const out = bind('gather', [table, folded(ixf, n, size)], { axis: 0 }) // [size, …is, …x[:a], …x[a+1:]]
  return [permute(out, moveBlock(out.rank, 1, ixf.rank - 1, 1 + a)), 0]
}

const scatterBatch: BatchRule<'scatterAdd'> = ([u, ix], axes, { axis: a, shape }, { size }) => {
  const [bu, bi] = [axes[0]!, axes[1]!]
  if (bi === null) return [bind('scatterAdd', [toFront(u!, bu!), ix!], { axis: a + 1, shape: [size, ...shape] }), 0]
  const n = shape[a]!
  checkBatchedIndices('scatterAdd', ix!, -n, n)
  const ixf = toFront(ix!, bi!)
  const is = ixf.rank - 1
  // updates as [size, …is, …shape[:a], …shape[a+1:]], scattered into the batch folded with the axis
  const uf = materialize(u!, bu, size)
  const ur = permute(uf, moveBlock(uf.rank, 1 + a, is, 1))
  const out = bind('scatterAdd', [ur, folded(ixf, n, size)], { axis: 0, shape: [size * n, ...shape.slice(0, a), ...shape.slice(a + 1)] })
  const unfolded = bind('reshape', [out], { shape: [size, n, ...shape.slice(0, a), ...shape.slice(a + 1)] })
  return [moveAxis(unfolded, 1, 1 + a), 0]
}

export const indexingRules: { readonly [P in 'gather' | 'scatterAdd' | 'oneHot']: Rule<P> } = {
  // out = x[…, ix, …] along axis
  gather: {
    jvp: ([, ix], [t], _, p) => (t === null ? null : T.gather(t!, ix!, p.axis)),
    vjp: (g, [x, ix], _, p) => [T.scatterAdd(g, ix!, x!.shape, p.axis), null],
    batch: gatherBatch,
  },
  // out = zeros(shape) with u added at ix along axis: the adjoint of gather
  scatterAdd: {
    jvp: ([, ix], [t], _, p) => (t === null ? null : T.scatterAdd(t!, ix!, p.shape, p.axis)),
    vjp: (g, [, ix], _, p) => [T.gather(g, ix!, p.axis), null],
    batch: scatterBatch,
  },
  oneHot: {
    jvp: () => null,
    vjp: () => [null],
    constant: true,
    // one row per index: the batch axis stays where it is
    batch: (xs, axes, p, cx) => {
      checkBatchedIndices('oneHot', xs[0]!, 0, p.depth)
      return sameAxis(xs, axes, p, cx)
    },
  },
}
