/** Combinators and the small transformations, on worked examples. */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Optim, Tensor as T, Tree } from '../../src/index.js'

const arr = (t: Tree.Tree): number[] => Tree.leaves(t).flatMap((l) => T.toArray(l.value))
const params = { layers: [{ W: T.ones([2, 2], 'float64'), b: T.ones([2], 'float64') }], embed: T.ones([3, 2], 'float64') }
const grads = Tree.map(params, (x) => T.fullLike(x, 2))

describe('chain', () => {
  it('runs its parts in order, each on the previous updates, and returns their states as a tuple', () => {
    const tx = Optim.chain(Optim.scale(3), Optim.clip(5), Optim.scaleByLearningRate(0.5))
    const [u, s] = tx.update(grads, tx.init(params), params)
    expect(arr(u)).toEqual(new Array(12).fill(-2.5))
    expect(s).toEqual([{ _tag: 'EmptyState' }, { _tag: 'EmptyState' }, { _tag: 'ScaleByScheduleState', count: T.scalar(1, 'int32') }])
    expect(Object.isFrozen(s)).toBe(true)
  })
})

describe('masked', () => {
  it('runs the inner transformation on the selected leaves only, and keeps state for them only', () => {
    const tx = Optim.masked(Optim.trace(0.5), { layers: [{ W: true, b: false }], embed: false })
    const s0 = tx.init(params)
    expect(Tree.paths(s0.inner.trace)).toEqual(['layers.0.W'])
    const [u1, s1] = tx.update(grads, s0, params)
    const [u2] = tx.update(grads, s1, params)
    expect(arr((u1 as typeof params).layers[0]!.W)).toEqual([2, 2, 2, 2])
    expect(arr((u2 as typeof params).layers[0]!.W)).toEqual([3, 3, 3, 3]) // 0.5·2 + 2
    expect(arr((u2 as typeof params).layers[0]!.b)).toEqual([2, 2]) // passed through
    expect((u2 as typeof params).embed).toBe(grads.embed)
  })
  it('a boolean stands for a whole subtree; a predicate sees leaf and path', () => {
    const a = Optim.masked(Optim.setToZero(), { layers: true, embed: false })
    const b = Optim.masked(Optim.setToZero(), (_x, path) => path.startsWith('layers'))
    const [ua] = a.update(grads, a.init(params), params)
    const [ub] = b.update(grads, b.init(params), params)
    expect(arr(ua)).toEqual(arr(ub))
    expect(arr(ua)).toEqual([2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0]) // embed (kept), then layers.0.W and layers.0.b (zeroed)
  })
  it('freezing parameters: masked(setToZero(), frozen) leaves them where they are', () => {
    const tx = Optim.chain(Optim.adam(0.1), Optim.masked(Optim.setToZero(), { layers: false, embed: true }))
    const [u] = tx.update(grads, tx.init(params), params)
    const next = Optim.applyUpdates(params, u)
    expect(next.embed).not.toBe(params.embed)
    expect(arr(next.embed)).toEqual(arr(params.embed))
    expect(arr(next.layers[0]!.W)).not.toEqual(arr(params.layers[0]!.W))
  })
})

describe('applyIfFinite (optax semantics)', () => {
  const p = { w: T.tensor([0], 'float64') }
  const nan = { w: T.tensor([Number.NaN], 'float64') }
  const inf = { w: T.tensor([-Infinity], 'float64') }
  const one = { w: T.tensor([1], 'float64') }

  it('skips up to maxConsecutiveErrors bad steps in a row, then gives up and applies the next', () => {
    const tx = Optim.applyIfFinite(Optim.sgd(0.1, { momentum: 0.9 }), 2)
    let s = tx.init(p)
    const out: number[][] = []
    for (const g of [one, nan, inf, nan, one, nan]) {
      const [u, s1] = tx.update(g, s, p)
      out.push([T.item((u as typeof p).w), s1.notFiniteCount, s1.totalNotFinite, Number(s1.lastFinite)])
      s = s1
    }
    expect(out[0]).toEqual([-0.1, 0, 0, 1])
    expect(out[1]).toEqual([0, 1, 1, 0])
    expect(out[2]).toEqual([0, 2, 2, 0])
    expect(out[3]![0]).toBeNaN() // the third bad step in a row is applied
    expect(out[3]!.slice(1)).toEqual([3, 3, 0])
    expect(out[4]!.slice(1)).toEqual([0, 3, 1])
    expect(out[5]).toEqual([0, 1, 4, 0])
  })
  it('a skipped step keeps the inner state object itself', () => {
    const tx = Optim.applyIfFinite(Optim.adam(1e-3), 5)
    const s0 = tx.init(p)
    const [, s1] = tx.update(nan, s0, p)
    expect(s1.inner).toBe(s0.inner)
  })
})

describe('small transformations', () => {
  it('trace: heavy ball and Nesterov, as PyTorch writes them', () => {
    const g = { w: T.tensor([1], 'float64') }
    const heavy = Optim.trace(0.9)
    const nest = Optim.trace(0.9, { nesterov: true })
    let [sh, sn] = [heavy.init(g), nest.init(g)]
    const h: number[] = []
    const n: number[] = []
    for (let k = 0; k < 3; k++) {
      const [uh, sh1] = heavy.update(g, sh)
      const [un, sn1] = nest.update(g, sn)
      h.push(T.item((uh as typeof g).w))
      n.push(T.item((un as typeof g).w))
      ;[sh, sn] = [sh1, sn1]
    }
    // b: 1, 1.9, 2.71; Nesterov g + 0.9·b: 1.9, 2.71, 3.439
    expect(h.map((v) => +v.toFixed(12))).toEqual([1, 1.9, 2.71])
    expect(n.map((v) => +v.toFixed(12))).toEqual([1.9, 2.71, 3.439])
  })
  it('addDecayedWeights: weightsOnly by default, allLeaves or a tree on request', () => {
    const g0 = Tree.map(params, T.zerosLike)
    const run = (tx: Optim.GradientTransformation<Optim.EmptyState>) => arr(tx.update(g0, tx.init(params), params)[0])
    expect(run(Optim.addDecayedWeights(0.5))).toEqual([...new Array(10).fill(0.5), 0, 0]) // embed and W decay, b does not
    expect(run(Optim.addDecayedWeights(0.5, { mask: Optim.allLeaves }))).toEqual(new Array(12).fill(0.5))
    expect(run(Optim.addDecayedWeights(0.5, { mask: { layers: [{ W: false, b: true }], embed: false } }))).toEqual([...new Array(10).fill(0), 0.5, 0.5])
  })
  it('clipByGlobalNorm: over all leaves together; untouched below the bound', () => {
    const g = { a: T.tensor([3, 0], 'float64'), b: T.tensor([[4]], 'float64') }
    const [u] = Optim.clipByGlobalNorm(1).update(g, Optim.emptyState)
    expect(arr(u).map((v) => +v.toFixed(12))).toEqual([0.6, 0, 0.8])
    expect(Optim.clipByGlobalNorm(5).update(g, Optim.emptyState)[0]).toBe(g)
  })
  it('setToZero and identity', () => {
    expect(arr(Optim.setToZero().update(grads, Optim.emptyState)[0])).toEqual(new Array(12).fill(0))
    expect(Optim.identity().update(grads, Optim.emptyState)[0]).toBe(grads)
  })
})

describe('states are plain, frozen, serializable values', () => {
  const opts: ReadonlyArray<readonly [string, Optim.GradientTransformation<unknown>]> = [
    ['adamw amsgrad', Optim.adamw(1e-3, { amsgrad: true })],
    ['rmsprop centered momentum', Optim.rmsprop(1e-3, { centered: true, momentum: 0.9 })],
    ['nadam', Optim.nadam(1e-3)],
    ['applyIfFinite(masked(lion))', Optim.applyIfFinite(Optim.masked(Optim.lion(1e-4), Optim.weightsOnly), 3)],
  ]
  it.each(opts)('%s: JSON holds every value, no functions, and reads back', (_, tx) => {
    const [, s] = tx.update(grads, tx.init(params), params)
    const json = JSON.stringify(s)
    expect(json).not.toMatch(/function|undefined/)
    expect(E.map(JSON.stringify)(Optim.stateFromJSON(JSON.parse(json)))).toEqual(E.right(json))
    const walk = (x: unknown): boolean => typeof x !== 'function' && (typeof x !== 'object' || x === null || (Object.isFrozen(x) && Object.values(x).every(walk)))
    expect(walk(s)).toBe(true)
  })
})
