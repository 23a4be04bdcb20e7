/**
 * Softmax fusion: the five equations `softmax` records along the last axis (max keeping the
 * axis, sub, exp, sum keeping the axis, div) run as one step over one output buffer: a pass per
 * row that finds the maximum and writes exp(x − max), the sum by the current kernels' reduce
 * (the very call the sum equation makes), and a pass dividing in place. Four steps, four
 * buffers and their tensors become one, which matters most for small batches (a classifier's
 * probabilities for one example).
 *
 * Each value is computed as the unfused program on the same kernels computes it: the maximum as
 * the reduce kernels take it (the WebAssembly kernels leave a maximum over the last axis to the
 * TypeScript ones: NaN propagates), x − max and exp rounded to the dtype as the fused
 * JavaScript loop of `sub, exp` rounds them (exp has no exact WebAssembly form, so that loop
 * always runs in JavaScript), the sum by the kernels' own reduce, and the quotient rounded once
 * (as the div kernels, JavaScript or WebAssembly, round it). So the step equals the unfused
 * program bit for bit.
 * @internal
 */
import { alloc } from '../../core/dtype.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import { kernels } from '../../kernels/registry.js'
import type { PrimParams } from '../../prims/Prim.js'
import type { Eqn, Program } from './Program.js'

/** The equations of one softmax by index (max, sub, exp, sum, div), and its input. */
export interface SoftmaxGroup {
  readonly members: ReadonlyArray<number>
  readonly input: number
}

/**
 * The softmaxes of `p` over the last axis of a float32 or float64 value: max(x) keeping the
 * axis, read only by sub(x, max); exp of that, read only by sum (keeping the axis) and by
 * div(exp, sum), the sum read only by the div; none of these but the div an output.
 */
export const softmaxGroups = (p: Program, users: ReadonlyMap<number, ReadonlyArray<number>>, outputs: ReadonlySet<number>): ReadonlyArray<SoftmaxGroup> => {
  const groups: SoftmaxGroup[] = []
  const readers = (v: number): ReadonlyArray<number> => (outputs.has(v) ? [] : (users.get(v) ?? []))
  const lastAxis = (e: Eqn): boolean => {
    const { axes, keepdims } = e.params as PrimParams['max']
    const rank = p.avals[e.inputs[0]!]!.shape.length
    return keepdims && rank > 0 && axes.length === 1 && axes[0] === rank - 1
  }
  p.eqns.forEach((mx, i) => {
    if (mx.prim !== 'max' || !lastAxis(mx)) return
    const x = mx.inputs[0]!
    const { dtype } = p.avals[x]!
    if (dtype !== 'float32' && dtype !== 'float64') return
    const [s] = readers(mx.out)
    const sub = s === undefined ? undefined : p.eqns[s]
    if (readers(mx.out).length !== 1 || sub?.prim !== 'sub' || sub.inputs[0] !== x || sub.inputs[1] !== mx.out) return
    const [x2] = readers(sub.out)
    const exp = x2 === undefined ? undefined : p.eqns[x2]
    if (readers(sub.out).length !== 1 || exp?.prim !== 'exp') return
    const after = readers(exp.out)
    if (after.length !== 2) return
    const sumAt = after.find((u) => p.eqns[u]!.prim === 'sum')
    const divAt = after.find((u) => p.eqns[u]!.prim === 'div')
    if (sumAt === undefined || divAt === undefined) return
    const sum = p.eqns[sumAt]!
    const div = p.eqns[divAt]!
    const sumReaders = readers(sum.out)
    if (!lastAxis(sum) || sumReaders.length !== 1 || sumReaders[0] !== divAt || div.inputs[0] !== exp.out || div.inputs[1] !== sum.out) return
    groups.push({ members: [i, s!, x2!, sumAt, divAt], input: x })
  })
  return groups
}

/** The softmax of `x` over its last axis, as the unfused equations compute it (see above). */
export const runSoftmax = (x: Tensor): Tensor => {
  const src = dataOf(x)
  const { shape } = x
  const n = shape[shape.length - 1]!
  const out = alloc(x.dtype, src.length)
  if (out.length === 0) return fromBuffer(out, shape)
  const f32 = out instanceof Float32Array
  for (let r = 0; r < out.length; r += n) {
    let m = -Infinity
    for (let j = 0; j < n; j++) {
      const v = src[r + j]!
      if (v > m || v !== v) m = v
    }
    if (f32) {
      for (let j = 0; j < n; j++) out[r + j] = Math.exp(Math.fround(src[r + j]! - m))
    } else for (let j = 0; j < n; j++) out[r + j] = Math.exp(src[r + j]! - m)
  }
  const rows = out.length / n
  const sums = alloc(x.dtype, rows)
  kernels().reduce('sum', out, shape, [shape.length - 1], sums)
  for (let r = 0, i = 0; i < rows; i++, r += n) {
    const s = sums[i]!
    for (let j = 0; j < n; j++) out[r + j] = out[r + j]! / s
  }
  return fromBuffer(out, shape)
}
