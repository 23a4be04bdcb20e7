/**
 * The built-in layer kinds, one file each. This module is what the rest of the library knows of
 * them: its named exports are the kinds' public API (the `Net` namespace re-exports them all, so
 * the names are written out here, and the compiler checks each one), and its default export is
 * the list of kinds, which everything keyed by tag is read off (`registry.ts`): the `Layer`
 * union, the interpreters' dispatch, validation, the ONNX lowerings, and the laws, which check
 * every kind on its examples. Adding a kind is its file, its lines here, and any tests of its
 * own. The `satisfies` clause makes the compiler refuse a built-in kind without an ONNX lowering
 * or without examples.
 * @internal
 */
import type { KindExample, Lowering } from '../Kind.js'
import type { Layer } from '../Layer.js'
import { activationKind } from './activation.js'
import { batchNormKind } from './batchNorm.js'
import { conv1dKind } from './conv1d.js'
import { conv2dKind } from './conv2d.js'
import { conv2dTransposeKind } from './conv2dTranspose.js'
import { depthwiseConv2dKind } from './depthwiseConv2d.js'
import { denseKind } from './dense.js'
import { dropoutKind } from './dropout.js'
import { embeddingKind } from './embedding.js'
import { fanInConcatKind } from './fanInConcat.js'
import { fanInSumKind } from './fanInSum.js'
import { fanOutKind } from './fanOut.js'
import { flattenKind } from './flatten.js'
import { globalAvgPoolKind, globalMaxPoolKind } from './globalPool.js'
import { groupNormKind } from './groupNorm.js'
import { identityKind } from './identity.js'
import { layerNormKind } from './layerNorm.js'
import { lstmKind } from './lstm.js'
import { gruKind } from './gru.js'
import { bidirectionalKind } from './bidirectional.js'
import { maxoutKind } from './maxout.js'
import { multiHeadAttentionKind } from './multiHeadAttention.js'
import { parallelKind } from './parallel.js'
import { avgPool2dKind, maxPool2dKind } from './pool2d.js'
import { positionalEmbeddingKind } from './positionalEmbedding.js'
import { repeatKind } from './repeat.js'
import { reshapeKind } from './reshape.js'
import { residualKind } from './residual.js'
import { serialKind } from './serial.js'
import { simpleRnnKind } from './simpleRnn.js'
import { sinusoidalEncodingKind } from './sinusoidalEncoding.js'
import { upsampling2dKind } from './upsampling2d.js'

export { type Dense, type DenseOptions, dense } from './dense.js'
export { type Conv2d, type Conv2dLayerOptions, conv2d } from './conv2d.js'
export { type Pool2d, type PoolLayerOptions, avgPool2d, maxPool2d } from './pool2d.js'
export { type Flatten, flatten } from './flatten.js'
export { type Reshape, reshape } from './reshape.js'
export { type Dropout, dropout } from './dropout.js'
export { type BatchNorm, type BatchNormOptions, batchNorm } from './batchNorm.js'
export { type LayerNorm, type LayerNormOptions, layerNorm } from './layerNorm.js'
export { type GroupNorm, type GroupNormOptions, groupNorm } from './groupNorm.js'
export { type Embedding, embedding } from './embedding.js'
export { type RecurrentOptions } from './recurrent.js'
export { type SimpleRnn, simpleRnn } from './simpleRnn.js'
export { type Lstm, lstm } from './lstm.js'
export { type Gru, gru } from './gru.js'
export { type Bidirectional, type BidirectionalOptions, type Merge, bidirectional } from './bidirectional.js'
export { type Activation, activation, elu, gelu, leakyRelu, logSoftmax, relu, sigmoid, softmax, softplus, tanh } from './activation.js'
export { type Maxout, maxout } from './maxout.js'
export { type Identity, identity } from './identity.js'
export { type Serial, serial } from './serial.js'
export { type Parallel, parallel } from './parallel.js'
export { type FanOut, fanOut } from './fanOut.js'
export { type FanInSum, fanInSum } from './fanInSum.js'
export { type FanInConcat, fanInConcat } from './fanInConcat.js'
export { type Residual, residual } from './residual.js'
export { type Repeat, repeat } from './repeat.js'
export { type Conv1d, type Conv1dLayerOptions, type Padding1d, conv1d } from './conv1d.js'
export { type Conv2dTranspose, type Conv2dTransposeLayerOptions, conv2dTranspose } from './conv2dTranspose.js'
export { type DepthwiseConv2d, type DepthwiseConv2dLayerOptions, depthwiseConv2d } from './depthwiseConv2d.js'
export { type Interpolation, type Upsampling2d, type Upsampling2dOptions, upsampling2d } from './upsampling2d.js'
export { type GlobalPool, globalAvgPool, globalMaxPool } from './globalPool.js'
export { type MultiHeadAttention, type MultiHeadAttentionOptions, multiHeadAttention } from './multiHeadAttention.js'
export { type PositionalEmbedding, positionalEmbedding } from './positionalEmbedding.js'
export { type SinusoidalEncoding, sinusoidalEncoding } from './sinusoidalEncoding.js'

export default [
  denseKind,
  conv2dKind,
  maxPool2dKind,
  avgPool2dKind,
  conv1dKind,
  conv2dTransposeKind,
  depthwiseConv2dKind,
  upsampling2dKind,
  globalAvgPoolKind,
  globalMaxPoolKind,
  flattenKind,
  reshapeKind,
  dropoutKind,
  batchNormKind,
  layerNormKind,
  groupNormKind,
  embeddingKind,
  simpleRnnKind,
  lstmKind,
  gruKind,
  bidirectionalKind,
  multiHeadAttentionKind,
  positionalEmbeddingKind,
  sinusoidalEncodingKind,
  activationKind,
  maxoutKind,
  identityKind,
  serialKind,
  parallelKind,
  fanOutKind,
  fanInSumKind,
  fanInConcatKind,
  residualKind,
  repeatKind,
] as const satisfies ReadonlyArray<{ readonly tag: string; readonly lower: Lowering<never>; readonly examples: (p: Layer) => readonly [KindExample, ...KindExample[]] }>
