/**
 * The lowering driver: walks the layer tree like `Net.apply` in evaluation mode, but instead of
 * computing tensors it adds ONNX nodes computing them, each layer by its kind's `lower` (every
 * built-in kind has one; a user's layer may). This file holds what the rules share: the context a rule gets (the graph, the
 * layer's path, its output shape, helpers to read its input in the layout and type it needs)
 * and the recursion into children.
 * @internal
 */
import { type ErrorCode, PuregradError, orThrow } from '../../core/errors.js'
import { describeAt, shape } from '../interpret.js'
import type { ChannelAffine, Cx, Settings, Vars } from '../Kind.js'
import { kindOf } from '../registry.js'
import { type Layer, type Shapes, showShapes } from '../Layer.js'
import { type GraphBuilder, attr } from '../../onnx/graph.js'
import { type Layout, type Sym, type SymType, type SymValue, isSym, shapesOf, toChannelsFirst, toChannelsLast } from './symbols.js'

export type { ChannelAffine, Cx, Lowering, Settings } from '../Kind.js'

/** What is shared by the whole export: the graph, the types chosen for the inputs, transposes made. */
export interface Session {
  readonly g: GraphBuilder
  readonly settings: Settings
  /** element types of graph inputs, set by their first reader */
  readonly inputTypes: Map<string, 'float32' | 'int32'>
  /** `name>layout` → the transposed value, so a value is transposed at most once per layout */
  readonly transposed: Map<string, Sym>
}

const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`)

const single = (x: SymValue, where: string): Sym =>
  isSym(x) ? x : fail('SHAPE_MISMATCH', `${where} expects one tensor but gets a tuple of ${x.length}`)

const fail = (code: ErrorCode, message: string): never => {
  throw new PuregradError(code, 'toOnnx', message)
}

/** The value in a layout; images only have two. */
export const inLayout = (s: Session, x: Sym, layout: Layout): Sym => {
  if (x.layout === layout) return x
  const key = `${x.name}>${layout}`
  const known = s.transposed.get(key)
  if (known !== undefined) return known
  const perm = layout === 'channelsFirst' ? toChannelsFirst : toChannelsLast
  const name = s.g.op(x.name.replace(/\/.*$/, ''), 'Transpose', [x.name], { attrs: [attr.ints('perm', perm)], doc: `to ${layout === 'channelsFirst' ? 'NCHW' : 'NHWC'}` })
  const t: Sym = { ...x, name, layout }
  s.transposed.set(key, t)
  return t
}

/** Checks (or, for a graph input, sets) the element type a layer reads. */
const typed = (s: Session, x: Sym, want: 'float32' | 'int32', where: string): Sym => {
  const origin = x.origin ?? x.name
  const have: SymType = x.type === 'open' ? (s.inputTypes.get(origin) ?? 'open') : x.type
  if (have === 'open') {
    s.inputTypes.set(origin, want)
    return x
  }
  if (have === want) return x
  const shared = 'one input cannot be both: give the network a tuple of inputs (with parallel), one for the indices and one for the values'
  if (x.type === 'open') {
    return want === 'int32'
      ? fail('DTYPE_MISMATCH', `${where} reads the network's input as int32 token indices, but another layer reads the same input as float32 values; ${shared}.`)
      : fail('DTYPE_MISMATCH', `${where} reads the network's input as float32 values, but an embedding reads the same input as int32 token indices; ${shared}.`)
  }
  return want === 'int32'
    ? fail('DTYPE_MISMATCH', `${where} reads int32 token indices, but its input is a float32 value computed by the layers before it (Net.apply refuses this too); an embedding must read the network's int32 input, so put it first.`)
    : fail('DTYPE_MISMATCH', `${where} needs float32 values, but its input holds int32 token indices; pass them through an embedding first.`)
}

/** Lowers one layer at `path` (`''` for the root). */
export const lowerAt = (s: Session, l: Layer, path: string, vars: Vars, x: SymValue, then?: ChannelAffine): SymValue => {
  const where = describeAt(path, l)
  const outShape = orThrow(shape(l, shapesOf(x)))
  const cx: Cx = {
    g: s.g,
    settings: s.settings,
    base: path === '' ? 'net' : path,
    where,
    outShape,
    then,
    child: (c, name, v, xc, t) => lowerAt(s, c, join(path, name), v, xc, t),
    float: (xv, layout) => {
      const one = typed(s, single(xv, where), 'float32', where)
      return layout === undefined ? one : inLayout(s, one, layout)
    },
    ints: (xv) => typed(s, single(xv, where), 'int32', where),
    any: (xv, layout) => {
      const one = single(xv, where)
      return layout === undefined ? one : inLayout(s, one, layout)
    },
    inLayout: (xv, layout) => inLayout(s, xv, layout),
    out: (name, layout) =>
      Array.isArray(outShape) ? { name, shape: outShape, layout, type: 'float32' } : fail('SHAPE_MISMATCH', `${where} returns ${showShapes(outShape)} where one tensor was expected`),
    like: (name, layout, from) => {
      const y = cx.out(name, layout)
      return from.type === 'open' ? { ...y, type: 'open', origin: from.origin ?? from.name } : { ...y, type: from.type }
    },
    refuse: (code, message) => fail(code, `${where} ${message}`),
  }
  const lower = kindOf(l).lower
  if (lower === undefined) {
    return fail(
      'INVALID_ARGUMENT',
      `${where} has no ONNX lowering: its definition (Net.defineLayer) gives none. Add an \`onnx\` function to the definition that builds the nodes computing its output, or export a network without it.`,
    )
  }
  return lower(l, vars, x, cx)
}
