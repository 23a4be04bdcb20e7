/**
 * Checks of what users hand to the training functions, and the freezing of the states they get
 * back. Not exported from the package.
 *
 * @internal
 */
import type { GuardMode } from '../ad/guard.js'
import { checkFunction, describe, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { checkLayer } from '../net/check.js'

const TRAINER_KEYS: ReadonlyArray<string> = ['network', 'optimizer', 'loss', 'penalty', 'guard', 'jit']
const GUARD_MODES: ReadonlyArray<GuardMode> = ['off', 'boundary', 'ops']

/**
 * Refuses a trainer with a key it does not know (a misspelt `gaurd` would silently train
 * unguarded), a part of the wrong type (a network that is not a layer, an optimizer that is not
 * `{ init, update }`, a loss or penalty that is not a function) or a guard mode that is not one
 * of 'off', 'boundary', 'ops'. @internal
 */
export const checkTrainer = (op: string, trainer: { readonly guard?: unknown }): void => {
  if (typeof trainer !== 'object' || trainer === null) fail('INVALID_ARGUMENT', op, 'the trainer must be a record { network, optimizer, loss } (with optional penalty and guard).')
  checkOptions(op, trainer, TRAINER_KEYS)
  const t = trainer as { readonly network?: unknown; readonly optimizer?: unknown; readonly loss?: unknown; readonly penalty?: unknown }
  checkLayer(op, t.network, "the trainer's network")
  const opt = t.optimizer as { readonly init?: unknown; readonly update?: unknown } | null | undefined
  if (typeof opt !== 'object' || opt === null || typeof opt.init !== 'function' || typeof opt.update !== 'function') {
    fail('INVALID_ARGUMENT', op, `the trainer's optimizer is ${describe(opt)}, not a gradient transformation { init, update }; pass one such as Optim.adam(1e-3).`)
  }
  checkFunction(op, "the trainer's loss", t.loss)
  if (t.penalty !== undefined) checkFunction(op, "the trainer's penalty", t.penalty)
  const g: unknown = trainer.guard
  if (g !== undefined && !GUARD_MODES.includes(g as GuardMode)) {
    fail('INVALID_ARGUMENT', op, `the trainer's guard is ${typeof g === 'string' ? JSON.stringify(g) : String(g)}; choose one of ${GUARD_MODES.map((m) => `'${m}'`).join(', ')} (or leave it out for 'off').`)
  }
  const j: unknown = (trainer as { readonly jit?: unknown }).jit
  if (j !== undefined && typeof j !== 'boolean') fail('INVALID_ARGUMENT', op, `the trainer's jit is ${describe(j)}; pass true (compile the step, the default) or false.`)
}

/** The parts of a fit state that `frozenFit` freezes (its type lives with `fit`, which imports this file). */
interface FitParts {
  readonly history: ReadonlyArray<{ readonly train: object; readonly dev?: object | undefined }>
  readonly stopping?: object | undefined
  readonly train: object
}

/** A fit state frozen with what `fit` builds in it: the record, its history and epoch records. @internal */
export const frozenFit = <S extends FitParts>(s: S): S => {
  if (!Object.isFrozen(s.history)) {
    for (const r of s.history) {
      Object.freeze(r.train)
      if (r.dev !== undefined) Object.freeze(r.dev)
      Object.freeze(r)
    }
    Object.freeze(s.history)
  }
  if (s.stopping !== undefined) Object.freeze(s.stopping)
  Object.freeze(s.train)
  return Object.freeze(s)
}

