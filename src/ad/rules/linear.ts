/**
 * Arithmetic on tangents and cotangents where `null` is a symbolic zero, so rules skip work
 * for inputs nothing flows through. @internal
 */
import type { Tensor } from '../../core/Tensor.js'
import * as T from '../../tensor/index.js'
import type { Linear } from './Rule.js'

export const plus = (a: Linear, b: Linear): Linear => (a === null ? b : b === null ? a : T.add(a, b))
export const minus = (a: Linear, b: Linear): Linear => (b === null ? a : a === null ? T.neg(b) : T.sub(a, b))
export const times = (t: Linear, x: Tensor | number): Linear => (t === null ? null : T.mul(t, x))
export const orZeros = (t: Linear, like: Tensor): Tensor => t ?? T.zerosLike(like)
export const allNull = (ts: ReadonlyArray<Linear>): boolean => ts.every((t) => t === null)
