/**
 * The ONNX law of a layer: the model `Net.toOnnx` writes, run in onnxruntime-web, computes what
 * `Net.apply` computes in evaluation mode, within float32 rounding. onnxruntime-web is an
 * optional peer dependency, loaded only when an ONNX law runs.
 */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { fail } from '../core/errors.js'
import * as Net from '../net/index.js'
import { kindOf } from '../net/registry.js'
import * as Rng from '../rng/index.js'
import * as T from '../tensor/index.js'
import type { LayerLawOptions } from './layer.js'
import { inputFor } from './layer.js'
import { type AsyncLaw, asyncLaw } from './Law.js'

/** The part of onnxruntime-web (or onnxruntime-node) the law uses. */
interface Ort {
  readonly Tensor: new (type: 'float32' | 'int32', data: Float32Array | Int32Array, dims: ReadonlyArray<number>) => unknown
  readonly InferenceSession: {
    create(bytes: Uint8Array, options?: object): Promise<{
      run(feeds: Record<string, unknown>): Promise<Record<string, { readonly data: unknown; readonly dims: ReadonlyArray<number> }>>
      release(): Promise<void>
    }>
  }
}

// not a literal, so that bundlers leave the optional peer alone when it is not installed
const ORT = 'onnxruntime-web'
let ort: Promise<Ort> | undefined

const loadOrt = (op: string): Promise<Ort> =>
  (ort ??= import(/* @vite-ignore */ ORT).then(
    (m: { default?: Ort } & Ort) => (m.InferenceSession === undefined ? m.default! : m),
    () => {
      ort = undefined
      return fail('INVALID_ARGUMENT', op, `the ONNX law runs the exported model in onnxruntime-web, which is not installed; install it next to fast-check (npm i -D onnxruntime-web).`)
    },
  ))

/** The tolerance and opset of an ONNX law. @category laws */
export interface OnnxLawOptions extends LayerLawOptions {
  /** largest |onnx − puregrad| allowed, relative to the output's scale max(1, max |puregrad output|) (default 1e-4: float32 rounding) */
  readonly tolerance?: number
  /** the opset to export at (default `Net.toOnnx`'s, 13) */
  readonly opset?: number
}

/** The tensors of a value named as the exporter names inputs and outputs: `input`, `input.0`, `input.1.0`, … */
const named = (x: Net.Value, prefix: string): Array<readonly [string, T.Tensor]> =>
  T.isTensor(x) ? [[prefix, x]] : x.flatMap((c, i) => named(c, `${prefix}.${i}`))

/**
 * One case of `onnxEqualsApply`: exports the layer initialised from `seed` (float32), runs the
 * model in onnxruntime-web on a batch of `batch` random inputs, and resolves with the largest
 * difference from `Net.apply` (evaluation mode) relative to its output's scale, or rejects
 * naming the output that is missing, misshapen or too far off.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * import { onnxAgreesAt } from 'puregrad/testing'
 * const worst = await onnxAgreesAt(Net.serial(Net.dense(4), Net.tanh), { inShape: [3] }, 7, 2)
 * assert.ok(worst < 1e-5)
 * ```
 * @category laws
 */
export const onnxAgreesAt = async (layer: Net.Layer, o: OnnxLawOptions, seed: number, batch: number): Promise<number> => {
  const op = 'onnxEqualsApply'
  const rt = await loadOrt(op)
  const vars = Net.init(layer, { key: Rng.key(seed), inShape: o.inShape })
  const x = inputFor(o, Rng.key(seed + 1), batch, 'float32')
  const bytes = Net.toOnnx(layer, vars, { inShape: o.inShape, ...(o.opset === undefined ? {} : { opset: o.opset }) })
  const ours = named(Net.apply(layer, vars, x).y, 'output')
  const session = await rt.InferenceSession.create(bytes, { executionProviders: ['wasm'] })
  let theirs: Record<string, { readonly data: unknown; readonly dims: ReadonlyArray<number> }>
  try {
    const feed = (t: T.Tensor) => (t.dtype === 'int32' ? new rt.Tensor('int32', Int32Array.from(T.toArray(t)), t.shape) : new rt.Tensor('float32', Float32Array.from(T.toArray(t)), t.shape))
    theirs = await session.run(Object.fromEntries(named(x, 'input').map(([n, t]) => [n, feed(t)])))
  } finally {
    await session.release()
  }
  const tolerance = o.tolerance ?? 1e-4
  let worst = 0
  for (const [name, y] of ours) {
    const r = theirs[name]
    if (r === undefined) return fail('LAW_FAILED', op, `the model has no output ${name} (it has ${Object.keys(theirs).join(', ')}); the layer's ONNX lowering must give one output per output of apply.`)
    if (r.dims.join() !== y.shape.join()) return fail('LAW_FAILED', op, `${name} has dims [${r.dims.join(', ')}] in onnxruntime where Net.apply gives [${y.shape.join(', ')}].`)
    const a = r.data as ArrayLike<number>
    const b = T.toArray(y)
    let maxAbs = 0
    let scale = 1
    for (let i = 0; i < b.length; i++) {
      const d = Math.abs(Number(a[i]) - b[i]!)
      maxAbs = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxAbs, d)
      if (Number.isFinite(b[i]!)) scale = Math.max(scale, Math.abs(b[i]!))
    }
    if (!(maxAbs <= tolerance * scale)) return fail('LAW_FAILED', op, `${name}: max |onnx − Net.apply| = ${maxAbs.toExponential(3)} exceeds ${tolerance} · ${scale} (the tolerance times the output's scale); the layer's ONNX lowering computes something else than apply.`)
    worst = Math.max(worst, maxAbs / scale)
  }
  return worst
}

/**
 * The network exported with `Net.toOnnx` and run in onnxruntime-web computes what `Net.apply`
 * computes in evaluation mode: every output, its shape, and its values within `tolerance`
 * (default 1e-4) of the output's scale, max(1, max |Net.apply output|), since the model holds
 * float32 parameters. Cases draw the initialisation key and a batch of 1 to 3 random inputs.
 * For a layer of yours, this checks the lowering you gave `Net.defineLayer` as `onnx` against
 * its `apply`. It needs onnxruntime-web (an optional peer dependency: `npm i -D
 * onnxruntime-web`), loaded when the law first runs; each case starts an onnxruntime session
 * (a few hundred milliseconds), so run a few cases. An async law: `await check(law)`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net, Tensor as T } from 'puregrad'
 * import { check, onnxEqualsApply } from 'puregrad/testing'
 * await check(onnxEqualsApply(Net.serial(Net.dense(4), Net.relu, Net.dense(2)), { inShape: [3] }), { numRuns: 2 })
 * // a layer whose ONNX lowering forgot the gain
 * const gain = Net.defineLayer({
 *   name: 'Gain', fields: {}, shape: (_, s) => s,
 *   init: (_, s) => ({ g: { shape: [s.at(-1)!], init: 'ones' } }),
 *   apply: (_, p, x) => T.mul(x, T.add(p['g']!, 1)),
 *   onnx: (_, x) => x,
 * })
 * await assert.rejects(check(onnxEqualsApply(gain(), { inShape: [3] }), { numRuns: 1 }), (e: { code?: string }) => e.code === 'LAW_FAILED')
 * ```
 * @category laws
 */
export const onnxEqualsApply = (layer: Net.Layer, o: OnnxLawOptions): AsyncLaw => {
  const shape = Net.shape(layer, o.inShape)
  if (E.isLeft(shape)) fail('INVALID_ARGUMENT', 'onnxEqualsApply', `the layer does not take the input shape ${Net.showShapes(o.inShape)}: ${shape.left.message} Pass an inShape it takes.`)
  return asyncLaw(
    `onnxEqualsApply(${kindOf(layer).label(layer)})`,
    fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 30 }), fc.integer({ min: 1, max: 3 }), async (seed, batch) => {
      await onnxAgreesAt(layer, o, seed, batch)
    }),
    () => loadOrt('onnxEqualsApply'),
  )
}
