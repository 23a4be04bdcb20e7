/**
 * A staged program: what `jit` records of a function, a list of equations over variables
 * known by their shape and dtype. Variables are numbered: the inputs first, then the
 * constants (concrete tensors the function used: closed over, or computed from static
 * arguments), then one per equation, in order. @internal
 */
import type { Tensor } from '../../core/Tensor.js'
import type { Prim, PrimParams } from '../../prims/Prim.js'
import type { Aval } from '../../prims/shapes.js'

/** One primitive application: `out = prim[params](inputs…)`. */
export interface Eqn<P extends Prim = Prim> {
  readonly prim: P
  readonly params: PrimParams[P]
  readonly inputs: ReadonlyArray<number>
  readonly out: number
  /** the layer path the primitive was applied in, for error messages */
  readonly layer: string | undefined
}

export interface Program {
  /** shape and dtype of every variable */
  readonly avals: ReadonlyArray<Aval>
  /** variables bound to the function's tensor arguments, in leaf order */
  readonly inputs: ReadonlyArray<number>
  /** variables bound to constants, and their values (passed to the program when it runs, so programs differing only in constant values are one compiled program) */
  readonly consts: ReadonlyArray<number>
  readonly constValues: ReadonlyArray<Tensor>
  readonly eqns: ReadonlyArray<Eqn>
  /** the variable of each tensor leaf of the result, in leaf order */
  readonly outputs: ReadonlyArray<number>
}

/** What `showProgram` needs of a compiled step. */
export type ShownStep =
  | { readonly kind: 'eqn'; readonly eqn: Eqn }
  | { readonly kind: 'fused'; readonly eqns: ReadonlyArray<Eqn>; readonly inputs: ReadonlyArray<number>; readonly outs: ReadonlyArray<number> }
  | { readonly kind: 'composite'; readonly inputs: ReadonlyArray<number>; readonly outs: ReadonlyArray<number>; readonly shown: string }

const showAval = (a: Aval): string => `${a.dtype === 'float32' ? 'f32' : a.dtype === 'float64' ? 'f64' : 'i32'}[${a.shape.join(',')}]`

/** A variable's name in printed programs: a, b, …, z, ba, bb, … */
export const varName = (v: number): string => {
  let s = ''
  let n = v
  do {
    s = String.fromCharCode(97 + (n % 26)) + s
    n = Math.floor(n / 26)
  } while (n > 0)
  return s
}

const showParam = (v: unknown): string => {
  if (v === null || typeof v !== 'object') return String(v)
  if (Array.isArray(v)) return `[${v.map(showParam).join(',')}]`
  if ('name' in v && 'f' in v) return String((v as { readonly name: unknown }).name) // a custom rule
  return `{${Object.entries(v).map(([k, x]) => `${k}=${showParam(x)}`).join(' ')}}`
}

/** Parameters as programs show them: `[transA=false transB=false]`, or nothing. */
export const showParams = (params: unknown): string => {
  const entries = Object.entries(params as object)
  if (entries.length === 0) return ''
  return `[${entries.map(([k, v]) => (k === 'spec' ? showParam(v).slice(1, -1) : `${k}=${showParam(v)}`)).join(' ')}]`
}

/**
 * The program as text, in the manner of `jax.make_jaxpr`: inputs and constants with their
 * types, one equation per line, the outputs.
 */
export const showProgram = (p: Program, steps?: ReadonlyArray<ShownStep>): string => {
  const typed = (v: number): string => `${varName(v)}:${showAval(p.avals[v]!)}`
  const line = (s: ShownStep): string =>
    s.kind === 'eqn'
      ? `    ${typed(s.eqn.out)} = ${s.eqn.prim}${showParams(s.eqn.params)} ${s.eqn.inputs.map(varName).join(' ')}`
      : s.kind === 'composite'
        ? `    ${s.outs.map(typed).join(' ')} = ${s.shown} ${s.inputs.map(varName).join(' ')}`
        : `    ${s.outs.map(typed).join(' ')} = fused{${s.eqns.map((e) => e.prim).join(', ')}} ${s.inputs.map(varName).join(' ')}`
  const lines = [
    `{ lambda ${p.consts.map(typed).join(' ')} ; ${p.inputs.map(typed).join(' ')}. let`,
    ...(steps ?? p.eqns.map((eqn) => ({ kind: 'eqn' as const, eqn }))).map(line),
    `  in (${p.outputs.map(varName).join(', ')}) }`,
  ]
  return lines.join('\n')
}
