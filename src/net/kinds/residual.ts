/** x + body(x): a skip connection around a block that keeps the shape. */
import * as T from '../../tensor/index.js'
import { type BuiltinKind, type Vars, one, problem } from '../Kind.js'
import { type Layer, showShapes } from '../Layer.js'
import { bodyProblems, make } from './common.js'
import { checkLayer } from '../check.js'

export interface Residual {
  readonly _tag: 'Residual'
  readonly body: Layer
}

declare module '../Layer.js' {
  interface BuiltinLayers {
    readonly Residual: Residual
  }
}

export const residualKind: BuiltinKind<Residual> = {
  tag: 'Residual',
  fields: ['body'],
  sublayers: { body: 'one' },
  check: (l) => bodyProblems(l.body),
  children: (l) => [['body', l.body]],
  shape: (l, s, r) => {
    one(s)
    const out = r.shape(l.body, 'body', s)
    return showShapes(out) === showShapes(s) ? s : problem(`the body maps ${showShapes(s)} to ${showShapes(out)}, but a residual block needs it to keep the shape`)
  },
  init: (l, key, s, _, r) => {
    const v = r.init(l.body, 'body', key, s)
    return { params: { body: v.params }, state: { body: v.state } }
  },
  apply: (l, vars, x, mode, r) => {
    const p = vars.params as { body: Vars['params'] }
    const st = vars.state as { body: Vars['state'] }
    const out = r.apply(l.body, 'body', { params: p.body, state: st.body }, x, mode)
    return { y: T.add(x as T.Tensor, out.y as T.Tensor), state: { body: out.state } }
  },
  label: () => 'Residual',
  examples: (p) => [{ layer: residual(p), inShape: [3] }],
  // x + body(x), in the layout the body ends in (x is usually already there: the body's first conv moved it)
  lower: (l, vars, x, cx) => {
    const p = vars.params as { readonly body: Vars['params'] }
    const st = vars.state as { readonly body: Vars['state'] }
    const s = cx.float(x)
    const y = cx.float(cx.child(l.body, 'body', { params: p.body, state: st.body }, x))
    return cx.out(cx.g.op(cx.base, 'Add', [cx.inLayout(s, y.layout).name, y.name], { doc: cx.where }), y.layout)
  },
}

/**
 * x + body(x): a skip connection around a block that keeps the shape.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * // with a body that outputs zeros, the block is the identity
 * const net = Net.residual(Net.dense(2, { init: 'zeros' }))
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
 * assert.deepStrictEqual(T.toArray(Net.predict(net, vars, T.tensor([[-1, 2]]))), [-1, 2])
 * assert.ok(E.isLeft(Net.shape(Net.residual(Net.dense(3)), [4]))) // the body must keep the shape
 * @category combinators
 */
export const residual = (body: Layer): Residual => make(residualKind, { _tag: 'Residual', body: checkLayer('residual', body, 'the body') })
