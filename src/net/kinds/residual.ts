/**
 * x + body(x): a skip connection around a block that keeps the shape; on a tuple (x, side…),
 * x + body((x, side…)) with the side inputs (e.g. a mask) passed on.
 */
import * as T from '../../tensor/index.js'
import { type BuiltinKind, type Vars, one, problem } from '../Kind.js'
import { type Layer, type Value, isTuple, showShapes } from '../Layer.js'
import { isSym } from '../onnx/symbols.js'
import { bodyProblems, make } from './common.js'
import { checkLayer } from '../check.js'
import { fanInSum } from './fanInSum.js'
import { parallel } from './parallel.js'
import { serial } from './serial.js'

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
    const x = isTuple(s) ? one(s.tuple[0] ?? problem('expects a tensor, or a tuple whose first element is the tensor the body adds to; got an empty tuple')) : s
    const out = r.shape(l.body, 'body', s)
    if (showShapes(out) === showShapes(x)) return s
    return problem(
      isTuple(s)
        ? `the body maps ${showShapes(s)} to ${showShapes(out)}, but on a tuple a residual block needs it to give the shape of the tuple's first element, ${showShapes(x)}`
        : `the body maps ${showShapes(s)} to ${showShapes(out)}, but a residual block needs it to keep the shape`,
    )
  },
  init: (l, key, s, _, r) => {
    const v = r.init(l.body, 'body', key, s)
    return { params: { body: v.params }, state: { body: v.state } }
  },
  apply: (l, vars, x, mode, r) => {
    const p = vars.params as { body: Vars['params'] }
    const st = vars.state as { body: Vars['state'] }
    const out = r.apply(l.body, 'body', { params: p.body, state: st.body }, x, mode)
    const y: Value = Array.isArray(x) ? [T.add(x[0] as T.Tensor, out.y as T.Tensor), ...x.slice(1)] : T.add(x as T.Tensor, out.y as T.Tensor)
    return { y, state: { body: out.state } }
  },
  label: () => 'Residual',
  examples: (p) => [
    { layer: residual(p), inShape: [3] },
    { layer: residual(serial(parallel(p, p), fanInSum)), inShape: { tuple: [[3], [3]] } },
  ],
  // x + body(x), in the layout the body ends in (x is usually already there: the body's first conv moved it)
  lower: (l, vars, x, cx) => {
    const p = vars.params as { readonly body: Vars['params'] }
    const st = vars.state as { readonly body: Vars['state'] }
    const s = cx.float(isSym(x) ? x : x[0]!)
    const y = cx.float(cx.child(l.body, 'body', { params: p.body, state: st.body }, x))
    const sum = cx.g.op(cx.base, 'Add', [cx.inLayout(s, y.layout).name, y.name], { doc: cx.where })
    return isSym(x) ? cx.out(sum, y.layout) : [{ name: sum, shape: s.shape, layout: y.layout, type: 'float32' }, ...x.slice(1)]
  },
}

/**
 * x + body(x): a skip connection around a block that keeps the shape. On a tuple (x, side…)
 * the body reads the whole tuple and gives a tensor of x's shape, and the block outputs
 * (x + body((x, side…)), side…): side inputs such as a mask reach the body and pass on.
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
 * // on a tuple (x, m): (x + body((x, m)), m)
 * const side = Net.residual(Net.fanInSum)
 * assert.deepStrictEqual(Net.shape(side, { tuple: [[2], [2]] }), E.right({ tuple: [[2], [2]] }))
 * const [y, m] = Net.apply(side, Net.init(side, { key: Rng.key(0), inShape: { tuple: [[2], [2]] } }), [T.tensor([[1, 2]]), T.tensor([[10, 20]])]).y as T.Tensor[]
 * assert.deepStrictEqual([T.toArray(y!), T.toArray(m!)], [[12, 24], [10, 20]])
 * @category combinators
 */
export const residual = (body: Layer): Residual => make(residualKind, { _tag: 'Residual', body: checkLayer('residual', body, 'the body') })
