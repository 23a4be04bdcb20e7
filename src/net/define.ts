/**
 * Layers defined by users, first-class: `defineLayer` turns a small description (fields with
 * defaults and checks, variables, forward pass, shape, label, ONNX nodes) into a layer kind and
 * returns its constructor. Its layers then work wherever built-in ones do: `init`, `apply`,
 * `shape`, `summary`, `edit`, `Train.fit`, `Ad.gradCheck`, the numeric guard (which names the
 * layer by its path), `encode`/`decode` (given the definition) and `toOnnx` (given a lowering).
 *
 * A network stays plain data. A user's layer is the frozen record `{ _tag: name, ...fields }`;
 * its behaviour is found through a symbol-keyed link to its kind that the constructor adds. A
 * symbol key is copied by spreads and by immer (so `Net.edit` keeps working) but left out by
 * `JSON.stringify` and `Object.keys`, so the JSON of a network is the same as if the layer were
 * built in, and validation sees only the fields. The alternative, handing the user's kinds to
 * every interpreter, would put an option on init, apply, shape, summary, fit, gradCheck and
 * every function that takes a network; the link keeps all of them unchanged, and only `decode`,
 * which reads plain JSON, needs the definitions.
 */
import { fail } from '../core/errors.js'
import type { FloatDType } from '../core/dtype.js'
import { checkOptions } from '../core/options.js'
import { type Tensor, dataOf, isTensor } from '../core/Tensor.js'
import { type Key, foldIn } from '../rng/index.js'
import { checkInit, initialize } from './initializers.js'
import { type Kind, kindLink, none, one, problem, single } from './Kind.js'
import { nameHash } from './kinds/common.js'
import { builtins } from './registry.js'
import type { Initializer, Layer, UserLayer } from './Layer.js'
import { attr } from '../onnx/graph.js'
import type { AttributeMsg } from '../onnx/schema.js'

/** A field of a user's layer: its default, and what values it accepts. @category model */
export interface FieldSpec<V> {
  /** the value when the constructor is not given one */
  readonly default: V
  /** what is wrong with a value, as a sentence saying what to give instead (e.g. `'must be a number > 0'`), or undefined when it is fine */
  readonly check?: (value: unknown) => string | undefined
}

/** A variable of a user's layer: its shape and how to fill it. @category model */
export interface ParamSpec {
  readonly shape: ReadonlyArray<number>
  /**
   * an initialiser by name (fans: the product of all axes but the last, and the last), or a
   * function making the tensor of that shape and dtype from its own key
   */
  readonly init: Initializer | ((key: Key, shape: ReadonlyArray<number>, dtype: FloatDType) => Tensor)
}

/** An attribute of an ONNX node a user's layer adds. @category model */
export type OnnxAttribute =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: ReadonlyArray<number> }
  | { readonly floats: ReadonlyArray<number> }
  | { readonly string: string }

/** What a user's layer gets to write its ONNX nodes. Values are named by strings. @category model */
export interface OnnxBuilder {
  /** the opset being exported */
  readonly opset: number
  /** the layer's per-example input shape (the value `x` has a leading batch axis) */
  readonly inShape: ReadonlyArray<number>
  /** the layer's per-example output shape */
  readonly outShape: ReadonlyArray<number>
  /** one of the layer's parameters, as a float32 initialiser */
  readonly param: (name: string) => string
  /** a float32 constant */
  readonly constant: (name: string, shape: ReadonlyArray<number>, values: ArrayLike<number>) => string
  /** an int64 constant (for shapes and axes) */
  readonly ints: (name: string, values: ReadonlyArray<number>) => string
  /** a node of the standard ONNX domain; returns the name of its (first) output */
  readonly node: (opType: string, inputs: ReadonlyArray<string>, attributes?: { readonly [name: string]: OnnxAttribute }) => string
}

/** How the layer runs: training or evaluation, and the key for randomness (if any). @category model */
export interface LayerMode {
  readonly train: boolean
  readonly key: Key | undefined
}

/** The description of a layer kind given to `defineLayer`. @category model */
export interface LayerDefinition<F extends object> {
  /** the layer's `_tag`: a name such as `'Scale'`, unlike any built-in kind's */
  readonly name: string
  /** every field of the record, with its default and check */
  readonly fields: { readonly [K in keyof F]: FieldSpec<F[K]> }
  /** the per-example output shape for a per-example input shape, or a sentence saying why the input does not fit */
  readonly shape: (layer: Readonly<F>, inShape: ReadonlyArray<number>) => ReadonlyArray<number> | string
  /** the layer's trainable variables for an input shape, by name (default none) */
  readonly init?: (layer: Readonly<F>, inShape: ReadonlyArray<number>) => { readonly [name: string]: ParamSpec }
  /** the output for a batch `x` (leading batch axis), written with tensor operations so it can be differentiated */
  readonly apply: (layer: Readonly<F>, params: { readonly [name: string]: Tensor }, x: Tensor, mode: LayerMode) => Tensor
  /** its label in summaries and messages, default the name */
  readonly label?: (layer: Readonly<F>) => string
  /** the ONNX nodes computing `apply` in evaluation mode from the batch `x`, returning the output's name; without it, `toOnnx` refuses the layer */
  readonly onnx?: (layer: Readonly<F>, x: string, b: OnnxBuilder) => string
  /**
   * layers of this kind in use, each with its per-example input shape, as the built-in kinds
   * give theirs: the checks puregrad runs on every kind (gradients, ONNX export) can then run on
   * yours. Optional; the layer works without.
   */
  readonly examples?: () => ReadonlyArray<{ readonly layer: UserLayerOf<F>; readonly inShape: ReadonlyArray<number> }>
}

/** A user's layer with fields `F`. @category model */
export type UserLayerOf<F extends object> = UserLayer & Readonly<F>

/** The constructor `defineLayer` returns: pass some fields, get a checked, frozen layer. @category model */
export interface LayerConstructor<F extends object> {
  (fields?: Partial<F>): UserLayerOf<F>
  /** the layer's `_tag` */
  readonly layerName: string
  /** whether a layer is one of this definition's */
  readonly is: (layer: unknown) => layer is UserLayerOf<F>
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/

const attribute = (name: string, a: OnnxAttribute): AttributeMsg =>
  'int' in a ? attr.int(name, a.int) : 'float' in a ? attr.float(name, a.float) : 'ints' in a ? attr.ints(name, a.ints) : 'floats' in a ? attr.floats(name, a.floats) : attr.string(name, a.string)

const fansOf = (shape: ReadonlyArray<number>): readonly [number, number] => {
  const out = shape.at(-1) ?? 1
  return [shape.length <= 1 ? out : shape.slice(0, -1).reduce((p, d) => p * d, 1), out]
}

/** The kind of a user's definition (checked by `defineLayer`). */
const kindOfDefinition = <F extends object>(def: LayerDefinition<F>): Kind<Layer> => {
  const keys = Object.keys(def.fields) as Array<keyof F & string>
  const fields = (l: Layer): Readonly<F> => l as unknown as Readonly<F>
  const specs = (l: Layer, inShape: ReadonlyArray<number>): ReadonlyArray<readonly [string, ParamSpec]> => {
    const out = def.init?.(fields(l), inShape) ?? {}
    if (typeof out !== 'object' || out === null) return fail('INVALID_ARGUMENT', def.name, `init must return the layer's variables as { name: { shape, init } }; got ${String(out)}.`)
    return Object.entries(out)
  }
  const kind: Kind<Layer> = {
    tag: def.name as never,
    fields: keys,
    check: (l) =>
      keys.flatMap((k) => {
        const p = def.fields[k].check?.((l as unknown as Record<string, unknown>)[k])
        return p === undefined ? [] : [`${k} ${p}; got ${JSON.stringify((l as unknown as Record<string, unknown>)[k])}`]
      }),
    children: () => [],
    shape: (l, s) => {
      const out = def.shape(fields(l), one(s))
      if (typeof out === 'string') return problem(out)
      return Array.isArray(out) && out.every((d) => Number.isInteger(d) && d >= 0) ? out : problem(`has a shape function that returned ${JSON.stringify(out)}; it must return a per-example shape (whole numbers ≥ 0) or a sentence saying why the input does not fit`)
    },
    init: (l, key, s, dtype, r) => {
      const made = specs(l, one(s))
      if (made.length === 0) return none
      const params = Object.fromEntries(
        made.map(([name, spec]) => {
          const k = foldIn(key, nameHash(name))
          const [fanIn, fanOut] = fansOf(spec.shape)
          const init = spec.init
          if (typeof init === 'string' && checkInit(name, init).length > 0) fail('INVALID_ARGUMENT', def.name, `${checkInit(name, init).join('; ')}.`)
          return [name, r.variable(spec.shape, (shape) => (typeof init === 'string' ? initialize(init, k, shape, fanIn, fanOut, dtype) : init(k, shape, dtype)))]
        }),
      )
      return { params, state: {} }
    },
    apply: (l, vars, x, mode) => {
      const t = single(x)
      // a missing variable makes the layer fail; the interpreter then names it (TREE_MISMATCH)
      const y = def.apply(fields(l), vars.params as { readonly [name: string]: Tensor }, t, mode)
      return isTensor(y) ? { y, state: {} } : fail('INVALID_ARGUMENT', def.name, `apply must return a Tensor; got ${String(y)}.`)
    },
    label: (l) => (def.label === undefined ? def.name : def.label(fields(l))),
    ...(def.examples === undefined ? {} : { examples: () => def.examples!() }),
    ...(def.onnx === undefined
      ? {}
      : {
          lower: (l, vars, x, cx) => {
            const s = cx.float(x, 'natural')
            const params = vars.params as { readonly [name: string]: Tensor }
            const b: OnnxBuilder = {
              opset: cx.settings.opset,
              inShape: s.shape,
              outShape: cx.outShape as ReadonlyArray<number>,
              param: (name) => {
                const t = params[name] ?? cx.refuse('INVALID_ARGUMENT', `has no parameter '${name}'; its parameters are ${Object.keys(params).join(', ') || 'none'}.`)
                return cx.g.floats(`${cx.base}.${name}`, t.shape, dataOf(t))
              },
              constant: (name, shape, values) => cx.g.floats(`${cx.base}.${name}`, shape, values),
              ints: (name, values) => cx.g.int64s(`${cx.base}.${name}`, values),
              node: (opType, inputs, attributes = {}) => cx.g.op(cx.base, opType, inputs, { attrs: Object.entries(attributes).map(([n, a]) => attribute(n, a)), doc: cx.where }),
            }
            const y = def.onnx!(fields(l), s.name, b)
            return typeof y === 'string' ? cx.out(y, 'natural') : cx.refuse('INVALID_ARGUMENT', `has an onnx function that returned ${String(y)} instead of the name of its output.`)
          },
        }),
  }
  return Object.freeze(kind)
}

/**
 * Defines a layer kind of your own and returns its constructor. The layer then works wherever
 * a built-in one does: in `serial` and the other combinators, `init`, `apply`, `shape`,
 * `summary`, `edit`, `Train.fit`, `Ad.gradCheck` and the numeric guard (which name it by its
 * path and label), `encode`, and `decode` when given the definition
 * (`Net.decode(text, { layers: [scale] })`). `toOnnx` exports it with its `onnx` function, and
 * refuses it, naming it, without one.
 *
 * A layer is the plain frozen record `{ _tag: name, ...fields }`: its JSON is that of a
 * built-in layer, and the constructor links it to its definition with a symbol-keyed property
 * that JSON leaves out. A layer reads one tensor and holds trainable variables only (no state,
 * no children); compose it with the combinators. The name must be unlike every built-in kind's.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * // y = x · s, with a learnable scale s per feature, starting at `initial`
 * const scale = Net.defineLayer({
 *   name: 'Scale',
 *   fields: { initial: { default: 1, check: (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : 'must be a finite number') } },
 *   shape: (_, inShape) => inShape,
 *   init: (l, inShape) => ({ s: { shape: [inShape.at(-1)!], init: (_, shape, dtype) => T.full(shape, l.initial, dtype) } }),
 *   apply: (_, p, x) => T.mul(x, p['s']!),
 *   label: (l) => `Scale(${l.initial})`,
 *   onnx: (_, x, b) => b.node('Mul', [x, b.param('s')]),
 * })
 * const net = Net.serial(Net.dense(3), scale({ initial: 2 }))
 * const vars = Net.init(net, { key: Rng.key(0), inShape: [4] })
 * assert.deepStrictEqual(Net.shape(net, [4]), E.right([3]))
 * assert.match(Net.summary(net, [4]), /1 +Scale\(2\) +\[\*, 3\] +3/)
 * // plain data: the JSON holds the tag and the fields
 * assert.strictEqual(JSON.stringify(scale({ initial: 2 })), '{"_tag":"Scale","initial":2}')
 * const text = Net.encode({ network: net, inShape: [4], ...vars })
 * assert.ok(E.isRight(Net.decode(text, { layers: [scale] })))
 * assert.ok(E.isLeft(Net.decode(text))) // decode needs the definition
 * assert.throws(() => scale({ initial: NaN }), /initial must be a finite number/)
 * @category layers
 */
export const defineLayer = <F extends object>(definition: LayerDefinition<F>): LayerConstructor<F> => {
  const op = 'defineLayer'
  if (typeof definition !== 'object' || definition === null) return fail('INVALID_ARGUMENT', op, `pass a definition { name, fields, shape, apply, … }; got ${String(definition)}.`)
  checkOptions(op, definition, ['name', 'fields', 'shape', 'init', 'apply', 'label', 'onnx', 'examples'])
  const { name } = definition
  if (typeof name !== 'string' || !NAME.test(name)) fail('INVALID_ARGUMENT', op, `name must be a word of letters, digits and _ starting with a letter, such as 'Scale'; got ${JSON.stringify(name)}.`)
  if (builtins.has(name)) fail('INVALID_ARGUMENT', op, `${JSON.stringify(name)} is the name of a built-in layer kind; give your layer another name, such as '${name}2' or 'My${name}'.`)
  if (typeof definition.fields !== 'object' || definition.fields === null) fail('INVALID_ARGUMENT', op, `fields must be an object of { default, check? } (use {} for none); got ${String(definition.fields)}.`)
  for (const [k, spec] of Object.entries(definition.fields as object)) {
    if (k === '_tag') fail('INVALID_ARGUMENT', op, `a field cannot be named _tag: the record's _tag is the layer's name.`)
    if (typeof spec !== 'object' || spec === null || !('default' in spec)) fail('INVALID_ARGUMENT', op, `field ${k} must be { default, check? }; got ${JSON.stringify(spec)}.`)
  }
  for (const f of ['shape', 'apply'] as const) if (typeof definition[f] !== 'function') fail('INVALID_ARGUMENT', op, `${f} must be a function; got ${String(definition[f])}.`)
  for (const f of ['init', 'label', 'onnx', 'examples'] as const) if (definition[f] !== undefined && typeof definition[f] !== 'function') fail('INVALID_ARGUMENT', op, `${f} must be a function when given; got ${String(definition[f])}.`)
  const kind = kindOfDefinition(definition)
  const keys = kind.fields
  const construct = (given?: Partial<F>): UserLayerOf<F> => {
    checkOptions(name, given, keys)
    const values = (given ?? {}) as Record<string, unknown>
    const spec = definition.fields as Record<string, FieldSpec<unknown>>
    const record: Record<string | symbol, unknown> = { _tag: name, ...Object.fromEntries(keys.map((k) => [k, values[k] === undefined ? spec[k]!.default : values[k]])) }
    const problems = kind.check(record as unknown as Layer)
    if (problems.length > 0) fail('INVALID_ARGUMENT', name, `${problems.join('; ')}.`)
    record[kindLink] = kind
    return Object.freeze(record) as unknown as UserLayerOf<F>
  }
  const is = (layer: unknown): layer is UserLayerOf<F> => typeof layer === 'object' && layer !== null && (layer as { readonly [kindLink]?: unknown })[kindLink] === kind
  Object.defineProperty(construct, 'layerName', { value: name })
  Object.defineProperty(construct, 'is', { value: is })
  Object.defineProperty(construct, kindLink, { value: kind })
  return construct as unknown as LayerConstructor<F>
}

/** The kind behind a constructor from `defineLayer`, or undefined. @internal */
export const kindOfConstructor = (u: unknown): Kind<Layer> | undefined =>
  typeof u === 'function' ? (u as { readonly [kindLink]?: Kind<Layer> })[kindLink] : undefined
