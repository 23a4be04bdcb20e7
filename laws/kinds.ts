/**
 * Every layer kind, checked on its own examples (`Kind.examples`): the built-in kinds, which must
 * give examples (the compiler refuses one without), and the user-defined `probe` layer below.
 * Each example is placed between `probe` layers, learnable elementwise scales that keep the
 * shape, so that gradients flow into the example and out of it: a gradient check then covers a
 * kind's own parameters, its gradient with respect to its input, and, for a combinator, how it
 * routes its children's parameters. `net.laws.ts` runs the gradient check on every one,
 * `net.onnx.laws.ts` their ONNX export in onnxruntime-web.
 */
import * as E from 'fp-ts/lib/Either.js'
import { Net, Rng, Tensor as T } from '../src/index.js'
import type { Kind } from '../src/net/Kind.js'
import { kindOfConstructor } from '../src/net/define.js'
import { builtins, kindOf } from '../src/net/registry.js'

/** x ↦ x · s with a learnable s of the input's per-example shape, in [0.5, 1.5) at init; a user's layer, with examples of its own. */
export const probe: Net.LayerConstructor<Record<never, never>> = Net.defineLayer({
  name: 'ProbeScale',
  fields: {},
  shape: (_, inShape) => inShape,
  init: (_, inShape) => ({ s: { shape: inShape, init: (key, shape, dtype) => Rng.uniform(key, shape, { min: 0.5, max: 1.5, dtype }) } }),
  apply: (_, p, x) => T.mul(x, p['s']!),
  onnx: (_, x, b) => b.node('Mul', [x, b.param('s')]),
  examples: () => [
    { layer: probe(), inShape: [3] },
    { layer: probe(), inShape: [2, 2] },
  ],
})

/** Every kind: the built-in ones, then the probe's. */
export const KINDS: ReadonlyArray<Kind<Net.Layer>> = [...builtins.values(), kindOfConstructor(probe)!]

/** A network holding one example of a kind, between probes, and its input. */
export interface Example {
  /** the kind's tag, the example's number and its label, e.g. `Dense #2: Dense(2)` */
  readonly name: string
  readonly net: Net.Layer
  readonly inShape: Net.Shapes
  /** the input holds int32 indices below this number */
  readonly ints?: number
}

/** Probes around a value of these shapes: one per tensor. */
const around = (s: Net.Shapes): Net.Layer => (Net.isTuple(s) ? Net.parallel(...s.tuple.map(around)) : probe())

/** Whether a layer of this tag is in the network. */
const holds = (l: Net.Layer, tag: string): boolean => l._tag === tag || kindOf(l).children(l).some(([, c]) => holds(c, tag))

/** The kind's examples, each between probes (none before token indices, which a scale cannot read). */
export const examplesOf = (kind: Kind<Net.Layer>): Example[] =>
  (kind.examples?.(probe()) ?? []).map((ex, i) => {
    const name = `${kind.tag} #${i + 1}: ${kindOf(ex.layer).label(ex.layer)}`
    const out = Net.shape(ex.layer, ex.inShape)
    if (E.isLeft(out)) throw new Error(`${name} does not take its input ${Net.showShapes(ex.inShape)}: ${out.left.message}`)
    const net = Net.serial(ex.ints === undefined ? around(ex.inShape) : Net.identity, ex.layer, around(out.right))
    if (!holds(net, kind.tag)) throw new Error(`${name} holds no ${kind.tag} layer`)
    return { name, net, inShape: ex.inShape, ...(ex.ints === undefined ? {} : { ints: ex.ints }) }
  })

/** A random batch for an example: normal floats, or indices below `ints`, one tensor per input shape. */
export const inputOf = (ex: Example, key: Rng.Key, batch: number, dtype: 'float32' | 'float64'): Net.Value => {
  const draw = (s: Net.Shapes, k: Rng.Key): Net.Value =>
    Net.isTuple(s) ? s.tuple.map((c, i) => draw(c, Rng.foldIn(k, i))) : ex.ints === undefined ? Rng.normal(k, [batch, ...s], { dtype }) : Rng.integers(k, [batch, ...s], 0, ex.ints)
  return draw(ex.inShape, key)
}

/** The tensors of a value, in order. */
export const tensorsOf = (v: Net.Value): T.Tensor[] => (T.isTensor(v) ? [v] : v.flatMap(tensorsOf))
