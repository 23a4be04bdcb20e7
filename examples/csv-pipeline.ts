/**
 * Training from a CSV file through a streaming pipeline with keyed augmentation.
 *
 * The MNIST digits of the `mnist` package are written to a CSV file (a header `p0,…,p783,label`,
 * one digit a line), as a user's data would arrive. The file is then read as a stream each epoch
 * (`fromCsvFile`, parsed by csv-parse: it never sits in memory whole), and each example passes
 * through the notes' augmentations as a keyed map stage: a random rotation of up to 12°, a random
 * crop of 26×26 out of the digit padded to 30×30 (a shift of up to 2 pixels), and Gaussian noise.
 * Each example's key comes from the run's key, the epoch, the stage and the example's line, so
 * the augmented digits do not depend on the shuffle buffer, the batch size or the prefetch, and
 * a resumed run sees exactly the digits an unbroken one would. The dev set is a second CSV file
 * streamed without augmentation (`dev` takes a pipeline).
 *
 * Run: npx tsx examples/csv-pipeline.ts (add --quick for 1,200 training digits and 2 epochs)
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from '../src/index.js'
import { loadMnist } from '../src/node/mnist.js'
import { fromCsvFile } from '../src/node/csv.js'

/** Writes a data set of flat 784-pixel digits and int32 labels as CSV, one digit a line. */
export const writeDigitsCsv = (path: string, ds: Data.Dataset): void => {
  const pixels = T.toTypedArray(ds.x)
  const labels = T.toTypedArray(ds.y)
  const lines = [[...Array.from({ length: 784 }, (_, i) => `p${i}`), 'label'].join(',')]
  for (let r = 0; r < labels.length; r++) {
    const row: string[] = []
    for (let i = 0; i < 784; i++) row.push(String(Math.round(pixels[r * 784 + i]! * 255) / 255))
    row.push(String(labels[r]))
    lines.push(row.join(','))
  }
  writeFileSync(path, `${lines.join('\n')}\n`)
}

/** The notes' augmentations of one digit, as one keyed map stage: rotate, shift by a random crop, add noise. */
export const augment = Data.map((e, key) => {
  const [kr, kc, kn] = Rng.split(key, 3)
  const image = T.reshape(e.x, [1, 28, 28, 1])
  const rotated = Data.rotate(kr!, image, 12)
  const padded = T.pad(rotated, [
    [0, 0],
    [2, 2],
    [2, 2],
    [0, 0],
  ])
  const shifted = T.pad(Data.randomCrop(kc!, padded, [26, 26]), [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ])
  return { ...e, x: T.reshape(Data.gaussianNoise(kn!, shifted, 0.05), [784]) }
})

export const trainer: Train.Trainer = {
  network: Net.serial(Net.dense(128, { init: 'heNormal' }), Net.relu, Net.dense(10)),
  optimizer: Optim.adam(2e-3) as Optim.GradientTransformation<unknown>,
  loss: Loss.softmaxCrossEntropy,
}

export interface Result {
  readonly trainDigits: number
  readonly devDigits: number
  readonly epochs: number
  readonly csvBytes: number
  /** dev accuracy after each epoch */
  readonly devAccuracy: ReadonlyArray<number>
  readonly seconds: number
}

export const run = async (opts: { readonly quick?: boolean } = {}): Promise<Result> => {
  const quick = opts.quick === true
  const t0 = performance.now()
  const digits = loadMnist()
  const [train, dev] = Data.split(Rng.key(7), quick ? Data.take(digits, (T.toArray(Rng.permutation(Rng.key(8), Data.size(digits))) as number[]).slice(0, 1500)) : digits, [0.8, 0.2]) as [Data.Dataset, Data.Dataset]
  const dir = mkdtempSync(join(tmpdir(), 'puregrad-csv-'))
  try {
    const trainCsv = join(dir, 'train.csv')
    const devCsv = join(dir, 'dev.csv')
    writeDigitsCsv(trainCsv, train)
    writeDigitsCsv(devCsv, dev)
    const columns = { target: 'label', targetDtype: 'int32' } as const
    const data = Data.pipeline(fromCsvFile(trainCsv, columns), [augment, Data.shuffleBuffer({ buffer: 512 }), Data.batch(64), Data.prefetch(2)])
    const devData = Data.pipeline(fromCsvFile(devCsv, columns), [Data.batch(512)])
    const epochs = quick ? 2 : 8
    const devAccuracy: number[] = []
    await Train.fitStream(trainer, Train.initFit(trainer, Rng.key(1), [784]), data, { epochs, dev: devData }, (e) => {
      if (e.type === 'epoch') devAccuracy.push(e.record.dev?.accuracy ?? Number.NaN)
    })
    return { trainDigits: Data.size(train), devDigits: Data.size(dev), epochs, csvBytes: statSync(trainCsv).size, devAccuracy, seconds: (performance.now() - t0) / 1000 }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run({ quick: process.argv.includes('--quick') })
  console.log(`${r.trainDigits} training digits streamed from a ${(r.csvBytes / 1e6).toFixed(1)} MB CSV file through rotate, shift and noise; ${r.devDigits} dev digits from another`)
  r.devAccuracy.forEach((a, i) => console.log(`epoch ${i + 1}/${r.epochs}: dev accuracy ${(100 * a).toFixed(1)}%`))
  console.log(`${r.seconds.toFixed(1)} s`)
}
