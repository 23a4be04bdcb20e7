/**
 * gradCheck on random shapes: every sequence and image layer kind of `arb/layers.ts`, built from
 * a random configuration, initialised from a random key and placed between probes (learnable
 * scales), passes the gradient check in float64 with respect to its parameters and, through
 * the probe before it, its input; masks hold padding at the end, anywhere, and fully masked
 * rows. The examples' laws (`net.laws.ts`) fix the shapes; these draw them. And one random
 * case of every kind, side by side in one network (one onnxruntime session), exported to ONNX
 * computes what `Net.apply` computes, masks with padding anywhere included.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Ad, Net, Rng } from '../src/index.js'
import { betweenProbes, gradCheckNetwork } from '../src/testing/index.js'
import { agree } from '../test/net/onnx.util.js'
import { type LayerCase, inputOfCase, layerCases, layerCasesOf } from './arb/layers.js'
import { scrambled } from './arb/onnx.js'

const seed = fc.integer({ min: 0, max: 2 ** 30 })

/** Runs per kind: fewer for the kinds whose checks cost most (many parameters, or a scan over time). */
const runs: { readonly [kind in keyof typeof layerCases]?: number } = { MultiHeadAttention: 6, TransformerBlock: 3, Gru: 6, Bidirectional: 5 }

describe('gradCheck passes on random shapes and configurations of every sequence and image layer kind (float64, parameters and input, dropout on under a fixed key)', () => {
  for (const [kind, arb] of Object.entries(layerCases) as ReadonlyArray<[keyof typeof layerCases, fc.Arbitrary<LayerCase>]>) {
    test.prop([arb, seed], { numRuns: runs[kind] ?? 8 })(kind, (c, s) => {
      const net = betweenProbes(c.layer, c)
      const report = gradCheckNetwork(net, c.inShape, inputOfCase(c, Rng.key(s + 7)), s)
      expect(report.verdict, Ad.showGradCheck(report)).toBe('ok')
    })
  }
})

describe('ONNX export on random shapes and configurations', () => {
  // one batch size for all, as the exported model has one batch axis; and four more masked
  // recurrent layers, whose masks become ONNX sequence lengths
  const everyKind = fc.integer({ min: 1, max: 3 }).chain((b) => {
    const cases = layerCasesOf(fc.constant(b))
    const masked = fc.oneof(cases.Gru, cases.Bidirectional).filter((c) => c.mask !== undefined)
    return fc.tuple(fc.record(cases), fc.array(masked, { minLength: 4, maxLength: 4 }))
  })
  test.prop([everyKind, fc.constantFrom(13, 21), seed], { numRuns: 2 })('a random case of every kind, side by side, agrees with Net.apply in onnxruntime (opset 13 or 21)', async ([cases, masked], opset, s) => {
    const all = [...Object.values(cases), ...masked]
    const net = Net.parallel(...all.map((c) => c.layer))
    const inShape = { tuple: all.map((c) => c.inShape) }
    const x = all.map((c, i) => inputOfCase(c, Rng.key(s + i), 'float32'))
    const vars = scrambled(net, inShape, s)
    await agree(`every kind at random, opset ${opset}`, net, vars, inShape, x, { opset })
  })
})
