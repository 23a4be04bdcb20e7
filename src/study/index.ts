/**
 * Studies: hyperparameter search as ask and tell, with samplers (grid, random, Bayesian),
 * pruners (the median rule, asynchronous successive halving) and storage that outlives the
 * process (`puregrad/node`: a journal file, PostgreSQL), so that searches resume and several
 * workers share one.
 *
 * ```ts
 * import { Study, Train } from 'puregrad'
 * const study = await Study.open({ name: 'mlp', space: { lr: Train.logUniform(1e-4, 1e-1) }, sampler: Study.bayesianSampler({ seed: 0 }), pruner: Study.medianPruner() })
 * await study.optimize(async (trial) => devLossAfterTraining(trial), { trials: 50 })
 * ```
 *
 * @category namespaces
 * @since 0.1.0
 * @module
 */
export * from './Trial.js'
export * from './storage.js'
export * from './samplers.js'
export * from './pruners.js'
export * from './Study.js'
