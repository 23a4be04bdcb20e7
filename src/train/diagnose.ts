/**
 * Bias and variance from training and dev error (source note 004). Avoidable bias is the
 * training error above the best achievable (Bayes) error; variance is the dev error above the
 * training error. The notes' four cases, with Bayes error ≈ 0:
 *
 * | train | dev | diagnosis |
 * | --- | --- | --- |
 * | 1% | 11% | high variance |
 * | 15% | 16% | high bias |
 * | 15% | 30% | high bias and high variance |
 * | 0.5% | 1% | low bias and low variance |
 */
import { fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'

/** The outcome of `diagnose`. @category diagnosis */
export interface Diagnosis {
  readonly bias: 'high' | 'low'
  readonly variance: 'high' | 'low'
  /** training error above the Bayes error */
  readonly avoidableBias: number
  /** dev error above the training error */
  readonly gap: number
  /** one sentence: the verdict and what to try */
  readonly advice: string
}

/** Options of `diagnose`. */
export interface DiagnoseOptions {
  /** the best achievable error (e.g. human-level), default 0 */
  readonly bayesError?: number
  /** how much avoidable bias or gap counts as high, as an error rate; default 0.02 (2 points) */
  readonly tolerance?: number
}

/**
 * Diagnoses bias and variance from error rates in [0, 1].
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Train } from 'puregrad'
 * assert.strictEqual(Train.diagnose(0.01, 0.11).variance, 'high')
 * const d = Train.diagnose(0.15, 0.3)
 * assert.deepStrictEqual([d.bias, d.variance], ['high', 'high'])
 * assert.strictEqual(Train.diagnose(0.15, 0.16, { bayesError: 0.14 }).bias, 'low') // near the best achievable
 * @category diagnosis
 */
export const diagnose = (trainError: number, devError: number, opts: DiagnoseOptions = {}): Diagnosis => {
  checkOptions('diagnose', opts, ['bayesError', 'tolerance'])
  const base = opts.bayesError ?? 0
  const tol = opts.tolerance ?? 0.02
  for (const [name, v] of [['trainError', trainError], ['devError', devError], ['bayesError', base], ['tolerance', tol]] as const) {
    if (!(v >= 0 && v <= 1)) fail('INVALID_ARGUMENT', 'diagnose', `${name} must be an error rate in [0, 1]; got ${v}.`)
  }
  const avoidableBias = trainError - base
  const gap = devError - trainError
  const bias = avoidableBias > tol ? 'high' : 'low'
  const variance = gap > tol ? 'high' : 'low'
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`
  const facts = `train error ${pct(trainError)}, dev error ${pct(devError)}`
  const advice =
    bias === 'high' && variance === 'high'
      ? `high bias and high variance (${facts}): first fit the training set better (a bigger network, longer training, another architecture), then regularise (more data, L2, dropout, augmentation).`
      : bias === 'high'
        ? `high bias (${facts}): the model underfits; try a bigger network, longer training or another architecture.`
        : variance === 'high'
          ? `high variance (${facts}): the model overfits; try more data, L2 or dropout, data augmentation, or early stopping.`
          : `low bias and low variance (${facts}): the model fits and generalises.`
  return { bias, variance, avoidableBias, gap, advice }
}
