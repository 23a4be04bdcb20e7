/**
 * The behaviour of every kind of layer, keyed by tag; the type makes the compiler refuse a
 * layer kind without it. @internal
 */
import { fail } from '../core/errors.js'
import { checkLayer } from './check.js'
import type { Kind } from './Kind.js'
import type { Layer, LayerOf, Tag } from './Layer.js'
import { fanInConcatKind, fanInSumKind, fanOutKind, parallelKind, repeatKind, residualKind, serialKind } from './layers/combinators.js'
import { avgPool2dKind, conv2dKind, maxPool2dKind } from './layers/conv.js'
import { activationKind, denseKind, flattenKind, identityKind, maxoutKind, reshapeKind } from './layers/dense.js'
import { batchNormKind, dropoutKind } from './layers/regularization.js'
import { embeddingKind, lstmKind, simpleRnnKind } from './layers/sequence.js'

export const kinds: { readonly [T in Tag]: Kind<LayerOf<T>> } = {
  Dense: denseKind,
  Conv2d: conv2dKind,
  MaxPool2d: maxPool2dKind,
  AvgPool2d: avgPool2dKind,
  Flatten: flattenKind,
  Reshape: reshapeKind,
  Dropout: dropoutKind,
  BatchNorm: batchNormKind,
  Embedding: embeddingKind,
  SimpleRnn: simpleRnnKind,
  Lstm: lstmKind,
  Activation: activationKind,
  Maxout: maxoutKind,
  Identity: identityKind,
  Serial: serialKind,
  Parallel: parallelKind,
  FanOut: fanOutKind,
  FanInSum: fanInSumKind,
  FanInConcat: fanInConcatKind,
  Residual: residualKind,
  Repeat: repeatKind,
}

export const kindOf = (l: Layer): Kind<Layer> => kinds[l._tag] as unknown as Kind<Layer>

/**
 * `u` when it is a layer as the constructors build it; otherwise INVALID_ARGUMENT naming it (`at`,
 * e.g. `layer 2.body`): a value that is not a layer, or a hand-made record with a missing or bad
 * field (the kind's own hyperparameter check). Checks one record, not its children. @internal
 */
export const checkBuilt = (op: string, u: unknown, at: string): Layer => {
  const layer = checkLayer(op, u, at)
  const problems = kindOf(layer).check(layer)
  if (problems.length > 0) {
    fail('INVALID_ARGUMENT', op, `${at} is a malformed ${layer._tag} record (${problems.join('; ')}); build layers with the Net constructors, e.g. Net.dense(10), which check their hyperparameters.`)
  }
  return layer
}
