/**
 * Part 2 of `npm run bench`: puregrad (TypeScript kernels, WebAssembly SIMD on one thread, and
 * WebAssembly with worker threads) beside TensorFlow.js 4.22 (cpu and wasm backends) and, for
 * training and inference, jax-js 0.1.25 (jit, wasm backend), in one process, on the same MNIST
 * data and from the same initial weights; then part 3 (bench/jit-side-by-side.ts: puregrad's
 * `Ad.jit` beside jax-js and tfjs-wasm in alternating rounds). Prints markdown tables.
 *
 * Methods (the peer measurements' where they exist):
 * - training: MLP 784-128-64-10, batch 128 (8000 samples per epoch, the last batch 64), seeded
 *   shuffle per epoch; throughput = median of 3 runs of one epoch after 5 warm-up steps; test
 *   accuracy = a fresh model trained 5 epochs (timed end to end too). Adam lr 1e-3, SGD lr 0.1.
 * - inference: batch 1 = one call from a Float32Array to 10 probabilities back in JS, p50/p90
 *   over a few seconds after 20 warm-up calls; batch 1024 = median of 7 calls.
 * - matmul: square float32, 2n³ flop, median per-call time, including the copy of the result
 *   back to JS (tfjs: dataSync).
 * - gradient over forward: median times of the loss and of valueAndGrad (tfjs: variableGrads)
 *   at batch 128.
 * - memory: heap (after a full GC) and RSS after 100, 1,000 and 10,000 training steps, in a
 *   fresh process (bench/memory.ts: puregrad with wasm + threads, Adam); nothing is disposed by hand.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Ad, Tensor as T } from '../src/index.js'
import type { Kernels } from '../src/kernels/Kernels.js'
import { jsKernels } from '../src/kernels/js/index.js'
import { kernels, useKernels } from '../src/kernels/registry.js'
import { createWasmKernels, useWasmKernels } from '../src/kernels/wasm/index.js'
import { type Split, batches, epochOrder, loadMnist } from './lib/data.js'
import * as J from './lib/jax.js'
import * as M from './lib/mlp.js'
import { type Backend, tf, useBackend } from './lib/tf.js'
import { type JitResults, jitSideBySide, jitTargets } from './jit-side-by-side.js'
import { fmt, median, table } from './lib/report.js'

const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

/** Median per-call milliseconds: one warm-up call, then calls until `budgetMs` is spent (at least `minCalls`, at most `maxCalls`). */
const perCall = (f: () => unknown, budgetMs: number, minCalls = 3, maxCalls = 1000): number => {
  f()
  const ts: number[] = []
  const t0 = performance.now()
  while (ts.length < maxCalls && (ts.length < minCalls || performance.now() - t0 < budgetMs)) {
    const a = performance.now()
    f()
    ts.push(performance.now() - a)
  }
  return median(ts)
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`

/** One library configuration in the comparison. */
interface Config {
  readonly name: string
  readonly lib: 'puregrad' | 'tfjs' | 'jax'
  /** puregrad: the kernels to install; tfjs: the backend (jax-js: always its wasm backend) */
  readonly kernels?: Kernels
  readonly backend?: Backend
}

/** What every configuration can do, for the MLP. */
interface Trainer {
  step(x: Float32Array, y: Float32Array, rows: number): void
  accuracy(test: Split): number
  dispose(): void
}

const activate = async (c: Config): Promise<void> => {
  if (c.lib === 'puregrad') useKernels(c.kernels!)
  else if (c.lib === 'jax') await J.useJaxWasm()
  else await useBackend(c.backend!)
}

const trainer = (c: Config, init: M.Init, opt: M.OptName): Trainer => {
  if (c.lib === 'puregrad') {
    const t = M.pgTrainer(init, opt)
    return {
      step: (x, y, rows) => void M.pgStep(t, x, y, rows),
      accuracy: (d) => M.pgAccuracy(t.params, d.x, d.labels),
      dispose: () => {},
    }
  }
  if (c.lib === 'jax') {
    const t = J.jaxTrainer(init, opt)
    return {
      step: (x, y, rows) => void J.jaxStep(t, x, y, rows),
      accuracy: (d) => J.jaxAccuracy(t.params, d.x, d.labels),
      dispose: () => J.jaxDispose(t),
    }
  }
  const m = M.tfModel(init, opt)
  return {
    step: (x, y, rows) => {
      M.tfStep(m, x, y, rows)
    },
    accuracy: (d) => M.tfAccuracy(m, d.x, d.labels),
    dispose: () => M.tfDispose(m),
  }
}

/** Samples per second over `epochs` epochs (or the first `maxSteps` steps of one). */
const trainFor = (t: Trainer, train: Split, epochFrom: number, epochs: number, maxSteps = Infinity): number => {
  let samples = 0
  let steps = 0
  const t0 = performance.now()
  for (let e = 0; e < epochs; e++) {
    for (const b of batches(train, epochOrder(train.n, epochFrom + e), 128)) {
      if (steps++ >= maxSteps) break
      t.step(b.x, b.y, b.rows)
      samples += b.rows
    }
  }
  return (samples / (performance.now() - t0)) * 1000
}

export const sideBySide = async (quick: boolean): Promise<void> => {
  const started = Date.now()
  const { train, test } = loadMnist()
  const init = M.initWeights(7)
  const wasm1 = createWasmKernels()
  const status = await useWasmKernels({ threads: 'auto' })
  const threaded = kernels()
  useKernels(jsKernels)

  console.log(`## Part 2: puregrad beside TensorFlow.js (and jax-js for training and inference)${quick ? ' (--quick: short runs, no accuracy runs, 1,000 steps for memory)' : ''}\n`)
  console.log(`node ${process.version}, ${train.n} training / ${test.n} test images, wasm kernels: ${wasm1 === undefined ? 'unavailable' : 'SIMD'}, threads: ${status.threads}${status.reason === undefined ? '' : ` (${status.reason})`}\n`)

  const configs: Config[] = [
    { name: 'puregrad js', lib: 'puregrad', kernels: jsKernels },
    ...(wasm1 === undefined ? [] : [{ name: 'puregrad wasm', lib: 'puregrad', kernels: wasm1 } as const]),
    ...(status.threads > 1 ? [{ name: `puregrad wasm+${status.threads - 1}w`, lib: 'puregrad', kernels: threaded } as const] : []),
    { name: 'tfjs-cpu', lib: 'tfjs', backend: 'cpu' },
    { name: 'tfjs-wasm', lib: 'tfjs', backend: 'wasm' },
    { name: 'jax-js wasm', lib: 'jax' },
  ]
  /** the sections jax-js is not part of (matmul, convolution, gradient over forward) */
  const withoutJax = configs.filter((c) => c.lib !== 'jax')
  tf.enableProdMode() // no debug checks (and no console suggestion to install tfjs-node)

  const gf: Record<string, number[]> = {}
  const gradRatio: Record<string, number> = {}
  let heapGrowth = NaN
  let rssGrowth = NaN

  // ---- training --------------------------------------------------------------------------------
  const train_: Record<string, { sps: number; acc?: number; accSps?: number }> = {}
  for (const opt of ['adam', 'sgd'] as const) {
    for (const c of configs) {
      await activate(c)
      const t = trainer(c, init, opt)
      trainFor(t, train, 0, 1, 5) // warm-up
      const runs = quick ? [trainFor(t, train, 1, 1, 20)] : [1, 2, 3].map((e) => trainFor(t, train, e, 1))
      t.dispose()
      const r: { sps: number; acc?: number; accSps?: number } = { sps: median(runs) }
      if (!quick) {
        const fresh = trainer(c, init, opt)
        r.accSps = trainFor(fresh, train, 10, 5)
        r.acc = fresh.accuracy(test)
        fresh.dispose()
      }
      train_[`${c.name}/${opt}`] = r
    }
  }
  {
    const rows = [['library', 'optimizer', 'samples/s (median)', '÷ tfjs-wasm', '÷ tfjs-cpu', '÷ jax-js', 'test acc. after 5 epochs', '5-epoch run, samples/s']]
    for (const opt of ['adam', 'sgd'] as const) {
      const tw = train_[`tfjs-wasm/${opt}`]!.sps
      const tc = train_[`tfjs-cpu/${opt}`]!.sps
      const jx = train_[`jax-js wasm/${opt}`]!.sps
      for (const c of configs) {
        const r = train_[`${c.name}/${opt}`]!
        rows.push([c.name, opt, fmt(r.sps), ratio(r.sps, tw), ratio(r.sps, tc), ratio(r.sps, jx), r.acc === undefined ? '–' : `${(100 * r.acc).toFixed(2)}%`, r.accSps === undefined ? '–' : fmt(r.accSps)])
      }
    }
    table('Training, MLP 784-128-64-10, batch 128', rows)
  }

  // ---- inference -------------------------------------------------------------------------------
  {
    const rows = [['library', 'batch 1 p50 (µs)', 'batch 1 p90 (µs)', 'calls', 'batch 1024 samples/s', '÷ tfjs-wasm (1024)']]
    const results: Array<[string, number, number, number, number]> = []
    for (const c of configs) {
      await activate(c)
      const t = M.pgTrainer(init, 'sgd')
      const m = c.lib === 'tfjs' ? M.tfModel(init, 'sgd') : undefined
      const jp = c.lib === 'jax' ? J.jaxParams(init) : undefined
      const predict = (xs: Float32Array, rows: number): Float32Array =>
        m !== undefined ? M.tfPredict(m, xs, rows) : jp !== undefined ? J.jaxPredict(jp, xs, rows) : M.pgPredict(t.params, xs, rows)
      const one = (i: number): Float32Array => test.x.subarray((i % test.n) * 784, ((i % test.n) + 1) * 784)
      for (let i = 0; i < 20; i++) predict(one(i), 1)
      const lat: number[] = []
      const t0 = performance.now()
      const budget = quick ? 300 : 2000
      for (let i = 0; performance.now() - t0 < budget; i++) {
        const a = performance.now()
        predict(one(i), 1)
        lat.push(performance.now() - a)
      }
      const big = test.x.subarray(0, 1024 * 784)
      const ms = perCall(() => predict(big, 1024), quick ? 200 : 1000, quick ? 3 : 7, quick ? 3 : 7)
      results.push([c.name, quantile(lat, 0.5) * 1000, quantile(lat, 0.9) * 1000, lat.length, (1024 / ms) * 1000])
      if (m !== undefined) M.tfDispose(m)
      if (jp !== undefined) J.jaxDisposeParams(jp)
    }
    const tw = results.find((r) => r[0] === 'tfjs-wasm')![4]
    for (const [name, p50, p90, n, sps] of results) rows.push([name, p50.toFixed(1), p90.toFixed(1), fmt(n), fmt(sps), ratio(sps, tw)])
    table('Inference, same MLP (softmax output), input Float32Array → probabilities in JS', rows)
  }

  // ---- matmul ----------------------------------------------------------------------------------
  {
    const sizes = [128, 256, 512, 1024]
    const header = ['library', ...sizes.map((n) => `n=${n}`), 'n=512, Aᵀ·B', 'n=512, A·Bᵀ']
    const rows = [header]
    for (const c of withoutJax) {
      await activate(c)
      const cells: string[] = []
      gf[c.name] = []
      const cases: Array<[number, boolean, boolean]> = [...sizes.map((n) => [n, false, false] as [number, boolean, boolean]), [512, true, false], [512, false, true]]
      for (const [n, ta, tb] of cases) {
        const slow = c.name === 'tfjs-cpu' || c.name === 'puregrad js'
        if (quick && slow && n > 512) {
          cells.push('–')
          continue
        }
        const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i) * 0.5)
        const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i * 0.7) * 0.5)
        let ms: number
        if (c.lib === 'puregrad') {
          const ta_ = T.fromArray(a, [n, n])
          const tb_ = T.fromArray(b, [n, n])
          ms = perCall(() => T.toTypedArray(T.matmul(ta_, tb_, { transposeA: ta, transposeB: tb })), quick ? 150 : 600, 2, 200)
        } else {
          const xa = tf.tensor2d(a, [n, n])
          const xb = tf.tensor2d(b, [n, n])
          ms = perCall(() => M.tfRead(() => tf.matMul(xa, xb, ta, tb)), quick ? 150 : 600, 2, 200)
          xa.dispose()
          xb.dispose()
        }
        const g = (2 * n ** 3) / ms / 1e6
        if (!ta && !tb) gf[c.name]![sizes.indexOf(n)] = g
        cells.push(g.toFixed(2))
      }
      rows.push([c.name, ...cells])
    }
    table('Square float32 matmul, GFLOP/s (higher is better)', rows)
  }

  // ---- convolution ------------------------------------------------------------------------------
  {
    // batch 32 of 28×28×16 images, 3×3 filters to 32 channels, 'same' padding
    const [N, H, W, C, O] = [32, 28, 28, 16, 32]
    const flops = 2 * N * H * W * O * 9 * C
    const xs = Float32Array.from({ length: N * H * W * C }, (_, i) => Math.sin(i) * 0.5)
    const ws = Float32Array.from({ length: 9 * C * O }, (_, i) => Math.cos(i * 0.3) * 0.2)
    const rows = [['library', 'conv2d forward (ms)', 'GFLOP/s', 'gradient w.r.t. x and w (ms)', 'forward speed ÷ tfjs-wasm']]
    const res: Array<[string, number, number]> = []
    for (const c of withoutJax) {
      await activate(c)
      const slowOne = c.name === 'tfjs-cpu' || c.name === 'puregrad js'
      const budget = quick ? 100 : slowOne ? 1500 : 800
      let fwd: number
      let grad: number
      if (c.lib === 'puregrad') {
        const p = { x: T.fromArray(xs, [N, H, W, C]), w: T.fromArray(ws, [3, 3, C, O]) }
        fwd = perCall(() => T.toTypedArray(T.conv2d(p.x, p.w, { padding: 'same' })), budget, quick ? 2 : 3, 100)
        grad = perCall(() => Ad.grad((q: typeof p) => T.sum(T.conv2d(q.x, q.w, { padding: 'same' })))(p), budget, quick ? 2 : 3, 100)
      } else {
        const x = tf.tensor4d(xs, [N, H, W, C])
        const w = tf.tensor4d(ws, [3, 3, C, O])
        fwd = perCall(() => M.tfRead(() => tf.conv2d(x, w, 1, 'same')), budget, quick ? 2 : 3, 100)
        try {
          // tfjs-cpu's filter gradient takes seconds per call here: one timed call (none with --quick)
          if (c.name === 'tfjs-cpu' && quick) throw new Error('skipped')
          grad = perCall(() => {
            const gs = tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([x, w]))
            for (const g of gs) {
              g.dataSync()
              g.dispose()
            }
          }, budget, c.name === 'tfjs-cpu' ? 1 : quick ? 2 : 3, 100)
        } catch (err) {
          // tfjs-wasm 4.22 has no Conv2DBackpropFilter kernel
          grad = err instanceof Error && err.message === 'skipped' ? Infinity : NaN
        }
        x.dispose()
        w.dispose()
      }
      res.push([c.name, fwd, grad])
    }
    const tw = res.find((r) => r[0] === 'tfjs-wasm')![1]
    for (const [name, fwd, grad] of res) rows.push([name, fwd.toFixed(2), (flops / fwd / 1e6).toFixed(2), Number.isNaN(grad) ? 'no kernel (Conv2DBackpropFilter)' : grad === Infinity ? 'skipped (--quick)' : grad.toFixed(2), ratio(tw, fwd)])
    table(`Convolution, x [${N}, ${H}, ${W}, ${C}] * w [3, 3, ${C}, ${O}], 'same' padding (${(flops / 1e6).toFixed(0)} MFLOP forward)`, rows)
  }

  // ---- gradient over forward -------------------------------------------------------------------
  {
    const rows = [['library', 'forward loss (ms)', 'valueAndGrad (ms)', 'ratio']]
    const xs = train.x.subarray(0, 128 * 784)
    const ys = train.y.subarray(0, 128 * 10)
    for (const c of withoutJax) {
      await activate(c)
      let fwd: number
      let vg: number
      if (c.lib === 'puregrad') {
        const p = M.pgParams(init)
        const x = T.fromArray(xs, [128, 784])
        const y = T.fromArray(ys, [128, 10])
        fwd = perCall(() => T.item(M.pgLoss(p, x, y)), quick ? 200 : 1000, 5)
        vg = perCall(() => Ad.valueAndGrad((q: M.Params) => M.pgLoss(q, x, y))(p), quick ? 200 : 1000, 5)
      } else {
        const m = M.tfModel(init, 'sgd')
        const x = tf.tensor2d(xs, [128, 784])
        const y = tf.tensor2d(ys, [128, 10])
        fwd = perCall(() => M.tfRead(() => M.tfLoss(m, x, y)), quick ? 200 : 1000, 5)
        vg = perCall(() => {
          const ts = tf.tidy(() => {
            const r = tf.variableGrads(() => M.tfLoss(m, x, y), [...m.W, ...m.b])
            return [r.value, ...Object.values(r.grads)]
          })
          for (const t of ts) {
            t.dataSync()
            t.dispose()
          }
        }, quick ? 200 : 1000, 5)
        x.dispose()
        y.dispose()
        M.tfDispose(m)
      }
      gradRatio[c.name] = vg / fwd
      rows.push([c.name, fwd.toFixed(3), vg.toFixed(3), ratio(vg, fwd)])
    }
    table('Gradient over forward, batch 128 (target ≤ 3×)', rows)
  }

  // ---- memory ----------------------------------------------------------------------------------
  {
    const marks = quick ? [100, 1000] : [100, 1000, 10_000]
    const script = fileURLToPath(new URL('./memory.ts', import.meta.url))
    const root = fileURLToPath(new URL('..', import.meta.url))
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...marks.map(String)], { cwd: root, encoding: 'utf8' })
    const seen = out.trim().split('\n').map((l) => JSON.parse(l) as { step: number; heapMB: number; rssMB: number; externalMB: number; seconds: number; gc: boolean; threads: number })
    const rows = [['steps', 'heap used (MB)', 'RSS (MB)', 'external (MB)', 'elapsed (s)']]
    for (const r of seen) rows.push([fmt(r.step), r.heapMB.toFixed(1), r.rssMB.toFixed(1), r.externalMB.toFixed(1), r.seconds.toFixed(1)])
    const first = seen[0]!
    const lastSeen = seen[seen.length - 1]!
    table(`Memory over training (a fresh process: puregrad wasm, ${lastSeen.threads} threads, Adam; heap ${first.gc ? 'after' : 'without'} a forced GC)`, rows)
    heapGrowth = lastSeen.heapMB - first.heapMB
    rssGrowth = lastSeen.rssMB - first.rssMB
    console.log(`heap growth ${heapGrowth.toFixed(1)} MB, RSS growth ${rssGrowth.toFixed(1)} MB from step ${fmt(first.step)} to ${fmt(lastSeen.step)}\n`)
  }

  // ---- part 3: Ad.jit beside jax-js and tfjs-wasm, alternating rounds ------------------------------
  const jit: JitResults = await jitSideBySide(quick, train, test, init)

  // ---- targets ---------------------------------------------------------------------------------
  {
    const fastest = configs.filter((c) => c.lib === 'puregrad').map((c) => c.name)
    const bestOf = (opt: string): [string, number] => fastest.map((n) => [n, train_[`${n}/${opt}`]!.sps] as [string, number]).reduce((a, b) => (b[1] > a[1] ? b : a))
    const rows = [['target', 'measured', 'met']]
    for (const opt of ['adam', 'sgd'] as const) {
      const [n, sps] = bestOf(opt)
      const tw = train_[`tfjs-wasm/${opt}`]!.sps
      const tc = train_[`tfjs-cpu/${opt}`]!.sps
      rows.push([`training ${opt} ≥ 1.5× tfjs-wasm`, `${ratio(sps, tw)} (${n})`, sps >= 1.5 * tw ? 'yes' : 'no'])
      rows.push([`training ${opt} ≥ 10× tfjs-cpu`, `${ratio(sps, tc)} (${n})`, sps >= 10 * tc ? 'yes' : 'no'])
    }
    const tw1024 = gf['tfjs-wasm']?.[3]
    const w1024 = gf['puregrad wasm']?.[3]
    if (tw1024 !== undefined && w1024 !== undefined) {
      rows.push(['matmul n=1024, one thread ≥ 1.2× tfjs-wasm', `${ratio(w1024, tw1024)} (${w1024.toFixed(1)} vs ${tw1024.toFixed(1)} GFLOP/s)`, w1024 >= 1.2 * tw1024 ? 'yes' : 'no'])
    }
    for (const n of fastest) {
      const r = gradRatio[n]!
      rows.push([`valueAndGrad / forward ≤ 3× (${n})`, `${r.toFixed(2)}×`, r <= 3 ? 'yes' : 'no'])
    }
    rows.push(['flat memory (heap growth < 5 MB, RSS growth < 20 MB)', `heap ${heapGrowth.toFixed(1)} MB, RSS ${rssGrowth.toFixed(1)} MB`, heapGrowth < 5 && rssGrowth < 20 ? 'yes' : 'no'])
    rows.push(...jitTargets(jit))
    console.log(`(run took ${((Date.now() - started) / 1000).toFixed(0)} s)\n`)
    table('Targets', rows)
  }
  useKernels(jsKernels)
}
