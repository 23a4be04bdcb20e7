/**
 * The ONNX export law: for any network, the exported model run in onnxruntime-web computes what
 * Net.apply computes in evaluation mode, to float32 precision (see test/net/onnx.util.ts for
 * the tolerance). Each run creates one ORT session (~350 ms), so the runs are few.
 */
import { fc, test } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, it } from 'vitest'
import { Net, Rng } from '../src/index.js'
import { agree } from '../test/net/onnx.util.js'
import * as A from './arb/net.js'
import * as K from './kinds.js'
import { imageLayer, scrambled } from './arb/onnx.js'

const seed = fc.integer({ min: 0, max: 2 ** 30 })

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
