/**
 * Running functions exported with Ad.toOnnx in onnxruntime-web (the wasm build, one thread) and
 * comparing every output with the function run in puregrad. Shared by test/ad/onnx.test.ts and
 * laws/jit.onnx.laws.ts.
 */
import * as ort from 'onnxruntime-web'
import { Ad, Tensor as T } from '../../src/index.js'
// the tolerance and the per-output comparison are the network exporter's tests': REL of each output's scale
import { outputError } from '../net/onnx.util.js'

ort.env.wasm.numThreads = 1


/** What the comparisons measured (for the report at the end of a run). */
export const measured = { sessions: 0, worst: 0, runs: [] as Array<{ name: string; maxAbs: number; scale: number }> }

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u) && !T.isTensor(u)

/** The tensor leaves of a value with their names (`prefix`, `prefix.0`, `prefix.W`, …; record keys sorted). */
export const named = (u: unknown, prefix: string): Array<readonly [string, T.Tensor]> =>
  T.isTensor(u)
    ? [[prefix, u]]
    : Array.isArray(u)
      ? u.flatMap((x, i) => named(x, `${prefix}.${i}`))
      : isRecord(u)
        ? Object.keys(u)
            .sort()
            .flatMap((k) => named(u[k], `${prefix}.${k}`))
        : []

type Out = { readonly data: ArrayLike<number>; readonly dims: ReadonlyArray<number>; readonly type: string }

const feed = (t: T.Tensor, float64As: 'float64' | 'float32'): ort.Tensor =>
  t.dtype === 'int32'
    ? new ort.Tensor('int32', Int32Array.from(T.toArray(t)), [...t.shape])
    : t.dtype === 'float64' && float64As === 'float64'
      ? new ort.Tensor('float64', Float64Array.from(T.toArray(t)), [...t.shape])
      : new ort.Tensor('float32', Float32Array.from(T.toArray(t)), [...t.shape])

/** Runs model bytes on named inputs; returns every output by name. */
export const runModel = async (bytes: Uint8Array, inputs: ReadonlyArray<readonly [string, T.Tensor]>, float64As: 'float64' | 'float32' = 'float64'): Promise<Record<string, Out>> => {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] })
  measured.sessions++
  try {
    const results = await session.run(Object.fromEntries(inputs.map(([n, t]) => [n, feed(t, float64As)])))
    return Object.fromEntries(Object.entries(results).map(([n, r]) => [n, { data: r.data as ArrayLike<number>, dims: r.dims, type: r.type }]))
  } finally {
    await session.release()
  }
}

/**
 * Exports `f` at `args`, runs the model in ORT and compares each output with `f(...args)`:
 * names, dims and values (within REL of its scale). Returns the worst relative difference.
 */
export const agreeFn = async <A extends unknown[]>(name: string, f: (...args: A) => unknown, args: A, opts: Ad.FunctionOnnxOptions = {}): Promise<{ readonly maxAbs: number; readonly scale: number }> => {
  const bytes = Ad.toOnnx(f, opts)(...args)
  const ours = named(f(...args), 'output')
  const theirs = await runModel(bytes, named(args.length === 1 ? args[0] : args, 'input'), opts.float64As)
  if (Object.keys(theirs).sort().join() !== ours.map(([n]) => n).sort().join()) throw new Error(`${name}: outputs ${Object.keys(theirs).join(', ')} where puregrad has ${ours.map(([n]) => n).join(', ')}`)
  let worst = { maxAbs: 0, scale: 1 }
  for (const [out, y] of ours) {
    const r = theirs[out]!
    if (r.dims.join() !== y.shape.join()) throw new Error(`${name}: ${out} has dims [${r.dims.join(', ')}] where puregrad gives [${y.shape.join(', ')}]`)
    const want = y.dtype === 'int32' ? 'int32' : y.dtype === 'float64' && opts.float64As !== 'float32' ? 'float64' : 'float32'
    if (r.type !== want) throw new Error(`${name}: ${out} is ${r.type} where ${want} was expected`)
    const { maxAbs, scale } = outputError(`${name}: ${out}`, r.data, T.toArray(y))
    if (maxAbs / scale >= worst.maxAbs / worst.scale) worst = { maxAbs, scale }
  }
  measured.runs.push({ name, ...worst })
  measured.worst = Math.max(measured.worst, worst.maxAbs / worst.scale)
  return worst
}
