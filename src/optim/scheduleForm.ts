/**
 * How a schedule is made: one formula over numbers and scalar tensors (see scalar.ts), called
 * with a number by users and traced with the step count inside a jitted update.
 *
 * @internal
 */
import { fail } from '../core/errors.js'
import type { Tensor } from '../core/Tensor.js'
import * as T from '../tensor/index.js'
import { type Scalar, numbers, tensors } from './scalar.js'

/** `Optim.Schedule` (declared here again, structurally the same, so the two modules import in one direction) */
type Schedule = (step: number) => number

const checkStep = (op: string, step: unknown): number =>
  typeof step === 'number' && step >= 0 && Number.isFinite(step)
    ? step
    : fail('INVALID_ARGUMENT', op, `the step is ${String(step)}; a schedule is called with the step count, a finite number ≥ 0 (0 at the first update).`)

/** A schedule's formula, written once over numbers and scalar tensors (see scalar.ts). */
export type Formula = <X>(A: Scalar<X>, t: X) => X | number

const forms = new WeakMap<Schedule, (step: Tensor) => Tensor>()

/** A schedule from its formula, the step checked; its tensor form is kept for `tensorForm`. @internal */
export const named = (op: string, f: Formula): Schedule => {
  const schedule: Schedule = (step) => f(numbers, checkStep(op, step))
  forms.set(schedule, (t) => {
    const v = f(tensors, t)
    return typeof v === 'number' ? T.scalar(v, 'float64') : v
  })
  return schedule
}

/**
 * The schedule as a function of a float64 scalar step (what a jitted update reads its count
 * with), for the schedules made by `named`; undefined for other functions. Equal to the schedule at
 * every step, bit for bit. @internal
 */
export const tensorForm = (schedule: Schedule): ((step: Tensor) => Tensor) | undefined => forms.get(schedule)
