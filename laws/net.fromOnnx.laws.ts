/**
 * The ONNX import law, over the networks of the export laws (laws/net.onnx.laws.ts): export →
 * import → apply is Net.apply of the original bit for bit (float32 variables, batch norms not
 * folded), or the import is refused with INVALID_VALUE naming the first node it cannot map back
 * and its operator type; never a wrong network, never another exception. Chains of the subset
 * (dense, conv2d, pooling, flatten, reshape, batch norm, activations, LSTM and simple RNN, and
 * residuals of them) are always imported.
 */
import { fc, test } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Net, Rng, Tensor as T } from '../src/index.js'
import * as A from './arb/net.js'
import { imageLayer, scrambled } from './arb/onnx.js'
import * as K from './kinds.js'

const seed = fc.integer({ min: 0, max: 2 ** 30 })

const sameBits = (a: T.Tensor, b: T.Tensor): boolean =>
  a.dtype === b.dtype && a.shape.join() === b.shape.join() && Buffer.from(T.toTypedArray(a).buffer).equals(Buffer.from(T.toTypedArray(b).buffer))

/** Imported or refused, per the law; whether it was imported. */
const roundTrip = (net: Net.Layer, vars: Net.Vars, inShape: Net.Shapes, x: T.Tensor): boolean => {
  const bytes = Net.toOnnx(net, vars, { inShape, foldBatchNorm: false })
  const back = Net.fromOnnx(bytes)
  if (E.isLeft(back)) {
    expect(back.left.code).toBe('INVALID_VALUE')
    // names the node and its operator type, or the graph-level reason
    expect(back.left.message).toMatch(/node "[^"]*" \([A-Za-z]+\)|the graph has \d+ (inputs|outputs)|input "input" has ONNX element type/)
    return false
  }
  expect(back.right.inShape).toEqual(inShape)
  const y = Net.predict(back.right.network, back.right, x)
  const want = Net.predict(net, vars, x)
  expect(sameBits(y as T.Tensor, want as T.Tensor)).toBe(true)
  return true
}

/** Layers the importer reads, in any chain after a first convolution (so images are NCHW, as batch norms need to be read back). */
const supportedImage: fc.Arbitrary<Net.Layer> = imageLayer.filter((l) => ['Conv2d', 'DepthwiseConv2d', 'MaxPool2d', 'AvgPool2d', 'Activation', 'BatchNorm', 'Dropout'].includes(l._tag))

const supportedDense: fc.Arbitrary<Net.Layer> = fc.oneof(
  fc.record({ units: fc.integer({ min: 1, max: 4 }), useBias: fc.boolean() }).map(({ units, useBias }) => Net.dense(units, { useBias })),
  fc.constantFrom(Net.sigmoid, Net.tanh, Net.relu, Net.leakyRelu(0.1), Net.leakyRelu(0.3), Net.elu(1), Net.elu(0.7), Net.softplus, Net.gelu, Net.softmax, Net.logSoftmax, Net.batchNorm(), Net.batchNorm({ eps: 1e-5 }), Net.dropout(0.5)),
)

describe('ONNX import', () => {
  it("every layer kind's examples, alone: imported bit for bit, or refused naming the node", () => {
    const imported: string[] = []
    for (const kind of K.KINDS) {
      for (const ex of kind.examples?.(Net.identity) ?? []) {
        if (Net.isTuple(ex.inShape) || ex.ints !== undefined) continue
        const vars = scrambled(ex.layer, ex.inShape, 3)
        if (roundTrip(ex.layer, vars, ex.inShape, Rng.normal(Rng.key(4), [3, ...ex.inShape]))) imported.push(kind.tag)
      }
    }
    // the subset: a kind dropping out of this list is a regression
    for (const tag of ['Dense', 'Conv2d', 'MaxPool2d', 'AvgPool2d', 'GlobalAvgPool', 'GlobalMaxPool', 'Flatten', 'Reshape', 'BatchNorm', 'Activation', 'Dropout', 'Identity', 'Serial', 'Lstm', 'SimpleRnn', 'Residual', 'DepthwiseConv2d'])
      if (K.KINDS.some((k) => k.tag === tag && (k.examples?.(Net.identity) ?? []).some((e) => !Net.isTuple(e.inShape) && e.ints === undefined))) expect(imported, tag).toContain(tag)
  })

  test.prop([A.network({ maxDepth: 2 }), A.width, fc.integer({ min: 1, max: 4 }), seed], { numRuns: 60 })('random dense networks: imported bit for bit, or refused naming the node', (net, w, batch, s) => {
    roundTrip(net, scrambled(net, [w], s), [w], Rng.normal(Rng.key(s + 2), [batch, w], { std: 2 }))
  })

  test.prop([fc.array(imageLayer, { minLength: 1, maxLength: 5 }), fc.integer({ min: 4, max: 8 }), fc.integer({ min: 4, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), seed], { numRuns: 60 })(
    'random convolutional networks: imported bit for bit, or refused naming the node',
    (layers, h, w, c, global, s) => {
      const net = Net.serial(...layers, ...(global ? [Net.globalMaxPool] : [Net.flatten, Net.dense(2)]))
      fc.pre(E.isRight(Net.shape(net, [h, w, c])))
      roundTrip(net, scrambled(net, [h, w, c], s), [h, w, c], Rng.normal(Rng.key(s + 2), [2, h, w, c]))
    },
  )

  test.prop([fc.array(fc.tuple(supportedDense, fc.nat(3)), { minLength: 1, maxLength: 6 }), A.width, seed], { numRuns: 60 })('chains of dense layers, activations, batch norms and residuals of them are imported bit for bit', (ls, w, s) => {
    // a layer alone, or in a residual keeping the width: residual(serial(dense(w), layer)) or residual(layer)
    const layers = ls.map(([l, r]) => (r === 0 ? l : r === 1 ? Net.residual(Net.serial(Net.dense(w), l)) : r === 2 ? Net.residual(l) : Net.residual(Net.residual(l))))
    const net = Net.serial(...layers)
    fc.pre(E.isRight(Net.shape(net, [w])))
    expect(roundTrip(net, scrambled(net, [w], s), [w], Rng.normal(Rng.key(s + 2), [3, w], { std: 2 }))).toBe(true)
  })

  const recurrentLayer = fc.record({ lstm: fc.boolean(), units: fc.integer({ min: 1, max: 3 }), fn: fc.constantFrom<'tanh' | 'relu' | 'sigmoid'>('tanh', 'relu', 'sigmoid') })
  test.prop([fc.array(recurrentLayer, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), seed], { numRuns: 30 })(
    'stacks of LSTM and simple RNN layers are imported bit for bit',
    (rs, lastSequences, time, features, s) => {
      const layers = rs.map((r, i) => {
        const returnSequences = i < rs.length - 1 || lastSequences
        return r.lstm ? Net.lstm(r.units, { returnSequences }) : Net.simpleRnn(r.units, { activation: r.fn, returnSequences })
      })
      const net = Net.serial(...layers, ...(lastSequences ? [Net.flatten] : []), Net.dense(2))
      expect(roundTrip(net, scrambled(net, [time, features], s), [time, features], Rng.normal(Rng.key(s + 2), [2, time, features]))).toBe(true)
    },
  )

  test.prop([fc.array(supportedImage, { minLength: 0, maxLength: 4 }), fc.integer({ min: 4, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('flatten', 'avg', 'max'), seed], { numRuns: 60 })(
    'chains of convolutions, pooling, activations and batch norms are imported bit for bit',
    (layers, h, c, end, s) => {
      // a residual convolution first: its input (NHWC) is transposed into its body's layout (NCHW) for the Add
      const net = Net.serial(Net.reshape([h, h, c]), Net.residual(Net.conv2d(c, 3, { padding: 'same' })), Net.conv2d(2, 2, { padding: 'same' }), ...layers, end === 'flatten' ? Net.flatten : end === 'avg' ? Net.globalAvgPool : Net.globalMaxPool, Net.dense(2))
      fc.pre(E.isRight(Net.shape(net, [h * h * c])))
      expect(roundTrip(net, scrambled(net, [h * h * c], s), [h * h * c], Rng.normal(Rng.key(s + 2), [2, h * h * c]))).toBe(true)
    },
  )
})
