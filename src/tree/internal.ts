/**
 * The one traversal every tree function is built on, the refusal of anything that is not a
 * tree, and the wording of tree errors. Not exported from the package.
 *
 * @internal
 */
import { PuregradError, describe as describeValue, fail } from '../core/errors.js'
import { MAX_DEPTH, tooDeep } from '../core/limits.js'
import { type Tensor, isTensor } from '../core/Tensor.js'

/** A record node, as read from user data. @internal */
export type Rec = { readonly [key: string]: unknown }

/** What a node of a tree is, once checked. @internal */
export type Node =
  | { readonly kind: 'tensor'; readonly value: Tensor }
  | { readonly kind: 'array'; readonly value: ReadonlyArray<unknown> }
  | { readonly kind: 'record'; readonly value: Rec; readonly keys: ReadonlyArray<string> }

/** The path of a child: keys and indices joined with dots; the root is `''`. @internal */
export const child = (path: string, key: string | number): string => (path === '' ? String(key) : `${path}.${key}`)

/** A path as it appears in messages: `'layers.0.W'`, or `the root`. @internal */
export const showPath = (path: string): string => (path === '' ? 'the root' : `'${path}'`)

/** Keys in traversal order (code-unit order, as JAX sorts dict keys). @internal */
export const sortedKeys = (r: object): ReadonlyArray<string> => Object.keys(r).sort()

/** A plain record: its prototype is `Object.prototype` or `null` (not arrays, not class instances). @internal */
export const isPlainRecord = (u: unknown): u is Rec => {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return false
  const proto: unknown = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

/** A value as it appears in messages: `the number 0.5`, `null`, `an instance of Map`. @internal */
export const describe = (u: unknown): string => {
  if (typeof u !== 'object' || u === null) return describeValue(u)
  if (isTensor(u)) return `a ${u.dtype} tensor of shape [${u.shape.join(', ')}]`
  if (Array.isArray(u)) return `an array of length ${u.length}`
  if (isPlainRecord(u)) return 'a plain record'
  if (ArrayBuffer.isView(u)) return `a ${u.constructor.name}`
  const ctor: unknown = (u as { constructor?: unknown }).constructor
  const name = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : undefined
  return name === undefined ? 'an object with a custom prototype' : `an instance of ${name}`
}

const fixFor = (u: unknown): string => {
  if (typeof u === 'number') return ` Wrap numbers in tensors: Tensor.scalar(${String(u)}) or Tensor.tensor([...]).`
  if (u === null || u === undefined) {
    return ' Remove the entry; a layer without parameters is the empty record {}.'
  }
  if (ArrayBuffer.isView(u)) return ' Wrap typed arrays in tensors: Tensor.fromArray(values, shape, dtype).'
  if (u instanceof Map) return ' Use a plain record instead: Object.fromEntries(map).'
  return ' Keep other data (hyperparameters, names, flags) outside the tree.'
}

/**
 * Checks one node and says what it is; throws `INVALID_VALUE` naming the path when the node is
 * not a tensor, an array or a plain record, or when it is one of its own ancestors.
 * @internal
 */
export const classify = (op: string, u: unknown, path: string, ancestors: ReadonlyMap<object, string>): Node => {
  if (isTensor(u)) return { kind: 'tensor', value: u }
  if (Array.isArray(u) || isPlainRecord(u)) {
    const seen = ancestors.get(u)
    if (seen !== undefined) {
      return fail(
        'INVALID_VALUE',
        op,
        `the value at ${showPath(path)} is the same object as its ancestor at ${showPath(seen)}, so the tree is cyclic; ` +
          'a tree must be finite: share tensors between branches if you like, but never a branch with itself.',
      )
    }
    if (Array.isArray(u)) return { kind: 'array', value: u as ReadonlyArray<unknown> }
    return { kind: 'record', value: u, keys: sortedKeys(u) }
  }
  return fail(
    'INVALID_VALUE',
    op,
    `the value at ${showPath(path)} is ${describe(u)}; a tree holds only tensors, arrays and plain records.${fixFor(u)}`,
  )
}

/** What a fold does at each kind of node; children are folded first, in traversal order. @internal */
export interface Algebra<R> {
  readonly leaf: (t: Tensor, path: string) => R
  readonly array: (items: ReadonlyArray<R>, path: string, node: ReadonlyArray<unknown>) => R
  readonly record: (keys: ReadonlyArray<string>, items: ReadonlyArray<R>, path: string, node: Rec) => R
}

/**
 * Folds a tree bottom-up, checking every node on the way. Leaves are visited in traversal order:
 * record keys sorted, arrays by index, depth first. A branch nested more than `MAX_DEPTH`
 * levels below the root is refused (TOO_DEEP) before the recursion could overflow the stack.
 * @internal
 */
export const fold = <R>(op: string, tree: unknown, alg: Algebra<R>): R => {
  const ancestors = new Map<object, string>()
  const go = (u: unknown, path: string, depth: number): R => {
    const node = classify(op, u, path, ancestors)
    if (node.kind !== 'tensor' && depth >= MAX_DEPTH) throw tooDeep(op, 'the tree', showPath(path))
    switch (node.kind) {
      case 'tensor':
        return alg.leaf(node.value, path)
      case 'array': {
        ancestors.set(node.value, path)
        const arr = node.value
        // a loop, not arr.map: holes must be visited (and refused), not skipped
        const items = new Array<R>(arr.length)
        for (let i = 0; i < arr.length; i++) items[i] = go(arr[i], child(path, i), depth + 1)
        ancestors.delete(node.value)
        return alg.array(items, path, node.value)
      }
      case 'record': {
        ancestors.set(node.value, path)
        const items = node.keys.map((k) => go(node.value[k], child(path, k), depth + 1))
        ancestors.delete(node.value)
        return alg.record(node.keys, items, path, node.value)
      }
    }
  }
  return go(tree, '', 0)
}

/** Visits every leaf in traversal order, checking every node. @internal */
export const forEachLeaf = (op: string, tree: unknown, f: (t: Tensor, path: string) => void): void =>
  fold<void>(op, tree, { leaf: f, array: () => undefined, record: () => undefined })

/** A record built from keys and values; `__proto__` stays an ordinary own key. @internal */
export const record = <A>(keys: ReadonlyArray<string>, values: ReadonlyArray<A>): { readonly [key: string]: A } =>
  Object.fromEntries(keys.map((k, i) => [k, values[i] as A]))

/**
 * fp-ts's `dual` (exported at run time by `fp-ts/lib/function.js` but left out of its typings):
 * one implementation callable data-first `f(self, ...args)` or data-last `f(...args)(self)`.
 * @internal
 */
export const dual = <DataLast extends (...args: Array<any>) => any, DataFirst extends (...args: Array<any>) => any>(
  arity: number | ((args: IArguments) => boolean),
  body: DataFirst,
): DataLast & DataFirst => {
  const isDataFirst = typeof arity === 'number' ? (args: IArguments) => args.length >= arity : arity
  return function (this: unknown) {
    const args: unknown[] = Array.from(arguments)
    if (isDataFirst(arguments)) return (body as unknown as (...a: unknown[]) => unknown).apply(this, args)
    return (self: unknown) => (body as unknown as (...a: unknown[]) => unknown)(self, ...args)
  } as unknown as DataLast & DataFirst
}

/** Rethrows anything that is not a `PuregradError`; returns the error otherwise. @internal */
export const asPuregradError = (e: unknown): PuregradError => {
  if (e instanceof PuregradError) return e
  throw e
}
