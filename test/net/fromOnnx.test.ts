/**
 * Net.fromOnnx on what the exporter writes: the MNIST CNN back bit for bit, a folded batch norm
 * back inside its dense layer, refusals naming the first node outside the subset, and bytes
 * that are not an ONNX protobuf refused with a code (never another exception).
 */
import { fc, test } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Net, PuregradError, Rng, Tensor as T } from '../../src/index.js'
import { models } from '../../src/node/models.js'
import { probe } from '../../src/testing/index.js'
import { matchGraph } from '../../src/net/onnx/import/sameGraph.js'
import { decodeModel } from '../../src/onnx/schema.js'
import { type Decoded, editModel, withoutMarker } from './onnxModel.util.js'

const bitsEqual = (a: T.Tensor, b: T.Tensor): boolean => Buffer.from(T.toTypedArray(a).buffer).equals(Buffer.from(T.toTypedArray(b).buffer))

describe('Net.fromOnnx', () => {
  it('reads the MNIST CNN back: same network without dropout, same outputs bit for bit', () => {
    const cnn = models.cnn()
    const vars = Net.init(cnn, { key: Rng.key(0), inShape: [784] })
    const back = Net.fromOnnx(Net.toOnnx(cnn, vars, { inShape: [784] }))
    expect(E.isRight(back)).toBe(true)
    if (E.isLeft(back)) return
    expect(back.right.inShape).toEqual([784])
    expect(Net.summary(back.right.network, [784])).toContain('Total parameters: 105,866')
    expect(JSON.stringify(back.right.network)).not.toContain('Dropout')
    const x = Rng.uniform(Rng.key(1), [5, 784])
    expect(bitsEqual(Net.predict(back.right.network, back.right, x) as T.Tensor, Net.predict(cnn, vars, x) as T.Tensor)).toBe(true)
  })

  it('reads a folded batch norm back inside the dense layer it was folded into', () => {
    const net = Net.serial(Net.dense(3), Net.batchNorm(), Net.relu)
    const vars = Net.init(net, { key: Rng.key(2), inShape: [4] })
    const back = Net.fromOnnx(Net.toOnnx(net, vars, { inShape: [4] }))
    expect(E.isRight(back) && (back.right.network as Net.Serial).layers.map((l) => l._tag)).toEqual(['Dense', 'Activation'])
    if (E.isLeft(back)) return
    const x = Rng.normal(Rng.key(3), [2, 4])
    const got = T.toArray(Net.predict(back.right.network, back.right, x) as T.Tensor)
    T.toArray(Net.predict(net, vars, x) as T.Tensor).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5))
  })

  it('reads networks beyond the chain subset through the marker toOnnx writes: a character transformer, bit for bit', () => {
    // token indices (int32) → embedding, positions, causal transformer blocks with dropout, layer norm, logits
    const net = Net.serial(
      Net.embedding(11, 8),
      Net.positionalEmbedding(6),
      Net.transformerBlock(8, 2, { causal: true, keep: 0.9 }),
      Net.transformerBlock(8, 2, { causal: true, keep: 0.9 }),
      Net.layerNorm(),
      Net.dense(11),
    )
    const vars = Net.init(net, { key: Rng.key(5), inShape: [6] })
    const bytes = Net.toOnnx(net, vars, { inShape: [6], foldBatchNorm: false })
    const back = Net.fromOnnx(bytes)
    expect(E.isRight(back)).toBe(true)
    if (E.isLeft(back)) return
    expect(JSON.stringify(back.right.network)).not.toContain('Dropout')
    const x = T.tensor([[0, 3, 10, 2, 2, 7], [1, 1, 5, 9, 4, 0]], 'int32')
    expect(bitsEqual(Net.predict(back.right.network, back.right, x), Net.predict(net, vars, x))).toBe(true)
    // and its export is the same graph again, numbers included
    const again = Net.toOnnx(back.right.network, back.right, { inShape: [6], foldBatchNorm: false })
    expect(matchGraph((decodeModel(bytes) as Decoded).graph, (decodeModel(again) as Decoded).graph, true)).toHaveProperty('inits')
  })

  it('refuses a marked model whose graph is not the pattern its marker names, naming the first node that differs', () => {
    const net = Net.serial(Net.dense(4), Net.layerNorm(), Net.dense(2))
    const bytes = Net.toOnnx(net, Net.init(net, { key: Rng.key(0), inShape: [3] }), { inShape: [3], opset: 17 })
    const eps = editModel(bytes, (m) => {
      m.graph.node.find((n: { opType: string }) => n.opType === 'LayerNormalization').attribute.find((a: { name: string }) => a.name === 'epsilon').f = 0.1
    })
    const r = Net.fromOnnx(eps)
    expect(E.isLeft(r) && r.left.code).toBe('INVALID_VALUE')
    expect(E.isLeft(r) && r.left.message).toMatch(/node "1\/LayerNormalization" \(LayerNormalization\) \(node 2 of the graph\) has other attributes than toOnnx writes/)
    const extra = editModel(bytes, (m) => {
      m.graph.node.push({ name: 'extra', opType: 'Relu', input: ['output'], output: ['more'] })
    })
    expect(E.isLeft(Net.fromOnnx(extra)) && (Net.fromOnnx(extra) as E.Left<PuregradError>).left.message).toMatch(/node "extra" \(Relu\) \(node 4 of the graph\) is one more than the 3 nodes/)
  })

  it('without the marker (another writer), refuses a network outside the chain subset, naming the first node and its operator type', () => {
    const net = Net.serial(Net.dense(4), Net.layerNorm(), Net.dense(2))
    const r = Net.fromOnnx(withoutMarker(Net.toOnnx(net, Net.init(net, { key: Rng.key(0), inShape: [3] }), { inShape: [3] })))
    expect(E.isLeft(r) && r.left.code).toBe('INVALID_VALUE')
    expect(E.isLeft(r) && r.left.message).toMatch(/node "1\/ReduceMean" \(ReduceMean\)/)
    const up = Net.serial(Net.conv2d(2, 3), Net.upsampling2d(2))
    const u = Net.fromOnnx(withoutMarker(Net.toOnnx(up, Net.init(up, { key: Rng.key(0), inShape: [4, 4, 1] }), { inShape: [4, 4, 1] })))
    expect(E.isLeft(u) && u.left.message).toMatch(/node "1\/Resize" \(Resize\): the operator Resize is outside the subset/)
    // with the marker, both are read
    expect(E.isRight(Net.fromOnnx(Net.toOnnx(up, Net.init(up, { key: Rng.key(0), inShape: [4, 4, 1] }), { inShape: [4, 4, 1] })))).toBe(true)
  })

  it("reads the user's layers given their constructors, and refuses them, naming the node, without", () => {
    const net = Net.serial(Net.dense(3), probe(), Net.relu)
    const vars = Net.init(net, { key: Rng.key(1), inShape: [2] })
    const bytes = Net.toOnnx(net, vars, { inShape: [2] })
    const without = Net.fromOnnx(bytes)
    expect(E.isLeft(without) && without.left.message).toMatch(/node "1\/Mul" \(Mul\)/)
    const back = Net.fromOnnx(bytes, { layers: [probe] })
    expect(E.isRight(back)).toBe(true)
    if (E.isLeft(back)) return
    const x = Rng.normal(Rng.key(2), [4, 2])
    expect(bitsEqual(Net.predict(back.right.network, back.right, x), Net.predict(net, vars, x))).toBe(true)
    expect(E.isLeft(Net.fromOnnx(bytes, { layers: [() => 1] as never })) && (Net.fromOnnx(bytes, { layers: [() => 1] as never }) as E.Left<PuregradError>).left.code).toBe('INVALID_ARGUMENT')
  })

  it('refuses bytes that are not an ONNX model with a code', () => {
    const net = Net.serial(Net.dense(4), Net.relu)
    const bytes = Net.toOnnx(net, Net.init(net, { key: Rng.key(0), inShape: [3] }), { inShape: [3] })
    const cut = Net.fromOnnx(bytes.subarray(0, bytes.length - 7))
    expect(E.isLeft(cut) && cut.left.code).toBe('INVALID_VALUE')
    expect(E.isLeft(cut) && cut.left.message).toMatch(/protobuf does not parse/)
    const empty = Net.fromOnnx(new Uint8Array(0))
    expect(E.isLeft(empty) && empty.left.message).toMatch(/no graph/)
    const notBytes = Net.fromOnnx('model.onnx' as unknown as Uint8Array)
    expect(E.isLeft(notBytes) && notBytes.left.code).toBe('INVALID_ARGUMENT')
  })

  const small = (() => {
    const net = Net.serial(Net.reshape([3, 3, 1]), Net.conv2d(2, 2, { padding: 'same' }), Net.batchNorm(), Net.maxPool2d(2), Net.flatten, Net.dense(2), Net.softmax)
    return Net.toOnnx(net, Net.init(net, { key: Rng.key(0), inShape: [9] }), { inShape: [9], foldBatchNorm: false })
  })()

  test.prop([fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), cut: fc.boolean() }), { minLength: 1, maxLength: 4 })], { numRuns: 300 })(
    'damaged models are imported or refused with a code, never another exception',
    (edits) => {
      let b = small.slice()
      for (const e of edits) {
        if (b.length === 0) break
        if (e.cut) b = b.slice(0, e.at % b.length)
        else b[e.at % b.length] = e.value
      }
      try {
        const r = Net.fromOnnx(b)
        if (E.isLeft(r)) expect(['INVALID_VALUE', 'RESOURCE_LIMIT']).toContain(r.left.code)
      } catch (e) {
        throw new Error(`fromOnnx threw ${e instanceof PuregradError ? 'a PuregradError' : String(e)} instead of returning a Left`)
      }
    },
  )

  test.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: 300 })('random bytes are refused with a code', (b) => {
    const r = Net.fromOnnx(b)
    expect(E.isLeft(r) && r.left.code).toBe('INVALID_VALUE')
  })
})
