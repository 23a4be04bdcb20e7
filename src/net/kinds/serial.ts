/**
 * Layers one after another. Its parameters are the array of its children's; in ONNX, a batch
 * norm right after a dense or convolution layer is folded into that layer's weights (unless
 * `foldBatchNorm` is off).
 */
import { type BuiltinKind, type Vars } from '../Kind.js'
import type { Layer } from '../Layer.js'
import type { Cx } from '../Kind.js'
import type { SymValue } from '../onnx/symbols.js'
import { batchNormAffine } from './batchNorm.js'
import { checkLayers, indexed, layerListProblems, make } from './common.js'
import { identity } from './identity.js'

export interface Serial {
  readonly _tag: 'Serial'
  readonly layers: ReadonlyArray<Layer>
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Serial: Serial
  }
}

type Trees = ReadonlyArray<Vars['params']>

/** Layers one after another, children named by index; folds each Dense/Conv2d → BatchNorm pair. */
export const chain = (layers: ReadonlyArray<Layer>, vars: Vars, x: SymValue, cx: Cx): SymValue => {
  const params = vars.params as Trees
  const state = vars.state as Trees
  const at = (i: number): Vars => ({ params: params[i]!, state: state[i]! })
  let y = x
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!
    const next = layers[i + 1]
    if (cx.settings.foldBatchNorm && (l._tag === 'Dense' || l._tag === 'Conv2d') && next?._tag === 'BatchNorm') {
      const where = `batch norm ${cx.base === 'net' ? '' : `${cx.base}.`}${i + 1}`
      y = cx.child(l, String(i), at(i), y, batchNormAffine(next, at(i + 1), where))
      i++
    } else y = cx.child(l, String(i), at(i), y)
  }
  return y
}

export const serialKind: BuiltinKind<Serial> = {
  tag: 'Serial',
  fields: ['layers'],
  sublayers: { layers: 'list' },
  check: (l) => layerListProblems(l.layers, false),
  children: (l) => indexed(l.layers),
  shape: (l, s, r) => l.layers.reduce((acc, c, i) => r.shape(c, String(i), acc), s),
  init: (l, key, s, _, r) => {
    let shape = s
    const vars = l.layers.map((c, i) => {
      const v = r.init(c, String(i), key, shape)
      shape = r.shape(c, String(i), shape)
      return v
    })
    return { params: vars.map((v) => v.params), state: vars.map((v) => v.state) }
  },
  apply: (l, vars, x, mode, r) => {
    const params = vars.params as ReadonlyArray<Vars['params']>
    const state = vars.state as ReadonlyArray<Vars['state']>
    let y = x
    const states = l.layers.map((c, i) => {
      const out = r.apply(c, String(i), { params: params[i]!, state: state[i]! }, y, mode)
      y = out.y
      return out.state
    })
    return { y, state: states }
  },
  label: (l) => `Serial(${l.layers.length})`,
  examples: (p) => [{ layer: serial(p, p), inShape: [3] }],
  lower: (l, vars, x, cx) => chain(l.layers, vars, x, cx),
}

const flatLayers = (ls: ReadonlyArray<Layer>): Layer[] =>
  ls.flatMap((l) => (l._tag === 'Serial' ? flatLayers(l.layers) : l._tag === 'Identity' ? [] : [l]))

/**
 * Layers one after another. Nested serials are flattened and identities dropped, so serial is
 * associative with `identity` as its unit, as data: `serial(a, serial(b, c))` and
 * `serial(serial(a, b), c)` are the same value.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * const mlp = Net.serial(Net.dense(16), Net.tanh, Net.dense(1))
 * assert.deepStrictEqual(Net.serial(Net.serial(Net.dense(16), Net.tanh), Net.dense(1)), mlp)
 * assert.deepStrictEqual(Net.serial(Net.identity, mlp), mlp)
 * @category combinators
 */
export const serial = (...layers: ReadonlyArray<Layer>): Layer => {
  checkLayers('serial', layers)
  const flat = flatLayers(layers)
  if (flat.length === 0) return identity
  if (flat.length === 1) return flat[0]!
  return make(serialKind, { _tag: 'Serial', layers: Object.freeze(flat) })
}
