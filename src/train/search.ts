/**
 * Hyperparameter search (source note 002) over a space declared as data: by grid, by random
 * sampling, or by Bayesian optimisation (a Gaussian process with expected improvement). Results
 * come back as a table, best first. Random choices come from an explicit key.
 */
import { checkArray, checkFields, checkFunction, describe, fail } from '../core/errors.js'
import { dataOf } from '../core/Tensor.js'
import { checkOptions } from '../core/options.js'
import { type Key, split, uniform } from '../rng/index.js'
import { checkKey } from '../rng/Key.js'
import { type Config, type Param, type Space, checkSpace, expectedImprovement, fromUnit, grid } from './searchSpace.js'

export type { Config, Param, Space } from './searchSpace.js'

/**
 * A hyperparameter that takes one of the given values.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Train } from 'puregrad'
 * const score = (c: Train.Config) => (c.activation === 'tanh' ? 0.1 : 0.2)
 * const trials = Train.search({ activation: Train.choice('relu', 'tanh') }, score, { strategy: 'grid' })
 * assert.deepStrictEqual(trials.map((t) => t.config.activation), ['tanh', 'relu']) // best first
 * @category constructors
 */
export const choice = (...values: ReadonlyArray<number | string | boolean>): Param => ({ kind: 'choice', values })

/**
 * A real hyperparameter drawn uniformly from [min, max].
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Train } from 'puregrad'
 * const score = (c: Train.Config) => Math.abs((c.dropout as number) - 0.2)
 * const trials = Train.search({ dropout: Train.uniformParam(0, 0.5) }, score, { strategy: 'grid', gridPoints: 3 })
 * assert.deepStrictEqual(trials.map((t) => t.config.dropout), [0.25, 0, 0.5]) // the grid, best first
 * @category constructors
 */
export const uniformParam = (min: number, max: number): Param => ({ kind: 'uniform', min, max })

/**
 * Log-uniform, for scales such as learning rates (0.01 / 0.001 / 0.0001): uniform in the logarithm.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Train } from 'puregrad'
 * const trials = Train.search({ lr: Train.logUniform(1e-4, 1e-2) }, (c) => c.lr as number, { strategy: 'grid', gridPoints: 3 })
 * const lrs = trials.map((t) => t.config.lr as number)
 * assert.ok(Math.abs(lrs[1]! - 1e-3) < 1e-12) // the midpoint of the grid is 0.001, not 0.005
 * @category constructors
 */
export const logUniform = (min: number, max: number): Param => ({ kind: 'logUniform', min, max })

/**
 * A whole-number hyperparameter in [min, max], both included.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Train } from 'puregrad'
 * const trials = Train.search({ layers: Train.intParam(1, 5) }, (c) => c.layers as number, { strategy: 'grid', mode: 'max' })
 * assert.deepStrictEqual(trials.map((t) => t.config.layers), [5, 3, 1]) // 3 grid points, highest score first
 * @category constructors
 */
export const intParam = (min: number, max: number): Param => ({ kind: 'int', min, max })

/** Options of `search`. */
export interface SearchOptions {
  readonly strategy: 'grid' | 'random' | 'bayesian'
  /** number of trials (random, bayesian); default 10 */
  readonly trials?: number
  /** points per continuous axis for grid search; default 3 */
  readonly gridPoints?: number
  /** lower scores are better ('min', e.g. dev loss) or higher ('max', e.g. accuracy); default 'min' */
  readonly mode?: 'min' | 'max'
  readonly key?: Key
}

/** A trial and its score. @category model */
export interface Trial {
  readonly config: Config
  readonly score: number
}

/** Refuses a mode other than 'min' and 'max' (undefined means the default, 'min'). */
const checkMode = (op: string, mode: unknown): void => {
  if (mode !== undefined && mode !== 'min' && mode !== 'max') {
    fail('INVALID_ARGUMENT', op, `mode must be 'min' (lower scores are better) or 'max' (higher are better); got ${typeof mode === 'string' ? JSON.stringify(mode) : String(mode)}.`)
  }
}

/**
 * Searches a space for the configuration with the best score; `evaluate` trains and scores one
 * configuration (e.g. the dev loss after a short fit). Returns every trial, best first.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng, Train } from 'puregrad'
 * const space = { lr: Train.logUniform(1e-4, 1e-1), width: Train.choice(16, 32) }
 * const score = (c: Train.Config) => Math.abs(Math.log10(c.lr as number) + 2) + (c.width === 32 ? 0 : 0.5)
 * const trials = Train.search(space, score, { strategy: 'bayesian', trials: 12, key: Rng.key(0) })
 * assert.strictEqual(trials.length, 12)
 * assert.strictEqual(trials[0]!.config.width, 32)
 * @category search
 */
export const search = (space: Space, evaluate: (config: Config) => number, opts: SearchOptions): ReadonlyArray<Trial> => {
  checkOptions('search', opts, ['strategy', 'trials', 'gridPoints', 'mode', 'key'])
  if (opts === undefined) fail('INVALID_ARGUMENT', 'search', "the options are missing; pass at least { strategy: 'grid' }.")
  checkMode('search', opts.mode)
  if (opts.gridPoints !== undefined && !(Number.isInteger(opts.gridPoints) && opts.gridPoints >= 1)) {
    fail('INVALID_ARGUMENT', 'search', `gridPoints must be a whole number ≥ 1; got ${opts.gridPoints}.`)
  }
  checkSpace(space)
  const trials = opts.trials ?? 10
  if (!Number.isInteger(trials) || trials < 1) fail('INVALID_ARGUMENT', 'search', `trials must be a whole number ≥ 1; got ${trials}.`)
  const sign = (opts.mode ?? 'min') === 'min' ? 1 : -1
  const dims = Object.keys(space).length
  let key = opts.key
  const nextUnit = (count: number): number[][] => {
    if (key === undefined) return fail('INVALID_KEY', 'search', `the ${opts.strategy} strategy needs a key (search(space, f, { strategy, key: Rng.key(seed) })).`)
    const [k, rest] = split(key)
    key = rest
    const u = dataOf(uniform(k, [count, dims], { dtype: 'float64' }))
    return Array.from({ length: count }, (_, i) => Array.from(u.subarray(i * dims, (i + 1) * dims)))
  }
  checkFunction('search', 'evaluate (argument 2)', evaluate)
  const run = (config: Config): Trial => {
    const score: unknown = evaluate(config)
    if (typeof score === 'number') return { config, score }
    const promise = typeof (score as { then?: unknown } | null)?.then === 'function'
    return fail(
      'INVALID_ARGUMENT',
      'search',
      promise
        ? 'evaluate returned a Promise: search runs its trials one after another and cannot wait for one. For an async objective use a study: `const study = await Study.open({ name, space, sampler }); await study.optimize(objective, { trials })`.'
        : `evaluate returned ${describe(score)} for ${JSON.stringify(config)}; it must return the trial's score as a number (NaN counts as the worst).`,
    )
  }
  let results: Trial[]
  if (opts.strategy === 'grid') results = grid(space, opts.gridPoints ?? 3).map(run)
  else if (opts.strategy === 'random') results = nextUnit(trials).map((u) => run(fromUnit(space, u)))
  else if (opts.strategy === 'bayesian') {
    const seen: number[][] = []
    const scores: number[] = []
    results = []
    for (let t = 0; t < trials; t++) {
      const u = t < Math.min(3, trials) ? nextUnit(1)[0]! : (() => {
        const candidates = nextUnit(256)
        const finite = scores.map((s) => (Number.isFinite(s) ? sign * s : Math.max(...scores.filter(Number.isFinite).map((v) => sign * v), 0) + 1))
        const ei = expectedImprovement(seen, finite, candidates)
        return candidates[ei.indexOf(Math.max(...ei))]!
      })()
      const trial = run(fromUnit(space, u))
      seen.push(u)
      scores.push(trial.score)
      results.push(trial)
    }
  } else return fail('INVALID_ARGUMENT', 'search', `strategy must be 'grid', 'random' or 'bayesian'; got ${JSON.stringify(opts.strategy)}.`)
  const value = (t: Trial): number => (Number.isFinite(t.score) ? sign * t.score : Infinity)
  return [...results].sort((a, b) => value(a) - value(b))
}

/**
 * Trials as a text table, one row per trial in the order given (`search` returns them best first).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Train } from 'puregrad'
 * const table = Train.showTrials([{ config: { lr: 0.01, act: 'relu' }, score: 0.25 }, { config: { lr: 0.1, act: 'tanh' }, score: 1.5 }])
 * assert.deepStrictEqual(table.split('\n'), ['     lr   act   score', '0.01000  relu  0.2500', ' 0.1000  tanh   1.500'])
 * @category search
 */
export const showTrials = (trials: ReadonlyArray<Trial>): string => {
  checkArray('showTrials', 'the trials (argument 1)', trials, 'the trials Train.search returned')
  trials.forEach((t, i) => checkFields('showTrials', `trial ${i}`, t, { config: 'record', score: 'number' }, 'the trials Train.search returned, each { config, score }'))
  const names = Object.keys(trials[0]?.config ?? {})
  const fmt = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v))
  const rows = [[...names, 'score'], ...trials.map((t) => [...names.map((n) => fmt(t.config[n])), fmt(t.score)])]
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows.map((r) => r.map((cell, c) => cell.padStart(widths[c]!)).join('  ')).join('\n')
}

/**
 * Random restarts (source note 000): runs `train` from several keys and keeps the result with
 * the best score (lowest, or highest with mode 'max').
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from 'puregrad'
 * const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.1), loss: Loss.meanSquaredError }
 * const train = Data.dataset(T.tensor([[1], [2]]), T.tensor([[2], [4]]))
 * const run = (key: Rng.Key) => Train.fit(trainer, Train.initFit(trainer, key, [1]), train, { epochs: 1, batchSize: 2 })
 * const { best, scores } = Train.restarts([Rng.key(0), Rng.key(1), Rng.key(2)], run, (s) => s.history[0]!.train.loss)
 * assert.strictEqual(scores.length, 3)
 * assert.strictEqual(best.history[0]!.train.loss, Math.min(...scores))
 * @category search
 */
export const restarts = <R>(keys: ReadonlyArray<Key>, train: (key: Key) => R, score: (result: R) => number, mode: 'min' | 'max' = 'min'): { readonly best: R; readonly scores: ReadonlyArray<number> } => {
  const op = 'restarts'
  checkArray(op, 'the keys (argument 1)', keys, 'an array of random keys, e.g. Rng.split(Rng.key(0), 5)')
  keys.forEach((k) => checkKey(op, k))
  checkFunction(op, 'the training function (argument 2)', train)
  checkFunction(op, 'the score function (argument 3)', score)
  checkMode(op, mode)
  if (keys.length === 0) fail('INVALID_ARGUMENT', op, 'needs at least one key.')
  const results = keys.map((k) => train(k))
  const scores = results.map((r, i) => {
    const s: unknown = score(r)
    return typeof s === 'number' ? s : fail('INVALID_ARGUMENT', op, `the score function returned ${describe(s)} for the run of key ${i}; it must return a number (NaN counts as the worst).`)
  })
  const sign = mode === 'min' ? 1 : -1
  let best = 0
  scores.forEach((s, i) => {
    if (sign * s < sign * scores[best]! || !Number.isFinite(scores[best]!)) best = i
  })
  return { best: results[best]!, scores }
}
