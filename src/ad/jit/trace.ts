/**
 * Tracing: running a function on values known only by their shape and dtype, recording every
 * primitive it applies as an equation. The tracer is one more interpreter level (like the dual
 * numbers and the tape), so whatever runs inside it (`grad`, `vmap`, a nested `jit`) reaches
 * it through `bind` and is recorded too. Nothing is computed while tracing: operations on
 * concrete values alone run as usual and enter the program as constants (constant folding
 * happens by construction).
 * @internal
 */
import { currentLayer, withLayer } from '../../core/context.js'
import { fail } from '../../core/errors.js'
import { type Tensor, abstractTensor, boxOf, traced } from '../../core/Tensor.js'
import { type Level, type LevelBox, bind, newLevelId } from '../../prims/bind.js'
import type { Prim, PrimParams } from '../../prims/Prim.js'
import { type Aval, abstractEvaluations } from '../../prims/shapes.js'
import type { Eqn, Program } from './Program.js'

interface JitBox extends LevelBox {
  readonly v: number
}

/**
 * Traces `body` on abstract inputs of the given shapes and dtypes. `body` returns the tensor
 * leaves of its result; anything else it returns is its own business.
 */
export const trace = <R>(name: string, avals: ReadonlyArray<Aval>, body: (inputs: ReadonlyArray<Tensor>) => readonly [ReadonlyArray<Tensor>, R]): readonly [Program, R] => {
  const vars: Aval[] = []
  const eqns: Eqn[] = []
  const consts: number[] = []
  const constValues: Tensor[] = []
  const constVar = new Map<Tensor, number>()
  let active = true
  const fresh = (a: Aval): number => vars.push({ shape: a.shape, dtype: a.dtype }) - 1
  const tracer = (v: number): Tensor => traced({ level, primal: abstractTensor(vars[v]!.shape, vars[v]!.dtype), v } satisfies JitBox)
  const atom = (op: string, x: Tensor, what: string): number => {
    const b = boxOf(x) as JitBox | undefined
    if (b?.level === level) return b.v
    if (b !== undefined) {
      fail(
        'ESCAPED_TRACER',
        op,
        `${name} used ${what}, a ${x.dtype} value of shape [${x.shape.join(', ')}] traced by an enclosing ${(b as LevelBox).level.name}, without receiving it as an argument. ` +
          'A jitted function sees only its arguments as variables: pass the value as an argument of the jitted function instead of closing over it.',
      )
    }
    let v = constVar.get(x)
    if (v === undefined) {
      v = fresh(x)
      consts.push(v)
      constValues.push(x)
      constVar.set(x, v)
    }
    return v
  }
  const level: Level = {
    id: newLevelId(),
    name,
    isActive: () => active,
    process: <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]): Tensor => {
      const ins = inputs.map((x, i) => atom(prim, x, `input ${i + 1} of ${prim}`))
      const aval = prim === 'custom' ? customAval(inputs, params as PrimParams['custom']) : abstractEvaluations[prim as Exclude<P, 'custom'>](inputs, params as never)
      const out = fresh(aval)
      eqns.push({ prim, params, inputs: ins, out, layer: currentLayer() })
      return tracer(out)
    },
  }
  const inputs = avals.map(fresh)
  try {
    const [leaves, rest] = body(inputs.map(tracer))
    const outputs = leaves.map((x, i) => atom(name, x, `the result's tensor leaf ${i + 1}`))
    return [{ avals: vars, inputs, consts, constValues, eqns, outputs }, rest]
  } finally {
    active = false
  }
}

/** A custom primitive's output: its function traced on the inputs' shapes. */
const customAval = (inputs: ReadonlyArray<Tensor>, { rule }: PrimParams['custom']): Aval => {
  const [p] = trace(rule.name, inputs, (xs) => [[rule.f(...xs)], undefined])
  return p.avals[p.outputs[0]!]!
}

/**
 * Runs a program by binding each equation in turn: on traced inputs this hands every
 * primitive to the interpreters tracing them (how `grad(jit(f))` differentiates, and how an
 * enclosing `jit` inlines an inner one).
 */
export const replay = (p: Program, inputs: ReadonlyArray<Tensor>): ReadonlyArray<Tensor> => {
  const env: Tensor[] = new Array(p.avals.length)
  p.inputs.forEach((v, i) => (env[v] = inputs[i]!))
  p.consts.forEach((v, i) => (env[v] = p.constValues[i]!))
  for (const e of p.eqns) {
    const ins = e.inputs.map((v) => env[v]!)
    env[e.out] = e.layer === undefined ? bind(e.prim, ins, e.params) : withLayer(e.layer, () => bind(e.prim, ins, e.params))
  }
  return p.outputs.map((v) => env[v]!)
}
