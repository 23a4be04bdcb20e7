/**
 * The ONNX export law: for any network, the exported model run in onnxruntime-web computes what
 * Net.apply computes in evaluation mode, to float32 precision (see test/net/onnx.util.ts for
 * the tolerance). Each run creates one ORT session (~350 ms), so the runs are few.
 */
import { fc, test } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, it } from 'vitest'
import { Net, Rng, Tensor as T, Tree } from '../src/index.js'
import { agree } from '../test/net/onnx.util.js'
import * as A from './arb/net.js'
import * as K from './kinds.js'

const seed = fc.integer({ min: 0, max: 2 ** 30 })

/** Variables away from their initial values: sizeable weights, and batch-norm statistics that are not 0 and 1. */
const scrambled = (net: Net.Layer, inShape: Net.Shapes, s: number): Net.Vars => {
  const vars = Net.init(net, { key: Rng.key(s), inShape })
  let i = 0
  const draw = (t: T.Tensor, path: string): T.Tensor => {
    const key = Rng.foldIn(Rng.key(s + 1), i++)
    return path.endsWith('variance') ? Rng.uniform(key, t.shape, { min: 0.3, max: 2 }) : Rng.normal(key, t.shape, { std: 0.7 })
  }
  return { params: Tree.map(vars.params, draw), state: Tree.map(vars.state, draw) }
}

/** Convolution, pooling and activation layers with random geometry. */
const imageLayer: fc.Arbitrary<Net.Layer> = fc.oneof(
  fc
    .record({
      filters: fc.integer({ min: 1, max: 3 }),
      kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      dilations: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      padding: fc.oneof(fc.constantFrom<Net.Conv2d['padding']>('valid', 'same'), fc.integer({ min: 0, max: 2 }), fc.tuple(fc.tuple(fc.nat(2), fc.nat(2)), fc.tuple(fc.nat(2), fc.nat(2)))),
      useBias: fc.boolean(),
    })
    .map(({ filters, kernel, ...opts }) => Net.conv2d(filters, kernel, opts)),
  fc
    .record({ max: fc.boolean(), size: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), strides: fc.integer({ min: 1, max: 2 }), same: fc.boolean() })
    .map((o) => (o.max ? Net.maxPool2d : Net.avgPool2d)(o.size, { strides: o.strides, padding: o.same ? 'same' : 'valid' })),
  fc
    .record({
      filters: fc.integer({ min: 1, max: 3 }),
      kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      dilations: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
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

describe('ONNX export', () => {
  // every kind's examples side by side in one network (one ORT session per opset): a kind's
  // lowering is checked as soon as it has examples, at the oldest and the newest opset
  const examples = K.KINDS.flatMap(K.examplesOf)
  const all = Net.parallel(...examples.map((ex) => ex.net))
  const inShape = { tuple: examples.map((ex) => ex.inShape) }
  for (const opset of [13, 21]) {
    it(`every layer kind's examples agree with Net.apply in onnxruntime, opset ${opset}`, async () => {
      const x = examples.map((ex, i) => K.inputOf(ex, Rng.key(100 + i), 3, 'float32'))
      try {
        await agree(`every kind, opset ${opset}`, all, scrambled(all, inShape, opset), inShape, x, { opset })
      } catch (e) {
        // name the example: outputs are output.<i>…, in the order of `examples`
        const i = /output\.(\d+)/.exec(String(e))
        throw i === null ? e : new Error(`${examples[Number(i[1])]!.name}: ${String(e)}`)
      }
    })
  }

  test.prop([A.network({ maxDepth: 2 }), A.width, fc.integer({ min: 1, max: 4 }), seed], { numRuns: 5 })('random dense networks agree with Net.apply in onnxruntime', async (net, w, batch, s) => {
    await agree('random dense network', net, scrambled(net, [w], s), [w], Rng.normal(Rng.key(s + 2), [batch, w], { std: 2 }))
  })

  test.prop([fc.array(imageLayer, { minLength: 1, maxLength: 5 }), fc.integer({ min: 4, max: 8 }), fc.integer({ min: 4, max: 8 }), fc.integer({ min: 1, max: 3 }), seed], { numRuns: 5 })(
    'random convolutional networks agree with Net.apply in onnxruntime',
    async (layers, h, w, c, s) => {
      const net = Net.serial(...layers, Net.flatten, Net.dense(2))
      fc.pre(E.isRight(Net.shape(net, [h, w, c])))
      await agree('random conv network', net, scrambled(net, [h, w, c], s), [h, w, c], Rng.normal(Rng.key(s + 2), [2, h, w, c]))
    },
  )

  test.prop([fc.array(imageLayer, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.integer({ min: 3, max: 6 }), fc.integer({ min: 1, max: 3 }), seed], { numRuns: 3 })(
    'random convolutional networks ending in global pooling agree with Net.apply in onnxruntime',
    async (layers, max, h, c, s) => {
      const net = Net.serial(...layers, max ? Net.globalMaxPool : Net.globalAvgPool)
      fc.pre(E.isRight(Net.shape(net, [h, h, c])))
      await agree('random conv network, global pooling', net, scrambled(net, [h, h, c], s), [h, h, c], Rng.normal(Rng.key(s + 2), [2, h, h, c]))
    },
  )
})
