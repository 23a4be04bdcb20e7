/**
 * Pipelines: data that need not fit in memory, described as a value (a source and stages, plain
 * data and functions) and run per epoch into a stream of mini-batches. Everything random in a
 * run is drawn from (key, epoch, position): the same key and epoch give the same batches, bit
 * for bit, whatever the prefetch, and a run can start at any batch of an epoch (`from`).
 */
import { PuregradError, describe, fail } from '../core/errors.js'
import { isTensor } from '../core/Tensor.js'
import { checkOptions } from '../core/options.js'
import { type Key, foldIn } from '../rng/index.js'
import { checkKey } from '../rng/Key.js'
import type { Dataset } from './Dataset.js'
import { checkPipeline } from './check.js'
import type { Example, Indexed, Pipeline, Source, Stage } from './pipelineTypes.js'

export type { Example, Indexed, Pipeline, Source, Stage, StageContext } from './pipelineTypes.js'

/** Options of `stream`. */
export interface StreamOptions {
  /** start at this batch of the epoch (default 0): the batches before it are left out, and the rest are those of a full run */
  readonly from?: number
}

/**
 * A pipeline from a source and its stages, checked: exactly one `batch`, example stages
 * (`map`, `filter`, `shuffleBuffer`) before it and batch stages after it.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * const p = Data.pipeline(Data.fromDataset(Data.dataset(T.arange(5), T.arange(5))), [Data.batch(2)])
 * assert.strictEqual(Data.batchesPerEpoch(p), 3)
 * assert.throws(() => Data.pipeline(p.source, [Data.map((e) => e)]), /needs one batch stage/)
 * @category pipelines
 */
export const pipeline = (source: Source, stages: ReadonlyArray<Stage>): Pipeline => {
  const op = 'pipeline'
  if (source === null || typeof source !== 'object' || source._tag !== 'Source') {
    fail('INVALID_ARGUMENT', op, `the source (argument 1) is ${describe(source)}; make one with Data.fromDataset, Data.generate, Data.fromIterable or Data.fromCsv.`)
  }
  if (!Array.isArray(stages) || stages.some((s) => s === null || typeof s !== 'object' || (s as Stage)._tag !== 'Stage')) {
    fail('INVALID_ARGUMENT', op, 'the stages (argument 2) must be an array of stages made by Data.map, Data.filter, Data.shuffleBuffer, Data.batch or Data.prefetch.')
  }
  const at = stages.findIndex((s) => s.batchSize !== undefined)
  if (at < 0 || stages.findIndex((s, i) => i > at && s.batchSize !== undefined) >= 0) {
    fail('INVALID_ARGUMENT', op, `the pipeline needs one batch stage, e.g. Data.batch(32); it has ${stages.filter((s) => s.batchSize !== undefined).length}.`)
  }
  stages.forEach((s, i) => {
    if ((s.level === 'example' && i > at) || (s.level === 'batch' && i < at)) {
      fail('INVALID_ARGUMENT', op, `stage ${i} (${s.name}) works on ${s.level}s but stands ${i > at ? 'after' : 'before'} the batch stage; move it ${i > at ? 'before' : 'after'} Data.batch.`)
    }
  })
  return Object.freeze({ _tag: 'Pipeline', source, stages: Object.freeze([...stages]) })
}

/**
 * The number of batches in an epoch when it can be known ahead (the source's size is known and
 * no stage drops examples), else undefined.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Tensor as T } from 'puregrad'
 * const src = Data.fromDataset(Data.dataset(T.arange(10), T.arange(10)))
 * assert.strictEqual(Data.batchesPerEpoch(Data.pipeline(src, [Data.batch(4)])), 3)
 * assert.strictEqual(Data.batchesPerEpoch(Data.pipeline(src, [Data.batch(4, { dropRemainder: true })])), 2)
 * assert.strictEqual(Data.batchesPerEpoch(Data.pipeline(src, [Data.filter((e) => T.item(e.x) > 2), Data.batch(4)])), undefined)
 * @category pipelines
 */
export const batchesPerEpoch = (p: Pipeline): number | undefined => {
  const n = checkPipeline('batchesPerEpoch', p).source.size
  const b = p.stages.find((s) => s.batchSize !== undefined)!
  if (n === undefined || p.stages.some((s) => s.drops === true)) return undefined
  return b.dropRemainder === true ? Math.floor(n / b.batchSize!) : Math.ceil(n / b.batchSize!)
}

/**
 * The mini-batches of one epoch, as an async iterable. The n-th stage of a kind (the n-th map,
 * the n-th shuffle) draws its randomness from a key folded from (key, epoch, kind, n), and a
 * keyed map from that and the example's index in the source, so the batches depend on
 * (key, epoch) alone, and adding a shuffle or a prefetch changes no example's augmentation. `from` starts at a later batch, giving
 * exactly the batches an unbroken epoch gives from there (the source is read again up to that
 * point, but the skipped batches are not built).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const p = Data.pipeline(Data.fromDataset(Data.dataset(T.arange(6), T.arange(6))), [Data.shuffleBuffer({ buffer: 3 }), Data.batch(2)])
 * const xs: number[][] = []
 * for await (const b of Data.stream(p, Rng.key(0), 0)) xs.push(T.toArray(b.x))
 * assert.deepStrictEqual(xs.flat().sort(), [0, 1, 2, 3, 4, 5])
 * const later: number[][] = []
 * for await (const b of Data.stream(p, Rng.key(0), 0, { from: 1 })) later.push(T.toArray(b.x))
 * assert.deepStrictEqual(later, xs.slice(1))
 * @category pipelines
 */
export async function* stream(p: Pipeline, key: Key, epoch: number, opts: StreamOptions = {}): AsyncGenerator<Dataset, void, void> {
  const op = 'stream'
  checkPipeline(op, p)
  checkKey(op, key)
  checkOptions(op, opts, ['from'])
  if (!Number.isInteger(epoch) || epoch < 0) fail('INVALID_ARGUMENT', op, `epoch must be a whole number ≥ 0; got ${describe(epoch)}.`)
  const from = opts.from ?? 0
  if (!Number.isInteger(from) || from < 0) fail('INVALID_ARGUMENT', op, `from must be a whole number ≥ 0; got ${describe(from)}.`)
  const epochKey = foldIn(key, epoch)
  let flow: AsyncIterable<Indexed<unknown>> = blamed(indexed(p.source, epoch), `the source ${p.source.name}`)
  // a stage's key: its kind and its place among the stages of that kind, so adding a shuffle or
  // a prefetch does not change what a map draws
  const seen = new Map<string, number>()
  p.stages.forEach((s, i) => {
    const kind = s.name.replace(/\(.*$/, '')
    const nth = seen.get(kind) ?? 0
    seen.set(kind, nth + 1)
    flow = blamed(s.run(flow, { key: foldIn(foldIn(epochKey, KINDS.indexOf(kind) + 1), nth), epoch, skipBatches: from }), `stage ${i} (${s.name})`)
  })
  let n = 0
  try {
    for await (const b of flow) {
      if (n++ >= from) yield b.value as Dataset
    }
  } catch (e) {
    // a stage's function (or the source) threw: say which, and for which batch, with its message
    if (!(e instanceof Blame)) throw e
    const c = e.cause
    const said = c instanceof Error ? c.message : String(c)
    const why = /[.!?]$/.test(said) ? said : `${said}.`
    fail(c instanceof PuregradError ? c.code : 'INVALID_VALUE', 'stream', `${e.where} threw while batch ${n} of epoch ${epoch} was being made: ${why}`)
  }
}

/** An error on its way out of a pipeline, with the first stage it came out of. */
class Blame {
  constructor(
    readonly where: string,
    readonly cause: unknown,
  ) {}
}

/** A stage's output, with what it throws (or what the stages before it threw) blamed on it when nothing before it was blamed. */
async function* blamed<A>(flow: AsyncIterable<A>, where: string): AsyncGenerator<A, void, void> {
  try {
    yield* flow
  } catch (e) {
    throw e instanceof Blame ? e : new Blame(where, e)
  }
}

/**
 * All batches of one epoch in an array (for small pipelines and tests).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Rng, Tensor as T } from 'puregrad'
 * const p = Data.pipeline(Data.fromDataset(Data.dataset(T.arange(5), T.arange(5))), [Data.batch(2)])
 * const bs = await Data.collect(p, Rng.key(0), 0)
 * assert.deepStrictEqual(bs.map((b) => T.toArray(b.x)), [[0, 1], [2, 3], [4]])
 * @category pipelines
 */
export const collect = async (p: Pipeline, key: Key, epoch: number, opts: StreamOptions = {}): Promise<ReadonlyArray<Dataset>> => {
  const out: Dataset[] = []
  for await (const b of stream(p, key, epoch, opts)) out.push(b)
  return out
}

/** The kinds of stages, numbered for their keys. */
const KINDS: ReadonlyArray<string> = ['map', 'filter', 'shuffleBuffer', 'batch', 'prefetch']

/** The source's examples of one epoch, numbered and checked. */
async function* indexed(source: Source, epoch: number): AsyncGenerator<Indexed<Example>, void, void> {
  let index = 0
  for await (const e of source.open(epoch)) {
    if (e === null || typeof e !== 'object' || !isTensor(e.x) || !isTensor(e.y)) {
      fail('INVALID_VALUE', 'stream', `example ${index} of the source ${source.name} is ${describe(e)}; a source gives examples { x, y } of tensors.`)
    }
    yield { index: index++, value: e }
  }
  if (source.size !== undefined && index !== source.size) {
    fail('INVALID_VALUE', 'stream', `the source ${source.name} said it holds ${source.size} examples but gave ${index}; give its true size.`)
  }
}
