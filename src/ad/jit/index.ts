/**
 * `jit`: a function staged into a program once per signature and run by a compiled executor
 * (rewrites, elementwise fusion, buffer planning). See `jit` for the rules.
 * @internal
 */
import { checkFunction, describe, fail } from '../../core/errors.js'
import { checkOptions } from '../../core/options.js'
import type { Buffer } from '../../core/dtype.js'
import { type Donee, type Tensor, boxOf, dataOf, deviceOf, donate, donee, fromBuffer, isDonated, isSole, isTensor, refuseDonated } from '../../core/Tensor.js'
import { observing } from '../../prims/bind.js'
import { isPlainRecord } from '../../tree/internal.js'
import { type Build, flatten, rebuild, rebuilder } from './args.js'
import { type Compiled, compile } from './execute.js'
import { runOnDevice } from './gpu.js'
import { dce, optimize, structureKey } from './optimize.js'
import { type Program, showProgram } from './Program.js'
import { replay, trace } from './trace.js'

/** Options of `jit`. */
export interface JitOptions {
  /** how the function is named in programs and messages (default: the function's name, or 'jit') */
  readonly name?: string
  /**
   * positions of the arguments the function consumes (as JAX's `donate_argnums`): each call
   * takes their tensors (every tensor of a tree argument), and its results may be written into
   * their buffers where dtype and size match (new parameters into the old ones), instead of into
   * fresh memory. A donated tensor is used up: any later use of it is refused (INVALID_ARGUMENT,
   * naming the jitted function), even after a call that failed. Its buffer is written only when
   * nothing else can see it: a result of a compiled program that no reshape or other view of it
   * shares, passed once; otherwise the call just takes the tensor and leaves the buffer as it
   * is. Donation applies where the compiled program runs on the CPU; a call under `grad`, `vmap`
   * or another `jit`, or with GPU tensors, takes nothing. Results equal the undonated call's,
   * bit for bit. Positions past the arguments of a call are ignored.
   */
  readonly donate?: ReadonlyArray<number>
}

/** A jitted function: call it like the original. */
export type Jitted<A extends ReadonlyArray<unknown>, R> = (...args: A) => R

/** Traces kept per jitted function (signatures beyond this evict the oldest). */
const MAX_TRACES = 64
/** Compiled programs kept, over all jitted functions. */
const MAX_COMPILED = 256

const remember = <K, V>(m: Map<K, V>, k: K, v: V, max: number): V => {
  if (m.size >= max) m.delete(m.keys().next().value as K)
  m.set(k, v)
  return v
}

interface Staged {
  /** what a traced call replays: the program without dead code (not CSE: merged uses would add their derivatives in another order) */
  readonly replayed: () => Program
  /** the constants of the compiled program, in its order */
  readonly consts: ReadonlyArray<Tensor>
  /** the traced result with other leaves in place of its tensors */
  readonly build: Build
  readonly compiled: Compiled
}

/** A compiled program, and which of the traced program's constants it keeps. */
interface Plan {
  readonly compiled: Compiled
  readonly keep: ReadonlyArray<number>
}

/** Plans by the structure of the traced program, so a retrace (a new static value) finds its plan without rewriting again. */
const plans = new Map<string, Plan>()

const planFor = (raw: Program): Plan => {
  const key = structureKey(raw)
  const known = plans.get(key)
  if (known !== undefined) return known
  const optimized = optimize(raw)
  const at = new Map(raw.consts.map((v, i) => [v, i]))
  return remember(plans, key, { compiled: compile(optimized), keep: optimized.consts.map((v) => at.get(v)!) }, MAX_COMPILED)
}

const lazy = <A>(f: () => A): (() => A) => {
  let value: A | undefined
  return () => (value ??= f())
}

/** Refuses a result leaf that is neither a tensor nor plain data. @internal */
export const checkResult = (op: string, u: unknown, path: string): void => {
  if (isTensor(u) || u === null || ['number', 'string', 'boolean', 'undefined'].includes(typeof u)) return
  if (Array.isArray(u)) return u.forEach((x, i) => checkResult(op, x, `${path}[${i}]`))
  if (isPlainRecord(u)) return Object.keys(u).forEach((k) => checkResult(op, u[k], `${path}.${k}`))
  fail(
    'INVALID_VALUE',
    op,
    `the jitted function returned ${describe(u)} at ${path}; a jitted function returns tensors in arrays and plain records, and plain data (numbers, strings, booleans) computed from its static arguments. Return the values the function computed, not functions or objects.`,
  )
}

const stage = (name: string, f: (...args: never[]) => unknown, args: ReadonlyArray<unknown>, leaves: ReadonlyArray<Tensor>): Staged => {
  const [raw, result] = trace(name, leaves, (xs) => {
    const r = f(...(rebuild(args, xs) as never[]))
    checkResult(name, r, 'the result')
    return [flatten(name, r).leaves, r]
  })
  const { compiled, keep } = planFor(raw)
  return { replayed: lazy(() => dce(raw)), consts: keep.map((i) => raw.constValues[i]!), build: rebuilder(result), compiled }
}

/**
 * Compiles a function of trees of tensors: the first call with a given signature traces it
 * (runs it once on values known only by their shapes and dtypes, recording each primitive),
 * rewrites the program (common subexpressions, dead code), fuses chains of elementwise
 * operations into single loops (generated WebAssembly SIMD loops for float32 chains of exact
 * arithmetic, comparisons and `where`; JavaScript loops otherwise; chains of one shape that
 * share an input run as one loop of several outputs, as an optimizer's new moments and
 * parameters), and plans its buffers;
 * later calls with the same signature run the compiled program. Results equal the function's, bit for bit on the JavaScript kernels
 * (with the WebAssembly kernels, fused transcendental functions may differ in the last bits).
 *
 * The signature is the arguments' tree structure, the tensors' shapes and dtypes, and every
 * other argument by value (numbers, strings, booleans: these are static, so a new value traces
 * again; a new trace of the same program reuses its compiled form). Random keys are data, as
 * tensors are: a new key runs the same program (a training step with dropout traces once),
 * and its draws equal the eager ones bit for bit. Inside the
 * function, tensor arguments have no readable contents: `item`, `toArray` or an `if` on a
 * value refuse with TRACED_READ (use `Tensor.where`, or pass the number as a static argument).
 * JavaScript side effects (logging, counters) run while tracing, not on every call.
 *
 * It composes with the other transformations: `jit(grad(f))` compiles the gradient,
 * `grad(jit(f))` differentiates the program, and jit inside jit inlines.
 *
 * With `donate` (argument positions, as JAX's `donate_argnums`), a call uses up those arguments'
 * tensors and may write its results into their buffers: a training step that donates its
 * parameters allocates no new ones. See `JitOptions.donate`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Rng, Tensor as T } from 'puregrad'
 * const f = (x: T.Tensor, y: T.Tensor) => T.sum(T.mul(T.tanh(x), y))
 * const fast = Ad.jit(f)
 * const x = T.tensor([0.5, -1, 2])
 * const y = T.tensor([1, 2, 3])
 * assert.ok(T.equals(fast(x, y), f(x, y)))
 * assert.ok(T.equals(Ad.jit(Ad.grad(f))(x, y), Ad.grad(f)(x, y)))
 * // keys are data: one trace for every key, the same draws as without jit
 * let traces = 0
 * const noisy = Ad.jit((k: Rng.Key, a: T.Tensor) => (traces++, T.add(a, Rng.normal(k, a.shape))))
 * for (const k of Rng.split(Rng.key(0), 3)) assert.ok(T.equals(noisy(k, x), T.add(x, Rng.normal(k, x.shape))))
 * assert.strictEqual(traces, 1)
 * // donate: each call uses up its first argument, and may write its result over it
 * const sgd = Ad.jit((p: T.Tensor, g: T.Tensor) => T.sub(p, T.mul(T.scalar(0.5), g)), { donate: [0] })
 * let p = T.tensor([1, 2, 3])
 * const p0 = p
 * for (let i = 0; i < 3; i++) p = sgd(p, y)
 * assert.deepStrictEqual(T.toArray(p), [-0.5, -1, -1.5])
 * assert.throws(() => T.toArray(p0), { code: 'INVALID_ARGUMENT' }) // p0 was donated
 * @category transformations
 */
export const jit = <A extends ReadonlyArray<unknown>, R>(f: (...args: A) => R, opts: JitOptions = {}): Jitted<A, R> => {
  const op = 'jit'
  checkFunction(op, 'the function to compile (argument 1)', f)
  checkOptions(op, opts, ['name', 'donate'])
  if (opts.name !== undefined && typeof opts.name !== 'string') fail('INVALID_ARGUMENT', op, `name is ${describe(opts.name)}; pass a string.`)
  const donated = checkDonate(op, opts.donate)
  const name = opts.name ?? (f.name !== '' ? `jit(${f.name})` : 'jit')
  const to = donated === undefined ? undefined : donee(name)
  const traces = new Map<string, Staged>()
  return (...args: A): R => {
    const { leaves, key, starts } = flatten(name, args)
    const staged = traces.get(key) ?? remember(traces, key, stage(name, f as (...args: never[]) => unknown, args, leaves), MAX_TRACES)
    // traced inputs replay the program primitive by primitive; GPU inputs run its steps on the
    // device, each fused group as one kernel
    const interpreted = observing() || leaves.some((x) => boxOf(x) !== undefined)
    let outs: ReadonlyArray<Tensor>
    if (interpreted) outs = replay(staged.replayed(), leaves)
    else if (leaves.some((x) => deviceOf(x) !== undefined)) outs = runOnDevice(staged.compiled, leaves, staged.consts)
    else {
      for (let i = 0; i < leaves.length; i++) if (isDonated(leaves[i]!)) refuseDonated(name, leaves[i]!)
      outs = to === undefined ? staged.compiled.run(leaves, staged.consts) : runDonating(staged, leaves, donationOf(staged, starts, donated!), to)
    }
    return staged.build(outs) as R
  }
}

/** The `donate` option: distinct whole numbers ≥ 0, or undefined (none). */
const checkDonate = (op: string, u: unknown): ReadonlyArray<number> | undefined => {
  if (u === undefined) return undefined
  const ok = Array.isArray(u) && u.every((i) => Number.isInteger(i) && (i as number) >= 0) && new Set(u).size === u.length
  if (!ok) fail('INVALID_ARGUMENT', op, `donate is ${describe(u)}; pass the positions of the arguments to donate, distinct whole numbers from 0, e.g. { donate: [0] } for the first argument.`)
  const positions = u as ReadonlyArray<number>
  return positions.length === 0 ? undefined : Object.freeze([...positions])
}

/** Which leaves a call of one signature donates, and what of the program it may write. */
interface Donation {
  /** the donated leaves' indices, in order (a leaf of a donated argument) */
  readonly leaves: ReadonlyArray<number>
  /** the program's constants: a donated tensor among them is read there, so not written */
  readonly consts: ReadonlySet<Tensor>
}

const donations = new WeakMap<Staged, Map<string, Donation>>()

/** The donation of calls of `staged` whose arguments start at `starts`, made once per signature and positions. */
const donationOf = (staged: Staged, starts: ReadonlyArray<number>, positions: ReadonlyArray<number>): Donation => {
  let byPositions = donations.get(staged)
  if (byPositions === undefined) donations.set(staged, (byPositions = new Map()))
  const key = positions.join(',')
  let d = byPositions.get(key)
  if (d === undefined) {
    const leaves: number[] = []
    for (const pos of positions) if (pos < starts.length - 1) for (let i = starts[pos]!; i < starts[pos + 1]!; i++) leaves.push(i)
    byPositions.set(key, (d = { leaves: leaves.sort((a, b) => a - b), consts: new Set(staged.consts) }))
  }
  return d
}

/**
 * Runs the compiled program with the tensors of the donated arguments consumed: each is retired
 * (every later use refused) and the program reads its buffer through a tensor only it holds. The
 * call may write that buffer once read when the tensor held it alone (`isSole`: no view shares
 * it, so no other tensor can) and was passed only there: not also as another argument, nor
 * closed over as a constant.
 */
const runDonating = (staged: Staged, leaves: ReadonlyArray<Tensor>, d: Donation, to: Donee): ReadonlyArray<Tensor> => {
  const { compiled, consts } = staged
  const ins = leaves.slice()
  const given: Array<Buffer | undefined> = new Array(leaves.length)
  let shared = false
  for (let j = 0; j < d.leaves.length; j++) {
    const i = d.leaves[j]!
    const t = leaves[i]!
    if (isDonated(t)) {
      shared = true // taken at an earlier place of this call
      continue
    }
    const data = dataOf(t)
    if (d.consts.has(t)) shared = true
    else if (compiled.donatable[i]! && isSole(t)) given[i] = data
    donate(t, to)
    ins[i] = fromBuffer(data, t.shape)
  }
  for (let i = 0; i < ins.length; i++) if (isDonated(ins[i]!)) shared = true
  if (!shared) return compiled.run(ins, consts, given)
  // a donated tensor also passed elsewhere: every place reads it through the stand-in of its
  // first donated place, whose buffer is not written; so does a constant that is one
  const standIn = (t: Tensor): Tensor => {
    for (let j = 0; j < d.leaves.length; j++) {
      const i = d.leaves[j]!
      if (leaves[i] === t && ins[i] !== t) {
        given[i] = undefined
        return ins[i]!
      }
    }
    return t
  }
  for (let i = 0; i < ins.length; i++) if (isDonated(ins[i]!)) ins[i] = standIn(ins[i]!)
  for (const t of d.consts) if (isDonated(t)) standIn(t)
  return compiled.run(ins, consts.map((t) => (isDonated(t) ? standIn(t) : t)), given)
}

/** Options of `makeProgram`. */
export interface MakeProgramOptions {
  /**
   * which form to show: 'traced' (default: as recorded), 'optimized' (after common-subexpression
   * and dead-code elimination) or 'compiled' (the steps jit runs, fused groups as one line each)
   */
  readonly form?: 'traced' | 'optimized' | 'compiled'
}

/**
 * The program `jit` records for `f` at these arguments, as text: inputs and constants with
 * their dtypes and shapes, one primitive per line (like `jax.make_jaxpr`).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * const f = (x: T.Tensor) => T.sum(T.exp(T.neg(x)))
 * assert.strictEqual(Ad.makeProgram(f)(T.tensor([1, 2])), [
 *   '{ lambda  ; a:f32[2]. let',
 *   '    b:f32[2] = neg a',
 *   '    c:f32[2] = exp b',
 *   '    d:f32[] = sum[axes=[0] keepdims=false] c',
 *   '  in (d) }',
 * ].join('\n'))
 * // compiled: neg and exp run as one fused loop
 * assert.match(Ad.makeProgram(f, { form: 'compiled' })(T.tensor([1, 2])), /c:f32\[2\] = fused\{neg, exp\} a/)
 * @category transformations
 */
export const makeProgram =
  <A extends ReadonlyArray<unknown>>(f: (...args: A) => unknown, opts: MakeProgramOptions = {}) =>
  (...args: A): string => {
    const op = 'makeProgram'
    checkFunction(op, 'the function to trace (argument 1)', f)
    checkOptions(op, opts, ['form'])
    const form = opts.form ?? 'traced'
    if (!['traced', 'optimized', 'compiled'].includes(form)) fail('INVALID_ARGUMENT', op, `form is ${describe(form)}; use 'traced', 'optimized' or 'compiled'.`)
    const { leaves } = flatten(op, args)
    const [raw] = trace(op, leaves, (xs) => {
      const r = f(...(rebuild(args, xs) as unknown as A))
      checkResult(op, r, 'the result')
      return [flatten(op, r).leaves, undefined]
    })
    if (form === 'traced') return showProgram(raw)
    const optimized = optimize(raw)
    if (form === 'optimized') return showProgram(optimized)
    return showProgram(optimized, compile(optimized).steps)
  }
