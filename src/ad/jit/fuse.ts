/**
 * Elementwise fusion: a chain of unary, binary and `where` equations whose intermediates are
 * used only inside the chain becomes one generated loop that reads each input once and writes
 * one output, instead of a pass over memory and a fresh buffer per equation.
 *
 * Each fused operation computes in float64 with the formula of the JavaScript kernels and is
 * rounded to the output dtype (`Math.fround` for float32) exactly where the kernel would store
 * it, so a fused group equals the unfused equations on the JavaScript kernels bit for bit. The
 * WebAssembly kernels compute some transcendental functions (exp, log, tanh, …) with their own
 * approximations, so with them a fused group may differ from the unfused one in the last bits
 * of those functions; arithmetic (+ − × ÷, √, min, max, comparisons, where) is identical.
 *
 * A float32 group of at least `MIN_WASM` elements whose operations all have exact float32
 * equivalents in WebAssembly runs as a generated SIMD loop instead (wasm.ts), with the same
 * bits; the JavaScript loop remains for the other groups and where WebAssembly SIMD is missing.
 * @internal
 */
import { type Buffer, alloc } from '../../core/dtype.js'
import { type Shape, sameShape, sizeOf } from '../../core/shape.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import { binaryFns, unaryFns } from '../../kernels/js/elementwise.js'
import type { BinaryOp, UnaryOp } from '../../kernels/Kernels.js'
import type { Prim } from '../../prims/Prim.js'
import type { Eqn, Program } from './Program.js'
import type { Access } from './wasm.js'
import { BLOCK, type WasmGroup, type WasmKernel, wasmFusionSupported, wasmKernel, wasmOps } from './wasm.js'

/** One step of a compiled program: an equation run by its kernel, or a fused group. */
export type Step =
  | { readonly kind: 'eqn'; readonly eqn: Eqn; readonly inputs: ReadonlyArray<number>; readonly out: number }
  | {
      readonly kind: 'fused'
      readonly eqns: ReadonlyArray<Eqn>
      readonly inputs: ReadonlyArray<number>
      readonly out: number
      readonly source: string
      readonly run: (env: ReadonlyArray<Tensor>) => Tensor
    }

const unaryExpr: { readonly [P in UnaryOp]?: (x: string) => string } = {
  neg: (x) => `-${x}`,
  abs: (x) => `Math.abs(${x})`,
  exp: (x) => `Math.exp(${x})`,
  log: (x) => `Math.log(${x})`,
  sqrt: (x) => `Math.sqrt(${x})`,
  rsqrt: (x) => `1 / Math.sqrt(${x})`,
  square: (x) => `${x} * ${x}`,
  reciprocal: (x) => `1 / ${x}`,
  tanh: (x) => `Math.tanh(${x})`,
  relu: (x) => `(${x} > 0 ? ${x} : ${x} !== ${x} ? ${x} : 0)`,
}
const binaryExpr: { readonly [P in BinaryOp]?: (a: string, b: string) => string } = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  maximum: (a, b) => `Math.max(${a}, ${b})`,
  minimum: (a, b) => `Math.min(${a}, ${b})`,
  equal: (a, b) => `(${a} === ${b} ? 1 : 0)`,
  notEqual: (a, b) => `(${a} !== ${b} ? 1 : 0)`,
  less: (a, b) => `(${a} < ${b} ? 1 : 0)`,
  lessEqual: (a, b) => `(${a} <= ${b} ? 1 : 0)`,
  greater: (a, b) => `(${a} > ${b} ? 1 : 0)`,
  greaterEqual: (a, b) => `(${a} >= ${b} ? 1 : 0)`,
}

const isUnary = (p: Prim): p is UnaryOp => p in unaryFns
const isBinary = (p: Prim): p is BinaryOp => p in binaryFns
const elementwise = (p: Prim): boolean => isUnary(p) || isBinary(p) || p === 'where'

/**
 * How an input of shape `s` is read inside the loop over `out` split as outer × inner at axis
 * `d`: at o·inner + j (`full`), at j (`inner`), at o (`outer`), at 0 (`scalar`), or not as
 * any of these (undefined).
 */
const accessOf = (s: Shape, out: Shape, d: number): Access | undefined => {
  const p = [...new Array<number>(out.length - s.length).fill(1), ...s]
  const part = (from: number, to: number): 'full' | 'none' | undefined => {
    let full = true
    let none = true
    for (let i = from; i < to; i++) {
      if (p[i] !== out[i]) full = false
      if (p[i] !== 1) none = false
    }
    return full ? 'full' : none ? 'none' : undefined
  }
  const o = part(0, d)
  const i = part(d, out.length)
  if (o === undefined || i === undefined) return undefined
  return o === 'full' ? (i === 'full' ? 'full' : 'outer') : i === 'full' ? 'inner' : 'scalar'
}

/** Below this many elements a group stays in JavaScript (copying in and out would cost more). */
const MIN_WASM = 128

/** Whether float32 groups that allow it run in WebAssembly: 'auto' (where the runtime has SIMD), or forced on or off (tests, benchmarks). */
let wasmMode: 'auto' | boolean = 'auto'
let wasmRuns = 0

/** Forces fused groups onto WebAssembly (true), JavaScript (false), or back to the default ('auto'); returns the previous setting. @internal */
export const setFusedWasm = (mode: 'auto' | boolean): 'auto' | boolean => {
  const previous = wasmMode
  wasmMode = mode
  return previous
}

let wasmBlock = BLOCK

/** Sets the elements per block of the WebAssembly loops (tests take small blocks to run many); returns the previous one. @internal */
export const setFusedWasmBlock = (elements: number): number => {
  const previous = wasmBlock
  wasmBlock = elements
  return previous
}

/** How many fused groups have run in WebAssembly so far (tests check the path was taken). @internal */
export const fusedWasmRuns = (): number => wasmRuns

/** Splits the equations into steps, fusing elementwise chains. */
export const fuse = (p: Program): ReadonlyArray<Step> => {
  const users = new Map<number, number[]>()
  p.eqns.forEach((e, i) => e.inputs.forEach((v) => users.set(v, [...(users.get(v) ?? []), i])))
  const outputs = new Set(p.outputs)
  // the group (index of its root equation) of each elementwise equation, decided from the last
  const group = new Array<number>(p.eqns.length).fill(-1)
  for (let i = p.eqns.length - 1; i >= 0; i--) {
    const e = p.eqns[i]!
    if (!elementwise(e.prim)) continue
    const us = users.get(e.out) ?? []
    const shape = p.avals[e.out]!.shape
    const g = us.length > 0 ? group[us[0]!]! : -1
    const inlined =
      !outputs.has(e.out) &&
      g >= 0 &&
      us.every((u) => group[u] === g) &&
      sameShape(p.avals[p.eqns[g]!.out]!.shape, shape)
    group[i] = inlined ? g : i
  }
  const single = (e: Eqn): Step => ({ kind: 'eqn', eqn: e, inputs: e.inputs, out: e.out })
  // a group runs where its root stood (its members' inputs are all defined by then); one whose
  // inputs' broadcasts fit no loop nest runs member by member
  return p.eqns.flatMap((e, i) => {
    if (group[i]! < 0) return [single(e)]
    if (group[i] !== i) return []
    const members = p.eqns.filter((_, j) => group[j] === i)
    const fused = members.length > 1 ? fusedStep(p, members) : undefined
    return fused === undefined ? members.map(single) : [fused]
  })
}

/** The generated loop of one group, or undefined when its inputs' broadcasts do not fit one loop nest. */
const fusedStep = (p: Program, members: ReadonlyArray<Eqn>): Step | undefined => {
  const root = members[members.length - 1]!
  const out = p.avals[root.out]!
  const inside = new Set(members.map((e) => e.out))
  const inputs = [...new Set(members.flatMap((e) => e.inputs.filter((v) => !inside.has(v))))]
  const shapes = inputs.map((v) => p.avals[v]!.shape)
  let split = -1
  let access: Access[] = []
  for (let d = out.shape.length; d >= 0 && split < 0; d--) {
    const a = shapes.map((s) => accessOf(s, out.shape, d))
    if (a.every((x) => x !== undefined)) [split, access] = [d, a as Access[]]
  }
  if (split < 0) return undefined
  const round = (dtype: string, x: string): string => (dtype === 'float32' ? `Math.fround(${x})` : dtype === 'int32' ? `(${x} | 0)` : x)
  const name = new Map<number, string>(inputs.map((v, k) => [v, `x${k}`]))
  // each input is read where its index changes: once (scalar), once per row (outer), or per element
  const read = (k: number, at: string): string => `const x${k} = in${k}[${at}];`
  const hoisted = inputs.flatMap((_, k) => (access[k] === 'scalar' ? [read(k, '0')] : []))
  const rowLoads = inputs.flatMap((_, k) => (access[k] === 'outer' ? [read(k, 'o')] : []))
  const loads = inputs.flatMap((_, k) => (access[k] === 'full' ? [read(k, 'o * inner + j')] : access[k] === 'inner' ? [read(k, 'j')] : []))
  const body: string[] = []
  members.forEach((e, k) => {
    const args = e.inputs.map((v) => name.get(v)!)
    let expr: string
    if (isUnary(e.prim)) expr = unaryExpr[e.prim]?.(args[0]!) ?? `U.${e.prim}(${args[0]})`
    else if (isBinary(e.prim)) expr = binaryExpr[e.prim]?.(args[0]!, args[1]!) ?? `B.${e.prim}(${args[0]}, ${args[1]})`
    else expr = `(${args[0]} !== 0 ? ${args[1]} : ${args[2]})`
    const t = `t${k}`
    body.push(`const ${t} = ${round(p.avals[e.out]!.dtype, expr)};`)
    name.set(e.out, t)
  })
  const source = [
    `const inner = ${sizeOf(out.shape.slice(split))}, rows = ${sizeOf(out.shape.slice(0, split))};`,
    ...hoisted,
    'for (let o = 0; o < rows; o++) {',
    ...rowLoads.map((l) => `  ${l}`),
    '  for (let j = 0; j < inner; j++) {',
    ...loads.map((l) => `    ${l}`),
    ...body.map((l) => `    ${l}`),
    `    out[o * inner + j] = ${name.get(root.out)};`,
    '  }',
    '}',
  ].join('\n')
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const kernel = new Function('U', 'B', `return function fused(out, ${inputs.map((_, k) => `in${k}`).join(', ')}) {\n${source}\n}`)(unaryFns, binaryFns) as (out: Buffer, ...ins: Buffer[]) => void
  const size = sizeOf(out.shape)
  const wasm = size >= MIN_WASM ? wasmGroup(p, members, inputs) : undefined
  let compiled: WasmKernel | undefined
  let compiledBlock = 0
  return {
    kind: 'fused',
    eqns: members,
    inputs,
    out: root.out,
    source,
    run: (env) => {
      const buf = alloc(out.dtype, size)
      const ins = inputs.map((v) => dataOf(env[v]!))
      if (wasm !== undefined && wasmMode !== false && wasmFusionSupported()) {
        if (compiledBlock !== wasmBlock) [compiled, compiledBlock] = [wasmKernel(wasm, wasmBlock), wasmBlock]
        if (compiled!(buf as Float32Array, ins as Float32Array[])) {
          wasmRuns++
          return fromBuffer(buf, out.shape)
        }
      }
      kernel(buf, ...ins)
      return fromBuffer(buf, out.shape)
    },
  }
}

/**
 * The WebAssembly form of a group (see wasm.ts), or undefined unless every value in it is
 * float32 and every operation has an exact float32 equivalent there. Its loop nest takes the
 * longest inner run the inputs' broadcasts allow (the JavaScript loop takes the shortest), so
 * the vector loop has the most to do.
 */
const wasmGroup = (p: Program, members: ReadonlyArray<Eqn>, inputs: ReadonlyArray<number>): WasmGroup | undefined => {
  const f32 = (v: number): boolean => p.avals[v]!.dtype === 'float32'
  if (!members.every((e) => wasmOps.has(e.prim) && f32(e.out)) || !inputs.every(f32)) return undefined
  const out = p.avals[members[members.length - 1]!.out]!.shape
  for (let d = 0; d <= out.length; d++) {
    const access = inputs.map((v) => accessOf(p.avals[v]!.shape, out, d))
    if (!access.every((x) => x !== undefined)) continue
    const index = new Map<number, number>(inputs.map((v, k) => [v, k]))
    members.forEach((e, m) => index.set(e.out, inputs.length + m))
    return {
      access: access as Access[],
      ops: members.map((e) => ({ prim: e.prim, args: e.inputs.map((v) => index.get(v)!) })),
      rows: sizeOf(out.slice(0, d)),
      inner: sizeOf(out.slice(d)),
    }
  }
  return undefined
}
