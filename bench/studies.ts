/**
 * Part 4 of `npm run bench` (`-- --only studies` alone): the throughput of a study's trials with
 * one worker thread and with two (`optimizeInThreads`, a journal file as the shared storage).
 * Each trial trains a small MLP with `Train.fit` on a fixed synthetic data set for a few epochs
 * at the learning rate the random sampler suggests, and returns its dev loss. The objective
 * module imports the built package (`dist/`), as a user's would; `npm run bench` builds it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Study, Train } from '../dist/index.js'
import { journalStorage, optimizeInThreads } from '../dist/node/index.js'
import { table } from './lib/report.js'

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))

const objective = (epochs: number): string => `
import { Data, Loss, Net, Optim, Rng, Train } from ${JSON.stringify(dist)}
const [kx, kn] = Rng.split(Rng.key(1))
const x = Rng.normal(kx, [512, 16])
const y = Data.dataset(x, Rng.normal(kn, [512, 1])).y
const data = Data.dataset(x, y)
const network = Net.serial(Net.dense(64), Net.tanh, Net.dense(64), Net.tanh, Net.dense(1))
export const objective = async (trial) => {
  const trainer = { network, optimizer: Optim.adam(trial.params.lr), loss: Loss.meanSquaredError }
  const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [16]), data, { epochs: ${epochs}, batchSize: 64, dev: data })
  return s.history.at(-1).dev.loss
}
`

/** Trials per second with 1 and 2 workers; prints its table. */
export const studyThroughput = async (quick: boolean): Promise<{ readonly one: number; readonly two: number }> => {
  const dir = mkdtempSync(join(tmpdir(), 'puregrad-bench-study-'))
  const trials = quick ? 12 : 24
  try {
    const module = join(dir, 'objective.mjs')
    writeFileSync(module, objective(quick ? 16 : 32))
    const rate = async (workers: number): Promise<number> => {
      const journal = join(dir, `study-${workers}.jsonl`)
      await Study.open({ name: 'lr', space: { lr: Train.logUniform(1e-4, 1e-1) }, sampler: Study.randomSampler({ seed: 0 }), storage: journalStorage(journal) })
      const t0 = performance.now()
      const records = await optimizeInThreads({ name: 'lr', storage: { journal } }, module, { trials, workers })
      const seconds = (performance.now() - t0) / 1000
      if (records.length !== trials) throw new Error(`expected ${trials} trials, got ${records.length}`)
      return trials / seconds
    }
    // alternating, twice each: the machine is shared
    const ones: number[] = []
    const twos: number[] = []
    for (let r = 0; r < 2; r++) {
      ones.push(await rate(1))
      twos.push(await rate(2))
      rmSync(join(dir, 'study-1.jsonl'), { force: true })
      rmSync(join(dir, 'study-2.jsonl'), { force: true })
    }
    const one = Math.max(...ones)
    const two = Math.max(...twos)
    table(`Study throughput: ${trials} trials (an MLP 16-64-64-1 trained ${quick ? 16 : 32} epochs each), journal storage, best of 2 alternating runs`, [
      ['workers', 'trials/s', '÷ one worker'],
      ['1 (worker thread)', one.toFixed(2), '1.00×'],
      ['2 (worker threads)', two.toFixed(2), `${(two / one).toFixed(2)}×`],
    ])
    return { one, two }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
