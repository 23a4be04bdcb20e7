/**
 * Runs the tree laws of `tree.ts` over random trees (float32, float64 and int32 leaves of random
 * shapes, nested up to depth 3). Every input is deep-frozen first, so an operation that writes
 * to its input throws.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Tensor as T, Tree } from '../src/index.js'
import * as Arb from './arb/tree.js'
import { type Comparator, exact } from './Equiv.js'
import * as Laws from './tree.js'
import { same, treeExact } from './tree.js'

const frozen = <A extends Tree.Tree>(arb: fc.Arbitrary<A>): fc.Arbitrary<A> => arb.map((t) => Tree.deepFreeze(t))
const frozenAll = (arb: fc.Arbitrary<Tree.Tree[]>): fc.Arbitrary<Tree.Tree[]> => arb.map((ts) => ts.map((t) => Tree.deepFreeze(t)))

const each =
  <A>(cmp: Comparator<A>): Comparator<ReadonlyArray<A>> =>
  (a, b) =>
    a.length === b.length && a.every((x, i) => cmp(x, b[i]!))

const tensorOrSame: Comparator<unknown> = (a, b) => (T.isTensor(a) && T.isTensor(b) ? T.equals(a, b) : Object.is(a, b))

/** Trees whose leaves hold every kind of value: NaN, ±Infinity, −0, subnormals, extremes. */
const special = frozen(Arb.tree({ special: true }))
const plain = frozen(Arb.tree())
const pair = frozenAll(Arb.sameStructure(2))
const triple = frozenAll(Arb.sameStructure(3))

describe('Tree functor laws', () => {
  test.prop([special])('identity: map(t, x => x) ≡ t', (t) => {
    expect(Laws.identity(t)).toHold(treeExact)
  })

  test.prop([special, Arb.leafFn, Arb.leafFn])('composition: map(map(t, f), g) ≡ map(t, g ∘ f)', (t, f, g) => {
    expect(Laws.composition(f, g)(t)).toHold(treeExact)
  })

  test.prop([plain])('map visits the leaves once each, in traversal order', (t) => {
    expect(Laws.mapVisitsInOrder(t)).toHold(same)
  })

  test.prop([plain, Arb.shapePreservingFn])('map keeps the structure when f keeps shapes and dtypes', (t, f) => {
    expect(Laws.structurePreservedByMap(f)(t)).toHold(same)
  })

  test.prop([plain, Arb.leafFn])('map keeps the paths for any f', (t, f) => {
    expect(Laws.pathsPreservedByMap(f)(t)).toHold(same)
  })
})

describe('Tree zipWith laws', () => {
  test.prop([frozenAll(Arb.sameStructure(2, { special: true }))])('zipWith(a, b, (x, _) => x) ≡ a and (_, y) => y ≡ b', ([a, b]) => {
    expect(Laws.zipWithFirst(a!, b!)).toHold(treeExact)
    expect(Laws.zipWithSecond(a!, b!)).toHold(treeExact)
  })

  test.prop([plain, Arb.leafFn])('zipWith(t, t, (x, _, p) => f(x, p)) ≡ map(t, f)', (t, f) => {
    expect(Laws.zipWithDiagonal(f)(t)).toHold(treeExact)
  })

  test.prop([pair, Arb.shapePreservingFn, Arb.leafFn])('zipWith(map(a, f), b, g) fuses into one map', ([a, b], f, g) => {
    expect(Laws.zipWithMapFusion(f, g)(a!, b!)).toHold(treeExact)
  })

  test.prop([triple])('the n-ary and ternary forms hand each tree its own leaves', ([a, b, c]) => {
    expect(Laws.zipWith3Projections(a!, b!, c!)).toHold(each(treeExact))
  })

  test.prop([pair])('pipe(a, zipWith(b, f)) ≡ zipWith(a, b, f)', ([a, b]) => {
    expect(Laws.zipWithDataLast((x, y, p) => (p.length % 2 === 0 ? x : y))(a!, b!)).toHold(treeExact)
  })
})

describe('Tree folding laws', () => {
  test.prop([plain])('reduce ≡ the same fold over leaves', (t) => {
    const collect = (acc: string, leaf: T.Tensor, path: string): string => `${acc}|${path}:${leaf.dtype}[${leaf.shape.join(',')}]`
    expect(Laws.reduceMatchesLeaves('', collect)(t)).toHold(same)
  })

  test.prop([plain])('leaves follow the reference traversal: sorted keys, arrays by index', (t) => {
    expect(Laws.leavesMatchReference(t)).toHold(same)
  })

  test.prop([plain])('paths, count and size agree with leaves', (t) => {
    expect(Laws.countsMatchLeaves(t)).toHold(same)
  })

  test.prop([plain])('record key insertion order changes neither paths, θ nor structure', (t) => {
    expect(Laws.keyOrderIrrelevant(t)).toHold(each(tensorOrSame))
  })
})

describe('Tree flatten laws', () => {
  test.prop([special])('unflatten(flatten(t).theta) ≡ t, bit for bit, every dtype, −0 and NaN', (t) => {
    expect(Laws.flattenRoundTrip(t)).toHold(treeExact)
  })

  test.prop([special])('θ is float64 [size] holding the leaves in traversal order', (t) => {
    expect(Laws.flattenConcatenatesLeaves(t)).toHold(exact)
  })

  test.prop([plain])('segments tile θ in traversal order', (t) => {
    expect(Laws.segmentsTileTheta(t)).toHold(same)
  })

  test.prop([special.chain((t) => fc.tuple(fc.constant(t), Arb.thetaFor(t, true)))])(
    'flatten(unflatten(θ)).theta ≡ θ for θ that fits the leaves',
    ([t, theta]) => {
      expect(Laws.thetaRoundTrip(t, theta)).toHold(exact)
    },
  )

  test.prop([plain.chain((t) => fc.tuple(fc.constant(t), Arb.thetaFor(t)))])('unflattenLike(t, θ) ≡ flatten(t).unflatten(θ)', ([t, theta]) => {
    expect(Laws.unflattenLikeAgrees(t, theta)).toHold(each(treeExact))
  })
})

describe('Tree structure laws', () => {
  test.prop([plain, Arb.shapePreservingFn])('checkSameStructure(t, map(t, f)) succeeds for f keeping shapes', (t, f) => {
    expect(Laws.sameStructureReflexive(f)(t)).toHold(same)
  })

  test.prop([fc.oneof(pair, fc.tuple(plain, plain))])('checkSameStructure is symmetric and agrees with structure()', ([a, b]) => {
    expect(Laws.sameStructureSymmetric(a!, b!)).toHold(each(same))
  })

  test.prop([frozen(Arb.nonEmptyTree()).chain((t) => fc.tuple(fc.constant(t), fc.constantFrom(...Tree.paths(t))))])(
    'a changed leaf shape is reported at its path',
    ([t, path]) => {
      expect(Laws.mismatchNamesPath(t, path)).toHold(same)
    },
  )
})

describe('Tree purity', () => {
  const ops: ReadonlyArray<readonly [string, (t: Tree.Tree) => unknown]> = [
    ['map', (t) => Tree.map(t, (x) => T.zerosLike(x))],
    ['zipWith', (t) => Tree.zipWith(t, t, (x) => x)],
    ['zipWith n-ary', (t) => Tree.zipWith((x) => x, t, t, t)],
    ['reduce', (t) => Tree.reduce(t, 0, (n, x) => n + x.size)],
    ['leaves', (t) => Tree.leaves(t)],
    ['paths', (t) => Tree.paths(t)],
    ['size', (t) => Tree.size(t)],
    ['count', (t) => Tree.count(t)],
    ['structure', (t) => Tree.structure(t)],
    ['checkSameStructure', (t) => Tree.checkSameStructure(t, t)],
    ['flatten', (t) => Tree.flatten(t)],
    ['unflatten', (t) => { const f = Tree.flatten(t); return f.unflatten(f.theta) }],
    ['unflattenLike', (t) => Tree.unflattenLike(t, Tree.flatten(t).theta)],
    ['deepFreeze', (t) => Tree.deepFreeze(t)],
  ]
  for (const [name, run] of ops) {
    test.prop([special])(`${name} does not change its (deep-frozen) input`, (t) => {
      expect(Laws.doesNotMutate(run)(t)).toHold(same)
    })
  }

  test.prop([plain, Arb.leafFn])('results of map, zipWith and unflatten are frozen all the way down', (t, f) => {
    const allFrozen = (u: unknown): boolean =>
      typeof u !== 'object' || u === null || T.isTensor(u) || (Object.isFrozen(u) && Object.values(u).every(allFrozen))
    const fl = Tree.flatten(t)
    expect(allFrozen(Tree.map(t, f))).toBe(true)
    expect(allFrozen(Tree.zipWith(t, t, (x) => x))).toBe(true)
    expect(allFrozen(fl.unflatten(fl.theta))).toBe(true)
    expect(allFrozen(Tree.structure(t))).toBe(true)
  })
})
