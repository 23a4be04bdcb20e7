/**
 * Networks as pure data, and the interpreters over them.
 *
 * ```ts
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const net = Net.serial(Net.dense(128, { init: 'heNormal' }), Net.relu, Net.dropout(0.8), Net.dense(10))
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [784] })
 * const { y } = Net.apply(net, vars, x, { train: true, key })
 * console.log(Net.summary(net, [784]))
 * ```
 *
 * A network is an immutable tagged-union value (JSON-serialisable, frozen); `init`, `apply`,
 * `shape`, `summary`, `encode`/`decode` interpret it, `edit` makes changed copies, and `toOnnx`
 * exports it for other runtimes.
 *
 * @category namespaces
 * @since 0.1.0
 * @module
 */
export * from './Layer.js'
export type { Dense } from './kinds/dense.js'
export type { Conv2d } from './kinds/conv2d.js'
export type { Pool2d } from './kinds/pool2d.js'
export type { Conv1d, Padding1d } from './kinds/conv1d.js'
export type { Conv2dTranspose } from './kinds/conv2dTranspose.js'
export type { DepthwiseConv2d } from './kinds/depthwiseConv2d.js'
export type { Interpolation, Upsampling2d } from './kinds/upsampling2d.js'
export type { GlobalPool } from './kinds/globalPool.js'
export type { Flatten } from './kinds/flatten.js'
export type { Reshape } from './kinds/reshape.js'
export type { Dropout } from './kinds/dropout.js'
export type { BatchNorm } from './kinds/batchNorm.js'
export type { LayerNorm } from './kinds/layerNorm.js'
export type { GroupNorm } from './kinds/groupNorm.js'
export type { Embedding } from './kinds/embedding.js'
export type { SimpleRnn } from './kinds/simpleRnn.js'
export type { Lstm } from './kinds/lstm.js'
export type { MultiHeadAttention } from './kinds/multiHeadAttention.js'
export type { PositionalEmbedding } from './kinds/positionalEmbedding.js'
export type { SinusoidalEncoding } from './kinds/sinusoidalEncoding.js'
export type { Activation } from './kinds/activation.js'
export type { Maxout } from './kinds/maxout.js'
export type { Identity } from './kinds/identity.js'
export type { Serial } from './kinds/serial.js'
export type { Parallel } from './kinds/parallel.js'
export type { FanOut } from './kinds/fanOut.js'
export type { FanInSum } from './kinds/fanInSum.js'
export type { FanInConcat } from './kinds/fanInConcat.js'
export type { Residual } from './kinds/residual.js'
export type { Repeat } from './kinds/repeat.js'
export type { Vars, Mode } from './Kind.js'
export { type DenseOptions, dense } from './kinds/dense.js'
export { activation, elu, gelu, leakyRelu, logSoftmax, relu, sigmoid, softmax, softplus, tanh } from './kinds/activation.js'
export { maxout } from './kinds/maxout.js'
export { identity } from './kinds/identity.js'
export { flatten } from './kinds/flatten.js'
export { reshape } from './kinds/reshape.js'
export { type Conv2dLayerOptions, conv2d } from './kinds/conv2d.js'
export { type PoolLayerOptions, avgPool2d, maxPool2d } from './kinds/pool2d.js'
export { type Conv1dLayerOptions, conv1d } from './kinds/conv1d.js'
export { type Conv2dTransposeLayerOptions, conv2dTranspose } from './kinds/conv2dTranspose.js'
export { type DepthwiseConv2dLayerOptions, depthwiseConv2d } from './kinds/depthwiseConv2d.js'
export { type Upsampling2dOptions, upsampling2d } from './kinds/upsampling2d.js'
export { globalAvgPool, globalMaxPool } from './kinds/globalPool.js'
export { dropout } from './kinds/dropout.js'
export { type BatchNormOptions, batchNorm } from './kinds/batchNorm.js'
export { type LayerNormOptions, layerNorm } from './kinds/layerNorm.js'
export { type GroupNormOptions, groupNorm } from './kinds/groupNorm.js'
export { embedding } from './kinds/embedding.js'
export { type RecurrentOptions } from './kinds/recurrent.js'
export { simpleRnn } from './kinds/simpleRnn.js'
export { lstm } from './kinds/lstm.js'
export { type MultiHeadAttentionOptions, multiHeadAttention } from './kinds/multiHeadAttention.js'
export { positionalEmbedding } from './kinds/positionalEmbedding.js'
export { sinusoidalEncoding } from './kinds/sinusoidalEncoding.js'
export { type TransformerBlockOptions, transformerBlock } from './transformer.js'
export { serial } from './kinds/serial.js'
export { parallel } from './kinds/parallel.js'
export { fanOut } from './kinds/fanOut.js'
export { fanInSum } from './kinds/fanInSum.js'
export { fanInConcat } from './kinds/fanInConcat.js'
export { residual } from './kinds/residual.js'
export { repeat } from './kinds/repeat.js'
export { type ApplyOptions, type InitOptions, type InitStructure, type InitStructureOptions, type Initialized, type ShapeOptions, apply, forward, init, initStructure, predict, shape } from './interpret.js'
export { type Budget, MAX_DEPTH, defaultBudget } from '../core/limits.js'
export { initialize, initializers, varianceOf } from './initializers.js'
export { type SummaryOptions, summary } from './summary.js'
export { usesRandomness } from './random.js'
export { type DecodeOptions, type Model, decode, encode } from './codec.js'
export { edit } from './edit.js'
export { type FieldSpec, type LayerConstructor, type LayerDefinition, type LayerMode, type OnnxAttribute, type OnnxBuilder, type ParamSpec, type UserLayerOf, defineLayer } from './define.js'
export { type OnnxOptions, toOnnx } from './onnx/toOnnx.js'
