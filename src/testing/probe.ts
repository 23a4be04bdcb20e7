/**
 * The probe: a learnable elementwise scale x ↦ x · s that keeps the shape. A layer placed
 * between probes has gradients flowing into it and out of it, so a gradient check over the
 * parameters covers the layer's own parameters and its gradient with respect to its input.
 */
import * as Net from '../net/index.js'
import * as Rng from '../rng/index.js'
import * as T from '../tensor/index.js'

/**
 * x ↦ x · s with a learnable s of the input's per-example shape, in [0.5, 1.5) at init; a
 * user's layer (`Net.defineLayer`), with examples of its own. Pass it to `Net.decode`'s
 * `layers` to read back a network that holds one.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * import { probe } from 'puregrad/testing'
 * const vars = Net.init(probe(), { key: Rng.key(0), inShape: [2] })
 * assert.deepEqual((Net.apply(probe(), vars, T.zeros([4, 2])).y as T.Tensor).shape, [4, 2])
 * ```
 * @category laws
 */
export const probe: Net.LayerConstructor<Record<never, never>> = Net.defineLayer({
  name: 'ProbeScale',
  fields: {},
  shape: (_, inShape) => inShape,
  init: (_, inShape) => ({ s: { shape: inShape, init: (key, shape, dtype) => Rng.uniform(key, shape, { min: 0.5, max: 1.5, dtype }) } }),
  apply: (_, p, x) => T.mul(x, p['s']!),
  onnx: (_, x, b) => b.node('Mul', [x, b.param('s')]),
  examples: () => [
    { layer: probe(), inShape: [3] },
    { layer: probe(), inShape: [2, 2] },
  ],
})

/**
 * Probes around a value of these shapes: one per tensor.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { around } from 'puregrad/testing'
 * assert.equal(around({ tuple: [[2], [3]] })._tag, 'Parallel')
 * ```
 * @category laws
 */
export const around = (s: Net.Shapes): Net.Layer => (Net.isTuple(s) ? Net.parallel(...s.tuple.map(around)) : probe())

/**
 * The tensors of a network's value, in order.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * import { tensorsOf } from 'puregrad/testing'
 * assert.equal(tensorsOf([T.zeros([1]), [T.zeros([2])]]).length, 2)
 * ```
 * @category laws
 */
export const tensorsOf = (v: Net.Value): T.Tensor[] => (T.isTensor(v) ? [v] : v.flatMap(tensorsOf))
