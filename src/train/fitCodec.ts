/**
 * Saving a training run and reading it back: `encodeFit` writes a `FitState` as JSON text
 * (tensors as `{ dtype, shape, data }`, non-finite numbers as the strings "NaN", "Infinity",
 * "-Infinity" so they survive JSON) with a CRC-32 of the document beside it, and `decodeFit`
 * reads it back, checking every field and then the checksum, so a damaged file is refused here
 * with the field named, never half-read.
 */
import * as E from 'fp-ts/lib/Either.js'
import { crc32 } from '../core/crc32.js'
import { PuregradError, fail } from '../core/errors.js'
import { dataOf, isTensor } from '../core/Tensor.js'
import { numberFromJSON } from '../core/json.js'
import { assertJsonDepth } from '../core/limits.js'
import { decodeState } from '../optim/serialize.js'
import { type Key, isKey } from '../rng/index.js'
import { type Tree, isTree } from '../tree/index.js'
import type { EarlyStoppingState } from './earlyStopping.js'
import type { Evaluation } from './evaluate.js'
import { frozenFit } from './checks.js'
import type { EpochRecord, FitState } from './fit.js'
import type { TrainState } from './step.js'


/** The checksum field: the CRC-32 of the document without it, as `JSON.stringify` writes it. */
const checksumOf = (body: string): string => `crc32:${crc32(body)}`

/**
 * The fit state as JSON text (tensors included), to save and resume. A checksum of the text is
 * stored in it (the last field), so `decodeFit` refuses a file changed after it was saved.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from 'puregrad'
 * const trainer = { network: Net.dense(1), optimizer: Optim.adam(0.01), loss: Loss.meanSquaredError }
 * const train = Data.dataset(T.tensor([[1], [2]]), T.tensor([[2], [4]]))
 * const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, { epochs: 1, batchSize: 2 })
 * const text = Train.encodeFit(s)
 * assert.strictEqual(JSON.parse(text)._tag, 'FitState')
 * const back = Train.decodeFit(text)
 * assert.ok(E.isRight(back) && Train.encodeFit(back.right) === text) // decodes to the same state
 * @category training
 */
export const encodeFit = (s: FitState<unknown>): string => {
  if (typeof s !== 'object' || s === null || (s as { _tag?: unknown })._tag !== 'FitState') {
    fail('INVALID_ARGUMENT', 'encodeFit', `expected a fit state (from Train.initFit or Train.fit); got ${show(s)}. Pass the state fit returned.`)
  }
  const body = JSON.stringify(s, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))
  // a fit state is a record with fields: its text is `{…}`, and the checksum goes last
  return `${body.slice(0, -1)},"checksum":${JSON.stringify(checksumOf(body))}}`
}

type Rec = { readonly [k: string]: unknown }

const show = (u: unknown): string => (u === undefined ? 'nothing' : (JSON.stringify(u)?.slice(0, 60) ?? String(u)))
const bad = (path: string, what: string, got: unknown): never =>
  fail('INVALID_VALUE', 'decodeFit', `${path} should be ${what}; got ${show(got)}. The file is damaged, or it is not a state that Train.encodeFit wrote.`)
const rec = (u: unknown, path: string): Rec => (typeof u === 'object' && u !== null && !Array.isArray(u) ? (u as Rec) : bad(path, 'a record', u))
const num = (u: unknown, path: string): number => numberFromJSON(u) ?? bad(path, 'a number', u)
const count = (u: unknown, path: string): number => (typeof u === 'number' && Number.isInteger(u) && u >= 0 ? u : bad(path, 'a whole number ≥ 0', u))
const bool = (u: unknown, path: string): boolean => (typeof u === 'boolean' ? u : bad(path, 'true or false', u))
const key = (u: unknown, path: string): Key => (isKey(u) ? u : bad(path, 'a key { _tag: "Key", words: [two 32-bit words] }', u))
const tree = (u: unknown, path: string): Tree => (isTree(u) ? u : bad(path, 'a tree of tensors', u))
const optional = <A>(u: unknown, read: (u: unknown) => A): A | undefined => (u === undefined ? undefined : read(u))
const tag = (r: Rec, t: string, path: string): void => {
  if (r['_tag'] !== t) bad(`${path}._tag`, JSON.stringify(t), r['_tag'])
}

const evaluation = (u: unknown, path: string): Evaluation => {
  const r = rec(u, path)
  return { loss: num(r['loss'], `${path}.loss`), accuracy: optional(r['accuracy'], (a) => num(a, `${path}.accuracy`)) }
}

const epochRecord = (u: unknown, path: string): EpochRecord => {
  const r = rec(u, path)
  return { epoch: count(r['epoch'], `${path}.epoch`), train: evaluation(r['train'], `${path}.train`), dev: optional(r['dev'], (d) => evaluation(d, `${path}.dev`)) }
}

const stopping = (u: unknown, path: string): EarlyStoppingState => {
  const r = rec(u, path)
  tag(r, 'EarlyStoppingState', path)
  return {
    _tag: 'EarlyStoppingState',
    best: num(r['best'], `${path}.best`),
    bestEpoch: Number.isInteger(r['bestEpoch']) && (r['bestEpoch'] as number) >= -1 ? (r['bestEpoch'] as number) : bad(`${path}.bestEpoch`, 'a whole number ≥ −1', r['bestEpoch']),
    bestParams: optional(r['bestParams'], (p) => tree(p, `${path}.bestParams`)),
    bestState: optional(r['bestState'], (p) => tree(p, `${path}.bestState`)),
    wait: count(r['wait'], `${path}.wait`),
    stop: bool(r['stop'], `${path}.stop`),
  }
}

/** The counters of the optimizer states: step counts, skipped steps, evaluations, waits. */
const COUNTERS: ReadonlySet<string> = new Set(['count', 'notFiniteCount', 'totalNotFinite', 'iteration', 'evaluations', 'badSteps', 'cooldownCounter'])

/** A counter as saved: a number, or (step counts) an int32 scalar tensor or its record `{ dtype, shape: [], data: [n] }`. */
const counterValue = (v: unknown): unknown => {
  if (isTensor(v)) return v.dtype === 'int32' && v.shape.length === 0 ? dataOf(v)[0] : v
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v
  const r = v as { readonly [k: string]: unknown }
  const data = r['data']
  return r['dtype'] === 'int32' && Array.isArray(r['shape']) && r['shape'].length === 0 && Array.isArray(data) && data.length === 1 ? data[0] : v
}

/** Refuses a counter of the optimizer state (`count`, …) that is not a whole number ≥ 0. */
const checkCounters = (u: unknown, path: string): void => {
  if (isTensor(u) || typeof u !== 'object' || u === null) return
  if (Array.isArray(u)) return u.forEach((c, i) => checkCounters(c, `${path}[${i}]`))
  for (const [k, v] of Object.entries(u)) {
    if (COUNTERS.has(k)) count(counterValue(v), `${path}.${k}`)
    else checkCounters(v, `${path}.${k}`)
  }
}

const trainState = (u: unknown, path: string): TrainState<unknown> => {
  const r = rec(u, path)
  tag(r, 'TrainState', path)
  if (!('optState' in r)) bad(`${path}.optState`, 'an optimizer state', undefined)
  checkCounters(r['optState'], `${path}.optState`)
  return {
    _tag: 'TrainState',
    params: tree(r['params'], `${path}.params`),
    optState: r['optState'],
    modelState: tree(r['modelState'], `${path}.modelState`),
    key: key(r['key'], `${path}.key`),
    step: count(r['step'], `${path}.step`),
    loss: r['loss'] === null ? null : num(r['loss'], `${path}.loss`),
  }
}

/**
 * A fit state saved by `encodeFit`, or why the text cannot be one (a Left, as for every decoder
 * of untrusted input). Fitting it continues the run exactly where it was saved. Every field is
 * checked (counters such as `train.step` or the optimizer's `count` must be whole numbers ≥ 0),
 * then the checksum: a refusal is an INVALID_VALUE naming the field (TOO_DEEP for nesting past
 * the limit).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from 'puregrad'
 * const trainer = { network: Net.dense(1), optimizer: Optim.adam(0.05), loss: Loss.meanSquaredError }
 * const train = Data.dataset(T.tensor([[1], [2], [3], [4], [5]]), T.tensor([[2], [4], [6], [8], [10]]))
 * const opts = { epochs: 2, batchSize: 2 }
 * let saved = ''
 * const straight = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, opts, (e) => {
 *   if (e.type === 'epoch' && e.record.epoch === 0) saved = Train.encodeFit(e.state) // a checkpoint after epoch 0
 * })
 * const back = Train.decodeFit(saved)
 * assert.ok(E.isRight(back))
 * const resumed = Train.fit(trainer, back.right, train, opts)
 * assert.strictEqual(Train.encodeFit(resumed), Train.encodeFit(straight)) // bit for bit
 * @category training
 */
export const decodeFit = <O = unknown>(text: string): E.Either<PuregradError, FitState<O>> => {
  try {
    return E.right(readFit<O>(text))
  } catch (e) {
    if (e instanceof PuregradError) return E.left(e)
    throw e
  }
}

/** The decoding behind `decodeFit`, throwing its first refusal. */
const readFit = <O>(text: string): FitState<O> => {
  if (typeof text !== 'string') return bad('the input', 'the text Train.encodeFit wrote', text)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return fail('INVALID_VALUE', 'decodeFit', `this is not JSON (${e instanceof Error ? e.message : String(e)}); pass the text Train.encodeFit wrote, whole.`)
  }
  assertJsonDepth('decodeFit', 'the state', json)
  const decoded = decodeState(json)
  if (E.isLeft(decoded)) return fail('INVALID_VALUE', 'decodeFit', `a tensor in the file is damaged: ${decoded.left.detail}`)
  const u: unknown = decoded.right
  const r = rec(u, 'the state')
  tag(r, 'FitState', 'the state')
  const history = Array.isArray(r['history']) ? r['history'].map((h, i) => epochRecord(h, `history[${i}]`)) : bad('history', 'an array of epoch records', r['history'])
  const state = frozenFit<FitState<O>>({
    _tag: 'FitState',
    train: trainState(r['train'], 'train') as TrainState<O>,
    shuffleKey: key(r['shuffleKey'], 'shuffleKey'),
    history,
    batch: count(r['batch'], 'batch'),
    stopping: optional(r['stopping'], (x) => stopping(x, 'stopping')),
    done: bool(r['done'], 'done'),
    epochLoss: num(r['epochLoss'], 'epochLoss'),
  })
  // last, so a structural problem gets its own message: damage that left the document well formed
  const { checksum, ...body } = json as Rec
  if (typeof checksum !== 'string') fail('INVALID_VALUE', 'decodeFit', 'the checksum is missing: the text was cut, or not written by Train.encodeFit; pass the whole text it wrote.')
  if (checksum !== checksumOf(JSON.stringify(body)))
    fail('INVALID_VALUE', 'decodeFit', `the checksum does not match (stored ${show(checksum)}): the text was changed or damaged after Train.encodeFit wrote it; resume from an intact copy.`)
  return state
}
