/**
 * Running exported networks in onnxruntime-web (the wasm build, on one thread) and comparing
 * their outputs with `Net.apply` in evaluation mode. Shared by test/net/onnx.test.ts and
 * laws/net.onnx.laws.ts.
 */
import * as ort from 'onnxruntime-web'
import { Data, Loss, Net, Optim, type Rng, Tensor as T, Train } from '../../src/index.js'

ort.env.wasm.numThreads = 1

/** Float32 tolerance of a comparison, per output: |onnx − puregrad| ≤ REL · max(1, max |puregrad output|). */
export const REL = 1e-4

/** What the comparisons measured (for the report at the end of a run). */
export const measured = { sessions: 0, sessionMs: 0, worst: 0, runs: [] as Array<{ name: string; maxAbs: number; scale: number }> }

type Leaves = ReadonlyArray<readonly [string, T.Tensor]>

/** The tensors of a value with their tuple positions, named as the exporter names inputs and outputs. */
export const leaves = (x: Net.Value, prefix: string, path = ''): Leaves =>
  T.isTensor(x) ? [[path === '' ? prefix : `${prefix}.${path}`, x]] : x.flatMap((c, i) => leaves(c, prefix, path === '' ? String(i) : `${path}.${i}`))

const feed = (t: T.Tensor): ort.Tensor =>
  t.dtype === 'int32' ? new ort.Tensor('int32', Int32Array.from(T.toArray(t)), [...t.shape]) : new ort.Tensor('float32', Float32Array.from(T.toArray(t)), [...t.shape])

/** Runs model bytes on the inputs (named input, input.0, …); returns every output by name. */
export const runOnnx = async (bytes: Uint8Array, x: Net.Value): Promise<Record<string, { readonly data: ArrayLike<number>; readonly dims: ReadonlyArray<number> }>> => {
  const t0 = performance.now()
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] })
  measured.sessions++
  measured.sessionMs += performance.now() - t0
  try {
    const results = await session.run(Object.fromEntries(leaves(x, 'input').map(([name, t]) => [name, feed(t)])))
    return Object.fromEntries(Object.entries(results).map(([name, r]) => [name, { data: r.data as ArrayLike<number>, dims: r.dims }]))
  } finally {
    await session.release()
  }
}

/**
 * Exports, runs in ORT, and compares every output with Net.apply in evaluation mode; returns
 * the largest absolute difference relative to its output's scale, and that scale. Throws when an output
 * is missing, has another shape, or differs by more than the tolerance.
 */
/**
 * The largest |onnx − puregrad| over one output and the output's scale (its largest finite
 * magnitude, at least 1); throws when the difference exceeds REL of the scale.
 */
export const outputError = (what: string, theirs: ArrayLike<number | bigint>, ours: ReadonlyArray<number>): { readonly maxAbs: number; readonly scale: number } => {
  let maxAbs = 0
  let scale = 1
  for (let i = 0; i < ours.length; i++) {
    const [a, b] = [Number(theirs[i]), ours[i]!]
    const d = a === b || (Number.isNaN(a) && Number.isNaN(b)) ? 0 : Math.abs(a - b)
    maxAbs = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxAbs, d)
    if (Number.isFinite(b)) scale = Math.max(scale, Math.abs(b))
  }
  if (!(maxAbs <= REL * scale)) throw new Error(`${what}: max |onnx − puregrad| = ${maxAbs} exceeds ${REL} · ${scale}`)
  return { maxAbs, scale }
}

export const agree = async (name: string, net: Net.Layer, vars: Net.Vars, inShape: Net.Shapes, x: Net.Value, options: Partial<Net.OnnxOptions> = {}): Promise<{ readonly maxAbs: number; readonly scale: number; readonly bytes: Uint8Array }> => {
  const bytes = Net.toOnnx(net, vars, { inShape, ...options })
  const ours = leaves(Net.apply(net, vars, x).y, 'output')
  const theirs = await runOnnx(bytes, x)
  if (Object.keys(theirs).sort().join() !== ours.map(([n]) => n).sort().join()) throw new Error(`${name}: outputs ${Object.keys(theirs).join(', ')} where puregrad has ${ours.map(([n]) => n).join(', ')}`)
  // each output against its own scale, so a large output cannot hide an error in a small one
  let worst = { maxAbs: 0, scale: 1 }
  for (const [out, y] of ours) {
    const r = theirs[out]!
    if (r.dims.join() !== y.shape.join()) throw new Error(`${name}: ${out} has dims [${r.dims.join(', ')}] where puregrad gives [${y.shape.join(', ')}]`)
    const { maxAbs, scale } = outputError(`${name}: ${out}`, r.data, T.toArray(y))
    if (maxAbs / scale >= worst.maxAbs / worst.scale) worst = { maxAbs, scale }
  }
  measured.runs.push({ name, ...worst })
  measured.worst = Math.max(measured.worst, worst.maxAbs / worst.scale)
  const { maxAbs, scale } = worst
  return { maxAbs, scale, bytes }
}

/**
 * A few Adam steps in training mode on random targets, so weights and batch-norm statistics
 * are not their initial values (give batch norms a small momentum for the statistics to move).
 */
export const trained = (net: Net.Layer, key: Rng.Key, inShape: Net.Shapes, x: T.Tensor, target: T.Tensor, steps = 4, loss: (y: T.Tensor, t: T.Tensor) => T.Tensor = Loss.meanSquaredError): Net.Vars => {
  const trainer = { network: net, optimizer: Optim.adam(0.05), loss }
  let s = Train.initTrainState(trainer, key, inShape)
  const batch = Data.dataset(x, target)
  for (let i = 0; i < steps; i++) s = Train.trainStep(trainer)(s, batch)
  return { params: s.params, state: s.modelState }
}
