/**
 * Adafactor (Shazeer & Stern 2018) with optax's semantics: `scaleByFactoredRms` keeps, for a
 * leaf of rank ≥ 2 whose two largest axes are long enough, only the moving averages of g² along
 * each of those axes (a row and a column), and a full average for the other leaves; `adafactor`
 * chains it with optax's clipping, relative step size, momentum and weight decay.
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import type { LearningRate, WeightDecayOptions } from './alias.js'
import { build, decay } from './aliasHelpers.js'
import { type EmptyState, type GradientTransformation, identity, stateless, exercises } from './base.js'
import { chain } from './combine.js'
import { countValue, nextCount, perDType, zeroCount } from './count.js'
import { axpby, checkPositive, zerosLike } from './internal.js'
import { decayRate, flag, nonNegative, stateful, wholeNumber } from './stateful.js'
import { type ScaleByScheduleState, scale, scaleByLearningRate } from './transform.js'
import { allLeaves } from './mask.js'

type Tensor = T.Tensor

// -------------------------------------------------------------------------------------
// scaleByFactoredRms
// -------------------------------------------------------------------------------------

/**
 * The state of `scaleByFactoredRms`: the step count and, per leaf, the moving averages of
 * g² + ε. A factored leaf keeps `vRow` (averaged over its largest axis) and `vCol` (over its
 * second largest), and `v` is a placeholder of shape [1]; any other leaf keeps the full `v`, and
 * `vRow`, `vCol` are the placeholders.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T, Tree } from 'puregrad'
 * const s: Optim.ScaleByFactoredRmsState = Optim.scaleByFactoredRms().init({ W: T.zeros([130, 129]), b: T.zeros([3]) })
 * const shapes = (t: Tree.Tree) => Tree.leaves(t).map((l) => l.value.shape) // W, then b
 * assert.deepStrictEqual([shapes(s.vRow), shapes(s.vCol), shapes(s.v)], [[[129], [1]], [[130], [1]], [[1], [3]]])
 * @category model
 * @since 0.1.0
 */
export interface ScaleByFactoredRmsState {
  readonly _tag: 'ScaleByFactoredRmsState'
  readonly count: Tensor
  readonly vRow: Tree.Tree
  readonly vCol: Tree.Tree
  readonly v: Tree.Tree
}

/** Options of `scaleByFactoredRms` (optax's defaults). @category transforms */
export interface ScaleByFactoredRmsOptions {
  /** Factor the leaves that can be factored (default true). */
  readonly factored?: boolean
  /** The exponent c of the decay schedule β̂ₜ = 1 − t^(−c), ≥ 0 (default 0.8). */
  readonly decayRate?: number
  /** Factor a leaf only if its second largest axis has at least this many entries (default 128). */
  readonly minDimSizeToFactor?: number
  /** Added to g² before averaging, ≥ 0 (default 1e-30). */
  readonly eps?: number
}

/** The axes a leaf is factored over, [second largest, largest] (ties: the later axis is larger), or undefined. */
const factoredAxes = (shape: ReadonlyArray<number>, factored: boolean, minDim: number): readonly [number, number] | undefined => {
  if (!factored || shape.length < 2) return undefined
  const byLength = shape.map((_, i) => i).sort((i, j) => shape[i]! - shape[j]! || i - j)
  const [d1, d0] = byLength.slice(-2) as [number, number]
  return shape[d1]! < minDim ? undefined : [d1, d0]
}

const without = (shape: ReadonlyArray<number>, axis: number): number[] => shape.filter((_, i) => i !== axis)
const PLACEHOLDER = [1]

/**
 * Rescales by a factored estimate of the root mean square of the gradients (Adafactor's core),
 * as optax's `scale_by_factored_rms`. At step t = 1, 2, … the moving averages decay by
 * β̂ₜ = 1 − t^(−c) (so the first step keeps g² + ε alone). A leaf is factored when its rank is
 * ≥ 2 and its second largest axis has at least `minDimSizeToFactor` entries: with d₀ its largest
 * axis and d₁ the second largest,
 *
 * R ← β̂R + (1−β̂)·mean_{d₀}(g² + ε);  C ← β̂C + (1−β̂)·mean_{d₁}(g² + ε);  u = g / √(R/mean(R) ⊗ C)
 *
 * and any other leaf (vectors, scalars, small matrices) keeps the full average:
 * v ← β̂v + (1−β̂)(g² + ε);  u = g / √v.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const tx = Optim.scaleByFactoredRms()
 * const [u] = tx.update({ b: T.tensor([2, -3]) }, tx.init({ b: T.zeros([2]) }))
 * assert.ok(T.allclose(u.b, T.tensor([1, -1]))) // the first step: g / √(g² + ε)
 * @see Shazeer & Stern, Adafactor: Adaptive Learning Rates with Sublinear Memory Cost, 2018. https://arxiv.org/abs/1804.04235
 * @category transforms
 * @since 0.1.0
 */
export const scaleByFactoredRms = (opts: ScaleByFactoredRmsOptions = {}): GradientTransformation<ScaleByFactoredRmsState> =>
  stateful(opts, {
    op: 'scaleByFactoredRms',
    tag: 'ScaleByFactoredRmsState',
    options: {
      factored: flag(true),
      decayRate: nonNegative(0.8),
      minDimSizeToFactor: wholeNumber(128, 1),
      eps: nonNegative(1e-30),
    },
    init: (params, o) => {
      const stat = (pick: (x: Tensor, axes: readonly [number, number] | undefined) => ReadonlyArray<number>) =>
        Tree.map(params, (x) => T.zeros(pick(x, factoredAxes(x.shape, o.factored, o.minDimSizeToFactor)), x.dtype))
      return {
        count: zeroCount(),
        vRow: stat((x, a) => (a === undefined ? PLACEHOLDER : without(x.shape, a[1]))),
        vCol: stat((x, a) => (a === undefined ? PLACEHOLDER : without(x.shape, a[0]))),
        v: stat((x, a) => (a === undefined ? x.shape : PLACEHOLDER)),
      }
    },
    update: (grads, s, o) => {
      const op = 'scaleByFactoredRms'
      const gs = Tree.leaves(grads)
      const [rs, cs, vs] = [s.vRow, s.vCol, s.v].map((t, i) => {
        const ls = Tree.leaves(t)
        const at = gs.findIndex((l, k) => l.path !== ls[k]?.path)
        if (at >= 0 || ls.length !== gs.length) {
          const where = gs[at]?.path ?? ls[gs.length]?.path
          fail('TREE_MISMATCH', op, `the gradients and the state's ${['vRow', 'vCol', 'v'][i]} differ at '${where}'; build the state with init(params) for these parameters.`)
        }
        return ls.map((l) => l.value)
      }) as [Tensor[], Tensor[], Tensor[]]
      const step = countValue(nextCount(s.count))
      const beta64 = T.sub(1, T.pow(step, -o.decayRate))
      const [beta, rest] = [perDType(beta64), perDType(T.sub(1, beta64))]
      const ema = (v: Tensor, x: Tensor): Tensor => axpby(v, beta(v.dtype), x, rest(x.dtype))
      const out = gs.map(({ value: g, path }, k): readonly [Tensor, Tensor, Tensor, Tensor] => {
        const [r, c, v] = [rs[k]!, cs[k]!, vs[k]!]
        const axes = factoredAxes(g.shape, o.factored, o.minDimSizeToFactor)
        const shapes = axes === undefined ? [PLACEHOLDER, PLACEHOLDER, g.shape] : [without(g.shape, axes[1]), without(g.shape, axes[0]), PLACEHOLDER]
        ;[r, c, v].forEach((x, i) => {
          if (x.dtype !== g.dtype || x.shape.join() !== shapes[i]!.join()) {
            fail('TREE_MISMATCH', op, `at '${path}' the state holds a ${x.dtype} [${x.shape.join(', ')}] where a gradient ${g.dtype} [${g.shape.join(', ')}] needs ${g.dtype} [${shapes[i]!.join(', ')}]; build the state with init(params) for these parameters.`)
          }
        })
        const g2 = T.add(T.square(g), o.eps)
        if (axes === undefined) {
          const v1 = ema(v, g2)
          return [T.mul(g, T.rsqrt(v1)), r, c, v1]
        }
        const [d1, d0] = axes
        const r1 = ema(r, T.mean(g2, d0))
        const c1 = ema(c, T.mean(g2, d1))
        const rowFactor = T.rsqrt(T.div(r1, T.mean(r1, d1 > d0 ? d1 - 1 : d1, true)))
        return [T.mul(T.mul(g, T.expandDims(rowFactor, d0)), T.expandDims(T.rsqrt(c1), d1)), r1, c1, v]
      })
      const part = (i: number): Tree.Tree => {
        let k = 0
        return Tree.map(grads, () => out[k++]![i]!)
      }
      return [part(0), { count: nextCount(s.count), vRow: part(1), vCol: part(2), v: part(3) }]
    },
  })

// -------------------------------------------------------------------------------------
// adafactor
// -------------------------------------------------------------------------------------

/** √(mean(x²)) of a leaf, a float64 scalar (a tensor, so it traces under jit). */
const rms = (x: Tensor): Tensor => T.sqrt(T.cast(T.mean(T.square(x)), 'float64'))

/** Each leaf divided by max(1, rms/threshold): its RMS is at most the threshold (optax `clip_by_block_rms`). */
const clipByBlockRms = (threshold: number): GradientTransformation<EmptyState> =>
  stateless((g) => Tree.map(g, (u) => T.div(u, T.cast(T.maximum(1, T.div(rms(u), threshold)), u.dtype))))

/** Each leaf times the RMS of its parameter, at least `minScale` (optax `scale_by_param_block_rms`). */
const scaleByParamBlockRms = (minScale: number): GradientTransformation<EmptyState> =>
  stateless((g, params) => {
    const p = params ?? fail('INVALID_ARGUMENT', 'adafactor', 'multiplyByParameterScale needs the current parameters: call update(grads, state, params).')
    return Tree.zipWith(g, p, (u, x) => {
      const r = rms(x)
      return T.mul(u, T.cast(T.where(T.lessEqual(r, minScale), minScale, r), u.dtype))
    })
  })

/**
 * The state of Adafactor's momentum: the moving average of the updates (optax `ema` without
 * bias correction).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const s = Optim.adafactor(1e-2, { momentum: 0.9 }).init({ w: T.ones([2]) })
 * const m: Optim.EmaState | Optim.EmptyState = s[4]
 * assert.strictEqual(m._tag, 'EmaState')
 * @category model
 * @since 0.1.0
 */
export interface EmaState {
  readonly _tag: 'EmaState'
  readonly ema: Tree.Tree
}

const ema = (momentum: number): GradientTransformation<EmaState> =>
  stateful(
    { momentum },
    {
      op: 'adafactor',
      tag: 'EmaState',
      options: { momentum: decayRate(0.9) },
      init: (params) => ({ ema: zerosLike(params) }),
      matches: (s) => [s.ema, 'momentum (state.ema)'],
      update: (grads, s, o) => {
        const m = Tree.zipWith(s.ema, grads, (e, u) => axpby(e, o.momentum, u, 1 - o.momentum))
        return [m, { ema: m }]
      },
    },
  )

/** Options of `adafactor` (optax's defaults, except the weight-decay mask). @category aliases */
export interface AdafactorOptions extends WeightDecayOptions, ScaleByFactoredRmsOptions {
  /** Scale each step by the RMS of its parameter, at least 1e-3 (default true). */
  readonly multiplyByParameterScale?: boolean
  /** Clip each leaf's update to this RMS, > 0; null: no clipping (default 1). */
  readonly clippingThreshold?: number | null
  /** Decay of a moving average of the updates, in [0, 1); left out: no momentum (default). */
  readonly momentum?: number
}

/** The state of `adafactor`. @category model */
export type AdafactorState = readonly [
  ScaleByFactoredRmsState,
  EmptyState,
  ScaleByScheduleState | EmptyState,
  EmptyState,
  EmaState | EmptyState,
  EmptyState,
  EmptyState,
]

/**
 * Adafactor as optax's `adafactor`: the factored RMS scaling (`scaleByFactoredRms`), each leaf's
 * update clipped to RMS `clippingThreshold`, times the learning rate if one is given (optax's
 * default is none: the step is relative), times the RMS of the parameter (at least 1e-3), an
 * optional momentum, optional weight decay, and the minus sign of descent. Needs the parameters:
 * `update(grads, state, params)`. Unlike optax, the momentum is kept in the parameters' dtype
 * (optax: float32), and weight decay applies to the leaves its `mask` selects, by default
 * `weightsOnly` (optax: every leaf).
 *
 * u = scaleByFactoredRms(g);  u ← u / max(1, rms(u)/d);  u ← η·max(rms(θ), 1e-3)·u;  θ ← θ − (u + λθ)
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T, Tree } from 'puregrad'
 * const tx = Optim.adafactor()
 * const params = { W: T.ones([130, 129]), b: T.full([3], 2) }
 * const grads = { W: T.full([130, 129], 0.5), b: T.tensor([2, -3, 0.5]) }
 * const [u, s] = tx.update(grads, tx.init(params), params)
 * const shapes = (t: Tree.Tree) => Tree.leaves(t).map((l) => l.value.shape) // W, then b
 * assert.deepStrictEqual([shapes(s[0].vRow), shapes(s[0].vCol)], [[[129], [1]], [[130], [1]]]) // W keeps a row and a column
 * assert.ok(T.allclose(u.b, T.tensor([-2, 2, -2]))) // first step: −sign(g) times rms(b) = 2
 * assert.ok(T.allclose(u.W, T.full([130, 129], -1)))
 * @see Shazeer & Stern, Adafactor: Adaptive Learning Rates with Sublinear Memory Cost, 2018. https://arxiv.org/abs/1804.04235
 * @category aliases
 * @since 0.1.0
 */
export const adafactor = (learningRate?: LearningRate, opts: AdafactorOptions = {}): GradientTransformation<AdafactorState> =>
  build(
    'adafactor',
    opts,
    ['factored', 'decayRate', 'minDimSizeToFactor', 'eps', 'multiplyByParameterScale', 'clippingThreshold', 'momentum', 'weightDecay', 'mask'],
    () => {
      const clip = opts.clippingThreshold === null ? identity() : clipByBlockRms(checkPositive('adafactor', 'clippingThreshold', opts.clippingThreshold ?? 1, '1'))
      const paramScale = flag(true)('adafactor', 'multiplyByParameterScale', opts.multiplyByParameterScale) ? scaleByParamBlockRms(1e-3) : identity()
      const { factored, decayRate: c, minDimSizeToFactor, eps } = opts
      return chain(
        scaleByFactoredRms({ factored: factored ?? true, decayRate: c ?? 0.8, minDimSizeToFactor: minDimSizeToFactor ?? 128, eps: eps ?? 1e-30 }),
        clip,
        learningRate === undefined ? identity() : scaleByLearningRate(learningRate, { flipSign: false }),
        paramScale,
        opts.momentum === undefined ? identity() : ema(opts.momentum),
        decay(opts.weightDecay ?? 0, opts.mask),
        scale(-1),
      )
    },
  )

/** The configurations the optimizer laws check this module's transformations under (see `exercises` in base.ts). */
export default exercises<typeof import('./adafactor.js')>(() => ({
  adafactor: [
    { tx: adafactor(), needsParams: true, descent: { optimizer: adafactor(3e-2), steps: 1000, target: 0.5 } },
    { label: 'momentum, weight decay, factored from 2', tx: adafactor(3e-2, { momentum: 0.9, weightDecay: 1e-4, mask: allLeaves, minDimSizeToFactor: 2 }), needsParams: true, descent: { steps: 2000, target: 1e-2 } },
  ],
  scaleByFactoredRms: [{ label: 'factored from 1', tx: scaleByFactoredRms({ minDimSizeToFactor: 1 }), descent: { learningRate: 1e-2, steps: 1000, target: 0.2 } }],
}))
