/**
 * Reduce-on-plateau as a pure state machine: `update(state, metric)` returns the next state,
 * whose `scale` falls by `factor` when the metric has not improved for `patience` observations.
 * The state carries its own settings, so it is a complete, serializable value; `scaleByPlateau`
 * puts one inside an optimizer chain and `observeMetric` feeds a metric to every plateau of an
 * optimizer state.
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { type GradientTransformation, exercises } from './base.js'
import { checkDecay, checkInteger, checkNonNegative, checkOptions, frozen } from './internal.js'
import { stateful } from './stateful.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** Options of `reduceOnPlateau` and `scaleByPlateau` (PyTorch's `ReduceLROnPlateau` defaults). @category plateau */
export interface PlateauOptions {
  /** 'min' when lower metrics are better (a loss), 'max' when higher are (an accuracy). Default 'min'. */
  readonly mode?: 'min' | 'max'
  /** Factor of each reduction, in [0, 1) (default 0.1). */
  readonly factor?: number
  /** Observations without improvement tolerated before reducing (default 10). */
  readonly patience?: number
  /** Least improvement that counts, ≥ 0 (default 1e-4). */
  readonly threshold?: number
  /** 'rel': improve on best·(1 ∓ threshold); 'abs': on best ∓ threshold (default 'rel'). */
  readonly thresholdMode?: 'rel' | 'abs'
  /** Observations to wait after a reduction before counting again (default 0). */
  readonly cooldown?: number
  /** The scale never falls below this, ≥ 0 (default 0; PyTorch's `min_lr` for a rate of 1). */
  readonly minScale?: number
  /** Reductions smaller than this are skipped, ≥ 0 (default 1e-8). */
  readonly eps?: number
}

/**
 * The plateau state: the current scale, the best metric so far (null before the first
 * observation), the counters, and the settings.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s: Optim.PlateauState = Optim.reduceOnPlateau().init()
 * assert.deepStrictEqual([s.scale, s.best, s.badSteps], [1, null, 0])
 * @category plateau
 * @since 0.1.0
 */
export interface PlateauState {
  readonly _tag: 'PlateauState'
  /** The factor applied to the updates (1 until the first reduction). */
  readonly scale: number
  /** The best metric observed so far; null before the first observation. */
  readonly best: number | null
  /** Observations since the last improvement (PyTorch's `num_bad_epochs`). */
  readonly badSteps: number
  /** Observations left in the cooldown. */
  readonly cooldownCounter: number
  readonly mode: 'min' | 'max'
  readonly factor: number
  readonly patience: number
  readonly threshold: number
  readonly thresholdMode: 'rel' | 'abs'
  readonly cooldown: number
  readonly minScale: number
  readonly eps: number
}

/**
 * A pure state machine: `init()` and `update(state, metric)`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const p: Optim.ReduceOnPlateau = Optim.reduceOnPlateau({ patience: 0 })
 * assert.strictEqual(p.update(p.update(p.init(), 1), 2).scale, 0.1)
 * @category plateau
 * @since 0.1.0
 */
export interface ReduceOnPlateau {
  readonly init: () => PlateauState
  readonly update: (state: PlateauState, metric: number) => PlateauState
}

// -------------------------------------------------------------------------------------
// state machine
// -------------------------------------------------------------------------------------

const initState = (op: string, opts: PlateauOptions): PlateauState => {
  checkOptions(op, opts, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minScale', 'eps'])
  const mode = opts.mode ?? 'min'
  if (mode !== 'min' && mode !== 'max') fail('INVALID_ARGUMENT', op, `mode is ${JSON.stringify(mode)}; use 'min' (for a loss) or 'max' (for an accuracy).`)
  const thresholdMode = opts.thresholdMode ?? 'rel'
  if (thresholdMode !== 'rel' && thresholdMode !== 'abs') fail('INVALID_ARGUMENT', op, `thresholdMode is ${JSON.stringify(thresholdMode)}; use 'rel' or 'abs'.`)
  return frozen({
    _tag: 'PlateauState',
    scale: 1,
    best: null,
    badSteps: 0,
    cooldownCounter: 0,
    mode,
    factor: checkDecay(op, 'factor', opts.factor ?? 0.1, '0.1'),
    patience: checkInteger(op, 'patience', opts.patience ?? 10, 0, '10'),
    threshold: checkNonNegative(op, 'threshold', opts.threshold ?? 1e-4, '1e-4'),
    thresholdMode,
    cooldown: checkInteger(op, 'cooldown', opts.cooldown ?? 0, 0, '0'),
    minScale: checkNonNegative(op, 'minScale', opts.minScale ?? 0, '0'),
    eps: checkNonNegative(op, 'eps', opts.eps ?? 1e-8, '1e-8'),
  })
}

const isBetter = (s: PlateauState, a: number): boolean => {
  if (s.best === null) return !Number.isNaN(a)
  const b = s.best
  if (s.mode === 'min') return s.thresholdMode === 'rel' ? a < b * (1 - s.threshold) : a < b - s.threshold
  return s.thresholdMode === 'rel' ? a > b * (1 + s.threshold) : a > b + s.threshold
}

/**
 * The next plateau state after observing a metric, following PyTorch's `ReduceLROnPlateau.step`:
 * an improvement (beyond the threshold) resets the count of bad observations; during a cooldown
 * bad observations are not counted; when the count exceeds `patience`, the scale is multiplied by
 * `factor` (not below `minScale`) and the cooldown starts. A NaN metric counts as no improvement.
 *
 * scale ← max(scale · factor, minScale) when badSteps > patience
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const s = [1, 1, 1, 1].reduce(Optim.observePlateau, Optim.reduceOnPlateau({ patience: 2, factor: 0.5 }).init())
 * assert.deepStrictEqual([s.scale, s.best, s.badSteps], [0.5, 1, 0])
 * @category plateau
 * @since 0.1.0
 */
export const observePlateau = (state: PlateauState, metric: number): PlateauState => {
  const op = 'observePlateau'
  if (typeof metric !== 'number') fail('INVALID_ARGUMENT', op, `the metric is ${String(metric)}; pass the number to watch (a loss or an accuracy).`)
  if (state?._tag !== 'PlateauState') fail('INVALID_ARGUMENT', op, 'the state is not a PlateauState; build it with reduceOnPlateau(opts).init().')
  const better = isBetter(state, metric)
  const best = better ? metric : state.best
  let badSteps = better ? 0 : state.badSteps + 1
  let cooldownCounter = state.cooldownCounter
  let scale = state.scale
  if (cooldownCounter > 0) {
    cooldownCounter -= 1
    badSteps = 0
  }
  if (badSteps > state.patience) {
    const reduced = Math.max(scale * state.factor, state.minScale)
    if (scale - reduced > state.eps) scale = reduced
    cooldownCounter = state.cooldown
    badSteps = 0
  }
  return frozen({ ...state, scale, best, badSteps, cooldownCounter })
}

/**
 * The reduce-on-plateau state machine with the given settings (PyTorch's defaults: mode 'min',
 * factor 0.1, patience 10, threshold 1e-4 relative, cooldown 0).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const p = Optim.reduceOnPlateau({ patience: 1, factor: 0.5 })
 * const s = [3, 2, 2, 2].reduce(p.update, p.init())
 * assert.strictEqual(s.scale, 0.5)
 * @category plateau
 * @since 0.1.0
 */
export const reduceOnPlateau = (opts: PlateauOptions = {}): ReduceOnPlateau => {
  const s0 = initState('reduceOnPlateau', opts)
  return frozen({ init: () => s0, update: observePlateau })
}

// -------------------------------------------------------------------------------------
// in a chain
// -------------------------------------------------------------------------------------

/**
 * Multiplies the updates by the scale of a plateau state kept in the optimizer state; feed it
 * metrics with `observeMetric`. Chain it after an alias to reduce its learning rate on plateaus.
 *
 * u = scale · g
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.chain(Optim.sgd(1), Optim.scaleByPlateau({ patience: 0, factor: 0.5 }))
 * const params = { w: T.tensor([0]) }
 * const s = Optim.observeMetric(Optim.observeMetric(tx.init(params), 1), 2)
 * const [u] = tx.update({ w: T.tensor([1]) }, s, params)
 * assert.deepStrictEqual(T.toArray(u.w), [-0.5])
 * @category plateau
 * @since 0.1.0
 */
export const scaleByPlateau = (opts: PlateauOptions = {}): GradientTransformation<PlateauState> => {
  const s0 = initState('scaleByPlateau', opts)
  return stateful(undefined, {
    op: 'scaleByPlateau',
    tag: 'PlateauState',
    init: () => s0,
    update: (grads, s) => [Tree.map(grads, (x) => T.mul(x, s.scale)), s],
  })
}

/**
 * Observes a metric in every plateau state found inside an optimizer state (in chains, masked
 * and applyIfFinite states, at any depth), returning the new optimizer state; the rest is kept
 * as it is. Call it once per epoch with the validation loss.
 *
 * plateau ← observePlateau(plateau, metric) for every PlateauState inside
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim } from 'puregrad'
 * const tx = Optim.chain(Optim.adam(1e-3), Optim.scaleByPlateau({ patience: 0 }))
 * const s = [1, 2].reduce(Optim.observeMetric, tx.init({}))
 * assert.ok(Math.abs(s[1].scale - 0.1) < 1e-15)
 * @category plateau
 * @since 0.1.0
 */
export const observeMetric = <S>(state: S, metric: number): S => {
  if (typeof metric !== 'number') fail('INVALID_ARGUMENT', 'observeMetric', `the metric is ${String(metric)}; pass the number to watch (a loss or an accuracy).`)
  const go = (u: unknown): unknown => {
    if (Array.isArray(u)) {
      let changed = false
      const out = u.map((x) => {
        const y = go(x)
        changed ||= y !== x
        return y
      })
      return changed ? Object.freeze(out) : u
    }
    if (typeof u !== 'object' || u === null || T.isTensor(u)) return u
    const r = u as { readonly [k: string]: unknown }
    if (r['_tag'] === 'PlateauState') return observePlateau(u as PlateauState, metric)
    if (typeof r['_tag'] !== 'string') return u
    let changed = false
    const out = Object.fromEntries(
      Object.entries(r).map(([k, v]) => {
        const w = go(v)
        changed ||= w !== v
        return [k, w]
      }),
    )
    return changed ? Object.freeze(out) : u
  }
  return go(state) as S
}

/** The configurations the optimizer laws check this module's transformations under (see `exercises` in base.ts). */
export default exercises<typeof import('./plateau.js')>(() => ({
  scaleByPlateau: [{ tx: scaleByPlateau({ patience: 2 }), descent: { optimizer: scaleByPlateau(), learningRate: 3e-3, steps: 1000, target: 0.1 } }],
}))
