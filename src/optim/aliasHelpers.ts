/**
 * What the alias files share: building an alias (its errors named after it) and the optional
 * weight decay. No arithmetic, only choices between transformations. Not exported from the
 * package.
 *
 * @internal
 */
import { PuregradError } from '../core/errors.js'
import { type EmptyState, type GradientTransformation, identity } from './base.js'
import { checkOptions } from './internal.js'
import type { Mask } from './mask.js'
import { addDecayedWeights } from './transform.js'

/** Builds an alias, reporting construction errors under the alias's name. @internal */
export const build = <A>(op: string, opts: object | undefined, known: ReadonlyArray<string>, f: () => A): A => {
  try {
    checkOptions(op, opts, known)
    return f()
  } catch (e) {
    if (e instanceof PuregradError) throw new PuregradError(e.code, op, e.detail)
    throw e
  }
}

/** λ·θ added to the selected leaves, or nothing when λ is 0. @internal */
export const decay = (weightDecay: number, mask: Mask | undefined): GradientTransformation<EmptyState> =>
  weightDecay === 0 ? identity() : addDecayedWeights(weightDecay, mask === undefined ? {} : { mask })

