/**
 * Running a compiled program whose inputs live on the GPU: equations bind their primitives, which
 * run on the device (as a replay would), and each fused elementwise group of float32 values runs
 * as one generated WGSL kernel (kernels/webgpu/fused.ts) instead of one kernel per operation. A
 * group the device cannot take as one kernel runs operation by operation; one with host inputs
 * only runs its CPU loop.
 * @internal
 */
import { withLayer } from '../../core/context.js'
import { type Tensor, deviceOf } from '../../core/Tensor.js'
import { type FusedOp, fusedShader } from '../../kernels/webgpu/fused.js'
import { bind } from '../../prims/bind.js'
import { runFusedOnGpu } from '../../prims/eval/webgpuFused.js'
import type { Compiled } from './execute.js'
import type { Step } from './fuse.js'
import type { Eqn, Program } from './Program.js'

type Fused = Extract<Step, { kind: 'fused' }>

/**
 * The kernels of each group, one per output (the group's operations up to the one that makes it,
 * so an output a later operation reads is computed again there), or null for a group with a
 * value that is not float32.
 */
const kernels = new WeakMap<Fused, ReadonlyArray<string> | null>()

const kernelsOf = (p: Program, s: Fused): ReadonlyArray<string> | null => {
  let codes = kernels.get(s)
  if (codes !== undefined) return codes
  const f32 = (v: number): boolean => p.avals[v]!.dtype === 'float32'
  if (s.inputs.every(f32) && s.eqns.every((e) => f32(e.out))) {
    const index = new Map<number, number>(s.inputs.map((v, k) => [v, k]))
    s.eqns.forEach((e, m) => index.set(e.out, s.inputs.length + m))
    const ops = s.eqns.map((e): FusedOp => ({ prim: e.prim as FusedOp['prim'], args: e.inputs.map((v) => index.get(v)!) }))
    codes = s.outs.map((o) => fusedShader(s.inputs.length, ops.slice(0, s.eqns.findIndex((e) => e.out === o) + 1)))
  } else codes = null
  kernels.set(s, codes)
  return codes
}

const apply = (e: Eqn, env: Tensor[]): Tensor => {
  const ins = e.inputs.map((v) => env[v]!)
  return e.layer === undefined ? bind(e.prim, ins, e.params) : withLayer(e.layer, () => bind(e.prim, ins, e.params))
}

/** The outputs of `c` on `inputs` (some on the GPU) and its constants. */
export const runOnDevice = (c: Compiled, inputs: ReadonlyArray<Tensor>, consts: ReadonlyArray<Tensor>): ReadonlyArray<Tensor> => {
  const p = c.program
  const env: Tensor[] = new Array(p.avals.length)
  p.inputs.forEach((v, i) => (env[v] = inputs[i]!))
  p.consts.forEach((v, i) => (env[v] = consts[i]!))
  for (const s of c.steps) {
    if (s.kind === 'eqn') {
      env[s.out] = apply(s.eqn, env)
      continue
    }
    const ins = s.inputs.map((v) => env[v]!)
    if (!ins.some((t) => deviceOf(t) !== undefined)) {
      s.run(env).forEach((t, k) => (env[s.outs[k]!] = t))
      continue
    }
    if (s.kind === 'composite') {
      // a pattern one routine runs on the CPU: its equations, each on the device
      for (const e of s.eqns) env[e.out] = apply(e, env)
      continue
    }
    const codes = kernelsOf(p, s)
    const outs = codes === null ? undefined : codes.map((code, k) => runFusedOnGpu(code, ins, p.avals[s.outs[k]!]!.shape))
    if (outs !== undefined && outs.every((t) => t !== undefined)) outs.forEach((t, k) => (env[s.outs[k]!] = t!))
    else for (const e of s.eqns) env[e.out] = apply(e, env)
  }
  return p.outputs.map((v) => env[v]!)
}
