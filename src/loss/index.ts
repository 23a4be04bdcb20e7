/**
 * Losses and penalties: functions of tensors returning one number, ready for `Ad.grad`.
 *
 * ```ts
 * import { Loss, Net, Tensor } from 'puregrad'
 * const loss = (params) => Tensor.add(Loss.softmaxCrossEntropy(Net.predict(net, { params, state }, x), labels), Loss.l2(params, 1e-4))
 * ```
 *
 * @category namespaces
 * @since 0.1.0
 * @module
 */
export * from './regression.js'
export * from './classification.js'
export * from './penalties.js'
