/**
 * A character-level transformer language model on the Brown corpus, as the command line
 * (`--model transformer`) and examples/char-transformer.ts train it, shared with the tests that
 * check them. Every random choice (initialisation, training windows, samples) comes from keys
 * derived from one seed, so a run is the same bit for bit. @internal
 */
import { fail } from '../core/errors.js'
import { type Dataset, dataset } from '../data/Dataset.js'
import * as Loss from '../loss/index.js'
import * as Net from '../net/index.js'
import * as Optim from '../optim/index.js'
import { type Key, foldIn, integers, isKey, uniform } from '../rng/index.js'
import * as T from '../tensor/index.js'
import * as Train from '../train/index.js'
import type { BrownDocument } from './brown.js'

/** The size of the model and of its run. */
export interface CharModelConfig {
  /** characters the model reads at once (the window length) */
  readonly context: number
  readonly dim: number
  readonly heads: number
  readonly blocks: number
  readonly batchSize: number
  /** an epoch is this many steps on windows drawn afresh from the training text */
  readonly stepsPerEpoch: number
  readonly epochs: number
  /** Adam's peak learning rate, reached after a short warm-up and decayed by a cosine */
  readonly lr: number
  /** windows of the validation text scored after each epoch (the dev curve) and at the end */
  readonly devWindows: number
  readonly validWindows: number
  /** the validation loss the run is expected to reach (nats/char), or 'unigram': below the unigram baseline */
  readonly target: number | 'unigram'
}

/**
 * The default run (about 150k parameters, a few minutes on 2 cores) and the short one the tests
 * run in a few seconds.
 */
export const charModelConfigs = {
  full: { context: 64, dim: 64, heads: 4, blocks: 3, batchSize: 32, stepsPerEpoch: 40, epochs: 12, lr: 1e-2, devWindows: 64, validWindows: 512, target: 2.3 },
  quick: { context: 32, dim: 32, heads: 2, blocks: 1, batchSize: 16, stepsPerEpoch: 12, epochs: 8, lr: 5e-3, devWindows: 16, validWindows: 32, target: 'unigram' },
} as const satisfies Record<string, CharModelConfig>

/** The text cut in two by document: every `validEvery`-th document (of every genre) is validation. */
export interface CharCorpus {
  /** the distinct characters of the whole corpus in code-point order; index = token */
  readonly vocab: string
  readonly train: Int32Array
  readonly valid: Int32Array
}

/** `text` as token indices into `vocab` (one per UTF-16 unit); a character outside it is refused. */
export const encodeChars = (text: string, vocab: string): Int32Array => {
  const index = new Map(Array.from(vocab, (c, i) => [c, i]))
  const out = new Int32Array(text.length)
  for (let i = 0; i < text.length; i++) {
    out[i] = index.get(text[i]!) ?? fail('INVALID_ARGUMENT', 'encodeChars', `the character ${JSON.stringify(text[i])} at ${i} is not in the vocabulary of ${vocab.length}; build the vocabulary from all the text you encode.`)
  }
  return out
}

export const decodeChars = (ids: ArrayLike<number>, vocab: string): string => Array.from(ids, (i) => vocab[i] ?? fail('INVALID_ARGUMENT', 'decodeChars', `token ${i} is outside the vocabulary of ${vocab.length}.`)).join('')

/** Documents joined by a newline each (after its last sentence), split into train and validation by document. */
export const charCorpus = (docs: ReadonlyArray<BrownDocument>, validEvery = 20): CharCorpus => {
  const [train, valid] = [docs.filter((_, i) => i % validEvery !== validEvery - 1), docs.filter((_, i) => i % validEvery === validEvery - 1)]
  const [trainText, validText] = [train, valid].map((ds) => ds.map((d) => `${d.text}\n`).join('')) as [string, string]
  const vocab = [...new Set(trainText + validText)].sort().join('')
  return { vocab, train: encodeChars(trainText, vocab), valid: encodeChars(validText, vocab) }
}

/**
 * `count` windows of `context` characters starting at positions drawn from `key`: x the window,
 * y the same window one character on (the next character at each position).
 */
export const sampleWindows = (key: Key, ids: Int32Array, count: number, context: number): Dataset => {
  if (ids.length <= context) fail('INVALID_ARGUMENT', 'sampleWindows', `the text has ${ids.length} characters, too few for windows of ${context} and their next characters.`)
  const starts = T.toArray(integers(key, [count], 0, ids.length - context))
  return windowsAt(ids, starts, context)
}

/** The first `count` consecutive windows of the text (validation: always the same ones). */
export const tileWindows = (ids: Int32Array, count: number, context: number): Dataset => {
  const n = Math.min(count, Math.floor((ids.length - 1) / context))
  return windowsAt(ids, Array.from({ length: n }, (_, i) => i * context), context)
}

const windowsAt = (ids: Int32Array, starts: ReadonlyArray<number>, context: number): Dataset => {
  const x = new Int32Array(starts.length * context)
  const y = new Int32Array(starts.length * context)
  starts.forEach((s, i) => {
    x.set(ids.subarray(s, s + context), i * context)
    y.set(ids.subarray(s + 1, s + 1 + context), i * context)
  })
  return dataset(T.fromArray(x, [starts.length, context], 'int32'), T.fromArray(y, [starts.length, context], 'int32'))
}

/** The entropy (nats per character) of the text's own character frequencies: the loss of the best model that ignores context. */
export const unigramEntropy = (ids: Int32Array, vocabSize: number): number => {
  const counts = new Float64Array(vocabSize)
  for (const t of ids) counts[t]!++
  let h = 0
  for (const c of counts) if (c > 0) h -= (c / ids.length) * Math.log(c / ids.length)
  return h
}

/** Token embedding + learned positions, `blocks` causal pre-norm transformer blocks, a final norm and the next-character logits. */
export const charTransformer = (vocabSize: number, c: CharModelConfig): Net.Layer =>
  Net.serial(
    Net.embedding(vocabSize, c.dim),
    Net.positionalEmbedding(c.context),
    ...Array.from({ length: c.blocks }, () => Net.transformerBlock(c.dim, c.heads, { causal: true })),
    Net.layerNorm(),
    Net.dense(vocabSize),
  )

export interface CharModelRun {
  readonly network: Net.Layer
  readonly vars: Net.Vars
  readonly history: ReadonlyArray<Train.EpochRecord>
  readonly steps: number
  readonly divergence: Train.Divergence | undefined
}

/**
 * Trains the model with `Train.fit` (Adam, warm-up and cosine decay, the jitted step), one fit
 * epoch per set of `stepsPerEpoch · batchSize` windows drawn from `foldIn(key, epoch)`, scoring
 * `devWindows` validation windows after each. `onEvent` sees every event of the fit.
 */
export const trainCharModel = (corpus: CharCorpus, c: CharModelConfig, key: Key, onEvent?: (e: Train.FitEvent) => void): CharModelRun => {
  if (!isKey(key)) fail('INVALID_KEY', 'trainCharModel', 'the run needs a key; make one with Rng.key(seed).')
  const network = charTransformer(corpus.vocab.length, c)
  const steps = c.epochs * c.stepsPerEpoch
  const schedule = Optim.warmupCosineDecay(c.lr, { warmupSteps: Math.max(1, Math.round(steps / 20)), decaySteps: steps, endValue: c.lr / 20 })
  const trainer: Train.Trainer = { network, optimizer: Optim.adam(schedule) as Optim.GradientTransformation<unknown>, loss: Loss.softmaxCrossEntropy }
  const dev = tileWindows(corpus.valid, c.devWindows, c.context)
  let state = Train.initFit(trainer, foldIn(key, 0), [c.context])
  let divergence: Train.Divergence | undefined
  for (let epoch = 0; epoch < c.epochs && !state.done; epoch++) {
    const windows = sampleWindows(foldIn(foldIn(key, 1), epoch), corpus.train, c.stepsPerEpoch * c.batchSize, c.context)
    state = Train.fit(trainer, state, windows, { epochs: epoch + 1, batchSize: c.batchSize, dev, evaluateTrain: false }, (e) => {
      if (e.type === 'end') divergence = e.divergence
      onEvent?.(e)
    })
  }
  return { network, vars: { params: state.train.params, state: state.train.modelState }, history: state.history, steps: state.train.step, divergence }
}

/** Options of `sampleChars`. */
export interface SampleOptions {
  readonly key: Key
  /** characters to generate */
  readonly length: number
  /** the text the sample continues (default a newline: the start of a sentence) */
  readonly prompt?: string
  /** divides the logits: below 1 the likelier characters, above 1 more surprise (default 0.8) */
  readonly temperature?: number
  readonly context: number
}

/**
 * Generates `length` characters one at a time: the model reads the last `context` characters,
 * and the next is drawn from the softmax of its last logits over the temperature, with the
 * uniform number of `foldIn(key, i)` for the i-th character.
 */
export const sampleChars = (network: Net.Layer, vars: CharModelRun['vars'], vocab: string, o: SampleOptions): string => {
  const temperature = o.temperature ?? 0.8
  if (!(temperature > 0) || !Number.isFinite(temperature)) fail('INVALID_ARGUMENT', 'sampleChars', `temperature must be a positive number; got ${temperature}.`)
  if (!Number.isInteger(o.length) || o.length < 0) fail('INVALID_ARGUMENT', 'sampleChars', `length must be a whole number ≥ 0; got ${o.length}.`)
  const ids = Array.from(encodeChars(o.prompt ?? '\n', vocab))
  if (ids.length === 0) fail('INVALID_ARGUMENT', 'sampleChars', 'the prompt is empty; give at least one character (a newline starts a sentence).')
  const out: number[] = []
  for (let i = 0; i < o.length; i++) {
    const window = ids.slice(-o.context)
    const logits = T.toArray(Net.predict(network, vars, T.fromArray(Int32Array.from(window), [1, window.length], 'int32')))
    const last = logits.slice((window.length - 1) * vocab.length)
    const top = Math.max(...last)
    const weights = last.map((z) => Math.exp((z - top) / temperature))
    let u = T.item(uniform(foldIn(o.key, i), [], { dtype: 'float64' })) * weights.reduce((a, b) => a + b, 0)
    let next = 0
    while (next < weights.length - 1 && u >= weights[next]!) u -= weights[next++]!
    ids.push(next)
    out.push(next)
  }
  return decodeChars(out, vocab)
}
