/**
 * The behaviour of every kind of layer, keyed by tag; the type makes the compiler refuse a
 * layer kind without it. @internal
 */
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
