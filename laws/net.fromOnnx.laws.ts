/**
 * The ONNX import law: export → import → apply is Net.apply of the original bit for bit (float32
 * variables, batch norms not folded; the exporter writes float32 weights only, so float64
 * variables cannot come back bit for bit), for every layer kind's examples (laws/kinds.ts,
 * between probe layers of the user's own kind) at the oldest and the newest opset, and for
 * random networks. Without the marker toOnnx writes (a model of another writer), chains of the
 * chain subset (dense, conv2d, pooling, flatten, reshape, batch norm, activations, LSTM and
 * simple RNN, and residuals of them) are still imported, and anything else is refused with
 * INVALID_VALUE naming the first node it cannot map back and its operator type. An edited model
 * is refused, or imported as a network whose export is the edited graph: never a wrong network,
 * never another exception.
 */
import { fc, test } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Net, Rng, Tensor as T } from '../src/index.js'
import { matchGraph } from '../src/net/onnx/import/sameGraph.js'
import { decodeModel } from '../src/onnx/schema.js'
import { type Decoded, editModel, withoutMarker } from '../test/net/onnxModel.util.js'
import * as A from './arb/net.js'
import { imageLayer, scrambled } from './arb/onnx.js'
import * as K from './kinds.js'

const seed = fc.integer({ min: 0, max: 2 ** 30 })

const sameBits = (a: T.Tensor, b: T.Tensor): boolean =>
  a.dtype === b.dtype && a.shape.join() === b.shape.join() && Buffer.from(T.toTypedArray(a).buffer).equals(Buffer.from(T.toTypedArray(b).buffer))

const refusal = /node "[^"]*" \([A-Za-z]+\)|the graph has \d+ (inputs|outputs)|input "input" has ONNX element type|the graph's (input|output)|the constant "[^"]*"/

/**
 * Exported (as toOnnx writes it, or without its marker) and imported: bit for bit, or refused
 * per the law; whether it was imported.
 */
const roundTrip = (net: Net.Layer, vars: Net.Vars, inShape: Net.Shapes, x: Net.Value, opts: { readonly marker?: boolean; readonly opset?: number } = {}): boolean => {
  const exported = Net.toOnnx(net, vars, { inShape, foldBatchNorm: false, ...(opts.opset === undefined ? {} : { opset: opts.opset }) })
  const back = Net.fromOnnx(opts.marker === false ? withoutMarker(exported) : exported, { layers: [K.probe] })
  if (E.isLeft(back)) {
    expect(back.left.code).toBe('INVALID_VALUE')
    expect(back.left.message).toMatch(refusal)
    return false
  }
  expect(back.right.inShape).toEqual(inShape)
  const [got, want] = [Net.apply(back.right.network, back.right, x).y, Net.apply(net, vars, x).y].map(K.tensorsOf)
  expect(got!.length).toBe(want!.length)
  got!.forEach((y, i) => expect(sameBits(y, want![i]!)).toBe(true))
  return true
}

/** Layers the chain reader reads, in any chain after a first convolution (so images are NCHW, as batch norms need to be read back). */
const chainImage: fc.Arbitrary<Net.Layer> = imageLayer.filter((l) => ['Conv2d', 'DepthwiseConv2d', 'MaxPool2d', 'AvgPool2d', 'Activation', 'BatchNorm', 'Dropout'].includes(l._tag))

const chainDense: fc.Arbitrary<Net.Layer> = fc.oneof(
  fc.record({ units: fc.integer({ min: 1, max: 4 }), useBias: fc.boolean() }).map(({ units, useBias }) => Net.dense(units, { useBias })),
  fc.constantFrom(Net.sigmoid, Net.tanh, Net.relu, Net.leakyRelu(0.1), Net.leakyRelu(0.3), Net.elu(1), Net.elu(0.7), Net.softplus, Net.gelu, Net.softmax, Net.logSoftmax, Net.batchNorm(), Net.batchNorm({ eps: 1e-5 }), Net.dropout(0.5)),
)

describe('ONNX import', () => {
  const examples = K.KINDS.flatMap(K.examplesOf)
  for (const opset of [13, 21]) {
    it(`every layer kind's examples, between probes, opset ${opset}: imported bit for bit`, () => {
      for (const [i, ex] of examples.entries()) {
        const ok = roundTrip(ex.net, scrambled(ex.net, ex.inShape, i), ex.inShape, K.inputOf(ex, Rng.key(100 + i), 3, 'float32'), { opset })
        expect(ok, ex.name).toBe(true)
      }
    })
  }

  it("every layer kind's examples without the marker: imported bit for bit, or refused naming the node; the chain subset is always imported", () => {
    const imported: string[] = []
    for (const kind of K.KINDS) {
      for (const ex of kind.examples?.(Net.identity) ?? []) {
        if (Net.isTuple(ex.inShape) || ex.ints !== undefined) continue
        const vars = scrambled(ex.layer, ex.inShape, 3)
        if (roundTrip(ex.layer, vars, ex.inShape, Rng.normal(Rng.key(4), [3, ...ex.inShape]), { marker: false })) imported.push(kind.tag)
      }
    }
    // the chain subset: a kind dropping out of this list is a regression
    for (const tag of ['Dense', 'Conv2d', 'MaxPool2d', 'AvgPool2d', 'GlobalAvgPool', 'GlobalMaxPool', 'Flatten', 'Reshape', 'BatchNorm', 'Activation', 'Dropout', 'Identity', 'Serial', 'Lstm', 'SimpleRnn', 'Residual', 'DepthwiseConv2d'])
      if (K.KINDS.some((k) => k.tag === tag && (k.examples?.(Net.identity) ?? []).some((e) => !Net.isTuple(e.inShape) && e.ints === undefined))) expect(imported, tag).toContain(tag)
  })

  test.prop([A.network({ maxDepth: 2 }), A.width, fc.integer({ min: 1, max: 4 }), fc.boolean(), seed], { numRuns: 60 })(
    'random dense networks: imported bit for bit (without the marker: or refused naming the node)',
    (net, w, batch, marker, s) => {
      const ok = roundTrip(net, scrambled(net, [w], s), [w], Rng.normal(Rng.key(s + 2), [batch, w], { std: 2 }), { marker })
      if (marker) expect(ok).toBe(true)
    },
  )

  test.prop([fc.array(imageLayer, { minLength: 1, maxLength: 5 }), fc.integer({ min: 4, max: 8 }), fc.integer({ min: 4, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.boolean(), seed], { numRuns: 60 })(
    'random convolutional networks (transposed convolutions and upsampling too): imported bit for bit (without the marker: or refused naming the node)',
    (layers, h, w, c, global, marker, s) => {
      const net = Net.serial(...layers, ...(global ? [Net.globalMaxPool] : [Net.flatten, Net.dense(2)]))
      fc.pre(E.isRight(Net.shape(net, [h, w, c])))
      const ok = roundTrip(net, scrambled(net, [h, w, c], s), [h, w, c], Rng.normal(Rng.key(s + 2), [2, h, w, c]), { marker })
      if (marker) expect(ok).toBe(true)
    },
  )

  test.prop([fc.array(fc.tuple(chainDense, fc.nat(3)), { minLength: 1, maxLength: 6 }), A.width, fc.boolean(), seed], { numRuns: 60 })(
    'chains of dense layers, activations, batch norms and residuals of them are imported bit for bit, with or without the marker',
    (ls, w, marker, s) => {
      // a layer alone, or in a residual keeping the width: residual(serial(dense(w), layer)) or residual(layer)
      const layers = ls.map(([l, r]) => (r === 0 ? l : r === 1 ? Net.residual(Net.serial(Net.dense(w), l)) : r === 2 ? Net.residual(l) : Net.residual(Net.residual(l))))
      const net = Net.serial(...layers)
      fc.pre(E.isRight(Net.shape(net, [w])))
      expect(roundTrip(net, scrambled(net, [w], s), [w], Rng.normal(Rng.key(s + 2), [3, w], { std: 2 }), { marker })).toBe(true)
    },
  )

  const recurrentLayer = fc.record({ lstm: fc.boolean(), units: fc.integer({ min: 1, max: 3 }), fn: fc.constantFrom<'tanh' | 'relu' | 'sigmoid'>('tanh', 'relu', 'sigmoid') })
  test.prop([fc.array(recurrentLayer, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), seed], { numRuns: 30 })(
    'stacks of LSTM and simple RNN layers are imported bit for bit, with or without the marker',
    (rs, lastSequences, time, features, marker, s) => {
      const layers = rs.map((r, i) => {
        const returnSequences = i < rs.length - 1 || lastSequences
        return r.lstm ? Net.lstm(r.units, { returnSequences }) : Net.simpleRnn(r.units, { activation: r.fn, returnSequences })
      })
      const net = Net.serial(...layers, ...(lastSequences ? [Net.flatten] : []), Net.dense(2))
      expect(roundTrip(net, scrambled(net, [time, features], s), [time, features], Rng.normal(Rng.key(s + 2), [2, time, features]), { marker })).toBe(true)
    },
  )

  test.prop([fc.array(chainImage, { minLength: 0, maxLength: 4 }), fc.integer({ min: 4, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('flatten', 'avg', 'max'), fc.boolean(), seed], { numRuns: 60 })(
    'chains of convolutions, pooling, activations and batch norms are imported bit for bit, with or without the marker',
    (layers, h, c, end, marker, s) => {
      // a residual convolution first: its input (NHWC) is transposed into its body's layout (NCHW) for the Add
      const net = Net.serial(Net.reshape([h, h, c]), Net.residual(Net.conv2d(c, 3, { padding: 'same' })), Net.conv2d(2, 2, { padding: 'same' }), ...layers, end === 'flatten' ? Net.flatten : end === 'avg' ? Net.globalAvgPool : Net.globalMaxPool, Net.dense(2))
      fc.pre(E.isRight(Net.shape(net, [h * h * c])))
      expect(roundTrip(net, scrambled(net, [h * h * c], s), [h * h * c], Rng.normal(Rng.key(s + 2), [2, h * h * c]), { marker })).toBe(true)
    },
  )

  /** One change to a decoded model, as a hand or a tool might make it. */
  const edit = fc.record({ what: fc.constantFrom('op', 'drop', 'attribute', 'input', 'constant'), at: fc.nat(), by: fc.integer({ min: 1, max: 3 }) })
  const apply = (m: Decoded, e: { what: string; at: number; by: number }): void => {
    const nodes = m.graph.node as Decoded[]
    const n = nodes[e.at % nodes.length]
    if (e.what === 'op') n.opType = n.opType === 'Relu' ? 'Tanh' : 'Relu'
    else if (e.what === 'drop') nodes.splice(e.at % nodes.length, 1)
    else if (e.what === 'attribute') n.attribute = [...(n.attribute ?? []), { name: 'axis', type: 2, i: e.by }]
    else if (e.what === 'input') n.input = [...n.input].reverse()
    else {
      const ints = (m.graph.initializer as Decoded[]).filter((t) => t.dataType === 7)
      const t = ints[e.at % Math.max(ints.length, 1)]
      if (t !== undefined) t.rawData = Uint8Array.from(t.rawData, (b: number, i: number) => (i === 0 ? (b + e.by) % 256 : b))
      else n.opType = 'Sin'
    }
  }
  test.prop([fc.nat(), edit], { numRuns: 60 })('an edited model is refused naming the node, or imported as a network whose export is the edited graph', (i, e) => {
    const ex = examples[i % examples.length]!
    const vars = scrambled(ex.net, ex.inShape, i)
    const edited = editModel(Net.toOnnx(ex.net, vars, { inShape: ex.inShape, foldBatchNorm: false }), (m) => apply(m, e))
    const back = Net.fromOnnx(edited, { layers: [K.probe] })
    if (E.isLeft(back)) {
      expect(back.left.code).toBe('INVALID_VALUE')
      expect(back.left.message).toMatch(refusal)
      return
    }
    const again = decodeModel(Net.toOnnx(back.right.network, back.right, { inShape: back.right.inShape, foldBatchNorm: false })) as Decoded
    expect(matchGraph((decodeModel(edited) as Decoded).graph, again.graph, true)).not.toHaveProperty('difference')
  })
})
