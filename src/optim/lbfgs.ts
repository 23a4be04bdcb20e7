/**
 * L-BFGS as a pure state machine: `init(valueAndGrad, params)` evaluates the objective once,
 * `step(valueAndGrad, state)` makes one quasi-Newton iteration (two-loop recursion over the last
 * `historySize` pairs, then a strong Wolfe line search), and `minimize` folds steps until a
 * tolerance or a budget is met. The objective is any function returning the value and the
 * gradient tree, so no automatic differentiation is needed; every evaluation is counted.
 *
 * The state is plain data (parameters, value, gradient, the (s, y) history as float64 vectors,
 * counters), so it can be saved and resumed. Arithmetic runs in float64 on the flattened
 * parameters (`Tree.flatten`); the objective sees trees of the parameters' own dtypes.
 *
 * @since 0.1.0
 */
import { fail } from '../core/errors.js'
import * as T from '../tensor/index.js'
import * as Tree from '../tree/index.js'
import { checkInteger, checkNonNegative, checkOptions, checkPositive, checkSameTree, frozen } from './internal.js'
import { type Point, type StrongWolfeOptions, searchStrongWolfe, wolfeSettings } from './linesearch.js'
import { exercises } from './base.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The objective: its value and gradient at some parameters (a tree of the same structure).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const f: Optim.ValueAndGrad = (p) => [T.item(T.sum(T.square(p.x))), { x: T.mul(p.x, 2) }]
 * assert.strictEqual(f({ x: T.tensor([3]) })[0], 9)
 * @category L-BFGS
 * @since 0.1.0
 */
export type ValueAndGrad = (params: any) => readonly [value: number, grads: Tree.Tree]

/** Options of `lbfgs` and `minimize` (PyTorch's `torch.optim.LBFGS` defaults unless said). @category L-BFGS */
export interface LbfgsOptions {
  /** Pairs (s, y) kept for the inverse-Hessian estimate (default 10, as optax; PyTorch uses 100). */
  readonly historySize?: number
  /** Scales the first trial step of each line search (default 1). */
  readonly learningRate?: number
  /** Stop when max |∇f| ≤ this (default 1e-7). */
  readonly toleranceGrad?: number
  /** Stop when a step changes f, or every parameter, by less than this (default 1e-9). */
  readonly toleranceChange?: number
  /** Most iterations of `minimize` (default 500). */
  readonly maxIterations?: number
  /** Most evaluations of the objective in `minimize` (default 1.25 × maxIterations, as PyTorch). */
  readonly maxEvaluations?: number
  /** Options of the strong Wolfe line search (c1 1e-4, c2 0.9, 25 evaluations). */
  readonly lineSearch?: Omit<StrongWolfeOptions, 'scale' | 'toleranceChange'>
}

/**
 * The L-BFGS state: the current parameters, value and gradient, the last `historySize` pairs
 * sₖ = θₖ₊₁ − θₖ and yₖ = ∇fₖ₊₁ − ∇fₖ (float64 vectors, oldest first), the counters, what the
 * last step changed (null before the first), and whether the last step could not make progress.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const f = (p) => [T.item(T.sum(T.square(p.x))), { x: T.mul(p.x, 2) }]
 * const s: Optim.LbfgsState = Optim.lbfgs().init(f, { x: T.tensor([1], 'float64') })
 * assert.deepStrictEqual([s.value, s.iteration, s.evaluations, s.lastChange], [1, 0, 1, null])
 * @category L-BFGS
 * @since 0.1.0
 */
export interface LbfgsState {
  readonly _tag: 'LbfgsState'
  readonly params: Tree.Tree
  readonly value: number
  readonly grad: Tree.Tree
  readonly s: ReadonlyArray<T.Tensor>
  readonly y: ReadonlyArray<T.Tensor>
  readonly iteration: number
  readonly evaluations: number
  /** How much the last step changed f, and the largest change of a parameter. */
  readonly lastChange: { readonly value: number; readonly step: number } | null
  /**
   * 'running'; 'flat' when the slope along the search direction is above −toleranceChange (no
   * progress is possible: PyTorch's test, counted as converged); 'stalled' when the line search
   * found no decrease.
   */
  readonly status: 'running' | 'flat' | 'stalled'
}

/**
 * `init` and `step` of L-BFGS with fixed options.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const f = (p) => [T.item(T.sum(T.square(p.x))), { x: T.mul(p.x, 2) }]
 * const solver: Optim.Lbfgs = Optim.lbfgs()
 * const s0 = solver.init(f, { x: T.tensor([1, -2], 'float64') })
 * const s2 = solver.step(f, solver.step(f, s0))
 * assert.ok(s2.value < 1e-20 && s2.iteration === 2)
 * @category L-BFGS
 * @since 0.1.0
 */
export interface Lbfgs {
  readonly init: (valueAndGrad: ValueAndGrad, params: Tree.Tree) => LbfgsState
  readonly step: (valueAndGrad: ValueAndGrad, state: LbfgsState) => LbfgsState
}

/**
 * Why `minimize` stopped: a tolerance ('gradient', 'value', 'step', 'flat'), a budget
 * ('maxIterations', 'maxEvaluations'), or no decrease found ('stalled').
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const f = (p) => [T.item(T.sum(T.square(p.x))), { x: T.mul(p.x, 2) }]
 * const why: Optim.StopReason = Optim.minimize(f, { x: T.tensor([3], 'float64') }).reason
 * assert.strictEqual(why, 'gradient')
 * @category L-BFGS
 * @since 0.1.0
 */
export type StopReason = 'gradient' | 'value' | 'step' | 'flat' | 'maxIterations' | 'maxEvaluations' | 'stalled'

/**
 * The outcome of `minimize`.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const f = (p) => [T.item(T.sum(T.square(p.x))), { x: T.mul(p.x, 2) }]
 * const r: Optim.MinimizeResult<{ x: T.Tensor }> = Optim.minimize(f, { x: T.tensor([3], 'float64') })
 * assert.ok(r.converged && Math.abs(T.item(r.params.x)) < 1e-9)
 * @category L-BFGS
 * @since 0.1.0
 */
export interface MinimizeResult<P extends Tree.Tree> {
  readonly params: P
  readonly value: number
  readonly grad: Tree.Tree
  readonly iterations: number
  readonly evaluations: number
  /** True when a tolerance was met ('gradient', 'value', 'step' or 'flat'). */
  readonly converged: boolean
  readonly reason: StopReason
  /** The final state, to resume with `lbfgs(opts).step`. */
  readonly state: LbfgsState
}

// -------------------------------------------------------------------------------------
// vectors (float64, plain loops)
// -------------------------------------------------------------------------------------

type Vec = Float64Array

const dot = (a: Vec, b: Vec): number => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}
const maxAbs = (a: Vec): number => {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!))
  return m
}
const sumAbs = (a: Vec): number => {
  let m = 0
  for (let i = 0; i < a.length; i++) m += Math.abs(a[i]!)
  return m
}
/** x + a·y as a new vector. */
const axpy = (x: Vec, a: number, y: Vec): Vec => {
  const out = new Float64Array(x.length)
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + a * y[i]!
  return out
}
const vecOf = (t: Tree.Tree): Vec => T.toTypedArray(Tree.flatten(t).theta) as Vec
const tensorOf = (v: Vec): T.Tensor => T.fromArray(v, [v.length], 'float64')

// -------------------------------------------------------------------------------------
// internals
// -------------------------------------------------------------------------------------

interface Settings {
  readonly historySize: number
  readonly learningRate: number
  readonly toleranceGrad: number
  readonly toleranceChange: number
  readonly maxIterations: number
  readonly maxEvaluations: number
  readonly lineSearch: StrongWolfeOptions
}

const settings = (op: string, opts: LbfgsOptions): Settings => {
  checkOptions(op, opts, ['historySize', 'learningRate', 'toleranceGrad', 'toleranceChange', 'maxIterations', 'maxEvaluations', 'lineSearch'])
  const maxIterations = checkInteger(op, 'maxIterations', opts.maxIterations ?? 500, 1, '500')
  const lineSearch = opts.lineSearch ?? {}
  wolfeSettings(op, lineSearch)
  return {
    historySize: checkInteger(op, 'historySize', opts.historySize ?? 10, 1, '10'),
    learningRate: checkPositive(op, 'learningRate', opts.learningRate ?? 1, '1'),
    toleranceGrad: checkNonNegative(op, 'toleranceGrad', opts.toleranceGrad ?? 1e-7, '1e-7'),
    toleranceChange: checkNonNegative(op, 'toleranceChange', opts.toleranceChange ?? 1e-9, '1e-9'),
    maxIterations,
    maxEvaluations: checkInteger(op, 'maxEvaluations', opts.maxEvaluations ?? Math.floor(maxIterations * 1.25), 1, '625'),
    lineSearch,
  }
}

/** Calls the objective and checks what it returns. */
const evaluate = (op: string, f: ValueAndGrad, params: Tree.Tree): readonly [number, Tree.Tree] => {
  const r = f(params)
  if (!Array.isArray(r) || typeof r[0] !== 'number') {
    fail('INVALID_ARGUMENT', op, 'valueAndGrad must return [value, grads]: a number and a tree shaped like the parameters.')
  }
  checkSameTree(op, r[1] as Tree.Tree, params, 'gradients returned by valueAndGrad', 'parameters')
  return [r[0] as number, r[1] as Tree.Tree]
}

/** −H·g by the two-loop recursion (Nocedal & Wright, Algorithm 7.4), H₀ = sᵀy/yᵀy · I. */
const direction = (g: Vec, s: ReadonlyArray<Vec>, y: ReadonlyArray<Vec>): Vec => {
  const k = s.length
  const q = Float64Array.from(g)
  const alpha = new Array<number>(k)
  const rho = s.map((si, i) => 1 / dot(y[i]!, si))
  for (let i = k - 1; i >= 0; i--) {
    alpha[i] = rho[i]! * dot(s[i]!, q)
    const yi = y[i]!
    for (let j = 0; j < q.length; j++) q[j] = q[j]! - alpha[i]! * yi[j]!
  }
  const gamma = k === 0 ? 1 : dot(s[k - 1]!, y[k - 1]!) / dot(y[k - 1]!, y[k - 1]!)
  for (let j = 0; j < q.length; j++) q[j] = q[j]! * gamma
  for (let i = 0; i < k; i++) {
    const beta = rho[i]! * dot(y[i]!, q)
    const si = s[i]!
    for (let j = 0; j < q.length; j++) q[j] = q[j]! + si[j]! * (alpha[i]! - beta)
  }
  for (let j = 0; j < q.length; j++) q[j] = -q[j]!
  return q
}

const initWith = (op: string, f: ValueAndGrad, params: Tree.Tree): LbfgsState => {
  if (typeof f !== 'function') fail('INVALID_ARGUMENT', op, 'valueAndGrad must be a function params => [value, grads].')
  const [value, grad] = evaluate(op, f, params)
  if (!Number.isFinite(value)) fail('INVALID_ARGUMENT', op, `the objective is ${value} at the initial parameters; start from a point where it is finite.`)
  return frozen({ _tag: 'LbfgsState', params, value, grad, s: [], y: [], iteration: 0, evaluations: 1, lastChange: null, status: 'running' })
}

const stepWith = (op: string, cfg: Settings, f: ValueAndGrad, state: LbfgsState): LbfgsState => {
  if (state?._tag !== 'LbfgsState') fail('INVALID_ARGUMENT', op, 'the state is not an LbfgsState; build it with lbfgs(opts).init(valueAndGrad, params).')
  const theta = vecOf(state.params)
  const g = vecOf(state.grad)
  const hs = state.s.map((t) => T.toTypedArray(t) as Vec)
  const hy = state.y.map((t) => T.toTypedArray(t) as Vec)
  let d = direction(g, hs, hy)
  let gtd = dot(g, d)
  let history = { s: state.s, y: state.y }
  if (!(gtd < 0)) {
    // not a descent direction (a stale history): restart from steepest descent
    d = axpy(new Float64Array(g.length), -1, g)
    gtd = dot(g, d)
    history = { s: [], y: [] }
  }
  if (!(gtd < -cfg.toleranceChange)) return frozen({ ...state, s: history.s, y: history.y, status: 'flat' })
  const t0 = (state.iteration === 0 ? Math.min(1, 1 / sumAbs(g)) : 1) * cfg.learningRate
  const scale = maxAbs(d)
  const ls = wolfeSettings(op, { ...cfg.lineSearch, toleranceChange: cfg.toleranceChange, scale })
  const phi = (alpha: number): Point<{ readonly params: Tree.Tree; readonly grad: Tree.Tree }> => {
    const params = Tree.unflattenLike(state.params, tensorOf(axpy(theta, alpha, d)))
    const [value, grad] = evaluate(op, f, params)
    return { alpha, value: Number.isNaN(value) ? Infinity : value, slope: dot(vecOf(grad), d), payload: { params, grad } }
  }
  const start = { alpha: 0, value: state.value, slope: gtd, payload: { params: state.params, grad: state.grad } }
  const { point, evaluations } = searchStrongWolfe(phi, start, t0, ls)
  const counted = { ...state, evaluations: state.evaluations + evaluations, s: history.s, y: history.y }
  if (!(point.alpha > 0 && point.value <= state.value)) return frozen({ ...counted, status: 'stalled' })
  const s = axpy(vecOf(point.payload.params), -1, theta)
  const y = axpy(vecOf(point.payload.grad), -1, g)
  const keep = dot(y, s) > 1e-10
  const drop = keep && history.s.length >= cfg.historySize ? 1 : 0
  return frozen({
    _tag: 'LbfgsState',
    params: point.payload.params,
    value: point.value,
    grad: point.payload.grad,
    s: keep ? [...history.s.slice(drop), tensorOf(s)] : history.s,
    y: keep ? [...history.y.slice(drop), tensorOf(y)] : history.y,
    iteration: state.iteration + 1,
    evaluations: counted.evaluations,
    lastChange: frozen({ value: Math.abs(state.value - point.value), step: maxAbs(s) }),
    status: 'running',
  })
}

// -------------------------------------------------------------------------------------
// L-BFGS
// -------------------------------------------------------------------------------------

/**
 * L-BFGS (Liu & Nocedal 1989) with a strong Wolfe line search, as PyTorch's
 * `torch.optim.LBFGS(line_search_fn='strong_wolfe')`: the direction comes from the two-loop
 * recursion with H₀ = sᵀy/yᵀy, the first trial step of the first iteration is
 * min(1, 1/‖g‖₁)·η and 1·η afterwards, and a pair is stored only when yᵀs > 1e-10. A direction
 * that is not a descent direction restarts the history. optax's `lbfgs` is the same method with
 * a zoom line search and memory 10 (the default here).
 *
 * d = −H·g (two-loop);  θ ← θ + αd, α by strong Wolfe;  s = θ' − θ, y = ∇f' − ∇f
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const f = (p: { x: T.Tensor }) => [T.item(T.sum(T.square(T.sub(p.x, 1)))), { x: T.mul(T.sub(p.x, 1), 2) }] as const
 * const solver = Optim.lbfgs({ historySize: 5 })
 * const s1 = solver.step(f, solver.init(f, { x: T.tensor([4, -2], 'float64') }))
 * const s2 = solver.step(f, s1) // on a quadratic, the second step is Newton's
 * assert.ok(s1.value < 18 && s2.value < 1e-20 && s2.evaluations === s1.evaluations + 1)
 * @see Liu & Nocedal, On the limited memory BFGS method for large scale optimization, 1989.
 * @category L-BFGS
 * @since 0.1.0
 */
export const lbfgs = (opts: LbfgsOptions = {}): Lbfgs => {
  const op = 'lbfgs'
  const cfg = settings(op, opts)
  return frozen({
    init: (valueAndGrad: ValueAndGrad, params: Tree.Tree) => initWith(op, valueAndGrad, params),
    step: (valueAndGrad: ValueAndGrad, state: LbfgsState) => stepWith(op, cfg, valueAndGrad, state),
  })
}

/**
 * Minimizes an objective with L-BFGS, folding `step` until max |∇f| ≤ toleranceGrad, or a step
 * changes f or every parameter by less than toleranceChange, or a budget (iterations,
 * evaluations) runs out, or no descent is possible; the stopping tests are PyTorch's.
 *
 * θ* = argmin f(θ), from θ₀
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Optim, Tensor as T } from 'puregrad'
 * const rosen = (p: { xy: T.Tensor }) => {
 *   const [x = 0, y = 0] = T.toArray(p.xy)
 *   const v = (1 - x) ** 2 + 100 * (y - x * x) ** 2
 *   return [v, { xy: T.tensor([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)], 'float64') }] as const
 * }
 * const r = Optim.minimize(rosen, { xy: T.tensor([-1.2, 1], 'float64') }, { toleranceChange: 0 })
 * assert.ok(r.converged && T.allclose(r.params.xy, T.tensor([1, 1], 'float64'), { atol: 1e-6, rtol: 0 }))
 * assert.ok(r.evaluations < 60)
 * @category L-BFGS
 * @since 0.1.0
 */
export const minimize = <P extends Tree.Tree>(valueAndGrad: (params: P) => readonly [number, Tree.Tree], params0: P, opts: LbfgsOptions = {}): MinimizeResult<P> => {
  const op = 'minimize'
  const cfg = settings(op, opts)
  const f = valueAndGrad as ValueAndGrad
  const done = (state: LbfgsState, reason: StopReason): MinimizeResult<P> =>
    frozen({
      params: state.params as P,
      value: state.value,
      grad: state.grad,
      iterations: state.iteration,
      evaluations: state.evaluations,
      converged: reason === 'gradient' || reason === 'value' || reason === 'step' || reason === 'flat',
      reason,
      state,
    })
  let state = initWith(op, f, params0)
  for (;;) {
    if (maxAbs(vecOf(state.grad)) <= cfg.toleranceGrad) return done(state, 'gradient')
    if (state.status !== 'running') return done(state, state.status)
    if (state.lastChange !== null && state.lastChange.step <= cfg.toleranceChange) return done(state, 'step')
    if (state.lastChange !== null && state.lastChange.value < cfg.toleranceChange) return done(state, 'value')
    if (state.iteration >= cfg.maxIterations) return done(state, 'maxIterations')
    if (state.evaluations >= cfg.maxEvaluations) return done(state, 'maxEvaluations')
    const remaining = cfg.maxEvaluations - state.evaluations
    const budget = Math.min(cfg.lineSearch.maxEvaluations ?? 25, remaining)
    state = stepWith(op, { ...cfg, lineSearch: { ...cfg.lineSearch, maxEvaluations: budget } }, f, state)
  }
}

/** This module builds no transformation: nothing for the optimizer laws to exercise (the compiler checks; see `exercises` in base.ts). */
export default exercises<typeof import('./lbfgs.js')>(() => ({}))
