/**
 * The playground's settings: one plain, immutable record, the choices each control offers, and
 * which changes keep the run going and which start it again.
 */
import type { DatasetName } from './datasets.js'
import type { FeatureName } from './features.js'

export type ActivationName = 'tanh' | 'relu' | 'sigmoid' | 'linear'
export type Regularization = 'none' | 'l1' | 'l2'
export type OptimizerName = 'sgd' | 'momentum' | 'rmsprop' | 'adam'

export interface Config {
  readonly dataset: DatasetName
  /** noise level in [0, 0.5] (shown as a percentage) */
  readonly noise: number
  /** share of the points used for training, the rest for testing */
  readonly trainRatio: number
  readonly batchSize: number
  /** the seed of everything random: the points, their split, the weights, the batches, dropout */
  readonly seed: number
  readonly features: ReadonlyArray<FeatureName>
  /** neurons of each hidden layer */
  readonly hidden: ReadonlyArray<number>
  readonly activation: ActivationName
  readonly learningRate: number
  readonly regularization: Regularization
  readonly regRate: number
  /** dropout keep probability after each hidden layer (1: no dropout) */
  readonly keep: number
  readonly optimizer: OptimizerName
}

export const defaults: Config = {
  dataset: 'circle',
  noise: 0.1,
  trainRatio: 0.5,
  batchSize: 10,
  seed: 1,
  features: ['x1', 'x2'],
  hidden: [4, 2],
  activation: 'tanh',
  learningRate: 0.03,
  regularization: 'none',
  regRate: 0,
  keep: 1,
  optimizer: 'adam',
}

/** Points in every data set (before the train/test split). */
export const POINTS = 500
export const MAX_LAYERS = 6
export const MAX_NEURONS = 8

export const choices = {
  activation: ['tanh', 'relu', 'sigmoid', 'linear'] as ReadonlyArray<ActivationName>,
  learningRate: [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10],
  regularization: ['none', 'l1', 'l2'] as ReadonlyArray<Regularization>,
  regRate: [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10],
  keep: [1, 0.9, 0.8, 0.7, 0.6, 0.5],
  optimizer: ['sgd', 'momentum', 'rmsprop', 'adam'] as ReadonlyArray<OptimizerName>,
} as const

/**
 * Settings that change only how the next steps are taken; the run goes on with its weights.
 * Any other change (data, features, layers, activation) starts a new run.
 */
const live: ReadonlyArray<keyof Config> = ['learningRate', 'regularization', 'regRate', 'keep', 'optimizer', 'batchSize']

export const needsReset = (before: Config, after: Config): boolean =>
  (Object.keys(after) as Array<keyof Config>).some((k) => !live.includes(k) && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
