/**
 * Checks of hyperparameters and trees shared by the optimizer modules, and small tree helpers.
 * Not exported from the package.
 *
 * @internal
 */
import { PuregradError, fail } from '../core/errors.js'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { compareTrees } from '../tree/structure.js'

type Tensor = T.Tensor

// -------------------------------------------------------------------------------------
// hyperparameters

const show = (v: unknown): string =>
  typeof v === 'number' ? String(v) : typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'undefined' : v === null ? 'null' : typeof v

/** A finite number, or the INVALID_ARGUMENT error naming the hyperparameter. @internal */
export const checkNumber = (op: string, name: string, v: unknown, hint: string): number =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : fail('INVALID_ARGUMENT', op, `${name} is ${show(v)}; it must be a finite number. ${hint}`)

/** A learning rate: finite and ≥ 0. @internal */
export const checkLearningRate = (op: string, v: unknown, name = 'the learning rate'): number => {
  const hint = 'Use a finite value ≥ 0 such as 1e-3 (to maximize an objective, minimize its negative instead).'
  const x = checkNumber(op, name, v, hint)
  if (x < 0) fail('INVALID_ARGUMENT', op, `${name} is ${x}, which is negative: the step would climb the loss. ${hint}`)
  return x
}

/** A decay rate of a moving average (β₁, β₂, ρ, momentum): in [0, 1). @internal */
export const checkDecay = (op: string, name: string, v: unknown, example: string): number => {
  const hint = `${name} is the decay rate of a moving average and must lie in [0, 1); use a value such as ${example}.`
  const x = checkNumber(op, name, v, hint)
  if (!(x >= 0 && x < 1)) fail('INVALID_ARGUMENT', op, `${name} is ${x}, outside [0, 1). ${hint}`)
  return x
}

/** Strictly positive and finite (eps, norms, step counts of schedules). @internal */
export const checkPositive = (op: string, name: string, v: unknown, example: string): number => {
  const hint = `${name} must be a finite number > 0, such as ${example}.`
  const x = checkNumber(op, name, v, hint)
  if (!(x > 0)) fail('INVALID_ARGUMENT', op, `${name} is ${x}, which is not positive. ${hint}`)
  return x
}

/** ≥ 0 and finite (weight decay, initial accumulators, thresholds). @internal */
export const checkNonNegative = (op: string, name: string, v: unknown, example: string): number => {
  const hint = `${name} must be a finite number ≥ 0, such as ${example}.`
  const x = checkNumber(op, name, v, hint)
  if (!(x >= 0)) fail('INVALID_ARGUMENT', op, `${name} is ${x}, which is negative. ${hint}`)
  return x
}

/** A whole number ≥ min (patience, history sizes, step counts). @internal */
export const checkInteger = (op: string, name: string, v: unknown, min: number, example: string): number => {
  const hint = `${name} must be a whole number ≥ ${min}, such as ${example}.`
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) {
    fail('INVALID_ARGUMENT', op, `${name} is ${show(v)}. ${hint}`)
  }
  return v as number
}

/** A boolean flag. @internal */
export const checkBoolean = (op: string, name: string, v: unknown): boolean =>
  typeof v === 'boolean' ? v : fail('INVALID_ARGUMENT', op, `${name} is ${show(v)}; it must be true or false.`)

/** Refuses keys of an options object that the function does not know (typos such as `beta1`). @internal */
export { checkOptions } from '../core/options.js'

// -------------------------------------------------------------------------------------
// trees

/**
 * Throws TREE_MISMATCH, with `op` and a hint to re-run `init`, when two trees differ (keys,
 * lengths, shapes, dtypes); names the first path where they differ. @internal
 */
export const checkSameTree = (op: string, a: Tree.Tree, b: Tree.Tree, nameA: string, nameB: string): void => {
  const e = compareTrees(op, a, b, nameA, nameB)
  if (e !== undefined) {
    throw new PuregradError(
      e.code,
      op,
      `${e.detail} If the parameters changed shape, build a new state with init(params); otherwise pass gradients computed for the parameters this state was made for.`,
    )
  }
}

/** Refuses a state that is not the transformation's own (wrong chain part, state of another optimizer). @internal */
export const checkState = (op: string, state: unknown, tag: string): void => {
  const got = (state as { readonly _tag?: unknown } | null | undefined)?._tag
  if (got !== tag) {
    fail(
      'INVALID_ARGUMENT',
      op,
      `the state is ${typeof got === 'string' ? `a ${got}` : show(state)}, not a ${tag}; pass the state that init(params) of this same transformation returned (or that its last update returned).`,
    )
  }
}

/** `tx` when it is a gradient transformation `{ init, update }`; otherwise INVALID_ARGUMENT naming the argument. @internal */
export const checkTransformation = <T>(op: string, name: string, tx: T): T =>
  typeof tx === 'object' && tx !== null && typeof (tx as { readonly init?: unknown }).init === 'function' && typeof (tx as { readonly update?: unknown }).update === 'function'
    ? tx
    : fail('INVALID_ARGUMENT', op, `${name} is ${show(tx)}, not a gradient transformation { init, update }; pass one such as Optim.sgd(0.1) or Optim.scale(-0.1).`)

/** Refuses a missing params tree for transforms that need it (weight decay). @internal */
export const needParams = (op: string, params: Tree.Tree | undefined): Tree.Tree =>
  params ??
  fail('INVALID_ARGUMENT', op, 'this transform needs the current parameters: call update(grads, state, params).')

/** Every leaf replaced by zeros of its shape and dtype. @internal */
export const zerosLike = (t: Tree.Tree): Tree.Tree => Tree.map(t, T.zerosLike)

/** Every leaf replaced by `value` in its shape and dtype. @internal */
export const fullLike = (t: Tree.Tree, value: number): Tree.Tree => Tree.map(t, (x) => T.fullLike(x, value))

/** a·x + b·y elementwise (the moving-average update), in the tensors' dtype. @internal */
export const axpby = (x: Tensor, a: Tensor | number, y: Tensor, b: Tensor | number): Tensor => T.add(T.mul(x, a), T.mul(y, b))

/** The moving average of squares ρ·v + (1 − ρ)·g², in the tensors' dtype. @internal */
export const emaSquare = (v: Tensor, rho: number, g: Tensor): Tensor => axpby(v, rho, T.square(g), 1 - rho)

/** True when every value of every leaf is finite. @internal */
export const allFinite = (t: Tree.Tree): boolean =>
  Tree.reduce(t, true, (ok, x) => ok && Number.isFinite(T.item(T.sum(T.mul(x, 0)))))

/** Σ x² over every leaf, accumulated in float64. @internal */
export const sumOfSquares = (t: Tree.Tree): number =>
  Tree.reduce(t, 0, (acc, x) => acc + T.item(T.sumOfSquares(T.cast(x, 'float64'))))

/** The frozen record `{ ...r }`. @internal */
export const frozen = <A extends object>(r: A): A => Object.freeze(r)
