/**
 * Per-example gradients of the MLP 784-128-64-10 (batch 128): `vmap(grad(loss))`, eager and
 * under `Ad.jit`, against a loop of `Ad.grad` over the examples and against one gradient of the
 * whole batch's loss, beside the floor every way of computing them shares: writing their
 * B × (#parameters) floats, to new memory (what a result costs, page faults included) and to
 * memory already in use (the bare stores).
 *
 * Most of the floor is page faults: glibc hands a buffer this large (56 MB) out of fresh pages
 * from the kernel (mmap) and gives them back when it is freed, so every new result faults its
 * pages in again. `perExampleWithHeapReuse` measures the same in a child process whose glibc
 * keeps freed memory for reuse, to show what the floor is made of.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Ad, Rng, Tensor as T } from '../../src/index.js'
import { type Params, SIZES, initWeights, pgLoss, pgParams } from './mlp.js'
import { median } from './report.js'

export interface PerExampleTimes {
  /** examples in the batch */
  readonly batchSize: number
  /** parameters of the network: each example's gradient has as many floats */
  readonly params: number
  /** the batch's mean loss alone (the forward pass) */
  readonly forward: number
  /** one gradient of the batch's mean loss */
  readonly batch: number
  /** the same, under Ad.jit */
  readonly jitBatch: number
  /** one gradient per example, by a loop of Ad.grad */
  readonly loop: number
  /** one gradient per example, by vmap(grad(loss)) */
  readonly vmap: number
  /** the same, as jit(vmap(grad(loss))) */
  readonly jitVmap: number
  /** filling a new Float32Array of batchSize × params floats */
  readonly writeNew: number
  /** filling one Float32Array of that size made once */
  readonly writeReused: number
}

/**
 * Milliseconds per call of each way, `time` measuring one function: the cases run in `rounds`
 * alternating rounds of `minMs / rounds` each and the medians are kept (the machine is shared).
 */
export const perExampleGradients = (time: (f: () => unknown, minMs?: number) => number, minMs: number, rounds = 3): PerExampleTimes => {
  const n = 128
  const params = pgParams(initWeights(7))
  const [kx, ky] = Rng.split(Rng.key(11))
  const x = Rng.uniform(kx!, [n, 784])
  const y = T.oneHot(T.toArray(Rng.integers(ky!, [n], 0, 10)), 10)
  // one example's loss: a batch of one
  const lossOne = (p: Params, xi: T.Tensor, yi: T.Tensor): T.Tensor => pgLoss(p, T.reshape(xi, [1, 784]), T.reshape(yi, [1, 10]))
  const xs = Array.from({ length: n }, (_, i) => T.reshape(T.slice(x, [i, 0], [1, 784]), [784]))
  const ys = Array.from({ length: n }, (_, i) => T.reshape(T.slice(y, [i, 0], [1, 10]), [10]))
  const perExample = Ad.vmap(Ad.grad(lossOne), { inAxes: [null, 0, 0] })
  const jitPerExample = Ad.jit(perExample)
  const batchGrad = Ad.grad(pgLoss)
  const jitBatchGrad = Ad.jit(batchGrad)
  const count = SIZES.slice(1).reduce((s, out, l) => s + (SIZES[l]! + 1) * out, 0)
  const reused = new Float32Array(n * count)
  const cases = {
    forward: () => pgLoss(params, x, y),
    batch: () => batchGrad(params, x, y),
    jitBatch: () => jitBatchGrad(params, x, y),
    loop: () => xs.map((xi, i) => Ad.grad(lossOne)(params, xi, ys[i]!)),
    vmap: () => perExample(params, x, y),
    jitVmap: () => jitPerExample(params, x, y),
    writeNew: () => new Float32Array(n * count).fill(1),
    writeReused: () => reused.fill(1),
  }
  const names = Object.keys(cases) as Array<keyof typeof cases>
  const times = new Map(names.map((k) => [k, [] as number[]]))
  for (let r = 0; r < rounds; r++) for (const k of names) times.get(k)!.push(time(cases[k], minMs / rounds))
  const at = (k: keyof typeof cases): number => median(times.get(k)!)
  return {
    batchSize: n,
    params: count,
    forward: at('forward'),
    batch: at('batch'),
    jitBatch: at('jitBatch'),
    loop: at('loop'),
    vmap: at('vmap'),
    jitVmap: at('jitVmap'),
    writeNew: at('writeNew'),
    writeReused: at('writeReused'),
  }
}

const ms = (v: number): string => `${v.toFixed(2)} ms`

/** The rows of `bench/run.ts`'s first table for these times: case, puregrad, baseline, ratio. */
export const perExampleRows = (t: PerExampleTimes): string[][] => [
  ['per-example gradients MLP 784-128-64-10, batch 128: vmap(grad)', ms(t.vmap), '', ''],
  ['  jit(vmap(grad)) against vmap(grad)', ms(t.jitVmap), ms(t.vmap), `${(t.vmap / t.jitVmap).toFixed(2)}×`],
  [`  floor: ${t.batchSize} × ${t.params.toLocaleString('en-US')} floats (${((t.batchSize * t.params * 4) / 1e6).toFixed(1)} MB) written to new memory`, ms(t.writeNew), '', ''],
  ['  the same writes to memory in use (no page faults)', ms(t.writeReused), '', ''],
  ['  vmap(grad) / one batch gradient (target ≤ 3)', ms(t.vmap), `${ms(t.batch)} (batch gradient)`, `${(t.vmap / t.batch).toFixed(2)}×`],
  ['  jit(vmap(grad)) / jit of one batch gradient (target ≤ 3)', ms(t.jitVmap), `${ms(t.jitBatch)} (jit, batch gradient)`, `${(t.jitVmap / t.jitBatch).toFixed(2)}×`],
  ['  loop of grad / vmap(grad) (target ≥ 8)', ms(t.vmap), `${ms(t.loop)} (loop of Ad.grad)`, `${(t.loop / t.vmap).toFixed(2)}×`],
  ['  loop of grad / jit(vmap(grad)) (target ≥ 8)', ms(t.jitVmap), `${ms(t.loop)} (loop of Ad.grad)`, `${(t.loop / t.jitVmap).toFixed(2)}×`],
  ['  loop of grad / the least any per-example method costs here (bound)', ms(leastCost(t)), `${ms(t.loop)} (loop of Ad.grad)`, `${(t.loop / leastCost(t)).toFixed(2)}×`],
]

/**
 * A lower bound on the time of any computation of the per-example gradients in this process:
 * the forward pass over the batch (every example's activations are needed) plus writing the
 * result to new memory (the floor). It leaves out the backward pass and the products
 * themselves, so a real implementation costs more.
 */
export const leastCost = (t: PerExampleTimes): number => t.forward + t.writeNew

/**
 * What the floor implies for the two targets, as lines printed under the table: each target is
 * a time budget; the floor takes its share, and what is left must hold everything else (a
 * forward and a backward pass over the batch, about one batch gradient's work).
 */
export const perExampleNotes = (t: PerExampleTimes): string[] => {
  const rest = (budget: number): string =>
    budget < t.writeNew
      ? `less than the floor: nothing that writes the result to new memory meets it here (the floor alone is ${(t.loop / t.writeNew).toFixed(2)}× faster than the loop)`
      : `the floor and ${ms(budget - t.writeNew)} (${((budget - t.writeNew) / t.batch).toFixed(2)} batch gradients) for the rest`
  return [
    `Per-example gradients: the result is ${t.batchSize} × ${t.params.toLocaleString('en-US')} floats; writing them to new memory (the floor) ` +
      `takes ${ms(t.writeNew)}, ${(t.writeNew / t.batch).toFixed(2)}× a batch gradient of ${ms(t.batch)} (the stores alone ${ms(t.writeReused)}; the rest is page faults).`,
    `≤ 3 allows ${ms(3 * t.batch)}: ${rest(3 * t.batch)}. vmap(grad) took ${ms(t.vmap)}: the floor and ${((t.vmap - t.writeNew) / t.batch).toFixed(2)} batch gradients.`,
    `≥ 8 allows ${ms(t.loop / 8)} (the loop's ${ms(t.loop)} / 8): ${rest(t.loop / 8)}.`,
    `Bound: any way of computing them runs the forward pass over the batch (${ms(t.forward)}) and writes the result to new memory (the floor, ${ms(t.writeNew)}): ` +
      `at least ${ms(leastCost(t))}, so nothing can be more than ${(t.loop / leastCost(t)).toFixed(2)}× faster than the loop (${(t.loop / t.batch).toFixed(2)} batch gradients) in this process` +
      (t.loop / leastCost(t) < 8 ? ': the ≥ 8 target is out of reach here, whatever the implementation.' : '.'),
  ]
}

/**
 * glibc settings (a process's environment, not anything puregrad sets) under which large
 * buffers come from the heap and freed memory stays there for the next one: no mmap per buffer,
 * no page faults once the heap has grown.
 */
export const heapReuseTunables = 'glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296'

/** The times of `perExampleGradients` in a child process run with `heapReuseTunables` (Linux with glibc only; undefined elsewhere). */
export const perExampleWithHeapReuse = (quick: boolean): PerExampleTimes | undefined => {
  if (process.platform !== 'linux') return undefined
  const script = fileURLToPath(new URL('../per-example-child.ts', import.meta.url))
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, ...(quick ? ['--quick'] : [])], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, GLIBC_TUNABLES: heapReuseTunables },
  })
  return JSON.parse(out.trim().split('\n').pop()!) as PerExampleTimes
}

/** A line saying what the same measurements gave with glibc keeping freed memory. */
export const heapReuseNote = (t: PerExampleTimes): string =>
  `With glibc keeping freed memory for reuse (child process, GLIBC_TUNABLES=${heapReuseTunables}): the floor ${ms(t.writeNew)} ` +
  `(${(t.writeNew / t.batch).toFixed(2)}× a batch gradient of ${ms(t.batch)}); vmap(grad) ${ms(t.vmap)}, ${(t.vmap / t.batch).toFixed(2)}× a batch gradient, ` +
  `${(t.loop / t.vmap).toFixed(2)}× faster than the loop (${ms(t.loop)}); jit(vmap(grad)) ${ms(t.jitVmap)}, ${(t.jitVmap / t.jitBatch).toFixed(2)}× a jitted batch gradient, ` +
  `${(t.loop / t.jitVmap).toFixed(2)}× faster than the loop; the bound: ${ms(leastCost(t))}, ${(t.loop / leastCost(t)).toFixed(2)}× faster than the loop.`
