/** A block several times in a row, each copy with its own parameters: a serial of copies. */
import type { BuiltinKind } from '../Kind.js'
import type { Layer, Shapes } from '../Layer.js'
import { bodyProblems, make, positiveInt } from './common.js'
import { checkLayer } from '../check.js'
import { chain, serialKind } from './serial.js'

export interface Repeat {
  readonly _tag: 'Repeat'
  readonly times: number
  readonly body: Layer
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Repeat: Repeat
  }
}

export const repeatKind: BuiltinKind<Repeat> = {
  tag: 'Repeat',
  fields: ['times', 'body'],
  sublayers: { body: 'one' },
  check: (l) => [...positiveInt('times', l.times), ...bodyProblems(l.body)],
  children: (l) => Array.from({ length: l.times }, (_, i) => [String(i), l.body] as const),
  expansion: (l, count) => 1 + l.times * count(l.body, '0'),
  shape: (l, s, r) => Array.from({ length: l.times }).reduce<Shapes>((acc, _, i) => r.shape(l.body, String(i), acc), s),
  init: (l, key, s, dtype, r) => serialKind.init({ _tag: 'Serial', layers: Array.from({ length: l.times }, () => l.body) }, key, s, dtype, r),
  apply: (l, vars, x, mode, r) => serialKind.apply({ _tag: 'Serial', layers: Array.from({ length: l.times }, () => l.body) }, vars, x, mode, r),
  label: (l) => `Repeat(${l.times})`,
  examples: (p) => [{ layer: repeat(2, p), inShape: [3] }],
  lower: (l, vars, x, cx) => chain(Array.from({ length: l.times }, () => l.body), vars, x, cx),
}

/**
 * The block `times` times in a row, each copy with its own parameters.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng, Tensor as T, Tree } from 'puregrad'
 * const net = Net.repeat(3, Net.serial(Net.dense(8), Net.relu))
 * const { params } = Net.init(net, { key: Rng.key(0), inShape: [8] })
 * assert.deepStrictEqual(Tree.paths(params), ['0.0.W', '0.0.b', '1.0.W', '1.0.b', '2.0.W', '2.0.b'])
 * const [w0, , w1] = Tree.leaves(params)
 * assert.ok(!T.equals(w0!.value, w1!.value))
 * @category combinators
 */
export const repeat = (times: number, body: Layer): Repeat => make(repeatKind, { _tag: 'Repeat', times, body: checkLayer('repeat', body, 'the body (argument 2)') })
