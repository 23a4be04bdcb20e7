/**
 * Reverse mode: a tape recorded inside one call. While a `vjp`/`grad` call runs, its inputs
 * are traced tensors that name a node of the call's own tape; every primitive applied to them
 * appends a node (primitive, parameters, input values, output value, parent nodes). The tape
 * never leaves the call and nothing outside it can see or change it.
 *
 * The backward pass is a fold over the tape from the output down, whose accumulator maps node
 * numbers to adjoints: each node's VJP rule turns its adjoint into its parents' contributions,
 * which are summed over broadcast axes (the one place where that happens) and added to what
 * the parents already received. Nodes are never written to, so there is nothing to zero.
 * @internal
 */
import { currentLayer, duringBackward, withRule } from '../core/context.js'
import { sameShape } from '../core/shape.js'
import { type DeviceStorage, type Tensor, boxOf, dataOf, deviceOf, traced } from '../core/Tensor.js'
import { type Level, type LevelBox, bind, customBody, newLevelId, primalAt } from '../prims/bind.js'
import type { Compound, CompoundVjp } from '../prims/Compound.js'
import type { Prim, PrimParams } from '../prims/Prim.js'
import { rules } from './rules/table.js'
import * as T from '../tensor/index.js'

interface TapeBox extends LevelBox {
  readonly node: number
}

interface Node {
  /** undefined for an input of the call */
  readonly prim: Prim | undefined
  readonly params: unknown
  readonly primals: ReadonlyArray<Tensor>
  readonly out: Tensor
  /** node number of each input, −1 for values this call does not trace */
  readonly parents: ReadonlyArray<number>
  /** the layer the forward step ran in, for diagnostics of its backward step */
  readonly layer: string | undefined
  /** a compound: its name and pullback (its outputs are the part nodes after it) */
  readonly compound?: { readonly name: string; readonly vjp: CompoundVjp }
  /** output k of the compound at node `of` */
  readonly part?: { readonly of: number; readonly k: number }
}

export interface Reverse {
  readonly level: Level
  /** Registers an input of the call; returns the traced tensor standing for it. */
  readonly input: (x: Tensor) => Tensor
  /** The node `x` stands for, or −1 when `x` does not depend on the inputs. */
  readonly nodeOf: (x: Tensor) => number
  /** Adjoints of every input node, given seed cotangents of output nodes. */
  readonly backward: (seeds: ReadonlyMap<number, Tensor>) => ReadonlyMap<number, Tensor>
  /** Bytes of the distinct buffers the tape holds for the backward pass (inputs, outputs, residuals). */
  readonly retainedBytes: () => number
  readonly close: () => void
}

/** Sums a cotangent over the axes along which `shape` was broadcast to produce it. */
export const sumToShape = (ct: Tensor, shape: ReadonlyArray<number>): Tensor => {
  if (sameShape(ct.shape, shape)) return ct
  const lead = ct.rank - shape.length
  const axes = ct.shape.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []))
  return T.reshape(T.sum(ct, axes, true), shape)
}

export const reverse = (name: string): Reverse => {
  const tape: Node[] = []
  let active = true
  const nodeOf = (x: Tensor): number => {
    const b = boxOf(x) as TapeBox | undefined
    return b !== undefined && b.level === level ? b.node : -1
  }
  const record = (node: Node): Tensor => {
    tape.push(node)
    return traced({ level, primal: node.out, node: tape.length - 1 } satisfies TapeBox)
  }
  const level: Level = {
    id: newLevelId(),
    name,
    isActive: () => active,
    process: <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]): Tensor => {
      const body = customBody(prim, inputs, params, 'vjp')
      if (body !== undefined) return body
      const primals = inputs.map((x) => primalAt(level, x))
      const out = bind(prim, primals, params)
      return rules[prim].constant === true ? out : record({ prim, params, primals, out, parents: inputs.map(nodeOf), layer: currentLayer() })
    },
    // a compound is one node, whose pullback the compound gives, and one part node per output
    compound: (c: Compound, inputs: ReadonlyArray<Tensor>): ReadonlyArray<Tensor> => {
      const primals = inputs.map((x) => primalAt(level, x))
      const parents = inputs.map(nodeOf)
      const vjp = c.vjp(primals, parents.map((p) => p >= 0))
      const of = tape.length
      tape.push({ prim: undefined, params: undefined, primals, out: vjp.outs[0] ?? primals[0]!, parents, layer: currentLayer(), compound: { name: c.name, vjp } })
      return vjp.outs.map((out, k) => record({ prim: undefined, params: undefined, primals: [], out, parents: [of], layer: undefined, part: { of, k } }))
    },
  }
  const backward = (seeds: ReadonlyMap<number, Tensor>): ReadonlyMap<number, Tensor> => {
    // cotangents of a compound's outputs, gathered from its part nodes (which come after it)
    const gathered = new Map<number, Array<Tensor | null>>()
    return duringBackward(() => tape.slice(0, Math.max(-1, ...seeds.keys()) + 1).reduceRight((adjoints, node, i) => {
      const g = adjoints.get(i)
      if (node.part !== undefined) {
        if (g === undefined) return adjoints
        adjoints.delete(i)
        const { of, k } = node.part
        const cts = gathered.get(of) ?? new Array<Tensor | null>(tape[of]!.compound!.vjp.outs.length).fill(null)
        cts[k] = g
        gathered.set(of, cts)
        return adjoints
      }
      let cts: ReadonlyArray<Tensor | null | undefined>
      if (node.compound !== undefined) {
        const outCts = gathered.get(i)
        if (outCts === undefined) return adjoints
        gathered.delete(i)
        const { name, vjp } = node.compound
        cts = withRule(name, node.layer, () => vjp.back(outCts))
      } else {
        if (g === undefined || node.prim === undefined) return adjoints
        adjoints.delete(i) // an inner node's adjoint is final once it has been passed on
        const rule = rules[node.prim] as (typeof rules)[Prim]
        cts = withRule(node.prim, node.layer, () => rule.vjp(g, node.primals, node.out, node.params as never, node.parents.map((p) => p >= 0)))
      }
      node.parents.forEach((p, j) => {
        const ct = cts[j]
        if (p < 0 || ct === null || ct === undefined) return
        const c = sumToShape(ct, node.primals[j]!.shape)
        const prev = adjoints.get(p)
        adjoints.set(p, prev === undefined ? c : T.add(prev, c))
      })
      return adjoints
    }, new Map<number, Tensor>(seeds)))
  }
  const retainedBytes = (): number => {
    const seen = new Set<ArrayBufferView | DeviceStorage>()
    // a tensor on the GPU is counted by its device storage (float32: 4 bytes an element)
    const see = (t: Tensor): void => void seen.add(deviceOf(t) ?? dataOf(t))
    for (const node of tape) {
      node.primals.forEach(see)
      see(node.out)
      node.compound?.vjp.residuals.forEach(see)
    }
    let bytes = 0
    for (const b of seen) bytes += 'byteLength' in b ? b.byteLength : 4 * b.size
    return bytes
  }
  return {
    level,
    input: (x) => record({ prim: undefined, params: undefined, primals: [], out: x, parents: [], layer: undefined }),
    nodeOf,
    backward,
    retainedBytes,
    close: () => (active = false),
  }
}
