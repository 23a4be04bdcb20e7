/**
 * `checkpoint` (rematerialisation): a block that reverse mode records as one node holding only
 * its inputs, and whose pullback runs the block again to get its intermediates. It is a
 * compound (see `prims/Compound.ts`), so it stays one under forward mode and `vmap` too, and
 * the closed-over values of the block are found as for `scan` (`closure.ts`).
 */
import { checkFunction, describe, fail } from '../core/errors.js'
import { isFloat } from '../core/dtype.js'
import type { Tensor } from '../core/Tensor.js'
import { type Rewrite, bindCompound, liveBox, primalAt } from '../prims/bind.js'
import type { Compound } from '../prims/Compound.js'
import * as T from '../tensor/index.js'
import * as Tr from '../tree/index.js'
import { batching } from './batching.js'
import { probe, standIn, within } from './closure.js'
import { forward } from './forward.js'
import { reverse } from './reverse.js'
import { broadcastAt, toFront } from './rules/batch.js'

type Tensors = ReadonlyArray<Tensor>
type Linear = Tensor | null

/** The block over flat lists: its constants and its inputs to its outputs. */
type Block = (k: Tensors, xs: Tensors) => Tensors

const op = 'checkpoint'

const indices = (n: number, keep: (i: number) => boolean): number[] => Array.from({ length: n }, (_, i) => i).filter(keep)

/**
 * The compound of a block with `nK` constants before its inputs. `first` is the block's value
 * already computed on some concrete inputs (the probe's): evaluating it there again returns it.
 */
const checkpointCompound = (block: Block, nK: number, first?: { readonly inputs: Tensors; readonly outs: Tensors }): Compound => {
  const run = (inputs: Tensors): Tensors =>
    first !== undefined && inputs.length === first.inputs.length && inputs.every((x, i) => x === first.inputs[i]) ? first.outs : block(inputs.slice(0, nK), inputs.slice(nK))
  const self: Compound = {
    name: op,
    run,
    jvp: (primals, tangents) => {
      const on = indices(primals.length, (i) => tangents[i] !== null)
      const n = primals.length
      let floats: number[] = []
      const jvpBlock: Block = (k, xs) => {
        const all = [...k, ...xs]
        const fw = forward('checkpoint (jvp)')
        let out: Tensors
        try {
          const duals = all.slice(0, n).map((v, i) => (on.includes(i) ? fw.dual(v, all[n + on.indexOf(i)]!) : v))
          out = block(duals.slice(0, nK), duals.slice(nK))
        } finally {
          fw.close()
        }
        const p = out.map((v) => primalAt(fw.level, v))
        floats = indices(out.length, (i) => isFloat(p[i]!.dtype))
        return [...p, ...floats.map((i) => fw.tangentOf(out[i]!) ?? T.zerosLike(p[i]!))]
      }
      // the tangents ride as inputs after the primals, so the jvp block keeps the constants first
      const outs = bindCompound(checkpointCompound(jvpBlock, nK), [...primals, ...on.map((i) => tangents[i]!)])
      const m = outs.length - floats.length
      return [outs.slice(0, m), outs.slice(0, m).map((_, i) => (floats.includes(i) ? outs[m + floats.indexOf(i)]! : null))]
    },
    vjp: (primals, needs) => {
      // forward: the block one level down, nothing of it kept here
      const outs = bindCompound(self, primals)
      const back = (cts: ReadonlyArray<Linear>): ReadonlyArray<Linear> => {
        const r = reverse('checkpoint (recompute)')
        let ins: Tensors
        let again: Tensors
        try {
          ins = primals.map((v, i) => (needs[i]! && isFloat(v.dtype) ? r.input(v) : v))
          again = block(ins.slice(0, nK), ins.slice(nK))
        } finally {
          r.close()
        }
        const seeds = new Map<number, Tensor>()
        again.forEach((v, j) => {
          const ct = cts[j]
          const node = ct === null || ct === undefined ? -1 : r.nodeOf(v)
          if (node >= 0) seeds.set(node, seeds.has(node) ? T.add(seeds.get(node)!, ct!) : ct!)
        })
        const adj = seeds.size === 0 ? new Map<number, Tensor>() : r.backward(seeds)
        return ins.map((v) => adj.get(r.nodeOf(v)) ?? null)
      }
      return { outs, back, residuals: [] }
    },
    batch: (primals, axes, size) => {
      const mapped: Block = (k, xs) => {
        const bt = batching('checkpoint (vmap)', size)
        let out: Tensors
        try {
          const ex = [...k, ...xs].map((v, i) => (axes[i] === null ? v : bt.example(v, 0)))
          out = block(ex.slice(0, nK), ex.slice(nK))
        } finally {
          bt.close()
        }
        return out.map((v) => {
          const [b, a] = bt.batchOf(v)
          return a === null ? broadcastAt(b, 0, size) : toFront(b, a)
        })
      }
      const outs = bindCompound(checkpointCompound(mapped, nK), primals.map((v, i) => (axes[i] === null ? v : toFront(v, axes[i]!))))
      return [outs, outs.map(() => 0)]
    },
  }
  return self
}

/**
 * Rematerialisation: `f` with the same values and derivatives, whose intermediates reverse
 * mode does not keep. Its backward pass runs `f` again from its inputs to get them, so a
 * gradient through it holds only the block's inputs and outputs, for a second forward
 * evaluation of the block: the trade for deep networks whose activations do not fit in
 * memory. Arguments that are tensors or trees of tensors are the block's inputs (others are
 * passed unchanged); it returns a tensor or a tree of tensors. Tensors `f` closes over
 * (weights) receive their gradients. Like the body of `scan`, `f` must not read values of what
 * it computes.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * const block = (w: T.Tensor) => (x: T.Tensor) => T.tanh(T.matmul(x, w))
 * const w = T.tensor([[0.5, -1], [1, 0.25]])
 * const x = T.tensor([[1, 2]])
 * const loss = (wrap: (f: (x: T.Tensor) => T.Tensor) => (x: T.Tensor) => T.Tensor) => (w: T.Tensor) => T.sum(wrap(block(w))(wrap(block(w))(x)))
 * const plain = Ad.grad(loss((f) => f))(w)
 * const remat = Ad.grad(loss(Ad.checkpoint))(w)
 * assert.deepStrictEqual(T.toNested(remat), T.toNested(plain)) // the same gradient, bit for bit
 * @category transformations
 */
export const checkpoint = <A extends ReadonlyArray<unknown>, R extends Tr.Tree>(f: (...args: A) => R): ((...args: A) => R) => {
  checkFunction(op, 'the function to checkpoint (argument 1)', f)
  return (...args: A): R => {
    const trees = args.map((a) => Tr.isTree(a))
    const leaves = args.map((a, i) => (trees[i] ? Tr.leaves(a as Tr.Tree).map((l) => l.value) : []))
    const flat = leaves.flat()
    const call = (xs: Tensors): R => {
      let p = 0
      return f(...(args.map((a, i) => (trees[i] ? Tr.map(a as Tr.Tree, () => xs[p++]!) : a)) as unknown as A))
    }
    const outputs = (r: unknown, sub: Rewrite): Tensors => {
      if (!Tr.isTree(r)) fail('INVALID_ARGUMENT', op, `the function returned ${describe(r)}; a checkpointed function returns a tensor or a tree of tensors.`)
      return Tr.leaves(r as Tr.Tree).map((l) => sub(l.value))
    }
    // the first evaluation, on concrete stand-ins, finds the constants; it is the forward pass
    const standIns = flat.map(standIn)
    const probed = probe(op, (lift) => {
      const r = call(standIns)
      return [r, outputs(r, lift)] as const
    })
    const [template, outs] = probed.result
    const traced = probed.consts.length > 0 || flat.some((x) => liveBox(op, x) !== undefined)
    if (!traced) return template
    const run = within(probed.ambient, probed.consts)
    const block: Block = (k, xs) => run(k, (sub) => outputs(call(xs), sub))
    const c = checkpointCompound(block, probed.consts.length, { inputs: [...probed.standIns, ...standIns], outs })
    const result = bindCompound(c, [...probed.consts, ...flat])
    let i = 0
    return Tr.map(template, () => result[i++]!) as R
  }
}
