/**
 * Elementwise fusion: a chain of unary, binary and `where` equations whose intermediates are
 * used only inside the chain becomes one generated loop that reads each input once and writes
 * one output, instead of a pass over memory and a fresh buffer per equation. Chains of the same
 * shape that share an input, or of which one reads another's result, then merge into one loop
 * with several outputs (each value used outside the loop), when the program allows running them
 * together: an optimizer's update of a parameter (new moments, new parameter) reads the gradient
 * once and writes its three results in one pass.
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
 *
 * Before the chains are formed, patterns that one routine runs better are taken out as
 * composite steps: a matrix product with its bias add and relu (epilogue.ts), a softmax over the
 * last axis (softmax.ts); each keeps the bits of its equations.
 * @internal
 */
import { type Buffer, alloc } from '../../core/dtype.js'
import { type Shape, sameShape, sizeOf } from '../../core/shape.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import { binaryFns, unaryFns } from '../../kernels/js/elementwise.js'
import type { BinaryOp, UnaryOp } from '../../kernels/Kernels.js'
import type { Prim } from '../../prims/Prim.js'
import { epilogueGroups, groupEqns, runGroup } from './epilogue.js'
import { type Eqn, type Program, showParams } from './Program.js'
import { runSoftmax, softmaxGroups } from './softmax.js'
import type { Access } from './wasm.js'
import { BLOCK, type WasmGroup, type WasmKernel, wasmFusionSupported, wasmKernel, wasmOps } from './wasm.js'

/**
 * One step of a compiled program: an equation run by its kernel, a fused group (of one output or
 * several), or a composite: a pattern of equations one routine runs (a product with its bias and
 * activation, epilogue.ts; a softmax, softmax.ts).
 */
export type Step =
  | { readonly kind: 'eqn'; readonly eqn: Eqn; readonly inputs: ReadonlyArray<number>; readonly out: number }
  | {
      readonly kind: 'composite'
      /** the equations it stands for, in program order */
      readonly eqns: ReadonlyArray<Eqn>
      readonly inputs: ReadonlyArray<number>
      /** the last equation's output, alone */
      readonly outs: ReadonlyArray<number>
      /** how programs show it: `matmul[transA=false transB=false]+add+relu`, `softmax{max, sub, exp, sum, div}` */
      readonly shown: string
      readonly run: (env: ReadonlyArray<Tensor>) => ReadonlyArray<Tensor>
    }
  | {
      readonly kind: 'fused'
      readonly eqns: ReadonlyArray<Eqn>
      readonly inputs: ReadonlyArray<number>
      readonly outs: ReadonlyArray<number>
      readonly source: string
      /** the outputs' values, in the order of `outs` */
      readonly run: (env: ReadonlyArray<Tensor>) => ReadonlyArray<Tensor>
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

/** The axis at which a loop over `out` splits into outer × inner so that every input shape is read by one of the access patterns, the last such axis (`fromEnd`, the shortest inner run) or the first; -1 when there is none. */
const splitOf = (shapes: ReadonlyArray<Shape>, out: Shape, fromEnd: boolean): number => {
  for (let k = 0; k <= out.length; k++) {
    const d = fromEnd ? out.length - k : k
    if (shapes.every((s) => accessOf(s, out, d) !== undefined)) return d
  }
  return -1
}

/** Groups of the same shape considered for a merge, the latest first (bounds the compile time of long programs). */
const MERGE_WINDOW = 64
/** The most operands other than scalars (inputs and outputs) a merged group may have: each takes a block of the WebAssembly memory. */
const MERGE_OPERANDS = 16

/** Splits the equations into steps: products with their epilogue, elementwise chains fused, and chains merged into loops of several outputs. */
export const fuse = (p: Program): ReadonlyArray<Step> => {
  const users = new Map<number, number[]>()
  p.eqns.forEach((e, i) => e.inputs.forEach((v) => users.set(v, [...(users.get(v) ?? []), i])))
  const outputs = new Set(p.outputs)
  // composites: products that take their bias and activation, and softmaxes; each runs where its
  // last equation stood (its inputs are defined by then), and its equations join no elementwise group
  const compositeAt = new Map<number, Step>()
  const taken = new Set<number>()
  const composite = (members: ReadonlyArray<number>, inputs: ReadonlyArray<number>, shown: string, run: (env: ReadonlyArray<Tensor>) => Tensor): void => {
    const last = members[members.length - 1]!
    const eqns = members.map((i) => p.eqns[i]!)
    compositeAt.set(last, { kind: 'composite', eqns, inputs, outs: [p.eqns[last]!.out], shown, run: (env) => [run(env)] })
    for (const i of members) taken.add(i)
  }
  for (const g of epilogueGroups(p, users, outputs)) {
    const eqns = groupEqns(p, g)
    const { bias } = g
    const shown = `${eqns[0]!.prim}${showParams(eqns[0]!.params)}${eqns.slice(1).map((e) => `+${e.prim}`).join('')}`
    composite(g.act === undefined ? [g.producer, g.add] : [g.producer, g.add, g.act], [...eqns[0]!.inputs, bias], shown, (env) => runGroup(eqns, bias, env))
  }
  for (const g of softmaxGroups(p, users, outputs)) {
    if (g.members.some((i) => taken.has(i))) continue
    const { input } = g
    composite(g.members, [input], 'softmax{max, sub, exp, sum, div}', (env) => runSoftmax(env[input]!))
  }

  // the group of each elementwise equation (the index of the equation where the group runs), decided from the last:
  // an equation joins its users' group when they all belong to one of its shape, and nothing else reads it
  const group = new Array<number>(p.eqns.length).fill(-1)
  for (let i = p.eqns.length - 1; i >= 0; i--) {
    const e = p.eqns[i]!
    if (!elementwise(e.prim) || taken.has(i)) continue
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
  const members = new Map<number, number[]>()
  p.eqns.forEach((_, i) => {
    const g = group[i]!
    if (g >= 0) members.set(g, [...(members.get(g) ?? []), i])
  })
  mergeGroups(p, users, outputs, group, members)
  const single = (e: Eqn): Step => ({ kind: 'eqn', eqn: e, inputs: e.inputs, out: e.out })
  // a group runs where its last member stood (its members' inputs are all defined by then, and
  // nothing before reads its outputs); one whose inputs' broadcasts fit no loop nest runs member by member
  return p.eqns.flatMap((e, i) => {
    if (taken.has(i)) return compositeAt.has(i) ? [compositeAt.get(i)!] : []
    if (group[i]! < 0) return [single(e)]
    if (group[i] !== i) return []
    const eqns = members.get(i)!.map((j) => p.eqns[j]!)
    if (eqns.length === 1) return [single(e)]
    const inside = new Set(members.get(i)!)
    const outs = eqns.filter((m) => outputs.has(m.out) || (users.get(m.out) ?? []).some((u) => !inside.has(u))).map((m) => m.out)
    const fused = fusedStep(p, eqns, outs)
    return fused === undefined ? eqns.map(single) : [fused]
  })
}

/**
 * Merges groups of one shape into loops of several outputs, in program order: a group takes in
 * an earlier one whose results it reads or with which it shares an input of the loop's size,
 * when both run in the same kind of loop (a WebAssembly-able group never merges with one that is
 * not, and an equation alone on its kernel stays there unless WebAssembly can take both), their
 * inputs fit one loop nest, and no step that runs before the merged group reads the earlier
 * group's results. Updates `group` (each member's group is the index of the equation where it
 * runs, its last) and `members`.
 */
const mergeGroups = (p: Program, users: ReadonlyMap<number, ReadonlyArray<number>>, outputs: ReadonlySet<number>, group: number[], members: Map<number, number[]>): void => {
  const f32 = (v: number): boolean => p.avals[v]!.dtype === 'float32'
  const wasmable = (ms: ReadonlyArray<number>): boolean => ms.every((i) => wasmOps.has(p.eqns[i]!.prim) && f32(p.eqns[i]!.out) && p.eqns[i]!.inputs.every(f32))
  const inputsOf = (ms: ReadonlyArray<number>): Set<number> => {
    const outs = new Set(ms.map((i) => p.eqns[i]!.out))
    return new Set(ms.flatMap((i) => p.eqns[i]!.inputs.filter((v) => !outs.has(v))))
  }
  /** inputs that are not scalars, and results read outside the group */
  const operands = (ms: ReadonlyArray<number>, ins: ReadonlySet<number>): number => {
    const inside = new Set(ms)
    let n = 0
    for (const v of ins) if (sizeOf(p.avals[v]!.shape) > 1) n++
    for (const i of ms) if (outputs.has(p.eqns[i]!.out) || (users.get(p.eqns[i]!.out) ?? []).some((u) => !inside.has(u))) n++
    return n
  }
  /** open groups by shape, in program order */
  const open = new Map<string, number[]>()
  for (const [g, ms] of [...members].sort((a, b) => a[0] - b[0])) {
    const shape = p.avals[p.eqns[g]!.out]!.shape
    const key = shape.join(',')
    const size = sizeOf(shape)
    const list = open.get(key) ?? []
    let ins = inputsOf(ms)
    let mine = ms
    let kind = wasmable(ms)
    for (let c = list.length - 1; c >= Math.max(0, list.length - MERGE_WINDOW); c--) {
      const a = list[c]!
      const theirs = members.get(a)!
      const theirKind = wasmable(theirs)
      if (theirKind !== kind || (!kind && (theirs.length === 1 || mine.length === 1))) continue
      const theirOuts = new Set(theirs.map((i) => p.eqns[i]!.out))
      const theirIns = inputsOf(theirs)
      const related = [...ins].some((v) => theirOuts.has(v) || (theirIns.has(v) && sizeOf(p.avals[v]!.shape) === size))
      if (!related) continue
      const legal = theirs.every((i) =>
        (users.get(p.eqns[i]!.out) ?? []).every((u) => group[u] === a || group[u] === g || (group[u]! >= 0 ? group[u]! : u) > g),
      )
      if (!legal) continue
      const union = [...theirs, ...mine].sort((x, y) => x - y)
      const unionIns = inputsOf(union)
      if (operands(union, unionIns) > MERGE_OPERANDS || splitOf([...unionIns].map((v) => p.avals[v]!.shape), shape, true) < 0) continue
      for (const i of theirs) group[i] = g
      members.delete(a)
      members.set(g, union)
      list.splice(c, 1)
      ;[mine, ins, kind] = [union, unionIns, kind]
    }
    list.push(g)
    open.set(key, list)
  }
}

/** The generated loop of one group writing `outs` (variables of its members), or undefined when its inputs' broadcasts do not fit one loop nest. */
const fusedStep = (p: Program, members: ReadonlyArray<Eqn>, outs: ReadonlyArray<number>): Step | undefined => {
  const shape = p.avals[members[members.length - 1]!.out]!.shape
  const inside = new Set(members.map((e) => e.out))
  const inputs = [...new Set(members.flatMap((e) => e.inputs.filter((v) => !inside.has(v))))]
  const shapes = inputs.map((v) => p.avals[v]!.shape)
  const split = splitOf(shapes, shape, true)
  if (split < 0) return undefined
  const access = shapes.map((s) => accessOf(s, shape, split)!)
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
    `const inner = ${sizeOf(shape.slice(split))}, rows = ${sizeOf(shape.slice(0, split))};`,
    ...hoisted,
    'for (let o = 0; o < rows; o++) {',
    ...rowLoads.map((l) => `  ${l}`),
    '  for (let j = 0; j < inner; j++) {',
    ...loads.map((l) => `    ${l}`),
    ...body.map((l) => `    ${l}`),
    ...outs.map((v, k) => `    out${k}[o * inner + j] = ${name.get(v)};`),
    '  }',
    '}',
  ].join('\n')
  const params = [...outs.map((_, k) => `out${k}`), ...inputs.map((_, k) => `in${k}`)].join(', ')
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const kernel = new Function('U', 'B', `return function fused(${params}) {\n${source}\n}`)(unaryFns, binaryFns) as (...buffers: Buffer[]) => void
  const size = sizeOf(shape)
  const dtypes = outs.map((v) => p.avals[v]!.dtype)
  const wasm = size >= MIN_WASM ? wasmGroup(p, members, inputs, outs) : undefined
  let compiled: WasmKernel | undefined
  let compiledBlock = 0
  return {
    kind: 'fused',
    eqns: members,
    inputs,
    outs,
    source,
    run: (env) => {
      const bufs = dtypes.map((d) => alloc(d, size))
      const ins = inputs.map((v) => dataOf(env[v]!))
      if (wasm !== undefined && wasmMode !== false && wasmFusionSupported()) {
        if (compiledBlock !== wasmBlock) [compiled, compiledBlock] = [wasmKernel(wasm, wasmBlock), wasmBlock]
        if (compiled!(bufs as Float32Array[], ins as Float32Array[])) {
          wasmRuns++
          return bufs.map((b) => fromBuffer(b, shape))
        }
      }
      kernel(...bufs, ...ins)
      return bufs.map((b) => fromBuffer(b, shape))
    },
  }
}

/**
 * The WebAssembly form of a group (see wasm.ts), or undefined unless every value in it is
 * float32 and every operation has an exact float32 equivalent there. Its loop nest takes the
 * longest inner run the inputs' broadcasts allow (the JavaScript loop takes the shortest), so
 * the vector loop has the most to do.
 */
const wasmGroup = (p: Program, members: ReadonlyArray<Eqn>, inputs: ReadonlyArray<number>, outs: ReadonlyArray<number>): WasmGroup | undefined => {
  const f32 = (v: number): boolean => p.avals[v]!.dtype === 'float32'
  if (!members.every((e) => wasmOps.has(e.prim) && f32(e.out)) || !inputs.every(f32)) return undefined
  const shape = p.avals[members[members.length - 1]!.out]!.shape
  const d = splitOf(inputs.map((v) => p.avals[v]!.shape), shape, false)
  if (d < 0) return undefined
  const index = new Map<number, number>(inputs.map((v, k) => [v, k]))
  members.forEach((e, m) => index.set(e.out, inputs.length + m))
  const op = new Map<number, number>(members.map((e, m) => [e.out, m]))
  return {
    access: inputs.map((v) => accessOf(p.avals[v]!.shape, shape, d)!),
    ops: members.map((e) => ({ prim: e.prim, args: e.inputs.map((v) => index.get(v)!) })),
    outputs: outs.map((v) => op.get(v)!),
    rows: sizeOf(shape.slice(0, d)),
    inner: sizeOf(shape.slice(d)),
  }
}
