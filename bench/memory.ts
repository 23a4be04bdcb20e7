/**
 * Memory over long training, in a process of its own (so nothing else the benchmark did sits in
 * the heap or RSS): puregrad, WebAssembly kernels with worker threads, Adam, the MLP on MNIST;
 * prints one JSON line per mark `{ step, heapMB, rssMB, wasmMB, seconds }`. Nothing is disposed by
 * hand. Run with `node --expose-gc --import tsx bench/memory.ts 100 1000 10000`.
 */
import { batches, epochOrder, loadMnist } from './lib/data.js'
import * as M from './lib/mlp.js'
import { useWasmKernels } from '../src/kernels/wasm/index.js'

const marks = process.argv.slice(2).map(Number).filter((n) => n > 0).sort((a, b) => a - b)
const last = marks[marks.length - 1] ?? 100
const status = await useWasmKernels()
const { train } = loadMnist()
const t = M.pgTrainer(M.initWeights(7), 'adam')
const gc = (globalThis as { gc?: () => void }).gc
const t0 = performance.now()
let step = 0
for (let epoch = 0; step < last; epoch++) {
  for (const b of batches(train, epochOrder(train.n, 100 + epoch), 128)) {
    M.pgStep(t, b.x, b.y, b.rows)
    step++
    if (marks.includes(step)) {
      gc?.()
      const u = process.memoryUsage()
      console.log(JSON.stringify({ step, heapMB: u.heapUsed / 2 ** 20, rssMB: u.rss / 2 ** 20, externalMB: u.external / 2 ** 20, seconds: (performance.now() - t0) / 1000, gc: gc !== undefined, threads: status.threads }))
    }
    if (step >= last) break
  }
}
