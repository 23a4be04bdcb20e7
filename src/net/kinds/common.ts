/** Helpers shared by the layer kinds. @internal */
import { describe, fail } from '../../core/errors.js'
import { checkOptions } from '../../core/options.js'
import { checkLayer, isLayer } from '../check.js'
import type { FloatDType } from '../../core/dtype.js'
import { type Tensor, dataOf } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import { type Kind, type Recurse, type Vars, type VarsOf, one, problem } from '../Kind.js'
import { type Layer, type Shapes, type Value, isTuple, showShapes } from '../Layer.js'
import type { Cx } from '../Kind.js'
import { type Layout, type Sym, type SymValue, isSym } from '../onnx/symbols.js'

/** Checks a freshly built layer and freezes it; refuses bad hyperparameters with every problem listed. */
export const make = <L extends { readonly _tag: string }>(kind: Kind<L>, layer: L): L => {
  const problems = kind.check(layer)
  if (problems.length > 0) fail('INVALID_ARGUMENT', layer._tag, `${problems.join('; ')}.`)
  return Object.freeze(layer)
}

/** The options of a layer function (`{}` when omitted), refused when not an object or holding an unknown key. */
export const layerOptions = <O extends object>(op: string, opts: O | undefined, known: ReadonlyArray<keyof O & string>): O => {
  checkOptions(op, opts, known)
  return opts ?? ({} as O)
}

export const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1

export const positiveInt = (what: string, v: unknown): string[] => (isPositiveInt(v) ? [] : [`${what} must be a whole number ≥ 1; got ${JSON.stringify(v)}`])

/** A size given as one number or a pair; anything else is passed through for `positivePair` to refuse. */
export const pairOf = (v: number | readonly [number, number]): readonly [number, number] =>
  typeof v === 'number' ? [v, v] : Array.isArray(v) ? [v[0], v[1]] : (v as unknown as readonly [number, number])

export const positivePair = (what: string, v: unknown): string[] =>
  Array.isArray(v) && v.length === 2 && v.every(isPositiveInt) ? [] : [`${what} must be two whole numbers ≥ 1; got ${JSON.stringify(v)}`]

export const finite = (what: string, v: unknown): string[] => (typeof v === 'number' && Number.isFinite(v) ? [] : [`${what} must be a finite number; got ${JSON.stringify(v)}`])

export const boolean = (what: string, v: unknown): string[] => (typeof v === 'boolean' ? [] : [`${what} must be true or false; got ${JSON.stringify(v)}`])

/** A string hash (FNV-1a) used to give each child its own key: foldIn(key, hash(name)). */
export const nameHash = (name: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** The problem with the children of a hand-made record, naming the first that is not a layer. */
export const layerListProblems = (u: unknown, nonEmpty: boolean): string[] => {
  if (!Array.isArray(u)) return [`layers must be an array of layers; got ${describe(u)}`]
  const i = u.findIndex((l) => !isLayer(l))
  if (i >= 0) return [`layers[${i}] is ${describe(u[i])}, not a layer`]
  return nonEmpty && u.length === 0 ? ['layers must be a non-empty array of layers'] : []
}

/** The problem with the body of a hand-made record that is not a layer. */
export const bodyProblems = (u: unknown): string[] => (isLayer(u) ? [] : [`body is ${describe(u)}, not a layer`])

/** Refuses an argument of a combinator that is not a layer, naming its position (from 1). */
export const checkLayers = (op: string, layers: ReadonlyArray<unknown>): void => {
  for (let i = 0; i < layers.length; i++) checkLayer(op, layers[i], `argument ${i + 1}`)
}

/** Children named by their index. */
export const indexed = (layers: ReadonlyArray<Layer>): ReadonlyArray<readonly [string, Layer]> => layers.map((c, i) => [String(i), c] as const)

export const tupleOf = (s: Shapes, n: number, who: string): ReadonlyArray<Shapes> =>
  isTuple(s) && s.tuple.length === n ? s.tuple : problem(`${who} expects a tuple of ${n}; got ${showShapes(s)} (split the input first with fanOut(${n}))`)

export const valuesOf = (x: Value): ReadonlyArray<Value> => (Array.isArray(x) ? x : problem('expects a tuple of tensors but got one tensor'))

/** The tensors of a tuple as float32 ONNX values in one layout (the first one's), for the fan-ins. */
export const joined = (x: SymValue, cx: Cx): { readonly parts: ReadonlyArray<Sym>; readonly layout: Layout } => {
  const xs = isSym(x) ? cx.refuse('SHAPE_MISMATCH', 'expects a tuple but gets one tensor.') : x
  const first = cx.float(xs[0]!)
  return { parts: xs.map((xi) => cx.float(xi, first.layout)), layout: first.layout }
}

// ---------------------------------------------------------------------------------------------
// the normalisations (batch, layer, group): y = (x − mean)/√(variance + eps)·γ + β

/** The problem with a normalisation's `eps`, which must be a finite number > 0. */
export const positiveEps = (v: unknown): string[] => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? [] : [`eps must be a finite number > 0; got ${String(v)}`])

/** The learnt scale γ (ones) and offset β (zeros) of a normalisation, one per channel (the last axis). */
export const scaleAndOffset = <X>(s: Shapes, dtype: FloatDType, r: Recurse<X>): VarsOf<X> => {
  const c = one(s).at(-1)!
  return { params: { gamma: r.variable([c], (shape) => T.ones(shape, dtype)), beta: r.variable([c], (shape) => T.zeros(shape, dtype)) }, state: {} }
}

/** The ONNX nodes of (v − mean)/√(variance + eps), with the statistics `meanOf` takes. */
export const standardised = (cx: Cx, v: string, meanOf: (v: string) => string, eps: number): string => {
  const { g, base, where: doc } = cx
  const centred = g.op(base, 'Sub', [v, meanOf(v)], { doc })
  const variance = meanOf(g.op(base, 'Mul', [centred, centred], { doc }))
  const std = g.op(base, 'Sqrt', [g.op(base, 'Add', [variance, g.floats(`${base}.eps`, [], [eps])], { doc })], { doc })
  return g.op(base, 'Div', [centred, std], { doc })
}

/** γ and β of a normalisation's variables as ONNX initialisers. */
export const scaleAndOffsetOf = (cx: Cx, vars: Vars): { readonly gamma: string; readonly beta: string } => {
  const p = vars.params as { readonly gamma: Tensor; readonly beta: Tensor }
  const c = p.gamma.shape[0]!
  return { gamma: cx.g.floats(`${cx.base}.gamma`, [c], dataOf(p.gamma)), beta: cx.g.floats(`${cx.base}.beta`, [c], dataOf(p.beta)) }
}

/** The ONNX nodes of v·γ + β. */
export const scaledAndShifted = (cx: Cx, v: string, gamma: string, beta: string): string =>
  cx.g.op(cx.base, 'Add', [cx.g.op(cx.base, 'Mul', [v, gamma], { doc: cx.where }), beta], { doc: cx.where })
