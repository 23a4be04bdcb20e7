/**
 * Samplers: where a study's next hyperparameters come from. Grid, random and Bayesian sampling
 * behind one interface, `suggest(space, number, trials)`: the suggestion depends only on the
 * trial's number, the sampler's settings (its seed among them) and the trials already
 * complete, so a study reopened from storage continues as it would have without the break.
 */
import { checkArray, describe, fail } from '../core/errors.js'
import { dataOf } from '../core/Tensor.js'
import { checkOptions } from '../core/options.js'
import { foldIn, key, uniform } from '../rng/index.js'
import type { Config, Space } from '../train/search.js'
import { checkSpace, expectedImprovement, fromUnit, grid, toUnit } from '../train/searchSpace.js'
import type { SamplerSpec, TrialRecord } from './Trial.js'

/** Suggests the hyperparameters of trial `number` from the trials so far. @category model */
export interface Sampler {
  readonly spec: SamplerSpec
  /** How many trials the sampler can suggest (a grid's size; Infinity otherwise). */
  readonly size: (space: Space) => number
  readonly suggest: (space: Space, number: number, trials: ReadonlyArray<TrialRecord>, direction: 'min' | 'max') => Config
}

export type { SamplerSpec } from './Trial.js'

/** Refuses what a study never passes a sampler: a space that is not one, a number that is not a trial's, trials that are not records. */
const checkSuggest = (space: Space, number: number, trials: ReadonlyArray<TrialRecord>, direction: unknown): void => {
  checkSpace(space, 'suggest')
  if (!Number.isInteger(number) || number < 0) fail('INVALID_ARGUMENT', 'suggest', `the trial number must be a whole number ≥ 0; got ${describe(number)}.`)
  checkArray('suggest', 'the trials', trials, "the study's trials (study.trials())")
  if (!trials.every((t) => typeof t === 'object' && t !== null && typeof t.state === 'string' && Array.isArray(t.intermediate))) fail('INVALID_ARGUMENT', 'suggest', "the trials must be trial records, as study.trials() returns them.")
  if (direction !== 'min' && direction !== 'max') fail('INVALID_ARGUMENT', 'suggest', `direction must be 'min' or 'max'; got ${describe(direction)}.`)
}

const checkSeed = (op: string, seed: unknown): number =>
  Number.isInteger(seed) && (seed as number) >= 0 && (seed as number) <= Number.MAX_SAFE_INTEGER
    ? (seed as number)
    : fail('INVALID_ARGUMENT', op, `seed must be a whole number ≥ 0 (it is kept with the study, so that a reopened study suggests alike); got ${String(seed)}.`)

const checkCount = (op: string, name: string, v: unknown, min: number): number =>
  Number.isInteger(v) && (v as number) >= min ? (v as number) : fail('INVALID_ARGUMENT', op, `${name} must be a whole number ≥ ${min}; got ${String(v)}.`)

/** `count` points of the unit cube of `dims` dimensions, drawn for trial `number` (stream `stream`). */
const unitPoints = (seed: number, number: number, stream: number, count: number, dims: number): number[][] => {
  const u = dataOf(uniform(foldIn(foldIn(key(seed), number), stream), [count, dims], { dtype: 'float64' }))
  return Array.from({ length: count }, (_, i) => Array.from(u.subarray(i * dims, (i + 1) * dims)))
}

/**
 * Every combination of a grid (choices and ints enumerated, continuous axes at `points`
 * points), trial n taking the n-th; a study on a grid ends when the grid is used up.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Study, Train } from 'puregrad'
 * const study = await Study.open({ name: 'g', space: { act: Train.choice('relu', 'tanh') }, sampler: Study.gridSampler() })
 * await study.optimize((t) => (t.params.act === 'tanh' ? 0.1 : 0.2), { trials: 10 }) // stops after the 2 points
 * assert.deepStrictEqual((await study.trials()).map((t) => t.params?.act), ['relu', 'tanh'])
 * @category samplers
 */
export const gridSampler = (opts: { readonly points?: number } = {}): Sampler => {
  checkOptions('gridSampler', opts, ['points'])
  const points = checkCount('gridSampler', 'points', opts.points ?? 3, 1)
  return Object.freeze({
    spec: Object.freeze({ kind: 'grid', points }),
    size: (space: Space) => {
      checkSpace(space, 'size')
      return grid(space, points).length
    },
    suggest: (space: Space, number: number, trials: ReadonlyArray<TrialRecord>, direction: 'min' | 'max') =>
      (checkSuggest(space, number, trials, direction), grid(space, points))[number] ?? fail('INVALID_ARGUMENT', 'ask', `the grid has ${grid(space, points).length} points and all have been asked for; the study is over (use a random or Bayesian sampler for more trials).`),
  })
}

/**
 * Independent uniform draws (log-uniform for `logUniform`): trial n's from the key
 * `foldIn(key(seed), n)`, whatever the other trials did.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Study, Train } from 'puregrad'
 * const space = { lr: Train.logUniform(1e-4, 1e-1) }
 * const s = Study.randomSampler({ seed: 7 })
 * assert.deepStrictEqual(s.suggest(space, 3, [], 'min'), Study.randomSampler({ seed: 7 }).suggest(space, 3, [], 'min'))
 * @category samplers
 */
export const randomSampler = (opts: { readonly seed: number }): Sampler => {
  checkOptions('randomSampler', opts, ['seed'])
  const seed = checkSeed('randomSampler', opts?.seed)
  return Object.freeze({
    spec: Object.freeze({ kind: 'random', seed }),
    size: () => Infinity,
    suggest: (space: Space, number: number, trials: ReadonlyArray<TrialRecord>, direction: 'min' | 'max') => {
      checkSuggest(space, number, trials, direction)
      return fromUnit(space, unitPoints(seed, number, 0, 1, Object.keys(space).length)[0]!)
    },
  })
}

/**
 * Bayesian optimisation: random draws for the first `startup` trials (default 3), then the
 * candidate (of `candidates` random ones, default 256) with the greatest expected improvement
 * under a Gaussian process fitted to the complete trials. Failed and pruned trials do not
 * inform the process; trials still running are not known yet.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Study, Train } from 'puregrad'
 * const study = await Study.open({ name: 'b', space: { x: Train.uniformParam(-1, 1) }, sampler: Study.bayesianSampler({ seed: 0 }) })
 * await study.optimize((t) => ((t.params.x as number) - 0.3) ** 2, { trials: 12 })
 * const best = await study.best()
 * assert.ok(Math.abs((best!.params!.x as number) - 0.3) < 0.1)
 * @category samplers
 */
export const bayesianSampler = (opts: { readonly seed: number; readonly startup?: number; readonly candidates?: number }): Sampler => {
  const op = 'bayesianSampler'
  checkOptions(op, opts, ['seed', 'startup', 'candidates'])
  const seed = checkSeed(op, opts?.seed)
  const startup = checkCount(op, 'startup', opts.startup ?? 3, 1)
  const candidates = checkCount(op, 'candidates', opts.candidates ?? 256, 1)
  return Object.freeze({
    spec: Object.freeze({ kind: 'bayesian', seed, startup, candidates }),
    size: () => Infinity,
    suggest: (space: Space, number: number, trials: ReadonlyArray<TrialRecord>, direction: 'min' | 'max') => {
      checkSuggest(space, number, trials, direction)
      const dims = Object.keys(space).length
      const done = trials.filter((t) => t.state === 'complete' && t.params !== undefined && t.value !== undefined).sort((a, b) => a.number - b.number)
      if (done.length < startup) return fromUnit(space, unitPoints(seed, number, 0, 1, dims)[0]!)
      const sign = direction === 'min' ? 1 : -1
      const finite = done.filter((t) => Number.isFinite(t.value))
      const worst = finite.length === 0 ? 1 : Math.max(...finite.map((t) => sign * t.value!)) + 1
      const cs = unitPoints(seed, number, 1, candidates, dims)
      const ei = expectedImprovement(done.map((t) => toUnit(space, t.params!)), done.map((t) => (Number.isFinite(t.value) ? sign * t.value! : worst)), cs)
      return fromUnit(space, cs[ei.indexOf(Math.max(...ei))]!)
    },
  })
}

/**
 * The sampler a spec describes (as kept in storage).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Study } from 'puregrad'
 * assert.deepStrictEqual(Study.samplerOf({ kind: 'random', seed: 3 }).spec, Study.randomSampler({ seed: 3 }).spec)
 * @category samplers
 */
export const samplerOf = (spec: SamplerSpec): Sampler => {
  switch (spec?.kind) {
    case 'grid':
      return gridSampler({ points: spec.points })
    case 'random':
      return randomSampler({ seed: spec.seed })
    case 'bayesian':
      return bayesianSampler({ seed: spec.seed, startup: spec.startup, candidates: spec.candidates })
    default:
      return fail('INVALID_ARGUMENT', 'samplerOf', `the sampler spec ${JSON.stringify(spec)} is not one of grid, random or bayesian; make a sampler with Study.gridSampler, Study.randomSampler or Study.bayesianSampler.`)
  }
}
