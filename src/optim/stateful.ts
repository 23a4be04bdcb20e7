/**
 * The one skeleton of every transformation with state. `stateful` reads its options once (a key
 * it does not know is refused, each value checked or defaulted), and at each update refuses a
 * state that is not its own, matches the gradients against the state's tree, and returns the
 * next state tagged and frozen. A transformation is then its options, its state's first value
 * and its arithmetic: the rest is here. Not exported from the package.
 *
 * @internal
 */
import type * as Tree from '../tree/index.js'
import { type GradientTransformation, transformation } from './base.js'
import { checkBoolean, checkDecay, checkInteger, checkNonNegative, checkOptions, checkPositive, checkSameTree, checkState, frozen } from './internal.js'

/** A state: a plain record named by its `_tag`. @internal */
export interface Tagged {
  readonly _tag: string
}

/** A state without its tag: what `init` and `update` build; `stateful` adds the tag. @internal */
export type Body<S extends Tagged> = Omit<S, '_tag'>

/** Reads one option: the value passed (undefined when left out) checked, or its default; the errors name it. @internal */
export type Option<A> = (op: string, key: string, value: unknown) => A

type Options = { readonly [key: string]: Option<unknown> }

/** The values the readers give, by option key. @internal */
export type Read<R extends Options> = { readonly [K in keyof R]: R[K] extends Option<infer A> ? A : never }

/** A default as the errors show it: 1e-8, not 0.00000001. */
const show = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x))

/** A decay rate in [0, 1); `label` replaces the key in errors ('decay (alpha)'). @internal */
export const decayRate =
  (fallback: number, label?: string): Option<number> =>
  (op, key, v) =>
    checkDecay(op, label ?? key, v ?? fallback, show(fallback))

/** A finite number > 0. @internal */
export const positive =
  (fallback: number): Option<number> =>
  (op, key, v) =>
    checkPositive(op, key, v ?? fallback, show(fallback))

/** A finite number ≥ 0. @internal */
export const nonNegative =
  (fallback: number): Option<number> =>
  (op, key, v) =>
    checkNonNegative(op, key, v ?? fallback, show(fallback))

/** A whole number ≥ min. @internal */
export const wholeNumber =
  (fallback: number, min: number): Option<number> =>
  (op, key, v) =>
    checkInteger(op, key, v ?? fallback, min, show(fallback))

/** true or false. @internal */
export const flag =
  (fallback: boolean): Option<boolean> =>
  (op, key, v) =>
    checkBoolean(op, key, v ?? fallback)

/** What a transformation with state is made of, besides this skeleton. @internal */
export interface StatefulSpec<S extends Tagged, R extends Options> {
  /** The public name, in every error. */
  readonly op: string
  /** The state's `_tag`. */
  readonly tag: S['_tag']
  /** The readers of the options, by key, in the order they are checked; the only keys accepted. */
  readonly options?: R
  /** The state before the first step (without its tag). */
  readonly init: (params: Tree.Tree, o: Read<R>) => Body<S>
  /** The state's tree the gradients must match (keys, shapes, dtypes), and its name in the error. */
  readonly matches?: (state: S) => readonly [tree: Tree.Tree, name: string]
  /** One step: the updates and the next state (without its tag), from a state already checked. */
  readonly update: (grads: Tree.Tree, state: S, o: Read<R>, params: Tree.Tree | undefined) => readonly [Tree.Tree, Body<S>]
}

/**
 * A gradient transformation with state, from its options object `opts` (as the caller passed
 * it) and its spec. The options are checked here, once. @internal
 */
export const stateful = <S extends Tagged, R extends Options = Record<never, never>>(opts: unknown, spec: StatefulSpec<S, R>): GradientTransformation<S> => {
  const { op, tag } = spec
  const readers: Options = spec.options ?? {}
  checkOptions(op, opts, Object.keys(readers))
  const given = (opts ?? {}) as { readonly [key: string]: unknown }
  const o = Object.fromEntries(Object.entries(readers).map(([k, read]) => [k, read(op, k, given[k])])) as Read<R>
  const tagged = (body: Body<S>): S => frozen({ _tag: tag, ...body } as unknown as S)
  return transformation({
    init: (params: Tree.Tree) => tagged(spec.init(params, o)),
    update: (grads: Tree.Tree, state: S, params?: Tree.Tree) => {
      checkState(op, state, tag)
      if (spec.matches !== undefined) {
        const [tree, name] = spec.matches(state)
        checkSameTree(op, grads, tree, 'gradients', name)
      }
      const [u, body] = spec.update(grads, state, o, params)
      return [u, tagged(body)] as const
    },
  })
}
