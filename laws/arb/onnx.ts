/**
 * What the ONNX laws share: variables away from their initial values, and random image layers
 * (convolution, pooling, activations) with random geometry.
 */
import { fc } from '@fast-check/vitest'
import { Net, Rng, Tensor as T, Tree } from '../../src/index.js'

/** Variables away from their initial values: sizeable weights, and batch-norm statistics that are not 0 and 1. */
export const scrambled = (net: Net.Layer, inShape: Net.Shapes, s: number): Net.Vars => {
  const vars = Net.init(net, { key: Rng.key(s), inShape })
  let i = 0
  const draw = (t: T.Tensor, path: string): T.Tensor => {
    const key = Rng.foldIn(Rng.key(s + 1), i++)
    return path.endsWith('variance') ? Rng.uniform(key, t.shape, { min: 0.3, max: 2 }) : Rng.normal(key, t.shape, { std: 0.7 })
  }
  return { params: Tree.map(vars.params, draw), state: Tree.map(vars.state, draw) }
}

/** Filters, kernel, strides and dilations of a small convolution (plain or transposed). */
const convGeometry = {
  filters: fc.integer({ min: 1, max: 3 }),
  kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  dilations: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
}

/** Convolution, pooling and activation layers with random geometry. */
export const imageLayer: fc.Arbitrary<Net.Layer> = fc.oneof(
  fc
    .record({
      ...convGeometry,
      padding: fc.oneof(fc.constantFrom<Net.Conv2d['padding']>('valid', 'same'), fc.integer({ min: 0, max: 2 }), fc.tuple(fc.tuple(fc.nat(2), fc.nat(2)), fc.tuple(fc.nat(2), fc.nat(2)))),
      useBias: fc.boolean(),
    })
    .map(({ filters, kernel, ...opts }) => Net.conv2d(filters, kernel, opts)),
  fc
    .record({ max: fc.boolean(), size: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), strides: fc.integer({ min: 1, max: 2 }), same: fc.boolean() })
    .map((o) => (o.max ? Net.maxPool2d : Net.avgPool2d)(o.size, { strides: o.strides, padding: o.same ? 'same' : 'valid' })),
  fc
    .record({
      ...convGeometry,
      padding: fc.oneof(fc.constantFrom<Net.Conv2d['padding']>('valid', 'same'), fc.integer({ min: 0, max: 1 }), fc.tuple(fc.tuple(fc.nat(1), fc.nat(1)), fc.tuple(fc.nat(1), fc.nat(1)))),
      extra: fc.tuple(fc.nat(1), fc.nat(1)),
    })
    // output padding smaller than the stride, and none with 'same'
    .map(({ filters, kernel, extra, ...o }) => Net.conv2dTranspose(filters, kernel, { ...o, outputPadding: o.padding === 'same' ? 0 : [extra[0] % o.strides[0], extra[1] % o.strides[1]] })),
  fc
    .record({
      kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      depthMultiplier: fc.integer({ min: 1, max: 2 }),
      strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      padding: fc.constantFrom<Net.Conv2d['padding']>('valid', 'same', 1),
    })
    .map(({ kernel, ...o }) => Net.depthwiseConv2d(kernel, o)),
  fc
    .record({ size: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })), interpolation: fc.constantFrom<Net.Interpolation>('nearest', 'bilinear') })
    .map(({ size, interpolation }) => Net.upsampling2d(size, { interpolation })),
  fc.constantFrom(Net.relu, Net.tanh, Net.elu(0.5), Net.softmax, Net.batchNorm(), Net.dropout(0.5)),
)
