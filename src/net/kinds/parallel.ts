/** The i-th layer on the i-th element of a tuple. */
import { type Applied, type BuiltinKind, type Vars } from '../Kind.js'
import type { Layer } from '../Layer.js'
import { isSym } from '../onnx/symbols.js'
import { checkLayers, indexed, layerListProblems, make, tupleOf, valuesOf } from './common.js'

export interface Parallel {
  readonly _tag: 'Parallel'
  readonly layers: ReadonlyArray<Layer>
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Parallel: Parallel
  }
}

type Trees = ReadonlyArray<Vars['params']>

export const parallelKind: BuiltinKind<Parallel> = {
  tag: 'Parallel',
  fields: ['layers'],
  sublayers: { layers: 'list' },
  check: (l) => layerListProblems(l.layers, true),
  children: (l) => indexed(l.layers),
  shape: (l, s, r) => ({ tuple: tupleOf(s, l.layers.length, 'parallel').map((si, i) => r.shape(l.layers[i]!, String(i), si)) }),
  init: (l, key, s, _, r) => {
    const vars = tupleOf(s, l.layers.length, 'parallel').map((si, i) => r.init(l.layers[i]!, String(i), key, si))
    return { params: vars.map((v) => v.params), state: vars.map((v) => v.state) }
  },
  apply: (l, vars, x, mode, r) => {
    const outs: Applied[] = valuesOf(x).map((xi, i) =>
      r.apply(l.layers[i]!, String(i), { params: (vars.params as ReadonlyArray<Vars['params']>)[i]!, state: (vars.state as ReadonlyArray<Vars['state']>)[i]! }, xi, mode),
    )
    return { y: outs.map((o) => o.y), state: outs.map((o) => o.state) }
  },
  label: (l) => `Parallel(${l.layers.length})`,
  examples: (p) => [{ layer: parallel(p, p), inShape: { tuple: [[2], [3]] } }],
  lower: (l, vars, x, cx) => {
    const xs = isSym(x) ? cx.refuse('SHAPE_MISMATCH', 'expects a tuple but gets one tensor; split it first with fanOut.') : x
    return l.layers.map((c, i) => cx.child(c, String(i), { params: (vars.params as Trees)[i]!, state: (vars.state as Trees)[i]! }, xs[i]!))
  },
}

/**
 * Applies the i-th layer to the i-th element of a tuple.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * const net = Net.parallel(Net.relu, Net.identity)
 * const vars = Net.init(net, { key: Rng.key(0), inShape: { tuple: [[2], [2]] } })
 * const x = T.tensor([[-1, 2]])
 * const { y } = Net.apply(net, vars, [x, x])
 * assert.deepStrictEqual((y as ReadonlyArray<T.Tensor>).map(T.toArray), [[0, 2], [-1, 2]])
 * @category combinators
 */
export const parallel = (...layers: ReadonlyArray<Layer>): Parallel => {
  checkLayers('parallel', layers)
  return make(parallelKind, { _tag: 'Parallel', layers: Object.freeze([...layers]) })
}
