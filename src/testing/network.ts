/**
 * Random networks that are well-shaped by construction, for any input width: `preserving`
 * blocks keep the width (activations, dropout, batch and layer norm, residuals, repeats, parallel sums),
 * `block`s may change it (dense, maxout after a wide dense, group norm after a dense of a multiple of its groups,
 * self-attention over a dense layer reshaped into a short sequence with positional encodings,
 * concatenating branches).
 */
import fc from 'fast-check'
import * as Net from '../net/index.js'

type Layer = Net.Layer

/** How deep random networks nest, and a layer of your own to place in them. @category arbitraries */
export interface NetworkOptions {
  /** deepest nesting of combinators (default 3) */
  readonly maxDepth?: number
  /**
   * layers of a kind under test (a user's own, say): each network then holds one, between a
   * random width-keeping block before it and a random block after it. The layer must take
   * inputs of shape [w] for any width w ≥ 1 (see `width`).
   */
  readonly including?: fc.Arbitrary<Layer>
}

const activation = fc.constantFrom<Layer>(Net.sigmoid, Net.tanh, Net.relu, Net.leakyRelu(0.1), Net.elu(1), Net.softplus, Net.gelu, Net.identity)

/**
 * A random network that is well-shaped by construction for any input width (see the module
 * comment), or, given `including`, one holding a layer of that kind.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net } from 'puregrad'
 * import { fc, network } from 'puregrad/testing'
 * for (const net of fc.sample(network({ maxDepth: 2 }), 10)) assert.ok(E.isRight(Net.shape(net, [3])))
 * const withTanh = fc.sample(network({ including: fc.constant(Net.tanh) }), 5)
 * assert.ok(withTanh.every((net) => JSON.stringify(net).includes(JSON.stringify(Net.tanh))))
 * ```
 * @category arbitraries
 */
export const network = (opts: NetworkOptions = {}): fc.Arbitrary<Layer> => {
  const { block, preserving } = fc.letrec<{ block: Layer; preserving: Layer }>((tie) => ({
    preserving: fc.oneof(
      { maxDepth: opts.maxDepth ?? 3, depthSize: 'small' },
      activation,
      fc.double({ min: 0.3, max: 1, noNaN: true }).map((k) => Net.dropout(k)),
      fc.constant(Net.batchNorm()),
      fc.constant(Net.layerNorm()),
      tie('preserving').map((b) => Net.residual(b)),
      fc.tuple(fc.integer({ min: 1, max: 2 }), tie('preserving')).map(([n, b]) => Net.repeat(n, b)),
      fc.tuple(tie('preserving'), tie('preserving')).map(([a, b]) => Net.serial(Net.fanOut(2), Net.parallel(a, b), Net.fanInSum)),
    ),
    block: fc.oneof(
      { maxDepth: opts.maxDepth ?? 3, depthSize: 'small' },
      fc.integer({ min: 1, max: 4 }).map((u) => Net.dense(u)),
      tie('preserving'),
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([u, p]) => Net.serial(Net.dense(u * p), Net.maxout(p))),
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 })).map(([g, c]) => Net.serial(Net.dense(g * c), Net.groupNorm(g))),
      fc
        .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.boolean())
        .map(([t, h, c, causal]) => Net.serial(Net.dense(t * h * c), Net.reshape([t, h * c]), Net.sinusoidalEncoding(), Net.multiHeadAttention(h, { causal }), Net.positionalEmbedding(t + 1), Net.flatten)),
      fc.tuple(tie('block'), tie('block')).map(([a, b]) => Net.serial(a, b)),
      fc.tuple(tie('block'), tie('block')).map(([a, b]) => Net.serial(Net.fanOut(2), Net.parallel(a, b), Net.fanInConcat())),
    ),
  }))
  const including = opts.including
  return including === undefined ? block : fc.tuple(preserving, including, block).map(([a, l, b]) => Net.serial(a, l, b))
}

/** A random input width (1…4): the per-example input shape of a `network` is `[width]`. @category arbitraries */
export const width: fc.Arbitrary<number> = fc.integer({ min: 1, max: 4 })
