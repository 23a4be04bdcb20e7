/**
 * Part 3 of `npm run bench`: puregrad's `Ad.jit` beside jax-js 0.1.25 (`@jax-js/jax`: the JAX
 * port to JavaScript, `jit` with operator fusion, on its WebAssembly backend) and tfjs-wasm, on
 * the MLP 784-128-64-10 from the same initial weights.
 *
 * Setup: one process, one thread for everyone (puregrad's WebAssembly SIMD kernels without
 * workers; jax-js's wasm backend, which starts no workers under Node; tfjs-wasm, whose threads
 * are off under Node). The configurations run in alternating rounds (the order rotating each
 * round) so that load from other processes falls on all of them alike; the tables give medians
 * over rounds and the ratios of medians.
 * - training: batch 128 (full batches only, so no run traces a second shape inside a timed
 *   round), Adam lr 1e-3 and SGD lr 0.1. puregrad eager runs the step function of
 *   bench/lib/mlp.ts (`pgStepFn`: valueAndGrad, the optimizer's update, applyUpdates); puregrad
 *   jit runs that same function under `Ad.jit` as one program that uses up the parameters and
 *   optimizer state it is given and writes the new ones over them (as `Train.trainStep(trainer,
 *   { donate: true })` does for a loop that keeps the latest state only); jax-js
 *   runs its whole step (valueAndGrad and the update written out) under `jit` and reads the
 *   loss back each step (an array must be consumed or disposed; puregrad's loss is there
 *   already). Throughput = samples per second of one round.
 * - inference: softmax probabilities from a Float32Array back in JS; puregrad's forward pass
 *   eager and under `Ad.jit`, jax-js's under `jit`. Batch 1: p50 latency over every call of
 *   every round; batch 1024: the median over rounds of each round's median of 3 calls.
 * - check: the first steps of jax-js and of puregrad's jitted step against puregrad eager, from
 *   the same weights on the same batches: losses, and the parameters' change, relative.
 */
import { Data, Loss, Optim, Rng, Tensor as T, Train } from '../src/index.js'
import { models } from '../src/node/models.js'
import { useKernels } from '../src/kernels/registry.js'
import { createWasmKernels } from '../src/kernels/wasm/index.js'
import { type Split, batches, epochOrder } from './lib/data.js'
import * as J from './lib/jax.js'
import * as M from './lib/mlp.js'
import { fmt, median, table } from './lib/report.js'
import { useBackend } from './lib/tf.js'

/** Runs every entry once per round, in an order rotated each round; returns each entry's results over the rounds. */
const alternate = <K extends string>(rounds: number, entries: ReadonlyArray<[K, () => number]>): Record<K, number[]> => {
  const out = Object.fromEntries(entries.map(([k]) => [k, [] as number[]])) as Record<K, number[]>
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < entries.length; i++) {
      const [k, run] = entries[(i + r) % entries.length]!
      out[k].push(run())
    }
  }
  return out
}

/** Full batches of 128 from successive epochs, endlessly. */
function* fullBatches(train: Split): Generator<{ x: Float32Array; y: Float32Array; rows: number }> {
  for (let e = 0; ; e++) for (const b of batches(train, epochOrder(train.n, 100 + e), 128)) if (b.rows === 128) yield b
}

type Steps = (x: Float32Array, y: Float32Array, rows: number) => number
/** The configurations: puregrad eager and under Ad.jit, jax-js under jit, tfjs-wasm. */
type Who = 'eager' | 'jit' | 'jax' | 'tfjs'

/** Everything the jit comparison measured, for the targets table. */
export interface JitResults {
  /** samples/s medians by optimizer and configuration */
  readonly train: Record<M.OptName, Record<Who, number>>
  /** batch-1 p50 latency (µs) and batch-1024 samples/s by configuration */
  readonly infer: Record<Who, { p50: number; sps: number }>
  /** the largest relative difference of the check, by optimizer and peer */
  readonly check: Record<M.OptName, { jax: number; jit: number }>
  /** traces and calls of puregrad's jitted training step in the timed rounds */
  readonly traces: Record<M.OptName, { traces: number; calls: number }>
  /** the README's MNIST CNN, batch 64, Adam: ms of the first jitted training step beyond a later one (trace and compile, after eager steps warmed the kernels), of a later one, and of the first eager step beyond a later one (first use) */
  readonly cnn: { readonly traceMs: number; readonly stepMs: number; readonly firstUseMs: number }
}

/**
 * Trace-and-compile time of the MNIST CNN's jitted training step: its first call less a later
 * call's median, after three eager steps of the same network on the same batch have run every kernel
 * at these shapes (so the engine's first use of them, such as growing its memory, which the eager
 * step pays as well, is not counted as tracing). The jitted step comes first in the process (its
 * trace and its fused kernels' compilation are not cached from an earlier run).
 */
const cnnTrace = (): { traceMs: number; stepMs: number; firstUseMs: number } => {
  const ks = Rng.split(Rng.key(3), 2)
  const batch = Data.dataset(Rng.uniform(ks[0]!, [64, 784]), Rng.integers(ks[1]!, [64], 0, 10))
  const trainer = { network: models.cnn(), optimizer: Optim.adam(1e-3), loss: Loss.softmaxCrossEntropy }
  const eager = Train.trainStep({ ...trainer, jit: false })
  let e = Train.initTrainState(trainer, Rng.key(1), [784])
  const eagerMs: number[] = []
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now()
    e = eager(e, batch)
    eagerMs.push(performance.now() - t0)
  }
  const step = Train.trainStep(trainer)
  let s = Train.initTrainState(trainer, Rng.key(0), [784])
  const a = performance.now()
  s = step(s, batch)
  const first = performance.now() - a
  const later: number[] = []
  for (let i = 0; i < 5; i++) {
    const b = performance.now()
    s = step(s, batch)
    later.push(performance.now() - b)
  }
  const stepMs = median(later)
  return { traceMs: first - stepMs, stepMs, firstUseMs: eagerMs[0]! - Math.min(eagerMs[1]!, eagerMs[2]!) }
}

const CHECK_STEPS = 5

/**
 * The relative difference of a run from the reference: the largest of the losses' relative
 * differences and ‖Δp − Δp_ref‖ / ‖Δp_ref‖ over all parameters, Δp the change from the initial weights.
 */
const difference = (init: M.Init, ref: { losses: number[]; W: Float32Array[]; b: Float32Array[] }, run: { losses: number[]; W: Float32Array[]; b: Float32Array[] }): number => {
  let worst = 0
  ref.losses.forEach((l, i) => (worst = Math.max(worst, Math.abs(run.losses[i]! - l) / Math.abs(l))))
  let num = 0
  let den = 0
  const add = (p0: Float32Array, a: Float32Array, b: Float32Array): void => {
    for (let k = 0; k < p0.length; k++) {
      num += (b[k]! - a[k]!) ** 2
      den += (a[k]! - p0[k]!) ** 2
    }
  }
  for (let l = 0; l < 3; l++) {
    add(init.W[l]!, ref.W[l]!, run.W[l]!)
    add(init.b[l]!, ref.b[l]!, run.b[l]!)
  }
  return Math.max(worst, Math.sqrt(num / den))
}

export const jitSideBySide = async (quick: boolean, train: Split, test: Split, init: M.Init): Promise<JitResults> => {
  const wasm1 = createWasmKernels()
  if (wasm1 === undefined) throw new Error('the jit comparison needs puregrad’s WebAssembly kernels (run `node wasm/build.mjs`)')
  useKernels(wasm1)
  await useBackend('wasm')
  await J.useJaxWasm()

  console.log('## Part 3: puregrad jit beside jax-js (jit, wasm) and tfjs-wasm, one thread each, alternating rounds\n')
  console.log(
    'MLP 784-128-64-10 from the same initial weights. puregrad: WebAssembly SIMD kernels, no workers; `eager` runs the step function ' +
      'of bench/lib/mlp.ts, `jit` the same function under Ad.jit, donating the old parameters and optimizer state (as Train.trainStep with donate: true). jax-js 0.1.25: wasm backend (no workers under Node), the whole step ' +
      '(valueAndGrad and the optimizer written out) under jit. tfjs 4.22: wasm backend (XNNPACK, one thread), optimizer.minimize. ' +
      'Medians over rounds; ratios of medians.\n',
  )

  // ---- check: the first steps against puregrad eager -------------------------------------------
  const check = {} as JitResults['check']
  for (const opt of ['adam', 'sgd'] as const) {
    const first = [...batches(train, epochOrder(train.n, 0), 128)].slice(0, CHECK_STEPS)
    const read = (params: M.Params) => ({ W: params.map((l) => T.toTypedArray(l.W) as Float32Array), b: params.map((l) => T.toTypedArray(l.b) as Float32Array) })
    const pgRun = (jit: boolean) => {
      const t = M.pgTrainer(init, opt, { jit })
      const losses = first.map((b) => T.item(M.pgStep(t, b.x, b.y, b.rows)))
      return { losses, ...read(t.params) }
    }
    const ref = pgRun(false)
    const j = J.jaxTrainer(init, opt)
    const jaxRun = { losses: first.map((b) => J.jaxStep(j, b.x, b.y, b.rows)), ...J.jaxRead(j) }
    J.jaxDispose(j)
    check[opt] = { jax: difference(init, ref, jaxRun), jit: difference(init, ref, pgRun(true)) }
  }
  console.log(
    `check, first ${CHECK_STEPS} steps against puregrad eager (largest relative difference of the losses and of the parameters' change): ` +
      (['adam', 'sgd'] as const).map((o) => `${o}: jax-js ${check[o].jax.toExponential(1)}, puregrad jit ${check[o].jit.toExponential(1)}`).join('; ') +
      '\n',
  )

  // ---- training ---------------------------------------------------------------------------------
  const rounds = quick ? 7 : 11
  const steps = quick ? 15 : 40
  const train_ = {} as JitResults['train']
  const traces = {} as JitResults['traces']
  for (const opt of ['adam', 'sgd'] as const) {
    const pe = M.pgTrainer(init, opt)
    const pj = M.pgTrainer(init, opt, { jit: true })
    const jx = J.jaxTrainer(init, opt)
    const tm = M.tfModel(init, opt)
    const runners: Array<[Who, Steps]> = [
      ['eager', (x, y, rows) => (M.pgStep(pe, x, y, rows), rows)],
      ['jit', (x, y, rows) => (M.pgStep(pj, x, y, rows), rows)],
      ['jax', (x, y, rows) => (J.jaxStep(jx, x, y, rows), rows)],
      ['tfjs', (x, y, rows) => (M.tfStep(tm, x, y, rows), rows)],
    ]
    const timed = runners.map(([k, step]): [Who, () => number] => {
      const data = fullBatches(train)
      for (let i = 0; i < 5; i++) {
        const b = data.next().value!
        step(b.x, b.y, b.rows) // warm-up (and the first trace)
      }
      return [
        k,
        () => {
          const bs = Array.from({ length: steps }, () => data.next().value!)
          const t0 = performance.now()
          let samples = 0
          for (const b of bs) samples += step(b.x, b.y, b.rows)
          return (samples / (performance.now() - t0)) * 1000
        },
      ]
    })
    const before = pj.traces()
    const r = alternate(rounds, timed)
    traces[opt] = { traces: pj.traces() - before, calls: rounds * steps }
    train_[opt] = { eager: median(r.eager), jit: median(r.jit), jax: median(r.jax), tfjs: median(r.tfjs) }
    J.jaxDispose(jx)
    M.tfDispose(tm)
  }

  // ---- inference --------------------------------------------------------------------------------
  const pg = M.pgParams(init)
  const jp = J.jaxParams(init)
  const tm = M.tfModel(init, 'sgd')
  const predictors: Array<[Who, (xs: Float32Array, rows: number) => Float32Array]> = [
    ['eager', (xs, rows) => M.pgPredict(pg, xs, rows)],
    ['jit', (xs, rows) => M.pgPredict(pg, xs, rows, true)],
    ['jax', (xs, rows) => J.jaxPredict(jp, xs, rows)],
    ['tfjs', (xs, rows) => M.tfPredict(tm, xs, rows)],
  ]
  const one = (i: number): Float32Array => test.x.subarray((i % test.n) * 784, ((i % test.n) + 1) * 784)
  const big = test.x.subarray(0, 1024 * 784)
  for (const [, predict] of predictors) {
    for (let i = 0; i < 20; i++) predict(one(i), 1)
    predict(big, 1024)
  }
  const lat = Object.fromEntries(predictors.map(([k]) => [k, [] as number[]])) as Record<Who, number[]>
  const calls = quick ? 150 : 600
  const ms1024 = alternate(
    rounds,
    predictors.map(([k, predict]): [Who, () => number] => [
      k,
      () => {
        for (let i = 0; i < calls; i++) {
          const a = performance.now()
          predict(one(i), 1)
          lat[k].push(performance.now() - a)
        }
        const ms: number[] = []
        for (let i = 0; i < 3; i++) {
          const a = performance.now()
          predict(big, 1024)
          ms.push(performance.now() - a)
        }
        return median(ms)
      },
    ]),
  )
  const infer = Object.fromEntries(predictors.map(([k]) => [k, { p50: median(lat[k]) * 1000, sps: (1024 / median(ms1024[k])) * 1000 }])) as JitResults['infer']
  J.jaxDisposeParams(jp)
  M.tfDispose(tm)

  // ---- tables -----------------------------------------------------------------------------------
  const names = { eager: 'puregrad wasm, eager', jit: 'puregrad wasm, Ad.jit', jax: 'jax-js wasm, jit', tfjs: 'tfjs-wasm' } as const
  const keys = ['eager', 'jit', 'jax', 'tfjs'] as const
  {
    const rows = [['configuration', 'adam samples/s', 'adam ÷ jax-js', 'sgd samples/s', 'sgd ÷ jax-js']]
    for (const k of keys) rows.push([names[k], fmt(train_.adam[k]), `${(train_.adam[k] / train_.adam.jax).toFixed(2)}×`, fmt(train_.sgd[k]), `${(train_.sgd[k] / train_.sgd.jax).toFixed(2)}×`])
    table(`Training, batch 128, ${rounds} rounds of ${steps} steps`, rows)
    console.log(`puregrad's jitted step traced ${traces.adam.traces} times in ${traces.adam.calls} timed Adam steps and ${traces.sgd.traces} times in ${traces.sgd.calls} SGD steps.\n`)
  }
  {
    const rows = [['configuration', 'batch 1 p50 (µs)', '÷ tfjs-wasm', 'batch 1024 samples/s', '÷ tfjs-wasm']]
    for (const k of keys) rows.push([names[k], infer[k].p50.toFixed(1), `${(infer[k].p50 / infer.tfjs.p50).toFixed(2)}×`, fmt(infer[k].sps), `${(infer[k].sps / infer.tfjs.sps).toFixed(2)}×`])
    table(`Inference, ${rounds} rounds of ${calls} batch-1 calls and 3 batch-1024 calls`, rows)
  }
  const cnn = cnnTrace()
  return { train: train_, infer, check, traces, cnn }
}

/** The jit comparison's rows of the targets table: [target, measured, met]. */
export const jitTargets = (r: JitResults): string[][] => {
  const x = (v: number): string => `${v.toFixed(2)}×`
  const rows: string[][] = []
  for (const opt of ['adam', 'sgd'] as const) {
    const t = r.train[opt]
    rows.push([`training ${opt} ≥ 1.5× jax-js (Ad.jit, one thread)`, `${x(t.jit / t.jax)} (${fmt(t.jit)} vs ${fmt(t.jax)} samples/s)`, t.jit >= 1.5 * t.jax ? 'yes' : 'no'])
    rows.push([`  training ${opt}: Ad.jit ÷ eager (the gain of jit)`, `${x(t.jit / t.eager)} (eager ${x(t.eager / t.jax)} jax-js)`, '–'])
  }
  const i = r.infer
  rows.push(['inference batch 1024 ≥ 1.2× tfjs-wasm (Ad.jit forward)', `${x(i.jit.sps / i.tfjs.sps)} (${fmt(i.jit.sps)} vs ${fmt(i.tfjs.sps)} samples/s; eager ${x(i.eager.sps / i.tfjs.sps)})`, i.jit.sps >= 1.2 * i.tfjs.sps ? 'yes' : 'no'])
  rows.push(['inference batch-1 p50 ≤ 0.8× tfjs-wasm (Ad.jit forward)', `${x(i.jit.p50 / i.tfjs.p50)} (${i.jit.p50.toFixed(1)} vs ${i.tfjs.p50.toFixed(1)} µs; eager ${x(i.eager.p50 / i.tfjs.p50)})`, i.jit.p50 <= 0.8 * i.tfjs.p50 ? 'yes' : 'no'])
  rows.push(['trace and compile, MNIST CNN training step < 100 ms', `${r.cnn.traceMs.toFixed(1)} ms (a later step: ${r.cnn.stepMs.toFixed(1)} ms; not counted: the first use of the kernels and code at these shapes, ${r.cnn.firstUseMs.toFixed(1)} ms in the first eager step)`, r.cnn.traceMs < 100 ? 'yes' : 'no'])
  const worst = Math.max(r.check.adam.jax, r.check.sgd.jax)
  rows.push([`jax-js's first ${CHECK_STEPS} steps equal puregrad's (≤ 1e-4 relative)`, `adam ${r.check.adam.jax.toExponential(1)}, sgd ${r.check.sgd.jax.toExponential(1)}`, worst <= 1e-4 ? 'yes' : 'no'])
  return rows
}
