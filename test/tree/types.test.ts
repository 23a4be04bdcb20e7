/** Type-level checks: the functions keep the caller's concrete tree type (tsc checks these). */
import { pipe } from 'fp-ts/lib/function.js'
import { describe, expectTypeOf, it } from 'vitest'
import { Tensor as T, Tree } from '../../src/index.js'

type Params = {
  readonly layers: ReadonlyArray<{ readonly W: T.Tensor; readonly b: T.Tensor }>
  readonly step: T.Tensor
}
const p: Params = { layers: [{ W: T.zeros([2, 2]), b: T.zeros([2]) }], step: T.zeros([], 'int32') }
const id = (x: T.Tensor): T.Tensor => x

describe('types', () => {
  it('map, zipWith and unflatten return the type of their (first) input', () => {
    expectTypeOf(Tree.map(p, id)).toEqualTypeOf<Params>()
    expectTypeOf(pipe(p, Tree.map(id))).toEqualTypeOf<Params>()
    expectTypeOf(Tree.zipWith(p, p, (x) => x)).toEqualTypeOf<Params>()
    expectTypeOf(pipe(p, Tree.zipWith(p, (x) => x))).toEqualTypeOf<Params>()
    expectTypeOf(Tree.zipWith(p, p, p, (_g, _m, x) => x)).toEqualTypeOf<Params>()
    expectTypeOf(Tree.zipWith((_g, _m, x) => x, p, p, p)).toEqualTypeOf<Params>()
    expectTypeOf(Tree.flatten(p).unflatten).returns.toEqualTypeOf<Params>()
    expectTypeOf(Tree.unflattenLike(p, Tree.flatten(p).theta)).toEqualTypeOf<Params>()
    expectTypeOf(Tree.deepFreeze(p)).toEqualTypeOf<Params>()
  })

  it('infers the leaves and path of n-ary functions', () => {
    Tree.zipWith(
      (g, m, x, path) => {
        expectTypeOf(g).toEqualTypeOf<T.Tensor>()
        expectTypeOf(m).toEqualTypeOf<T.Tensor>()
        expectTypeOf(path).toEqualTypeOf<string>()
        return x
      },
      p,
      p,
      p,
    )
  })

  it('keeps literal record types', () => {
    const lit = Tree.map({ W: T.zeros([2]), layers: [T.zeros([1])] }, id)
    expectTypeOf(lit.W).toEqualTypeOf<T.Tensor>()
    expectTypeOf(lit.layers).toEqualTypeOf<T.Tensor[]>()
  })

  it('maps a tree type to its structure type', () => {
    const s = Tree.structure(p)
    expectTypeOf(s.layers[0]!.W).toEqualTypeOf<Tree.LeafStructure>()
    expectTypeOf(Tree.structure(p as Tree.Tree)).toEqualTypeOf<Tree.Structure>()
  })

  it('refuses non-trees at compile time', () => {
    // @ts-expect-error numbers are not leaves
    expectTypeOf(Tree.map).toBeCallableWith({ a: 1 }, id)
    // @ts-expect-error interfaces have no index signature: declare tree shapes with `type`
    Tree.count({} as { W: T.Tensor } as ParamsInterface)
  })
})

interface ParamsInterface {
  readonly W: T.Tensor
}
