/**
 * Part 5 of `npm run bench` (alone: `npm run bench -- --only cnn`): the README's main job, the
 * MNIST CNN of `npm start` (two 3×3 conv layers, dropout, Adam with a cosine decay, batches of 64,
 * wasm kernels on one thread), per epoch of its 7,200 training digits (113 steps; an epoch's time
 * is the median step time times 113).
 *
 * - The target: the main job's epoch ≥ 1.5× faster than at commit 281a3af, the code when the
 *   target was set (the last commit before the jit work). That commit's tree is exported from git
 *   history and built once (bench/lib/baseline.ts, cached under node_modules/.cache/puregrad-bench);
 *   its training step and the current code's (jitted, the default) each run in a child process of
 *   their own (bench/main-job-child.ts), built as each tree's `npm start` builds the job by default,
 *   on the same batches, in alternating rounds (old first, then new first, …). The rows give each
 *   side's median ms per step with its range over the rounds, the speed-up as the median of the
 *   rounds' old ÷ new (each pair ran back to back), and the same in each child's CPU time (a
 *   cross-check less moved by other processes on a shared machine); any change of the job's
 *   definition since then (network size, batch size, epochs, kernels, threads, data) is printed.
 *   Without git history (a tarball install, a shallow clone) the row says it is skipped and why.
 * - The stricter comparison: the current code's step jitted and eager (`jit: false`), in
 *   alternating rounds in this process; eager has every kernel improvement since 281a3af too.
 * - The full run (not `--quick`) trains the whole job (12 epochs, jitted) and reports its test
 *   accuracy, which must stay ≥ 97%.
 */
import { Data, Loss, Optim, Rng, Train } from '../src/index.js'
import { loadMnist } from '../src/node/mnist.js'
import { models } from '../src/node/models.js'
import { useKernels } from '../src/kernels/registry.js'
import { createWasmKernels } from '../src/kernels/wasm/index.js'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { BASELINE_COMMIT, prepareBaseline } from './lib/baseline.js'
import { definitionChanges, roundOrder, summarizeRounds, type FromChild, type JobDefinition, type RoundSummary, type Side, type ToChild } from './lib/mainJobSide.js'
import { median, table } from './lib/report.js'

/** What the main job's comparison measured. */
export interface MainJobResults {
  /** ms per step, jitted and eager (medians over rounds) */
  readonly stepMs: { readonly jit: number; readonly eager: number }
  readonly stepsPerEpoch: number
  /** traces of the jitted step over the timed steps (1 means it never retraced) */
  readonly traces: number
  readonly timedSteps: number
  /** the whole job's test accuracy and seconds (full run only) */
  readonly full: { readonly accuracy: number; readonly seconds: number } | undefined
}

const EPOCHS = 12
const BATCH = 64

/** The job's data and trainer, as `npm start` makes them with its defaults (seed 42, adam 2e-3). */
const job = (jit: boolean) => {
  const seed = 42
  const [trainAll, test] = Data.split(Rng.key(seed), loadMnist(), [0.8, 0.2]) as [Data.Dataset, Data.Dataset]
  const [train, dev] = Data.split(Rng.foldIn(Rng.key(seed), 1), trainAll, [0.9, 0.1]) as [Data.Dataset, Data.Dataset]
  const steps = EPOCHS * Math.ceil(Data.size(train) / BATCH)
  const trainer: Train.Trainer = {
    network: models.cnn(),
    optimizer: Optim.adam(Optim.cosineDecay(2e-3, { decaySteps: steps, alpha: 0.05 })) as Optim.GradientTransformation<unknown>,
    loss: Loss.softmaxCrossEntropy,
    jit,
  }
  return { train, dev, test, trainer, start: Train.initFit(trainer, Rng.foldIn(Rng.key(seed), 2), [784]) }
}

/** Counts traces of the jitted step: the step's loss function runs in JavaScript only while tracing. */
const counted = (trainer: Train.Trainer, count: () => void): Train.Trainer => ({
  ...trainer,
  loss: (y, t) => {
    count()
    return trainer.loss(y, t)
  },
})

export const mainJob = (quick: boolean): MainJobResults => {
  const wasm = createWasmKernels()
  if (wasm === undefined) throw new Error('the main job comparison needs puregrad’s WebAssembly kernels (run `node wasm/build.mjs`)')
  useKernels(wasm)
  const rounds = quick ? 3 : 5
  const perRound = quick ? 4 : 10
  const jitJob = job(true)
  const eagerJob = job(false)
  const batches = Data.batches(Rng.key(0), jitJob.train, BATCH).slice(0, perRound + 1)
  let traces = 0
  const jitStep = Train.trainStep(counted(jitJob.trainer, () => traces++))
  const eagerStep = Train.trainStep(eagerJob.trainer)
  let js = jitJob.start.train
  let es = eagerJob.start.train
  // warm-up: the jitted step traces and compiles here, each path runs once
  js = jitStep(js, batches[perRound]!)
  es = eagerStep(es, batches[perRound]!)
  traces = 0
  const times = { jit: [] as number[], eager: [] as number[] }
  for (let r = 0; r < rounds; r++) {
    for (const who of r % 2 === 0 ? (['jit', 'eager'] as const) : (['eager', 'jit'] as const)) {
      const t0 = performance.now()
      for (let b = 0; b < perRound; b++) {
        if (who === 'jit') js = jitStep(js, batches[b]!)
        else es = eagerStep(es, batches[b]!)
      }
      times[who].push((performance.now() - t0) / perRound)
    }
  }
  const stepsPerEpoch = Math.ceil(Data.size(jitJob.train) / BATCH)
  let full: MainJobResults['full']
  if (!quick) {
    const t0 = performance.now()
    const end = Train.fit(jitJob.trainer, jitJob.start, jitJob.train, { epochs: EPOCHS, batchSize: BATCH, dev: jitJob.dev, evaluateTrain: false })
    const r = Train.evaluate(jitJob.trainer.network, { params: end.train.params, state: end.train.modelState }, jitJob.test, Loss.softmaxCrossEntropy)
    full = { accuracy: r.accuracy ?? Number.NaN, seconds: (performance.now() - t0) / 1000 }
  }
  return { stepMs: { jit: median(times.jit), eager: median(times.eager) }, stepsPerEpoch, traces, timedSteps: rounds * perRound, full }
}

/** The side-by-side with the older commit: what each side measured, or why it did not run. */
export type SideBySide =
  | {
      readonly kind: 'measured'
      /** the older commit's short hash */
      readonly commit: string
      readonly old: JobDefinition
      readonly new: JobDefinition
      /** wall-clock ms per step */
      readonly summary: RoundSummary
      /** CPU ms per step of each child (all its threads): less moved by other processes on a shared machine */
      readonly cpu: RoundSummary
      readonly rounds: number
      readonly stepsPerRound: number
      /** how the old tree was found (cache or build), dependency versions that differ */
      readonly notes: ReadonlyArray<string>
    }
  | { readonly kind: 'skipped' | 'failed'; readonly commit: string; readonly reason: string }

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CHILD = fileURLToPath(new URL('./main-job-child.ts', import.meta.url))

/** A running child of bench/main-job-child.ts: its job's definition, and a timed run of steps. */
interface JobChild {
  readonly definition: JobDefinition
  /** wall-clock and CPU ms per step over `steps` steps */
  run(steps: number): Promise<{ readonly wall: number; readonly cpu: number }>
  stop(): void
}

/** Forks a child that trains the main job with the code of `tree`; resolves once its warm-up ran. */
const startChild = async (label: string, tree: string, batches: number, warmup: number): Promise<JobChild> => {
  const child = fork(CHILD, ['--tree', tree, '--batches', String(batches), '--warmup', String(warmup)], { cwd: tree, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000)
  })
  const inbox: FromChild[] = []
  const waiting: Array<{ resolve: (m: FromChild) => void; reject: (e: Error) => void }> = []
  let ended: Error | undefined
  const end = (why: string): void => {
    const tail = stderr.trim().split('\n').slice(-4).join(' / ')
    ended ??= new Error(`the ${label} child ${why}${tail === '' ? '' : `: ${tail}`}`)
    for (const w of waiting.splice(0)) w.reject(ended)
  }
  child.on('message', (m: FromChild) => {
    const w = waiting.shift()
    if (w === undefined) inbox.push(m)
    else w.resolve(m)
  })
  child.on('exit', (code, signal) => end(`exited (${signal ?? code})`))
  child.on('error', (e) => end(`failed to start: ${e.message}`))
  const receive = (): Promise<FromChild> => {
    const m = inbox.shift()
    if (m !== undefined) return Promise.resolve(m)
    if (ended !== undefined) return Promise.reject(ended)
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }))
  }
  const next = async <T extends FromChild['type']>(type: T): Promise<Extract<FromChild, { type: T }>> => {
    const got = await receive()
    if (got.type === 'error') throw new Error(`the ${label} child failed: ${got.message.split('\n').slice(0, 3).join(' / ')}`)
    if (got.type !== type) throw new Error(`the ${label} child answered ${got.type}, not ${type}`)
    return got as Extract<FromChild, { type: T }>
  }
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill()
  }
  try {
    const ready = await next('ready')
    return {
      definition: ready.definition,
      run: async (steps) => {
        child.send({ type: 'run', steps } satisfies ToChild)
        const r = await next('ran')
        if (!Number.isFinite(r.loss)) throw new Error(`the ${label} child's loss is ${r.loss} after ${steps} steps`)
        return { wall: r.ms / r.steps, cpu: r.cpuMs / r.steps }
      },
      stop,
    }
  } catch (e) {
    stop()
    throw e
  }
}

/**
 * The main job's step at the older commit and now, each in a child process, in alternating
 * rounds over the same batches. Never throws: a missing history or a failed child is reported.
 */
export const mainJobSideBySide = async (quick: boolean, commit = BASELINE_COMMIT): Promise<SideBySide> => {
  const baseline = prepareBaseline({ root: ROOT, commit, log: (line) => console.log(line) })
  if (baseline.kind === 'skipped') return { kind: 'skipped', commit, reason: baseline.reason }
  const rounds = quick ? 15 : 25
  const stepsPerRound = quick ? 4 : 8
  const started = await Promise.allSettled([startChild(commit, baseline.dir, stepsPerRound, 2), startChild('current', ROOT, stepsPerRound, 2)])
  const children = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  try {
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    const [old, now] = children as [JobChild, JobChild]
    const wall: Record<Side, number[]> = { old: [], new: [] }
    const cpu: Record<Side, number[]> = { old: [], new: [] }
    for (const order of roundOrder(rounds))
      for (const side of order) {
        const t = await (side === 'old' ? old : now).run(stepsPerRound)
        wall[side].push(t.wall)
        cpu[side].push(t.cpu)
      }
    return { kind: 'measured', commit, old: old.definition, new: now.definition, summary: summarizeRounds(wall), cpu: summarizeRounds(cpu), rounds, stepsPerRound, notes: baseline.notes }
  } catch (e) {
    return { kind: 'failed', commit, reason: e instanceof Error ? e.message : String(e) }
  } finally {
    for (const c of children) c.stop()
  }
}

/** The target's name in the table. */
export const sideBySideTarget = (commit: string): string => `main job epoch ≥ 1.5× faster than at ${commit} (the code when the target was set)`

/** The side-by-side's rows of the targets table, and the lines printed under it. */
export const sideBySideRows = (s: SideBySide): { readonly rows: string[][]; readonly notes: string[] } => {
  if (s.kind !== 'measured') return { rows: [[sideBySideTarget(s.commit), `${s.kind}: ${s.reason}`, '–']], notes: [] }
  const { summary: r, old, new: now } = s
  const epoch = (d: JobDefinition, ms: number): string => `${((ms * d.stepsPerEpoch) / 1000).toFixed(1)} s an epoch of ${d.stepsPerEpoch} steps`
  const side = (d: JobDefinition, x: RoundSummary['old']): string =>
    `${x.median.toFixed(1)} ms a step (${x.min.toFixed(1)}–${x.max.toFixed(1)} over ${s.rounds} rounds, spread ${(100 * x.relative).toFixed(0)}%), ${epoch(d, x.median)}`
  const step = (d: JobDefinition): string => `${d.jit ? 'jitted' : 'eager'} step, ${d.kernels} kernels on ${d.threads} thread${d.threads > 1 ? 's' : ''}`
  const changes = definitionChanges(old, now)
  return {
    rows: [
      [sideBySideTarget(s.commit), `${r.ratio.median.toFixed(2)}× (median of the rounds' ${s.commit} ÷ now; ${r.ratio.min.toFixed(2)}–${r.ratio.max.toFixed(2)}×)`, r.ratio.median >= 1.5 ? 'yes' : 'no'],
      [`  the main job at ${s.commit} (${step(old)}), in a child process`, side(old, r.old), ''],
      [`  the main job now (${step(now)}), in a child process`, side(now, r.new), ''],
      [
        '  the same in CPU time of each child (all its threads; less moved by other processes)',
        `${s.cpu.old.median.toFixed(1)} vs ${s.cpu.new.median.toFixed(1)} ms a step: ${s.cpu.ratio.median.toFixed(2)}× (${s.cpu.ratio.min.toFixed(2)}–${s.cpu.ratio.max.toFixed(2)}×)`,
        '',
      ],
    ],
    notes: [
      `The side-by-side with ${s.commit}: ${s.rounds} alternating rounds of ${s.stepsPerRound} steps on the same batches, each side in a child process built as its \`npm start\` builds the job by default; ${s.notes.join('; ')}.`,
      changes.length === 0
        ? `The main job is defined as at ${s.commit}: ${now.parameters.toLocaleString('en-US')} parameters, ${now.optimizer}, batches of ${now.batchSize}, ${now.epochs} epochs of ${now.stepsPerEpoch} steps over ${now.trainSize.toLocaleString('en-US')} digits, ${now.kernels} kernels on ${now.threads} thread${now.threads > 1 ? 's' : ''}; the step ${old.jit ? 'jitted' : 'eager'} then, ${now.jit ? 'jitted' : 'eager'} now.`
        : `The main job changed since ${s.commit} (compared per epoch of the same data all the same): ${changes.join('; ')}.`,
    ],
  }
}

/** The rows of the targets table for the main job. */
export const mainJobTargets = (r: MainJobResults): string[][] => {
  const epoch = (ms: number): string => `${((ms * r.stepsPerEpoch) / 1000).toFixed(1)} s`
  const gain = r.stepMs.eager / r.stepMs.jit
  return [
    [
      'stricter: main job epoch jitted ≥ 1.5× faster than the current code eager (jit: false), in this process',
      `${gain.toFixed(2)}× (${epoch(r.stepMs.jit)} vs ${epoch(r.stepMs.eager)} an epoch of ${r.stepsPerEpoch} steps; ${r.stepMs.jit.toFixed(1)} vs ${r.stepMs.eager.toFixed(1)} ms a step)`,
      gain >= 1.5 ? 'yes' : 'no',
    ],
    ['  the jitted step does not trace again after its first step (dropout keys traced, not static)', `${r.traces} retraces in ${r.timedSteps} timed steps`, r.traces === 0 ? 'yes' : 'no'],
    r.full === undefined
      ? ['main job test accuracy ≥ 97% (12 epochs, jitted)', 'full run only (without --quick)', '–']
      : ['main job test accuracy ≥ 97% (12 epochs, jitted)', `${(100 * r.full.accuracy).toFixed(2)}% in ${r.full.seconds.toFixed(0)} s`, r.full.accuracy >= 0.97 ? 'yes' : 'no'],
  ]
}

/** Runs the part and prints its table. */
export const mainJobPart = async (quick: boolean): Promise<void> => {
  console.log(`## Part 5: the main job (MNIST CNN), now and at ${BASELINE_COMMIT}, jitted and eager\n`)
  const r = mainJob(quick)
  const side = sideBySideRows(await mainJobSideBySide(quick))
  table('Targets of the main job', [['target', 'measured', 'met'], ...side.rows, ...mainJobTargets(r)])
  for (const line of side.notes) console.log(line)
  if (side.notes.length > 0) console.log()
}
