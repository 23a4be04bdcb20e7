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

  it('refuses a network outside the subset, naming the first node and its operator type', () => {
    const net = Net.serial(Net.dense(4), Net.layerNorm(), Net.dense(2))
    const r = Net.fromOnnx(Net.toOnnx(net, Net.init(net, { key: Rng.key(0), inShape: [3] }), { inShape: [3] }))
    expect(E.isLeft(r) && r.left.code).toBe('INVALID_VALUE')
    expect(E.isLeft(r) && r.left.message).toMatch(/node "1\/ReduceMean" \(ReduceMean\)/)
    const up = Net.serial(Net.conv2d(2, 3), Net.upsampling2d(2))
    const u = Net.fromOnnx(Net.toOnnx(up, Net.init(up, { key: Rng.key(0), inShape: [4, 4, 1] }), { inShape: [4, 4, 1] }))
    expect(E.isLeft(u) && u.left.message).toMatch(/node "1\/Resize" \(Resize\): the operator Resize is outside the subset/)
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
