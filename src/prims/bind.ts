/**
 * `bind` applies a primitive: directly to concrete tensors, or, when some input is traced, by
 * handing it to the innermost interpreter among the inputs (the one with the highest level).
 *
 * Levels are numbered in the order differentiation calls start, so a call nested inside
 * another has a higher level; a value traced by an outer call is a constant to an inner one.
 * This ordering is what keeps nested derivatives from confusing their perturbations.
 * @internal
 */
import { PuregradError, fail } from '../core/errors.js'
import { type Tensor, type TraceBox, boxOf, deviceOf, isDonatedRead } from '../core/Tensor.js'
import type { Compound } from './Compound.js'
import type { Prim, PrimParams } from './Prim.js'
import { evaluations } from './eval.js'

/** A differentiation interpreter active for the duration of one call. */
export interface Level {
  readonly id: number
  readonly name: string
  /** Whether the call that owns this level is still running. */
  readonly isActive: () => boolean
  readonly process: <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]) => Tensor
  /** What to do about a value of this level used after its call returned, when not the default advice. */
  readonly leakAdvice?: string
  /** How this interpreter applies a compound operation (scan, checkpoint); without it the compound runs traced, unrolled. */
  readonly compound?: (c: Compound, inputs: ReadonlyArray<Tensor>) => ReadonlyArray<Tensor>
}

export interface LevelBox extends TraceBox {
  readonly level: Level
}

let nextLevel = 0
/** A fresh level number, higher than every level started before. */
export const newLevelId = (): number => ++nextLevel

/** The box of `x` if it is traced, checking that its interpreter is still running. */
export const liveBox = (op: string, x: Tensor): LevelBox | undefined => {
  const b = boxOf(x) as LevelBox | undefined
  if (b !== undefined && !b.level.isActive()) {
    fail(
      'ESCAPED_TRACER',
      op,
      `a value traced by ${b.level.name} (level ${b.level.id}) was used after that call returned. ` +
        (b.level.leakAdvice ??
          'A function being differentiated leaked an intermediate value (through a closure, a global or a returned object); ' +
            'return it from the function instead, or wrap the use in stopGradient.'),
    )
  }
  return b
}

/** The innermost running interpreter among the inputs, if any. */
export const topLevel = (op: string, inputs: ReadonlyArray<Tensor>): Level | undefined => {
  let top: Level | undefined
  for (const x of inputs) {
    const b = liveBox(op, x)
    if (b !== undefined && (top === undefined || b.level.id > top.id)) top = b.level
  }
  return top
}

/** Applies a primitive to validated inputs. */
export const bind = <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]): Tensor => {
  if (rewrite !== undefined) inputs = inputs.map(rewrite)
  const top = topLevel(prim, inputs)
  if (top !== undefined) return top.process(prim, inputs, params)
  let out: Tensor
  try {
    out = device !== undefined && onDevice(inputs) ? device(prim, inputs, params) : evaluations[prim](inputs, params)
  } catch (e) {
    throw (e instanceof PuregradError && e.op === 'allocate') || isDonatedRead(e) ? new PuregradError(e.code, prim, e.detail) : e
  }
  if (observer !== undefined) observer(prim, inputs, params, out)
  return out
}

/**
 * Evaluates a primitive some of whose concrete inputs live on a device (see `Tensor.toGpu`); the
 * others are host tensors it uploads. Installed by `useWebGpu`; while none is, `bind` pays one
 * comparison per primitive for it.
 */
export type DeviceEvaluator = <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P]) => Tensor

let device: DeviceEvaluator | undefined

/** Installs (or, with undefined, removes) the device evaluator; returns the previous one. */
export const useDeviceEvaluator = (d: DeviceEvaluator | undefined): DeviceEvaluator | undefined => {
  const previous = device
  device = d
  return previous
}

const onDevice = (inputs: ReadonlyArray<Tensor>): boolean => {
  for (let i = 0; i < inputs.length; i++) if (deviceOf(inputs[i]!) !== undefined) return true
  return false
}

/** Sees one concrete evaluation: the primitive, its concrete inputs and output. */
export type Observer = <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P], out: Tensor) => void

let observer: Observer | undefined

/** Whether some `observeEvaluations` is running (a compiled program must then run primitive by primitive). */
export const observing = (): boolean => observer !== undefined

/**
 * Runs `f` with `watch` called after every concrete evaluation of a primitive in its dynamic
 * extent, at whatever level of nesting the primitive was applied (forward and backward passes,
 * constants included). Observers nest: an outer one still sees everything.
 */
export const observeEvaluations = <A>(watch: Observer, f: () => A): A => {
  const outer = observer
  observer = outer === undefined ? watch : (prim, inputs, params, out) => (watch(prim, inputs, params, out), outer(prim, inputs, params, out))
  try {
    return f()
  } finally {
    observer = outer
  }
}

/** Runs `f` with no observer: evaluations whose results are thrown away (a compound's probe of its body). */
export const unobserved = <A>(f: () => A): A => {
  const outer = observer
  observer = undefined
  try {
    return f()
  } finally {
    observer = outer
  }
}

/** The value of `x` one level below `level`: its primal if `level` traces it, else `x` itself. */
export const primalAt = (level: Level, x: Tensor): Tensor => {
  const b = boxOf(x) as LevelBox | undefined
  return b !== undefined && b.level === level ? b.primal : x
}

/** Strips every trace from a tensor, down to the concrete value (used by reads and by stopGradient-like uses). */
export const concrete = (x: Tensor): Tensor => {
  let t = x
  for (let b = boxOf(t); b !== undefined; b = boxOf(t)) t = b.primal
  return t
}

/**
 * A custom primitive without a rule for a mode is differentiated through its body: the
 * interpreter of that mode calls this and, when it returns a tensor, uses it instead.
 */
export const customBody = <P extends Prim>(prim: P, inputs: ReadonlyArray<Tensor>, params: PrimParams[P], mode: 'jvp' | 'vjp'): Tensor | undefined => {
  if (prim !== 'custom') return undefined
  const { rule } = params as PrimParams['custom']
  return rule[mode] === undefined ? rule.f(...inputs) : undefined
}

/**
 * A substitution of tensors applied to the inputs of every primitive and compound while it is
 * installed: how the body of a compound closes over traced values (see `ad/closure.ts`).
 */
export type Rewrite = (x: Tensor) => Tensor

let rewrite: Rewrite | undefined

/** The substitution installed now, if any. */
export const currentRewrite = (): Rewrite | undefined => rewrite

/** Runs `f` with `r` (and no other) substituting inputs; the previous one is restored after. */
export const withRewrite = <A>(r: Rewrite | undefined, f: () => A): A => {
  const saved = rewrite
  rewrite = r
  try {
    return f()
  } finally {
    rewrite = saved
  }
}

/**
 * Applies a compound operation: concretely when no input is traced, else by the innermost
 * interpreter among the inputs, through its compound rule (or, lacking one, by running the
 * compound on its traced inputs, which unrolls it under that interpreter).
 */
export const bindCompound = (c: Compound, inputs: ReadonlyArray<Tensor>): ReadonlyArray<Tensor> => {
  const xs = rewrite === undefined ? inputs : inputs.map(rewrite)
  const top = topLevel(c.name, xs)
  return top?.compound === undefined ? c.run(xs) : top.compound(c, xs)
}
