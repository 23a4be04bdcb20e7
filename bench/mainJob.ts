/**
 * Part 5 of `npm run bench` (alone: `npm run bench -- --only cnn`): the README's main job, the
 * MNIST CNN of `npm start` (two 3×3 conv layers, dropout, Adam with a cosine decay, batches of 64,
 * wasm kernels on one thread), trained with its step jitted (the default) and eagerly
 * (`jit: false`), in alternating rounds over the same batches. The epoch time is the median step
 * time times the steps of an epoch (7,200 training digits: 113 steps). The full run also trains
 * the whole job (12 epochs, jitted) and reports its test accuracy, which must stay ≥ 97%.
 */
import { Data, Loss, Optim, Rng, Train } from '../src/index.js'
import { loadMnist } from '../src/node/mnist.js'
import { models } from '../src/node/models.js'
import { useKernels } from '../src/kernels/registry.js'
import { createWasmKernels } from '../src/kernels/wasm/index.js'
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

/** The rows of the targets table for the main job. */
export const mainJobTargets = (r: MainJobResults): string[][] => {
  const epoch = (ms: number): string => `${((ms * r.stepsPerEpoch) / 1000).toFixed(1)} s`
  const gain = r.stepMs.eager / r.stepMs.jit
  return [
    [
      "main job (MNIST CNN): epoch jitted ≥ 1.5× faster than eager (jit: false)",
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
export const mainJobPart = (quick: boolean): void => {
  console.log('## Part 5: the main job (MNIST CNN), jitted and eager\n')
  const r = mainJob(quick)
  table('Targets of the main job', [['target', 'measured', 'met'], ...mainJobTargets(r)])
}
