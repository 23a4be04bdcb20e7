/**
 * Every layer kind, checked on its own examples (`Kind.examples`): the built-in kinds, which must
 * give examples (the compiler refuses one without), and the user-defined `probe` layer of puregrad/testing.
 * Each example is placed between `probe` layers, learnable elementwise scales that keep the
 * shape, so that gradients flow into the example and out of it: a gradient check then covers a
 * kind's own parameters, its gradient with respect to its input, and, for a combinator, how it
 * routes its children's parameters. `net.laws.ts` runs the gradient check on every one,
 * `net.onnx.laws.ts` their ONNX export in onnxruntime-web.
 */
import * as E from 'fp-ts/lib/Either.js'
import { Net, type Rng } from '../src/index.js'
import type { Kind } from '../src/net/Kind.js'
import { kindOfConstructor } from '../src/net/define.js'
import { builtins, kindOf } from '../src/net/registry.js'
import { betweenProbes, inputFor, probe } from '../src/testing/index.js'

export { probe, tensorsOf } from '../src/testing/index.js'

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

/** Whether a layer of this tag is in the network. */
const holds = (l: Net.Layer, tag: string): boolean => l._tag === tag || kindOf(l).children(l).some(([, c]) => holds(c, tag))

/** The kind's examples, each between probes (none before token indices, which a scale cannot read). */
export const examplesOf = (kind: Kind<Net.Layer>): Example[] =>
  (kind.examples?.(probe()) ?? []).map((ex, i) => {
    const name = `${kind.tag} #${i + 1}: ${kindOf(ex.layer).label(ex.layer)}`
    const out = Net.shape(ex.layer, ex.inShape)
    if (E.isLeft(out)) throw new Error(`${name} does not take its input ${Net.showShapes(ex.inShape)}: ${out.left.message}`)
    const net = betweenProbes(ex.layer, ex)
    if (!holds(net, kind.tag)) throw new Error(`${name} holds no ${kind.tag} layer`)
    return { name, net, inShape: ex.inShape, ...(ex.ints === undefined ? {} : { ints: ex.ints }) }
  })

/** A random batch for an example: normal floats, or indices below `ints`, one tensor per input shape. */
export const inputOf = (ex: Example, key: Rng.Key, batch: number, dtype: 'float32' | 'float64'): Net.Value => inputFor(ex, key, batch, dtype)
