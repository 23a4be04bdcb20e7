/**
 * Running a compiled program on concrete inputs. The program's steps are planned once: each
 * intermediate's last use is known, so its buffer goes back to a pool the moment it is dead
 * and the next allocation of that dtype and size takes it (buffer planning). The pool belongs
 * to the compiled program and outlives a call, so a step run in a loop allocates only the
 * buffers it returns. Results are fresh tensors that nothing else holds, as always.
 *
 * Donated inputs (see `jit`'s `donate`) are buffers the call may write: each is offered to the
 * call's allocations once the program is done with it, after its last reader, or just before it
 * when that reader is a fused loop that reads it element for element (such a loop reads every
 * input at an index before it writes its outputs there: `fuse` and the WebAssembly loops of
 * wasm.ts keep to this), so an optimizer's new moments and parameters are written over the old.
 * A call takes the pool's own buffers first and donated ones after, and drops the donated
 * buffers it did not take, so the pool never grows by them.
 * @internal
 */
import { type Buffer, type DType, markReusable, withRecycler } from '../../core/dtype.js'
import { PuregradError } from '../../core/errors.js'
import { withLayer } from '../../core/context.js'
import { type Tensor, dataOf, isDonatedRead, markSole } from '../../core/Tensor.js'
import { sizeOf } from '../../core/shape.js'
import { evaluations } from '../../prims/eval.js'
import type { Prim } from '../../prims/Prim.js'
import type { Eqn, Program } from './Program.js'
import { type Step, fuse } from './fuse.js'

/** Primitives whose kernels write every element of their output (the others expect zeros). */
const writesAll = new Set<Prim>([
  'neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tanh',
  'sigmoid', 'relu', 'softplus', 'erf', 'floor', 'ceil', 'round', 'isFinite', 'isNaN',
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'atan2', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual',
  'where', 'sum', 'mean', 'max', 'min', 'transpose', 'broadcastTo', 'slice', 'concat', 'cast', 'gather', 'matmul', 'conv2d', 'maxPool2d', 'avgPool2d',
  'randomBits', 'threefry2x32', 'fromBits',
])
/** Primitives whose output is (or may be) a view of an input's buffer. */
const aliases = new Set<Prim>(['reshape', 'stopGradient'])

const keyOf = (b: Buffer): string => `${b instanceof Float32Array ? 'float32' : b instanceof Float64Array ? 'float64' : 'int32'}${b.length}`

const push = (m: Map<string, Buffer[]>, b: Buffer): void => {
  markReusable(b)
  const key = keyOf(b)
  const list = m.get(key)
  if (list === undefined) m.set(key, [b])
  else list.push(b)
}

/** Dead buffers by dtype and size, and the donated buffers of the running call. */
class Pool {
  readonly #free = new Map<string, Buffer[]>()
  readonly #donated = new Map<string, Buffer[]>()
  /** whether the next buffer handed out must be zero-filled */
  zero = true
  /** whether the running step makes only results of the call: they take donated buffers first, so the pool keeps its own for the intermediates of the next call */
  forResults = false
  readonly take = (dtype: DType, size: number): Buffer | undefined => {
    const key = `${dtype}${size}`
    const donated = this.#donated.size === 0 ? undefined : this.#donated.get(key)
    const b = this.forResults ? (donated?.pop() ?? this.#free.get(key)?.pop()) : (this.#free.get(key)?.pop() ?? donated?.pop())
    if (b !== undefined && this.zero) b.fill(0)
    return b
  }
  give(b: Buffer): void {
    push(this.#free, b)
  }
  /** offers a donated buffer to the rest of the call */
  donate(b: Buffer): void {
    push(this.#donated, b)
  }
  /** drops the donated buffers the call did not take */
  endCall(): void {
    this.#donated.clear()
  }
}

export interface Compiled {
  /** the program the steps were planned from (after rewrites and fusion) */
  readonly program: Program
  readonly steps: ReadonlyArray<Step>
  /**
   * runs the program; `donated[i]`, when given, is input i's buffer, which the call may write once
   * it has read it (its tensor in `inputs` is one only the call holds)
   */
  readonly run: (inputs: ReadonlyArray<Tensor>, consts: ReadonlyArray<Tensor>, donated?: ReadonlyArray<Buffer | undefined>) => ReadonlyArray<Tensor>
  /** whether input i's buffer can be written by the call: it is not among the results and no custom rule sees it */
  readonly donatable: ReadonlyArray<boolean>
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
  // inputs whose buffers a call may not write even when donated: the results', and those custom rules see
  const seen = new Set<number>()
  for (const s of steps) if (s.kind === 'eqn' && s.eqn.prim === 'custom') for (const v of [...s.eqn.inputs, s.eqn.out]) seen.add(root[v]!)
  const kept = new Set<number>([...seen, ...p.outputs.map((v) => root[v]!)])
  for (const v of p.outputs) pinned.add(root[v]!)
  const lastUse = new Map<number, number>()
  steps.forEach((s, i) => {
    for (const v of s.inputs) lastUse.set(root[v]!, i)
    for (const v of s.kind === 'eqn' ? [s.out] : s.outs) lastUse.set(root[v]!, Math.max(lastUse.get(root[v]!) ?? i, i))
  })
  const frees: number[][] = steps.map(() => [])
  for (const [r, i] of lastUse) if (!pinned.has(r)) frees[i]!.push(r)
  // donated inputs: offered before their last reader when it is a fused loop reading them element
  // for element (of the loop's size), else after it; before the first step when nothing reads them
  const donatable = p.inputs.map((v) => !kept.has(v))
  const offerBefore: number[][] = steps.map(() => [])
  const offerAfter: number[][] = steps.map(() => [])
  const offerFirst: number[] = []
  p.inputs.forEach((v, k) => {
    if (!donatable[k]) return
    const i = lastUse.get(v)
    if (i === undefined) {
      offerFirst.push(k)
      return
    }
    const s = steps[i]!
    const inPlace = s.kind === 'fused' && !s.outs.some((o) => root[o] === v) && s.inputs.some((u) => root[u] === v) && sizeOf(p.avals[v]!.shape) === sizeOf(p.avals[s.outs[0]!]!.shape)
    ;(inPlace ? offerBefore : offerAfter)[i]!.push(k)
  })
  // results that are their buffer's only holder: not an input, a constant, what a custom rule saw, or another result's view
  const rootCount = new Map<number, number>()
  for (const v of p.outputs) rootCount.set(root[v]!, (rootCount.get(root[v]!) ?? 0) + 1)
  const sole = p.outputs.map((v) => rootCount.get(root[v]!) === 1 && !seen.has(root[v]!) && !p.inputs.includes(root[v]!) && !p.consts.includes(root[v]!))
  // a fused group writes every element of its outputs, as do the kernels of writesAll
  const zero = steps.map((s) => s.kind === 'eqn' && !writesAll.has(s.eqn.prim))
  const results = new Set(p.outputs)
  const forResults = steps.map((s) => (s.kind === 'eqn' ? [s.out] : s.outs).every((v) => results.has(v)))
  const pool = new Pool()
  const offer = (ks: ReadonlyArray<number>, donated: ReadonlyArray<Buffer | undefined>): void => {
    for (let j = 0; j < ks.length; j++) {
      const b = donated[ks[j]!]
      if (b !== undefined) pool.donate(b)
    }
  }
  const run = (inputs: ReadonlyArray<Tensor>, consts: ReadonlyArray<Tensor>, donated?: ReadonlyArray<Buffer | undefined>): ReadonlyArray<Tensor> => {
    const env: Tensor[] = new Array(n)
    for (let i = 0; i < p.inputs.length; i++) env[p.inputs[i]!] = inputs[i]!
    for (let i = 0; i < p.consts.length; i++) env[p.consts[i]!] = consts[i]!
    withRecycler(pool.take, () => {
      try {
        if (donated !== undefined) offer(offerFirst, donated)
        for (let i = 0; i < steps.length; i++) {
          const s = steps[i]!
          pool.zero = zero[i]!
          if (donated !== undefined) {
            pool.forResults = forResults[i]!
            offer(offerBefore[i]!, donated)
          }
          if (s.kind === 'eqn') env[s.out] = runEqn(s.eqn, env)
          else {
            const ts = s.run(env)
            for (let k = 0; k < ts.length; k++) env[s.outs[k]!] = ts[k]!
          }
          for (const r of frees[i]!) pool.give(dataOf(env[r]!))
          if (donated !== undefined) offer(offerAfter[i]!, donated)
        }
      } finally {
        pool.forResults = false
        if (donated !== undefined) pool.endCall()
      }
    })
    const outs = p.outputs.map((v) => env[v]!)
    for (let k = 0; k < outs.length; k++) if (sole[k]) markSole(outs[k]!)
    return outs
  }
  return { program: p, steps, run, donatable }
}

const runEqn = (e: Eqn, env: ReadonlyArray<Tensor>): Tensor => {
  const ins = e.inputs.map((v) => env[v]!)
  try {
    return e.layer === undefined ? evaluations[e.prim](ins, e.params as never) : withLayer(e.layer, () => evaluations[e.prim](ins, e.params as never))
  } catch (err) {
    throw (err instanceof PuregradError && err.op === 'allocate') || isDonatedRead(err) ? new PuregradError(err.code, e.prim, err.detail) : err
  }
}
