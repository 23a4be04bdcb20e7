/**
 * gradCheck on random shapes: every sequence and image layer kind of `arb/layers.ts`, built from
 * a random configuration, initialised from a random key and placed between probes (learnable
 * scales), passes the gradient check in float64 with respect to its parameters and, through
 * the probe before it, its input; masks hold padding at the end, anywhere, and fully masked
 * rows. The examples' laws (`net.laws.ts`) fix the shapes; these draw them.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Ad, Rng } from '../src/index.js'
import { betweenProbes, gradCheckNetwork } from '../src/testing/index.js'
import { type LayerCase, inputOfCase, layerCases } from './arb/layers.js'

const seed = fc.integer({ min: 0, max: 2 ** 30 })

/** Runs per kind: fewer for the kinds whose checks cost most (many parameters, or a scan over time). */
const runs: { readonly [kind in keyof typeof layerCases]?: number } = { TransformerBlock: 4, Bidirectional: 6 }

describe('gradCheck passes on random shapes and configurations of every sequence and image layer kind (float64, parameters and input, dropout on under a fixed key)', () => {
  for (const [kind, arb] of Object.entries(layerCases) as ReadonlyArray<[keyof typeof layerCases, fc.Arbitrary<LayerCase>]>) {
    test.prop([arb, seed], { numRuns: runs[kind] ?? 8 })(kind, (c, s) => {
      const net = betweenProbes(c.layer, c)
      const report = gradCheckNetwork(net, c.inShape, inputOfCase(c, Rng.key(s + 7)), s)
      expect(report.verdict, Ad.showGradCheck(report)).toBe('ok')
    })
  }
})
