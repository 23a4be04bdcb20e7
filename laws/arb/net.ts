/**
 * Random networks that are well-shaped by construction, for any input width: `preserving`
 * blocks keep the width (activations, dropout, batch and layer norm, residuals, repeats, parallel sums),
 * `block`s may change it (dense, maxout after a wide dense, group norm after a dense of a multiple of its groups,
 * self-attention over a dense layer reshaped into a short sequence with positional encodings,
 * concatenating branches).
 */
import fc from 'fast-check'
import { Net } from '../../src/index.js'

type Layer = Net.Layer

const activation = fc.constantFrom<Layer>(Net.sigmoid, Net.tanh, Net.relu, Net.leakyRelu(0.1), Net.elu(1), Net.softplus, Net.gelu, Net.identity)

export const network = (opts: { readonly maxDepth?: number } = {}): fc.Arbitrary<Layer> => {
  const { block } = fc.letrec<{ block: Layer; preserving: Layer }>((tie) => ({
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
  return block
}

/** A random input width. */
export const width = fc.integer({ min: 1, max: 4 })
