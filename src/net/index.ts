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
export * from './kinds/index.js'
export type { Vars, Mode } from './Kind.js'
export { type TransformerBlockOptions, transformerBlock } from './transformer.js'
export { type ApplyOptions, type InitOptions, type InitStructure, type InitStructureOptions, type Initialized, type ShapeOptions, apply, forward, init, initStructure, predict, shape } from './interpret.js'
export { type Budget, MAX_DEPTH, defaultBudget } from '../core/limits.js'
export { initialize, initializers, varianceOf } from './initializers.js'
export { type SummaryOptions, summary } from './summary.js'
export { usesRandomness } from './random.js'
export { type DecodeOptions, type Model, type SplitModel, decode, decodeSplit, encode, encodeSplit } from './codec.js'
export { edit } from './edit.js'
export { type FieldSpec, type LayerConstructor, type LayerDefinition, type LayerMode, type OnnxAttribute, type OnnxBuilder, type ParamSpec, type UserLayerOf, defineLayer } from './define.js'
export { type OnnxOptions, toOnnx } from './onnx/toOnnx.js'
export { type FromOnnxOptions, type Imported, fromOnnx } from './onnx/fromOnnx.js'
