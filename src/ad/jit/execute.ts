/**
 * Running a compiled program on concrete inputs. The program's steps are planned once: each
 * intermediate's last use is known, so its buffer goes back to a pool the moment it is dead
 * and the next allocation of that dtype and size takes it (buffer planning). The pool belongs
 * to the compiled program and outlives a call, so a step run in a loop allocates only the
 * buffers it returns. Results are fresh tensors that nothing else holds, as always.
 * @internal
 */
import { type Buffer, type DType, markReusable, withRecycler } from '../../core/dtype.js'
import { PuregradError } from '../../core/errors.js'
import { withLayer } from '../../core/context.js'
import { type Tensor, dataOf } from '../../core/Tensor.js'
import { evaluations } from '../../prims/eval.js'
import type { Prim } from '../../prims/Prim.js'
import type { Eqn, Program } from './Program.js'
import { type Step, fuse } from './fuse.js'

/** Primitives whose kernels write every element of their output (the others expect zeros). */
const writesAll = new Set<Prim>([
  'neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tanh',
  'sigmoid', 'relu', 'softplus', 'erf', 'floor', 'ceil', 'round', 'isFinite', 'isNaN',
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'atan2', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual',
  'where', 'sum', 'mean', 'max', 'min', 'transpose', 'broadcastTo', 'slice', 'concat', 'cast', 'gather', 'conv2d', 'maxPool2d', 'avgPool2d',
  'randomBits', 'threefry2x32', 'fromBits',
])
/** Primitives whose output is (or may be) a view of an input's buffer. */
const aliases = new Set<Prim>(['reshape', 'stopGradient'])

/** Dead buffers by dtype and size. */
class Pool {
  readonly #free = new Map<string, Buffer[]>()
  /** whether the next buffer handed out must be zero-filled */
  zero = true
  readonly take = (dtype: DType, size: number): Buffer | undefined => {
    const b = this.#free.get(`${dtype}${size}`)?.pop()
    if (b !== undefined && this.zero) b.fill(0)
    return b
  }
  give(b: Buffer): void {
    markReusable(b)
    const key = `${b instanceof Float32Array ? 'float32' : b instanceof Float64Array ? 'float64' : 'int32'}${b.length}`
    const list = this.#free.get(key)
    if (list === undefined) this.#free.set(key, [b])
    else list.push(b)
  }
}

export interface Compiled {
  /** the program the steps were planned from (after rewrites and fusion) */
  readonly program: Program
  readonly steps: ReadonlyArray<Step>
  readonly run: (inputs: ReadonlyArray<Tensor>, consts: ReadonlyArray<Tensor>) => ReadonlyArray<Tensor>
}

/** Plans the steps of `p` and their buffers. */
export const compile = (p: Program): Compiled => {
  const steps = fuse(p)
  const n = p.avals.length
  // the variable whose buffer each variable's buffer is: itself, or the root of what it views
  const root = Array.from({ length: n }, (_, v) => v)
  // buffers that must never be recycled: inputs, constants, outputs, and anything user code saw
  const pinned = new Set<number>([...p.inputs, ...p.consts])
  for (const s of steps) {
    if (s.kind === 'eqn' && aliases.has(s.eqn.prim)) root[s.eqn.out] = root[s.eqn.inputs[0]!]!
    if (s.kind === 'eqn' && s.eqn.prim === 'custom') for (const v of [...s.eqn.inputs, s.eqn.out]) pinned.add(root[v]!)
  }
  for (const v of p.outputs) pinned.add(root[v]!)
  const lastUse = new Map<number, number>()
  steps.forEach((s, i) => {
    for (const v of s.inputs) lastUse.set(root[v]!, i)
    for (const v of s.kind === 'eqn' ? [s.out] : s.outs) lastUse.set(root[v]!, Math.max(lastUse.get(root[v]!) ?? i, i))
  })
  const frees: number[][] = steps.map(() => [])
  for (const [r, i] of lastUse) if (!pinned.has(r)) frees[i]!.push(r)
  // a fused group writes every element of its outputs, as do the kernels of writesAll
  const zero = steps.map((s) => s.kind === 'eqn' && !writesAll.has(s.eqn.prim))
  const pool = new Pool()
  const run = (inputs: ReadonlyArray<Tensor>, consts: ReadonlyArray<Tensor>): ReadonlyArray<Tensor> => {
    const env: Tensor[] = new Array(n)
    for (let i = 0; i < p.inputs.length; i++) env[p.inputs[i]!] = inputs[i]!
    for (let i = 0; i < p.consts.length; i++) env[p.consts[i]!] = consts[i]!
    withRecycler(pool.take, () => {
      for (let i = 0; i < steps.length; i++) {
        const s = steps[i]!
        pool.zero = zero[i]!
        if (s.kind === 'eqn') env[s.out] = runEqn(s.eqn, env)
        else {
          const ts = s.run(env)
          for (let k = 0; k < ts.length; k++) env[s.outs[k]!] = ts[k]!
        }
        for (const r of frees[i]!) pool.give(dataOf(env[r]!))
      }
    })
    return p.outputs.map((v) => env[v]!)
  }
  return { program: p, steps, run }
}

const runEqn = (e: Eqn, env: ReadonlyArray<Tensor>): Tensor => {
  const ins = e.inputs.map((v) => env[v]!)
  try {
    return e.layer === undefined ? evaluations[e.prim](ins, e.params as never) : withLayer(e.layer, () => evaluations[e.prim](ins, e.params as never))
  } catch (err) {
    throw err instanceof PuregradError && err.op === 'allocate' ? new PuregradError(err.code, e.prim, err.detail) : err
  }
}
