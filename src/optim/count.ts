/**
 * The step count of an optimizer state, and the scalar arithmetic built on it.
 *
 * A count is an int32 scalar tensor (as optax keeps it), not a number: under `Ad.jit` a new
 * count is a new value of the same program. A number would be a static argument, and every step
 * would trace the update again. Bias corrections and schedules read it as a float64 scalar, so
 * their arithmetic is the same IEEE arithmetic as on numbers, bit for bit.
 *
 * @internal
 */
import type { DType } from '../core/dtype.js'
import { boxOf, dataOf, isAbstract } from '../core/Tensor.js'
import { concrete } from '../prims/bind.js'
import * as T from '../tensor/index.js'

type Tensor = T.Tensor

/** A fresh count: 0, int32. @internal */
export const zeroCount = (): Tensor => T.scalar(0, 'int32')

/** A count as a tensor; a number (a state built by an older version, or by hand) is read as one. @internal */
export const countOf = (c: Tensor | number): Tensor => (typeof c === 'number' ? T.scalar(c, 'int32') : c)

/** A float64 scalar kept in a state (a number from an older state is read as one). @internal */
export const scalarOf = (x: Tensor | number): Tensor => (typeof x === 'number' ? T.scalar(x, 'float64') : x)

/** count + 1. @internal */
export const nextCount = (c: Tensor | number): Tensor => T.add(countOf(c), 1)

/** The count as a float64 scalar, for the arithmetic of corrections and schedules. @internal */
export const countValue = (c: Tensor | number): Tensor => T.cast(countOf(c), 'float64')

/** True when the scalar's value can be read now: concrete, neither traced by `jit` nor one example of a `vmap` batch. @internal */
export const isKnown = (s: Tensor): boolean => boxOf(s) === undefined && !isAbstract(s)

/**
 * The step as a number for a schedule written as a plain function: the value itself, or under
 * `vmap` (an ensemble stepping its members together) the members' common value; undefined when
 * there is none (inside `jit`, or members at different steps). @internal
 */
export const stepNumber = (s: Tensor): number | undefined => {
  if (isAbstract(s)) return undefined
  const d = dataOf(concrete(s))
  for (let i = 1; i < d.length; i++) if (d[i] !== d[0]) return undefined
  return d.length === 0 ? undefined : d[0]
}

/**
 * A float64 scalar in each dtype it is applied at, cast once per dtype: `T.mul(x, at(x.dtype))`
 * rounds the scalar to x's dtype first, as a number operand would be. @internal
 */
export const perDType = (s: Tensor | number): ((dtype: DType) => Tensor | number) => {
  if (typeof s === 'number') return () => s
  const cast = new Map<DType, Tensor>()
  return (dtype) => {
    let c = cast.get(dtype)
    if (c === undefined) cast.set(dtype, (c = T.cast(s, dtype)))
    return c
  }
}
