/**
 * Fused elementwise groups under jit, JavaScript loops against generated WebAssembly SIMD loops,
 * beside the eager function, with the WebAssembly kernels installed (one thread; `--js` for the
 * TypeScript kernels): the MLP 784-128-64-10 forward at batch 128 and 1024, and one Adam update
 * of its parameters (fused groups of up to 8 operations over 100 352 elements).
 *
 * Run alone: `npx tsx bench/fusion.ts [--js]`. CPU time (process.cpuUsage, so other processes on
 * the machine count less), cases alternated round after round, medians printed.
 */
import { Ad, Optim, Rng, type Tensor as T } from '../src/index.js'
import { setFusedWasm } from '../src/ad/jit/fuse.js'
import { useJsKernels, useWasmKernelsSync } from '../src/kernels/wasm/index.js'
import { type Params, initWeights, pgLogits, pgParams } from './lib/mlp.js'

const ROUNDS = 11

const js = process.argv.includes('--js')
if (!js) console.log(useWasmKernelsSync())
const params = pgParams(initWeights(0))
const x128 = Rng.uniform(Rng.key(128), [128, 784])
const x1024 = Rng.uniform(Rng.key(1024), [1024, 784])
const forward = (p: Params, x: T.Tensor): T.Tensor => pgLogits(p, x)
const opt = Optim.adam(1e-3)
const state = opt.init(params)
const grads = params
const update = (g: Params, s: unknown, p: Params): readonly [Params, unknown] => {
  const [u, next] = opt.update(g, s as typeof state, p)
  return [Optim.applyUpdates(p, u), next]
}
const jitForward = Ad.jit(forward)
const jitUpdate = Ad.jit(update)

const cpuMs = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const time = (f: () => unknown, reps: number): number => {
  for (let i = 0; i < 2; i++) f()
  const t = cpuMs()
  for (let i = 0; i < reps; i++) f()
  return (cpuMs() - t) / reps
}
const jitted = (mode: boolean, f: () => unknown) => (): unknown => {
  const previous = setFusedWasm(mode)
  try {
    return f()
  } finally {
    setFusedWasm(previous)
  }
}

const cases: ReadonlyArray<readonly [string, () => unknown, number]> = [
  ['forward 128 eager', () => forward(params, x128), 40],
  ['forward 128 jit, JS loops', jitted(false, () => jitForward(params, x128)), 40],
  ['forward 128 jit, wasm loops', jitted(true, () => jitForward(params, x128)), 40],
  ['forward 1024 eager', () => forward(params, x1024), 8],
  ['forward 1024 jit, JS loops', jitted(false, () => jitForward(params, x1024)), 8],
  ['forward 1024 jit, wasm loops', jitted(true, () => jitForward(params, x1024)), 8],
  ['adam update eager', () => update(grads, state, params), 20],
  ['adam update jit, JS loops', jitted(false, () => jitUpdate(grads, state, params)), 20],
  ['adam update jit, wasm loops', jitted(true, () => jitUpdate(grads, state, params)), 20],
]
const samples = cases.map(() => [] as number[])
for (let r = 0; r < ROUNDS; r++) cases.forEach(([, f, reps], i) => samples[i]!.push(time(f, reps)))
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
console.log(`kernels: ${js ? 'TypeScript' : 'WebAssembly, one thread'}; median CPU ms of ${ROUNDS} alternating rounds`)
cases.forEach(([name], i) => console.log(`${name.padEnd(30)} ${median(samples[i]!).toFixed(3)} ms`))
useJsKernels()
