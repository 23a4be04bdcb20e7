/**
 * Epilogue fusion: a product whose result only a bias add reads (a vector over its last axis,
 * added on either side), optionally followed by an activation that is the add's only reader,
 * becomes one step. Its kernel applies the bias and the activation to each part of the output
 * as it is finished (the WebAssembly gemm: to each register tile of the last block of the sum),
 * instead of two more passes over memory and two more buffers.
 *
 * The bias is added to the finished sum and the activation applied to that, each rounded to the
 * output dtype as the add and relu kernels round them, so the step equals the unfused equations
 * on the same kernels bit for bit (kernels without `matmulEpilogue` run the product and then the
 * epilogue as a pass of its own: `applyEpilogue`).
 *
 * A product is a `Producer`: the primitive, the kernel call that takes an epilogue, and which
 * equations qualify. `matmul` is one; a convolution (NHWC, its bias per output channel, the
 * last axis too) can be another once its kernel takes an epilogue.
 * @internal
 */
import { withLayer } from '../../core/context.js'
import { type Tensor, dataOf } from '../../core/Tensor.js'
import type { Epilogue } from '../../kernels/Kernels.js'
import { matmulEval } from '../../prims/eval/linalg.js'
import type { Prim, PrimParams } from '../../prims/Prim.js'
import type { Eqn, Program } from './Program.js'

/** A primitive whose kernel can apply an epilogue over the last axis of its output. */
interface Producer<P extends Prim = Prim> {
  /** the output of `eqn` on these inputs with the epilogue applied */
  readonly run: (inputs: ReadonlyArray<Tensor>, params: PrimParams[P], epilogue: Epilogue) => Tensor
}

const producers: { readonly [P in Prim]?: Producer<P> } = {
  matmul: { run: ([a, b], { transA, transB }, epilogue) => matmulEval(a!, b!, transA, transB, epilogue) },
}

/** Activations the epilogue applies (exact in every kernel set, so fusing keeps the bits). */
const activations: ReadonlySet<Prim> = new Set<Prim>(['relu'])

/** One fused product: the equations (producer, add, activation) by index, and the bias variable. */
export interface EpilogueGroup {
  readonly producer: number
  readonly add: number
  readonly act: number | undefined
  readonly bias: number
}

/**
 * The products of `p` that take their epilogue: a float32 or float64 producer whose result is
 * not an output and is read by one add alone, which adds a bias of n values (n the result's last
 * axis; any leading axes of size 1) and keeps the result's shape and dtype; and the activation
 * that alone reads the add's result (which must not be an output either), when there is one.
 */
export const epilogueGroups = (p: Program, users: ReadonlyMap<number, ReadonlyArray<number>>, outputs: ReadonlySet<number>): ReadonlyArray<EpilogueGroup> => {
  const groups: EpilogueGroup[] = []
  const only = (v: number): number | undefined => {
    const us = users.get(v)
    return us !== undefined && us.length === 1 && !outputs.has(v) ? us[0] : undefined
  }
  p.eqns.forEach((e, i) => {
    if (producers[e.prim] === undefined) return
    const out = p.avals[e.out]!
    if (out.dtype !== 'float32' && out.dtype !== 'float64') return
    const a = only(e.out)
    if (a === undefined) return
    const add = p.eqns[a]!
    if (add.prim !== 'add') return
    const bias = add.inputs[0] === e.out ? add.inputs[1]! : add.inputs[0]!
    if (bias === e.out) return
    const b = p.avals[bias]!
    const n = out.shape[out.shape.length - 1]
    const sum = p.avals[add.out]!
    const vector = n !== undefined && b.shape.length >= 1 && b.shape[b.shape.length - 1] === n && b.shape.slice(0, -1).every((d) => d === 1)
    const same = sum.dtype === out.dtype && sum.shape.length === out.shape.length && sum.shape.every((d, k) => d === out.shape[k])
    if (!vector || !same || b.dtype !== out.dtype || b.shape.length > out.shape.length) return
    const r = only(add.out)
    const act = r !== undefined && activations.has(p.eqns[r]!.prim) ? r : undefined
    groups.push({ producer: i, add: a, act, bias })
  })
  return groups
}

/** The equations of a group, in order. */
export const groupEqns = (p: Program, g: EpilogueGroup): ReadonlyArray<Eqn> => [p.eqns[g.producer]!, p.eqns[g.add]!, ...(g.act === undefined ? [] : [p.eqns[g.act]!])]

/** The output of a group on `env` (its producer's inputs and the bias defined). */
export const runGroup = (eqns: ReadonlyArray<Eqn>, bias: number, env: ReadonlyArray<Tensor>): Tensor => {
  const producer = eqns[0]!
  const epilogue: Epilogue = { bias: dataOf(env[bias]!), act: eqns[2]?.prim as Epilogue['act'] }
  const ins = producer.inputs.map((v) => env[v]!)
  const run = producers[producer.prim]!.run as Producer['run']
  return producer.layer === undefined ? run(ins, producer.params, epilogue) : withLayer(producer.layer, () => run(ins, producer.params, epilogue))
}
