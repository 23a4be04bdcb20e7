/**
 * One side of Part 5's side-by-side with an older commit (bench/mainJob.ts): the README's main
 * job, trained with the code of the source tree it is given (the current checkout, or the older
 * commit's tree exported by bench/lib/baseline.ts), built as that tree's `npm start` builds it by
 * default (its network, optimizer, learning rate and decay, batch size, epochs, seed and kernels,
 * read from its src/node/cli.ts; the step jitted where the tree has `Ad.jit`, as its trainer's
 * default). Nothing of the current src/ is imported here, only the tree's own modules.
 *
 * Forked with an IPC channel: it sends `ready` with the job's definition once its warm-up steps
 * ran, then answers each `{ type: 'run', steps }` with the time (wall clock and the process's CPU time) of that many steps over the same
 * batches (the first `--batches` of the training digits in a fixed order), and ends on `exit`.
 * Usage: node --import tsx bench/main-job-child.ts --tree DIR [--batches N] [--warmup N]
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { cliDefaults, parseChildArgs, type FromChild, type JobDefinition, type ToChild } from './lib/mainJobSide.js'

/** The few functions of a tree's API the job uses (the same names at the older commit and now). */
type Key = unknown
type Tensor = unknown
interface Dataset {
  readonly x: Tensor
  readonly y: Tensor
}
interface State {
  readonly params: unknown
  readonly loss: number | null
}
interface Status {
  readonly kernels: string
  readonly threads: number
}
interface Api {
  readonly Data: {
    split(key: Key, ds: Dataset, fractions: number[]): Dataset[]
    size(ds: Dataset): number
    batches(key: Key, ds: Dataset, batchSize: number): ReadonlyArray<Dataset>
  }
  readonly Rng: { key(seed: number): Key; foldIn(key: Key, n: number): Key }
  readonly Optim: { adam(lr: unknown): unknown; cosineDecay(lr: number, opts: { decaySteps: number; alpha: number }): unknown }
  readonly Loss: { readonly softmaxCrossEntropy: unknown }
  readonly Train: {
    initFit(trainer: unknown, key: Key, inShape: number[]): { readonly train: State }
    trainStep(trainer: unknown): (s: State, batch: Dataset) => State
  }
  readonly Tree: { size(tree: unknown): number }
  readonly Tensor: { toTypedArray(t: Tensor): ArrayBufferView }
  readonly Net: { summary(network: unknown, inShape: number[]): string }
  readonly Ad: Readonly<Record<string, unknown>>
  useWasmKernelsSync(): Status
  useWasmKernels(): Promise<Status>
}

const send = (m: FromChild): void => {
  process.send!(m)
}

/** Reports an error to the parent and ends once the message is out. */
const fail = (e: unknown): void => {
  process.send!({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies FromChild, () => process.exit(1))
}

/** Builds the job and runs its warm-up; returns the step to time and the job's definition. */
const prepare = async (tree: string, nBatches: number, warmup: number) => {
  const url = (file: string): string => pathToFileURL(join(tree, file)).href
  const api = (await import(url('src/index.ts'))) as Api
  const { loadMnist } = (await import(url('src/node/mnist.ts'))) as { loadMnist(): Dataset }
  const { models } = (await import(url('src/node/models.ts'))) as { models: Readonly<Record<string, () => unknown>> }
  const read = cliDefaults(readFileSync(join(tree, 'src/node/cli.ts'), 'utf8'))
  if ('error' in read) throw new Error(read.error)
  const d = read.defaults
  if (d.optimizer !== 'adam') throw new Error(`the main job's default optimizer is ${d.optimizer}; bench/main-job-child.ts builds adam only: teach it ${d.optimizer} as src/node/cli.ts builds it`)
  const makeModel = models[d.model]
  if (makeModel === undefined) throw new Error(`the main job's default model ${d.model} is not in src/node/models.ts`)
  const status: Status = d.kernels === 'wasm' ? api.useWasmKernelsSync() : d.kernels === 'threads' ? await api.useWasmKernels() : { kernels: 'js', threads: 1 }
  const { Data, Rng, Train } = api
  const [trainAll] = Data.split(Rng.key(d.seed), loadMnist(), [0.8, 0.2]) as [Dataset, Dataset]
  const [train] = Data.split(Rng.foldIn(Rng.key(d.seed), 1), trainAll, [0.9, 0.1]) as [Dataset, Dataset]
  const stepsPerEpoch = Math.ceil(Data.size(train) / d.batchSize)
  const network = makeModel()
  const trainer = { network, optimizer: api.Optim.adam(api.Optim.cosineDecay(d.lr, { decaySteps: d.epochs * stepsPerEpoch, alpha: d.alpha })), loss: api.Loss.softmaxCrossEntropy }
  const start = Train.initFit(trainer, Rng.foldIn(Rng.key(d.seed), 2), [784]).train
  const all = Data.batches(Rng.key(0), train, d.batchSize)
  const batches = all.slice(0, nBatches)
  const extra = all[nBatches]!
  const hash = createHash('sha256')
  for (const b of batches) for (const t of [b.x, b.y]) {
    const v = api.Tensor.toTypedArray(t)
    hash.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
  }
  const step = Train.trainStep(trainer)
  let state = start
  for (let i = 0; i < warmup; i++) state = step(state, extra)
  const definition: JobDefinition = {
    summary: api.Net.summary(network, [784]),
    parameters: api.Tree.size(start.params),
    optimizer: `${d.optimizer} (lr ${d.lr}, cosine decay to ${d.alpha} of it over the run)`,
    batchSize: d.batchSize,
    epochs: d.epochs,
    trainSize: Data.size(train),
    stepsPerEpoch,
    kernels: status.kernels,
    threads: status.threads,
    jit: typeof api.Ad['jit'] === 'function',
    batches: hash.digest('hex').slice(0, 16),
  }
  return { definition, state, step, batches }
}

const main = async (): Promise<void> => {
  const parsed = parseChildArgs(process.argv.slice(2))
  if ('error' in parsed) throw new Error(parsed.error)
  const { tree, batches: nBatches, warmup } = parsed.args
  const job = await prepare(tree, nBatches, warmup)
  let state = job.state
  process.on('message', (m: ToChild) => {
    try {
      if (m.type === 'exit') process.exit(0)
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      for (let i = 0; i < m.steps; i++) state = job.step(state, job.batches[i % job.batches.length]!)
      const ms = performance.now() - t0
      const cpu = process.cpuUsage(cpu0)
      send({ type: 'ran', ms, cpuMs: (cpu.user + cpu.system) / 1000, steps: m.steps, loss: state.loss ?? Number.NaN })
    } catch (e) {
      fail(e)
    }
  })
  process.on('disconnect', () => process.exit(0))
  send({ type: 'ready', definition: job.definition })
}

if (process.send === undefined) {
  console.error('bench/main-job-child.ts runs as a child of bench/mainJob.ts (forked with an IPC channel)')
  process.exit(2)
}
main().catch(fail)
