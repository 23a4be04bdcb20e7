/**
 * Optimizers as pure state transitions (optax's design, PyTorch's update rules).
 *
 * ```ts
 * import { Optim, Tensor as T } from 'puregrad'
 * const opt = Optim.chain(Optim.clipByGlobalNorm(1), Optim.adamw(1e-3))
 * let state = opt.init(params)
 * const [updates, next] = opt.update(grads, state, params)   // nothing is mutated
 * params = Optim.applyUpdates(params, updates)
 * ```
 *
 * - a gradient transformation is `{ init, update }`; its state is a named, serializable value
 *   (`StateOf<typeof opt>` is its exact type; `chain`'s is the tuple of its parts');
 * - transformations: `scale`, `scaleByLearningRate`, `scaleBySchedule`, `trace`, `scaleByAdam`,
 *   `scaleByRms`, `scaleByAdagrad`, `scaleByAdadelta`, `scaleByAdamax`, `scaleByNadam`,
 *   `scaleByLion`, `scaleByFactoredRms`, `addDecayedWeights`, `clip`, `clipByGlobalNorm`, `setToZero`, `identity`;
 * - combinators: `chain`, `masked`, `applyIfFinite`;
 * - aliases (only chains): `sgd`, `adagrad`, `rmsprop`, `adam`, `adamw`, `adamax`, `adadelta`,
 *   `nadam`, `lion`, `adafactor`;
 * - schedules `(step) => number` and reduce-on-plateau as a state machine (`scaleByPlateau`,
 *   `observeMetric`);
 * - L-BFGS with a strong Wolfe line search (`lbfgs`, `minimize`, `strongWolfe`).
 *
 * @category namespaces
 * @since 0.1.0
 * @module
 */
export { type GradientTransformation, type StateOf, type EmptyState, emptyState, stateless, identity, setToZero, applyUpdates } from './base.js'
export * from './combine.js'
export * from './transform.js'
export * from './adam.js'
export * from './rms.js'
export * from './clipping.js'
export { type Mask, type MaskTree, allLeaves, weightsOnly } from './mask.js'
export * from './alias.js'
export * from './aliasAdam.js'
export * from './adafactor.js'
export * from './schedule.js'
export * from './plateau.js'
export { type LineSearchResult, type StrongWolfeOptions, strongWolfe } from './linesearch.js'
export * from './lbfgs.js'
export { decodeState as stateFromJSON } from './serialize.js'
