/**
 * Parameter trees: nested readonly records and arrays whose leaves are tensors, the structure
 * shared by networks' parameters, gradients and optimizer states (JAX's pytrees).
 *
 * ```ts
 * import { Tensor as T, Tree } from 'puregrad'
 * const params = { layers: [{ W: T.zeros([784, 128]), b: T.zeros([128]) }, {}] }
 * Tree.paths(params)                         // ['layers.0.W', 'layers.0.b']
 * const zeros = Tree.map(params, T.zerosLike)
 * const { theta, unflatten } = Tree.flatten(params)
 * ```
 *
 * Traversal order is fixed: record keys sorted, arrays by index, depth first.
 *
 * @category namespaces
 * @since 0.1.0
 * @module
 */
export * from './Tree.js'
export { MAX_DEPTH } from '../core/limits.js'
export { type LeafStructure, type Structure, type StructureOf, checkSameStructure, structure } from './structure.js'
export { type Flattened, type Segment, flatten, unflattenLike } from './flatten.js'
export {
  type FromSafetensorsOptions,
  MAX_HEADER_BYTES,
  type ReadSafetensorsOptions,
  type Safetensors,
  type SafetensorsEntry,
  type ToSafetensorsOptions,
  fromSafetensors,
  readSafetensors,
  toSafetensors,
} from './safetensors.js'
