/**
 * Laws of optimizers, as pure functions returning `Equiv`s; `optim.laws.ts` runs them over the
 * rows below: every alias and transformation, under the configurations its module declares next
 * to its code (one row per configuration, optax's `_OPTIMIZERS_UNDER_TEST`).
 *
 * - algebra: `chain` is associative and has the identity as unit;
 * - purity: update never changes its inputs, the same inputs give the same outputs, the state
 *   keeps its structure across steps, and survives a JSON round trip;
 * - dtypes: float32 parameters get float32 updates and float32 state tensors;
 * - fixed points: zero gradients leave plain SGD (and momentum from rest) where it is;
 * - decoupled weight decay with zero gradients shrinks ‖θ‖;
 * - Adam's first step has magnitude η per coordinate, and Adam ignores the gradients' scale;
 * - clipByGlobalNorm's output norm is at most the bound;
 * - descent: every optimizer decreases a random convex quadratic and reaches a small loss on
 *   Rosenbrock's function within its budget (gradients written by hand);
 * - schedules are bounded and monotone where they say so; a plateau's scale only falls.
 *
 * The comparators (tree.ts) and the helpers here are written without the optimizers under test.
 */
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { Optim, Tensor as T, Tree } from '../src/index.js'
import type { Quadratic } from './arb/optim.js'
import { quadraticGrad, quadraticValue } from './arb/optim.js'
import * as Kit from '../src/testing/optim.js'
import { type Comparator, type Equiv, equiv } from './Equiv.js'
import { snapshot } from './tree.js'

type Tx = Optim.GradientTransformation<unknown>

// -------------------------------------------------------------------------------------
// the table

/** Rosenbrock's function of a single [x, y] leaf, and its gradient written by hand. */
export const rosenbrock = (xy: T.Tensor): readonly [number, T.Tensor] => {
  const [x, y] = T.toArray(xy) as [number, number]
  const value = (1 - x) ** 2 + 100 * (y - x * x) ** 2
  return [value, T.tensor([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)], xy.dtype)]
}

/** How a row is checked for descent: the optimizer, its Rosenbrock budget and target loss. */
export interface Descent {
  readonly optimizer: Tx
  /** steps on Rosenbrock from (−1.2, 1) (value 24.2) */
  readonly steps: number
  /** loss to reach within the steps */
  readonly target: number
  /** steps on the random quadratics (default 30) */
  readonly quadraticSteps?: number
}

export interface Row {
  readonly name: string
  readonly tx: Tx
  /** Whether update needs the parameters (weight decay). */
  readonly needsParams: boolean
  /** A descent optimizer built from the row (the row itself for aliases); absent when the row cannot descend (setToZero). */
  readonly descent?: Descent
}

type Exercise = { readonly label?: string; readonly tx: Tx; readonly needsParams?: boolean; readonly descent?: { readonly optimizer?: Tx; readonly learningRate?: number; readonly steps: number; readonly target: number; readonly quadraticSteps?: number } }
type Module = { readonly [name: string]: unknown; readonly default?: () => { readonly [builder: string]: ReadonlyArray<Exercise> } }

const optimDir = fileURLToPath(new URL('../src/optim/', import.meta.url))

/** Every module of src/optim, by file name. */
export const OPTIM_MODULES: ReadonlyArray<readonly [string, Module]> = await Promise.all(
  readdirSync(optimDir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map(async (f) => [f, (await import(`../src/optim/${f.replace(/\.ts$/, '.js')}`)) as Module] as const),
)

/** The modules `Optim` re-exports something of: each must declare its exercises. */
export const publicModules = (): ReadonlyArray<readonly [string, Module]> => {
  const values = new Set<unknown>(Object.values(Optim))
  return OPTIM_MODULES.filter(([f, m]) => f !== 'index.ts' && Object.entries(m).some(([k, v]) => k !== 'default' && values.has(v)))
}

/**
 * Every alias and transformation under test: the exercises each module of src/optim declares
 * next to its code (its default export, see `exercises` in src/optim/base.ts), one row per
 * configuration (optax's `_OPTIMIZERS_UNDER_TEST`).
 */
export const OPTIMIZERS_UNDER_TEST: ReadonlyArray<Row> = OPTIM_MODULES.flatMap(([, m]) =>
  Object.entries(m.default?.() ?? {}).flatMap(([builder, list]) =>
    list.map((e): Row => {
      const name = e.label === undefined ? builder : `${builder} ${e.label}`
      const needsParams = e.needsParams ?? false
      if (e.descent === undefined) return { name, tx: e.tx, needsParams }
      const { optimizer = e.tx, learningRate, ...budget } = e.descent
      return { name, tx: e.tx, needsParams, descent: { ...budget, optimizer: learningRate === undefined ? optimizer : Optim.chain(optimizer, Optim.scaleByLearningRate(learningRate)) } }
    }),
  ),
)

// -------------------------------------------------------------------------------------
// helpers (written without the optimizers under test)

/** Runs `init` then one `update` per gradient tree; every tensor inside a value: puregrad/testing's. */
export { run, tensorsIn } from '../src/testing/optim.js'
const { run } = Kit

/** A state read back from its JSON form; a refusal is thrown, failing the law or test that read it. */
export const fromJSON = <S = unknown>(json: unknown, like?: S): S => {
  const r = Optim.stateFromJSON(json, like)
  if (E.isLeft(r)) throw r.left
  return r.right
}

/** Freezes every object and array of a value, tensors aside (they are frozen already). */
export const deepFreezeAll = <A>(x: A): A => {
  if (typeof x === 'object' && x !== null && !T.isTensor(x)) {
    for (const v of Object.values(x)) deepFreezeAll(v)
    Object.freeze(x)
  }
  return x
}

/** The skeleton of a value: tensors as dtype[shape], numbers as 'number', records with sorted keys. */
export const skeleton = (x: unknown): string => {
  if (T.isTensor(x)) return `${x.dtype}[${x.shape.join(',')}]`
  if (Array.isArray(x)) return `[${x.map(skeleton).join(',')}]`
  if (typeof x === 'object' && x !== null) {
    const r = x as Readonly<Record<string, unknown>>
    return `{${Object.keys(r).sort().map((k) => `${JSON.stringify(k)}:${skeleton(r[k])}`).join(',')}}`
  }
  if (typeof x === 'string') return JSON.stringify(x)
  return typeof x
}

/** Values compared structurally: tensors bit for bit, numbers with Object.is, records by key sets. */
export const sameValue: Comparator<unknown> = (a, b) => {
  if (T.isTensor(a) || T.isTensor(b)) return T.isTensor(a) && T.isTensor(b) && T.equals(a, b)
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]))
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a).sort()
    const kb = Object.keys(b).sort()
    const ra = a as Readonly<Record<string, unknown>>
    const rb = b as Readonly<Record<string, unknown>>
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(ra[k], rb[k]))
  }
  return Object.is(a, b)
}

/** ‖t‖₂ over every leaf, in float64, without the library's reductions. */
export const norm = (t: Tree.Tree): number =>
  Math.sqrt(
    Tree.leaves(t)
      .flatMap((l) => T.toArray(l.value))
      .reduce((s, v) => s + v * v, 0),
  )

const zerosOf = (t: Tree.Tree): Tree.Tree => Tree.map(t, (x) => T.fromArray(new Array<number>(x.size).fill(0), x.shape, x.dtype))

/** θ + u, leaf by leaf, without applyUpdates. */
const plus = (p: Tree.Tree, u: Tree.Tree): Tree.Tree => Tree.zipWith(p, u, (a, b) => T.add(a, b))

// -------------------------------------------------------------------------------------
// algebra

/** chain(identity, tx) ≡ tx ≡ chain(tx, identity) ≡ chain(tx), in updates (puregrad/testing's law). */
export const chainIdentity =
  (tx: Tx) =>
  (params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<Tree.Tree[][]> =>
    Kit.chainIdentityAt(tx, params, grads)

/** chain(chain(a, b), c) and chain(a, chain(b, c)) give the same updates, step after step. */
export const chainAssociative =
  (a: Tx, b: Tx, c: Tx) =>
  (params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<Tree.Tree[]> =>
    equiv(run(Optim.chain(Optim.chain(a, b), c), params, grads).updates, run(Optim.chain(a, Optim.chain(b, c)), params, grads).updates)

/** The empty chain is the identity. */
export const emptyChainIsIdentity = (params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<Tree.Tree[]> =>
  equiv(run(Optim.chain(), params, grads).updates, [...grads])

// -------------------------------------------------------------------------------------
// purity

/** init and update leave the (deep-frozen) parameters, gradients and states exactly as they were. */
export const updateDoesNotMutate =
  (tx: Tx) =>
  (params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<string[]> => {
    deepFreezeAll([params, grads])
    const before = snapshot([params, grads])
    let s: unknown = deepFreezeAll(tx.init(params))
    const pre: string[] = []
    const post: string[] = []
    for (const g of grads) {
      pre.push(snapshot(s))
      const [, next] = tx.update(g, s, params)
      post.push(snapshot(s))
      s = deepFreezeAll(next)
    }
    return equiv([snapshot([params, grads]), ...post], [before, ...pre])
  }

/** Two independent runs from the same inputs give the same updates and states, bit for bit. */
export const deterministic =
  (make: () => Tx) =>
  (params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<unknown> =>
    equiv(run(make(), params, grads), run(make(), params, grads))

/** The state has the same structure (keys, shapes, dtypes, kinds of values) after every step. */
export const stateStructureStable =
  (tx: Tx) =>
  (params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<string[]> => {
    const shapes = run(tx, params, grads).states.map(skeleton)
    return equiv(shapes, shapes.map(() => shapes[0]!))
  }

/** Updates keep the structure of the gradients (keys, shapes, dtypes). */
export const updatesShapedLikeGrads =
  (tx: Tx) =>
  (params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<string[]> =>
    equiv(run(tx, params, grads).updates.map(skeleton), grads.map(skeleton))

/**
 * Saving the state as JSON after the first step and resuming from it gives the same later
 * updates as the uninterrupted run, bit for bit.
 */
export const resumesFromJSON =
  (tx: Tx) =>
  (params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<Tree.Tree[]> => {
    const straight = run(tx, params, grads).updates
    const [u0, s1] = tx.update(grads[0]!, tx.init(params), params)
    let s: unknown = fromJSON(JSON.parse(JSON.stringify(s1)))
    const resumed = [u0]
    for (const g of grads.slice(1)) {
      const [u, next] = tx.update(g, s, params)
      resumed.push(u)
      s = fromJSON(JSON.parse(JSON.stringify(next)))
    }
    return equiv(resumed, straight)
  }

/** With parameters of one dtype, every update and state tensor has that dtype (puregrad/testing's law). */
export const keepsDtype =
  (tx: Tx) =>
  (params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<string[]> =>
    Kit.keepsDtypeAt(tx, params, grads)

// -------------------------------------------------------------------------------------
// fixed points and first steps

/** Zero gradients leave plain SGD (and SGD with momentum, started at rest) where it is. */
export const zeroGradsFixSgd =
  (tx: Tx, steps: number) =>
  (params: Tree.Tree): Equiv<Tree.Tree> => {
    let p = params
    let s = tx.init(params)
    for (let i = 0; i < steps; i++) {
      const [u, next] = tx.update(zerosOf(params), s, p)
      p = plus(p, u)
      s = next
    }
    return equiv(p, params)
  }

/** Decoupled weight decay with zero gradients: ‖θ₁‖ < ‖θ₀‖, and ‖θ₁‖ = (1 − ηλ)‖θ₀‖. */
export const decoupledDecayShrinks =
  (learningRate: number, weightDecay: number) =>
  (params: Tree.Tree): Equiv<readonly [boolean, number]> => {
    const tx = Optim.adamw(learningRate, { weightDecay, mask: Optim.allLeaves })
    const [u] = tx.update(zerosOf(params), tx.init(params), params)
    const n0 = norm(params)
    const n1 = norm(plus(params, u))
    return equiv([n1 < n0, n1], [true, (1 - learningRate * weightDecay) * n0])
  }

/** Adam's first update is −η·sign(g) per coordinate, for |g| much larger than eps. */
export const adamFirstStepIsLr =
  (learningRate: number) =>
  (params: Tree.Tree, grads: Tree.Tree): Equiv<Tree.Tree> => {
    const tx = Optim.adam(learningRate)
    const [u] = tx.update(grads, tx.init(params), params)
    return equiv(u, Tree.map(grads, (g) => T.fromArray(T.toArray(g).map((v) => -learningRate * Math.sign(v)), g.shape, g.dtype)))
  }

/** Adam's updates do not depend on the scale of the gradients (up to eps). */
export const adamScaleInvariant =
  (c: number) =>
  (params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<Tree.Tree[]> => {
    const tx = Optim.adam(1e-2)
    const scaled = grads.map((g) => Tree.map(g, (x) => T.mul(x, c)))
    return equiv(run(tx, params, scaled).updates, run(tx, params, grads).updates)
  }

/** clipByGlobalNorm: ‖u‖ ≤ c (float rounding aside), and u ≡ g when ‖g‖ ≤ c already. */
export const clipByGlobalNormBound =
  (c: number) =>
  (grads: Tree.Tree): Equiv<readonly [boolean, boolean]> => {
    const [u] = Optim.clipByGlobalNorm(c).update(grads, Optim.emptyState)
    const within = norm(grads) <= c
    return equiv([norm(u) <= c * (1 + 1e-6), !within || u === grads], [true, true])
  }

// -------------------------------------------------------------------------------------
// descent

/** After `steps` steps from its start, the optimizer has lowered a convex quadratic (puregrad/testing's law). */
export const descendsOnQuadratic =
  (tx: Tx, steps: number) =>
  (q: Quadratic): Equiv<readonly [boolean, number, number]> =>
    Kit.descendsOnQuadraticAt(tx, steps, q)

/** Within its budget, the optimizer brings Rosenbrock's function from 24.2 below its target. */
export const reachesRosenbrockTarget = (d: Descent): Equiv<readonly [boolean, number]> => {
  let p: Tree.Tree = { xy: T.tensor([-1.2, 1], 'float64') }
  let s = d.optimizer.init(p)
  for (let i = 0; i < d.steps; i++) {
    const [, g] = rosenbrock((p as { xy: T.Tensor }).xy)
    const [u, next] = d.optimizer.update({ xy: g }, s, p)
    p = plus(p, u)
    s = next
  }
  const value = rosenbrock((p as { xy: T.Tensor }).xy)[0]
  return equiv([value < d.target, value], [true, value])
}

// -------------------------------------------------------------------------------------
// combinators

/** masked(tx, everything) ≡ tx and masked(tx, nothing) ≡ identity, in updates. */
export const maskedExtremes =
  (tx: Tx) =>
  (params: Tree.Tree, grads: ReadonlyArray<Tree.Tree>): Equiv<Tree.Tree[][]> =>
    equiv(
      [run(Optim.masked(tx, () => true), params, grads).updates, run(Optim.masked(tx, false), params, grads).updates],
      [run(tx, params, grads).updates, [...grads]],
    )

/**
 * applyIfFinite: a step with a NaN gradient outputs zeros and keeps the inner state (the same
 * object); a finite step is the inner step.
 */
export const applyIfFiniteSkips =
  (tx: Tx) =>
  (params: Tree.Tree, grads: Tree.Tree): Equiv<readonly [unknown, unknown, number, unknown]> => {
    const guarded = Optim.applyIfFinite(tx, 5)
    const s0 = guarded.init(params)
    const bad = Tree.map(grads, (x, path) => (path === Tree.paths(grads)[0] ? T.fromArray([Number.NaN, ...T.toArray(x).slice(1)], x.shape, x.dtype) : x))
    const [u1, s1] = guarded.update(bad, s0, params)
    const [u2, s2] = guarded.update(grads, s1, params)
    const [want] = tx.update(grads, s0.inner, params)
    return equiv([u1, s1.inner === s0.inner, s1.totalNotFinite + s2.notFiniteCount, u2], [zerosOf(grads), true, 1, want])
  }

// -------------------------------------------------------------------------------------
// schedules and plateaus

/** lo ≤ s(t) ≤ hi. */
export const scheduleBounded =
  (s: Optim.Schedule, lo: number, hi: number) =>
  (t: number): Equiv<readonly [boolean, number]> => {
    const v = s(t)
    return equiv([v >= lo - 1e-12 && v <= hi + 1e-12, v], [true, v])
  }

/** a ≤ b ⇒ s(a) ≥ s(b) (non-increasing) or s(a) ≤ s(b) (non-decreasing). */
export const scheduleMonotone =
  (s: Optim.Schedule, direction: 'nonincreasing' | 'nondecreasing') =>
  (a: number, b: number): Equiv<readonly [boolean, number, number]> => {
    const [x, y] = a <= b ? [a, b] : [b, a]
    const [u, v] = [s(x), s(y)]
    const ok = direction === 'nonincreasing' ? v <= u + 1e-12 * Math.abs(u) : v >= u - 1e-12 * Math.abs(u)
    return equiv([ok, u, v], [true, u, v])
  }

/** Whatever the metrics, the plateau scale never rises and stays in [minScale, 1]. */
export const plateauScaleFalls =
  (opts: Optim.PlateauOptions) =>
  (metrics: ReadonlyArray<number>): Equiv<boolean> => {
    const p = Optim.reduceOnPlateau(opts)
    const scales = metrics.reduce<Optim.PlateauState[]>((acc, m) => [...acc, p.update(acc[acc.length - 1]!, m)], [p.init()]).map((s) => s.scale)
    const min = opts.minScale ?? 0
    return equiv(scales.every((v, i) => v <= 1 && v >= min && (i === 0 || v <= scales[i - 1]!)), true)
  }

// -------------------------------------------------------------------------------------
// L-BFGS

/** L-BFGS never raises the value, step after step, and ends below where it started. */
export const lbfgsDescends =
  (steps: number) =>
  (q: Quadratic): Equiv<readonly [boolean, boolean]> => {
    const f = (p: Tree.Tree): readonly [number, Tree.Tree] => [quadraticValue(q, p), quadraticGrad(q, p)]
    const solver = Optim.lbfgs({ historySize: 3 })
    const states = [solver.init(f, q.start)]
    for (let i = 0; i < steps; i++) states.push(solver.step(f, states[states.length - 1]!))
    const values = states.map((s) => s.value)
    return equiv([values.every((v, i) => i === 0 || v <= values[i - 1]!), values[values.length - 1]! < values[0]!], [true, true])
  }
