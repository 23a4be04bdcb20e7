/**
 * A law states that two values are equivalent; whether they are is decided later, by a
 * comparator the runner picks (exact for structure, `allclose` for floating point, since
 * float addition is not associative).
 *
 * Law definitions (`laws/<area>.ts`) are pure functions returning `Equiv`s; runners
 * (`laws/<area>.laws.ts`) feed them fast-check arbitraries and a comparator.
 */
import { Tensor as T } from "../src/index.js"

/** Two sides of a sentence whose truth remains to be checked. */
export interface Equiv<A> {
  readonly lhs: A
  readonly rhs: A
}

export const equiv = <A>(lhs: A, rhs: A): Equiv<A> => ({ lhs, rhs })

/** Decides an `Equiv`. */
export type Comparator<A> = (lhs: A, rhs: A) => boolean

/** Same dtype, same shape, same bits (NaN equals NaN, 0 differs from −0). */
export const exact: Comparator<T.Tensor> = (a, b) => T.equals(a, b)

/** Same dtype and shape, values within atol + rtol·|b|. */
export const allclose =
  (opts: { readonly rtol?: number; readonly atol?: number } = {}): Comparator<T.Tensor> =>
  (a, b) =>
    a.dtype === b.dtype && T.allclose(a, b, opts)

/** Plain structural equality for JSON-like values. */
export const deepEqual: Comparator<unknown> = (a, b) => JSON.stringify(a) === JSON.stringify(b)

export const holds = <A>(cmp: Comparator<A>, e: Equiv<A>): boolean => cmp(e.lhs, e.rhs)
