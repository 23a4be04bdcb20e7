/**
 * Training: a pure step `(state, batch) → state`, `fit` as a fold over epochs and batches with
 * events (`fitStream` over a data pipeline), evaluation, metrics, early stopping, the
 * bias/variance diagnosis, random restarts and hyperparameter search.
 *
 * ```ts
 * import { Data, Loss, Net, Optim, Rng, Train } from 'puregrad'
 * const trainer = { network, optimizer: Optim.adam(1e-3), loss: Loss.softmaxCrossEntropy }
 * const state = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [784]), train, { epochs: 5, batchSize: 64, dev },
 *   (e) => { if (e.type === 'epoch') console.log(e.record) })
 * ```
 *
 * @category namespaces
 * @since 0.1.0
 * @module
 */
export { type TrainState, type TrainStepOptions, type Trainer, initTrainState, trainStep } from './step.js'
export * from './ensemble.js'
export * from './fit.js'
export * from './fitCodec.js'
export { type Evaluation, evaluate, evaluateStream } from './evaluate.js'
export * from './metrics.js'
export * from './diagnose.js'
export * from './earlyStopping.js'
export * from './search.js'
export * from './report.js'
export * from './fitStream.js'
