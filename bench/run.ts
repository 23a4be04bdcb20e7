/**
 * `npm run bench` (`-- --quick` for a short run): puregrad's kernels and training beside
 * baselines, TensorFlow.js and jax-js, all measured in one run on the same data and printed as
 * ratios (this machine is shared and noisy, so only same-run ratios mean much).
 * `-- --only simd` runs Part 3 alone (the relaxed-SIMD and SIMD128 builds; bench/simd.ts);
 * `-- --only jit` the Ad.jit comparison with jax-js and tfjs-wasm alone (bench/jit-side-by-side.ts);
 * `-- --only studies` the throughput of a study's trials with one and two worker threads (bench/studies.ts);
 * `-- --only cnn` Part 5, the README's main job (the MNIST CNN; bench/mainJob.ts): its target row
 *   compares the current code's step (jitted, the `npm start` default) with the code of commit
 *   281a3af, when the target "epoch ≥ 1.5× faster" was set: that commit's tree is exported from git
 *   history and built once (cached in node_modules/.cache/puregrad-bench), each side trains in a
 *   child process of its own on the same batches in alternating rounds, and the row gives the
 *   median of the rounds' ratios with its range (skipped, saying why, without git history); beside
 *   it the stricter jitted ÷ eager of the current code, and (full run) the whole job's accuracy;
 * `-- --only vmap` the per-example gradient rows of Part 1 alone, with their floor (bench/lib/perExample.ts).
 *
 * Part 1 (the plain TypeScript kernels against naive loops) is the original table. Part 2 runs
 * puregrad with the TypeScript kernels, the WebAssembly SIMD kernels on one thread and with
 * worker threads, and TensorFlow.js 4.22 with its cpu and wasm backends: MLP training, inference,
 * square matmul, gradient over forward, and memory over long training (jax-js joins training and
 * inference). Part 3 runs puregrad's step and forward pass eagerly and under `Ad.jit` beside
 * jax-js 0.1.25 (jit, wasm) and tfjs-wasm, one thread each, in alternating rounds. The targets
 * table closes the run.
 */
import { Ad, Data, Loss, Net, Optim, Rng, Tensor as T, Train } from '../src/index.js'
import { jacobianTimes } from './lib/jacobians.js'
import { heapReuseNote, perExampleGradients, perExampleNotes, perExampleRows, perExampleWithHeapReuse } from './lib/perExample.js'
import { sideBySide } from './side-by-side.js'
import { simdBuilds } from './simd.js'
import { studyThroughput } from './studies.js'
import { mainJobPart } from './mainJob.js'
import { jitSideBySide, jitTargets } from './jit-side-by-side.js'
import { loadMnist } from './lib/data.js'
import { initWeights } from './lib/mlp.js'
import { table, timeFor } from './lib/report.js'

const quick = process.argv.includes('--quick')
const onlyArg = process.argv.indexOf('--only')
const only = onlyArg < 0 ? undefined : process.argv[onlyArg + 1]
const SECTIONS = ['simd', 'jit', 'studies', 'cnn', 'vmap']
if (only !== undefined && !SECTIONS.includes(only)) {
  console.error(`--only takes one section: ${SECTIONS.join(', ')} (got ${only ?? 'nothing'})`)
  process.exit(1)
}
if (only === 'simd') {
  simdBuilds(quick)
  process.exit(0)
}
if (only === 'cnn') {
  await mainJobPart(quick)
  process.exit(0)
}
if (only === 'studies') {
  await studyThroughput(quick)
  process.exit(0)
}
if (only === 'jit') {
  const { train, test } = loadMnist()
  const r = await jitSideBySide(quick, train, test, initWeights(7))
  table('Targets of the jit comparison', [['target', 'measured', 'met'], ...jitTargets(r)])
  process.exit(0)
}

const time = (f: () => unknown, minMs = quick ? 100 : 300): number => timeFor(f, minMs)

if (only === 'vmap') {
  const t = perExampleGradients(time, quick ? 300 : 1000)
  table('Per-example gradients', [['case', 'puregrad', 'baseline', 'ratio'], ...perExampleRows(t)])
  for (const line of perExampleNotes(t)) console.log(line)
  const reuse = perExampleWithHeapReuse(quick)
  if (reuse !== undefined) console.log(heapReuseNote(reuse))
  process.exit(0)
}

/** The plain i-j-k triple loop a first implementation would write. */
const naiveMatmul = (a: Float32Array, b: Float32Array, n: number): Float32Array => {
  const c = new Float32Array(n * n)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let k = 0; k < n; k++) s += a[i * n + k]! * b[k * n + j]!
      c[i * n + j] = s
    }
  return c
}

const [k1, k2] = Rng.split(Rng.key(0))
const rows: string[][] = [['case', 'puregrad', 'baseline', 'ratio']]
/** lines printed under the first table */
const notes: string[] = []

for (const n of [128, 256, 512]) {
  const a = Rng.uniform(k1, [n, n])
  const b = Rng.uniform(k2, [n, n])
  const [ra, rb] = [T.toTypedArray(a) as Float32Array, T.toTypedArray(b) as Float32Array]
  const flops = 2 * n ** 3
  const ours = time(() => T.matmul(a, b))
  const oursT = time(() => T.matmul(a, b, { transposeB: true }))
  const base = time(() => naiveMatmul(ra, rb, n))
  const gf = (ms: number): string => `${(flops / ms / 1e6).toFixed(2)} GFLOP/s`
  rows.push([`matmul f32 n=${n}`, gf(ours), `${gf(base)} (naive ijk)`, `${(base / ours).toFixed(2)}×`])
  rows.push([`matmul f32 n=${n}, b transposed`, gf(oursT), `${gf(base)} (naive ijk)`, `${(base / oursT).toFixed(2)}×`])
}

{
  const x = Rng.normal(k1, [512, 512])
  const bias = Rng.normal(k2, [512])
  const [rx, rb] = [T.toTypedArray(x) as Float32Array, T.toTypedArray(bias) as Float32Array]
  const ours = time(() => T.add(x, bias))
  const base = time(() => {
    const out = new Float32Array(rx.length)
    for (let i = 0; i < 512; i++) for (let j = 0; j < 512; j++) out[i * 512 + j] = rx[i * 512 + j]! + rb[j]!
    return out
  })
  rows.push(['add [512,512] + [512] (broadcast)', `${ours.toFixed(3)} ms`, `${base.toFixed(3)} ms (hand loop)`, `${(base / ours).toFixed(2)}×`])
  const sOurs = time(() => T.softmax(x))
  rows.push(['softmax [512,512]', `${sOurs.toFixed(3)} ms`, '', ''])
}

{
  const k = Rng.key(0)
  rows.push(['Rng.normal 1e6 float32', `${time(() => Rng.normal(k, [1_000_000])).toFixed(1)} ms`, '', ''])
  rows.push(['Rng.uniform 1e6 float32', `${time(() => Rng.uniform(k, [1_000_000])).toFixed(1)} ms`, '', ''])
  rows.push(['Rng.truncatedNormal [784,128]', `${time(() => Rng.truncatedNormal(k, [784, 128])).toFixed(2)} ms`, '', ''])
}

{
  // the cheap-gradient bound: a gradient should cost a small constant times the forward pass
  const ks = Rng.split(Rng.key(3), 5)
  const he = (k: Rng.Key, i: number, o: number) => Rng.normal(k, [i, o], { std: Math.sqrt(2 / i) })
  const params = {
    l1: { W: he(ks[0]!, 784, 128), b: T.zeros([128]) },
    l2: { W: he(ks[1]!, 128, 64), b: T.zeros([64]) },
    l3: { W: he(ks[2]!, 64, 10), b: T.zeros([10]) },
  }
  type P = typeof params
  const x = Rng.uniform(ks[3]!, [128, 784])
  const y = T.oneHot(T.toArray(Rng.integers(ks[4]!, [128], 0, 10)), 10)
  const loss = (p: P) => {
    const h1 = T.relu(T.add(T.matmul(x, p.l1.W), p.l1.b))
    const h2 = T.relu(T.add(T.matmul(h1, p.l2.W), p.l2.b))
    const logits = T.add(T.matmul(h2, p.l3.W), p.l3.b)
    return T.neg(T.mean(T.sum(T.mul(y, T.logSoftmax(logits)), -1)))
  }
  const fwd = time(() => loss(params), quick ? 300 : 1000)
  const vg = time(() => Ad.valueAndGrad(loss)(params), quick ? 300 : 1000)
  rows.push(['MLP 784-128-64-10, batch 128: forward', `${fwd.toFixed(2)} ms`, '', ''])
  rows.push(['  valueAndGrad / forward (target ≤ 3)', `${vg.toFixed(2)} ms`, `${fwd.toFixed(2)} ms (forward)`, `${(vg / fwd).toFixed(2)}×`])
}

{
  // per-example gradients: vmap(grad(loss)) against a loop of Ad.grad and one gradient of the batch
  const t = perExampleGradients(time, quick ? 300 : 1000)
  rows.push(...perExampleRows(t))
  notes.push(...perExampleNotes(t))
  const reuse = perExampleWithHeapReuse(quick)
  if (reuse !== undefined) notes.push(heapReuseNote(reuse))
}

{
  // Jacobians and the Hessian mapped over a basis by vmap, against the loops they replaced
  for (const j of jacobianTimes(time, quick ? 300 : 1000)) {
    rows.push([`${j.name} (100 parameters): loop / vmapped`, `${j.vmapped.toFixed(2)} ms`, `${j.loop.toFixed(2)} ms (loop)`, `${(j.loop / j.vmapped).toFixed(2)}×`])
  }
}

{
  // the numeric guard (issue 8): what 'boundary' and 'ops' cost a training step
  const network = Net.serial(Net.dense(128, { init: 'heNormal' }), Net.relu, Net.dense(64, { init: 'heNormal' }), Net.relu, Net.dense(10))
  const ks = Rng.split(Rng.key(5), 2)
  const batch = Data.dataset(Rng.uniform(ks[0]!, [128, 784]), Rng.integers(ks[1]!, [128], 0, 10))
  const stepMs = (guard: 'off' | 'boundary' | 'ops'): number => {
    const trainer = { network, optimizer: Optim.adam(1e-3), loss: Loss.softmaxCrossEntropy, guard }
    const step = Train.trainStep(trainer)
    let s = Train.initTrainState(trainer, Rng.key(0), [784])
    return time(() => (s = step(s, batch)), quick ? 300 : 1000)
  }
  const off = stepMs('off')
  const boundary = stepMs('boundary')
  const ops = stepMs('ops')
  rows.push(['training step MLP 784-128-64-10, batch 128, guard off', `${off.toFixed(2)} ms`, '', ''])
  rows.push(["  guard 'boundary' (loss and parameters)", `${boundary.toFixed(2)} ms`, `${off.toFixed(2)} ms (off)`, `${(boundary / off).toFixed(2)}×`])
  rows.push(["  guard 'ops' (every primitive, both passes)", `${ops.toFixed(2)} ms`, `${off.toFixed(2)} ms (off)`, `${(ops / off).toFixed(2)}×`])
}

console.log('## Part 1: the plain TypeScript kernels against naive loops\n')
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '))
if (notes.length > 0) console.log(`\n${notes.join('\n')}`)

console.log()
await sideBySide(quick)
simdBuilds(quick)
console.log('## Part 4: studies\n')
await studyThroughput(quick)
await mainJobPart(quick)
