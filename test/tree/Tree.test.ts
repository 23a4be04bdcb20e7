import { pipe } from 'fp-ts/lib/function.js'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Tensor as T, Tree } from '../../src/index.js'

const z = (...shape: number[]) => T.zeros(shape)
const names = (t: Tree.Tree) => Tree.paths(t)

describe('paths and traversal order', () => {
  it('joins keys and indices with dots, like layers.2.W', () => {
    const params = { layers: [{ W: z(2, 2), b: z(2) }, {}, { W: z(2, 1), b: z(1) }] }
    expect(names(params)).toEqual(['layers.0.W', 'layers.0.b', 'layers.2.W', 'layers.2.b'])
  })

  it('gives a root leaf the path ""', () => {
    expect(names(z(3))).toEqual([''])
    expect(Tree.leaves(z(3))[0]?.path).toBe('')
  })

  it('sorts record keys, whatever their insertion order', () => {
    const a = { b: z(1), W: z(1), a: { y: z(1), x: z(1) } }
    const b = { a: { x: z(1), y: z(1) }, W: z(1), b: z(1) }
    expect(names(a)).toEqual(['W', 'a.x', 'a.y', 'b'])
    expect(names(b)).toEqual(names(a))
  })

  it('sorts keys as strings, as JAX does ("10" before "9"), and arrays by number', () => {
    const r = { '9': z(1), '10': z(1), '0': z(1) }
    expect(names(r)).toEqual(['0', '10', '9'])
    const arr = Array.from({ length: 11 }, () => z(1))
    expect(names(arr)).toEqual(Array.from({ length: 11 }, (_, i) => String(i)))
  })

  it('visits depth first: a whole subtree before the next key', () => {
    expect(names({ a: [z(1), { c: z(1), b: z(1) }], b: z(1) })).toEqual(['a.0', 'a.1.b', 'a.1.c', 'b'])
  })

  it('calls map in traversal order and hands it each path', () => {
    const seen: string[] = []
    Tree.map({ z: z(1), a: [z(1), z(1)] }, (x, p) => {
      seen.push(p)
      return x
    })
    expect(seen).toEqual(['a.0', 'a.1', 'z'])
  })

  it('keeps "__proto__" and "constructor" as ordinary keys', () => {
    const t = JSON.parse('{"__proto__": {"W": 0}, "constructor": {"W": 0}}') as Record<string, Record<string, unknown>>
    const params = Object.fromEntries(Object.keys(t).map((k) => [k, { W: z(2) }])) as Tree.Tree
    expect(names(params)).toEqual(['__proto__.W', 'constructor.W'])
    const m = Tree.map(params, (x) => T.onesLike(x)) as Readonly<Record<string, { W: T.Tensor }>>
    expect(Object.getPrototypeOf(m)).toBe(Object.prototype)
    expect(Object.keys(m)).toEqual(['__proto__', 'constructor'])
    expect(T.toArray(m['__proto__']!.W)).toEqual([1, 1])
  })

  it('accepts records with a null prototype', () => {
    const r = Object.assign(Object.create(null) as Record<string, T.Tensor>, { W: z(1) })
    expect(names(r)).toEqual(['W'])
  })
})

describe('map', () => {
  const params = { W: T.tensor([[1, 2], [3, 4]]), b: T.tensor([5, 6]) }

  it('works data-first and data-last', () => {
    const neg = (x: T.Tensor) => T.fromArray(T.toArray(x).map((v) => -v), x.shape, x.dtype)
    const a = Tree.map(params, neg)
    const b = pipe(params, Tree.map(neg))
    expect(T.toArray(a.W)).toEqual([-1, -2, -3, -4])
    expect(T.equals(a.b, b.b)).toBe(true)
  })

  it('may change leaf shapes and dtypes (the containers stay)', () => {
    const sizes = Tree.map(params, (x) => T.scalar(x.size, 'int32'))
    expect(Tree.structure(sizes)).toEqual({ W: { dtype: 'int32', shape: [] }, b: { dtype: 'int32', shape: [] } })
  })

  it('returns new frozen containers and reuses the tensors f returns', () => {
    const out = Tree.map(params, (x) => x)
    expect(out).not.toBe(params)
    expect(out.W).toBe(params.W)
    expect(Object.isFrozen(out)).toBe(true)
    expect(Object.isFrozen(params)).toBe(false)
  })

  it('maps the empty trees to empty trees', () => {
    expect(Tree.map({}, (x) => x)).toEqual({})
    expect(Tree.map([], (x) => x)).toEqual([])
    expect(Tree.map({ relu: {}, pool: [] }, (x) => x)).toEqual({ relu: {}, pool: [] })
  })
})

describe('zipWith', () => {
  const a = { W: T.tensor([1, 2]), b: T.tensor([3]) }
  const b = { b: T.tensor([30]), W: T.tensor([10, 20]) }
  const c = { W: T.tensor([100, 200]), b: T.tensor([300]) }
  const add = (...xs: T.Tensor[]) =>
    T.fromArray(
      T.toArray(xs[0]!).map((_, i) => xs.reduce((s, x) => s + T.toArray(x)[i]!, 0)),
      xs[0]!.shape,
    )

  it('combines two trees leaf by leaf, data-first and data-last', () => {
    const s = Tree.zipWith(a, b, (x, y) => add(x, y))
    expect(T.toArray(s.W)).toEqual([11, 22])
    expect(T.toArray(s.b)).toEqual([33])
    const s2 = pipe(a, Tree.zipWith(b, (x, y) => add(x, y)))
    expect(T.toArray(s2.W)).toEqual([11, 22])
  })

  it('has a ternary form zipWith(a, b, c, f) and an n-ary form zipWith(f, a, b, c, …)', () => {
    expect(T.toArray(Tree.zipWith(a, b, c, (x, y, w) => add(x, y, w)).W)).toEqual([111, 222])
    expect(T.toArray(Tree.zipWith((x, y, w) => add(x, y, w), a, b, c).b)).toEqual([333])
    expect(T.toArray(Tree.zipWith((x, y, w, v) => add(x, y, w, v), a, b, c, a).b)).toEqual([336])
    expect(T.toArray(Tree.zipWith((x) => x, a).W)).toEqual([1, 2])
  })

  it('passes the path after the leaves', () => {
    const seen: string[] = []
    Tree.zipWith(a, b, (x, _y, p) => {
      seen.push(p)
      return x
    })
    Tree.zipWith(
      (x, _y, _z, p) => {
        seen.push(p)
        return x
      },
      a,
      b,
      c,
    )
    expect(seen).toEqual(['W', 'b', 'W', 'b'])
  })

  it('checks the whole structure before calling f', () => {
    let calls = 0
    const bad = { W: T.tensor([1, 2]), b: T.tensor([3, 4]) }
    expect(() =>
      Tree.zipWith(a, bad, (x) => {
        calls++
        return x
      }),
    ).toThrow(/'b'/)
    expect(calls).toBe(0)
  })

  it('zips empty trees', () => {
    expect(Tree.zipWith({ relu: {} }, { relu: {} }, (x) => x)).toEqual({ relu: {} })
  })
})

describe('reduce, leaves, paths, size, count', () => {
  const params = { layers: [{ W: z(3, 4), b: z(4) }, { W: z(4, 2), b: z(2) }], step: T.zeros([], 'int32') }

  it('reduce folds in traversal order, data-first and data-last', () => {
    const f = (acc: string, x: T.Tensor, p: string) => `${acc}${p}:${x.size};`
    const expected = 'layers.0.W:12;layers.0.b:4;layers.1.W:8;layers.1.b:2;step:1;'
    expect(Tree.reduce(params, '', f)).toBe(expected)
    expect(pipe(params, Tree.reduce('', f))).toBe(expected)
  })

  it('leaves gives the tensors themselves with their paths', () => {
    const ls = Tree.leaves(params)
    expect(ls.map((l) => l.path)).toEqual(['layers.0.W', 'layers.0.b', 'layers.1.W', 'layers.1.b', 'step'])
    expect(ls[0]!.value).toBe(params.layers[0]!.W)
  })

  it('size counts scalars, count counts leaves', () => {
    expect(Tree.size(params)).toBe(12 + 4 + 8 + 2 + 1)
    expect(Tree.count(params)).toBe(5)
    expect(Tree.size({ e: T.zeros([0, 3]) })).toBe(0)
    expect(Tree.count({ e: T.zeros([0, 3]) })).toBe(1)
  })

  it('handles empty trees', () => {
    for (const t of [{}, [], { a: {}, b: [[], {}] }]) {
      expect(Tree.leaves(t)).toEqual([])
      expect(Tree.paths(t)).toEqual([])
      expect(Tree.size(t)).toBe(0)
      expect(Tree.count(t)).toBe(0)
      expect(Tree.reduce(t, 7, (n) => n + 1)).toBe(7)
    }
  })

  it('lets a tensor appear at several places (sharing is not a cycle)', () => {
    const w = z(2)
    const shared = { a: w, b: [w, { c: w }] }
    expect(Tree.paths(shared)).toEqual(['a', 'b.0', 'b.1.c'])
    const sub = { W: w }
    expect(Tree.count({ x: sub, y: sub })).toBe(2)
  })
})

describe('structure and checkSameStructure', () => {
  it('gives a JSON skeleton with sorted keys and each leaf shape and dtype', () => {
    const params = { b: T.zeros([128], 'float64'), W: z(784, 128), relu: {}, idx: [T.zeros([3], 'int32')] }
    const s = Tree.structure(params)
    expect(s).toEqual({
      W: { dtype: 'float32', shape: [784, 128] },
      b: { dtype: 'float64', shape: [128] },
      idx: [{ dtype: 'int32', shape: [3] }],
      relu: {},
    })
    expect(JSON.stringify(s)).toBe(
      '{"W":{"dtype":"float32","shape":[784,128]},"b":{"dtype":"float64","shape":[128]},"idx":[{"dtype":"int32","shape":[3]}],"relu":{}}',
    )
    expect(Tree.structure(z())).toEqual({ dtype: 'float32', shape: [] })
  })

  it('accepts trees that differ only in values and key order', () => {
    const a = { W: z(2, 2), b: z(2) }
    const b = { b: T.ones([2]), W: T.ones([2, 2]) }
    expect(Tree.checkSameStructure(a, b)).toEqual(E.right(undefined))
    expect(pipe(a, Tree.checkSameStructure(b))).toEqual(E.right(undefined))
    expect(Tree.checkSameStructure({}, {})).toEqual(E.right(undefined))
  })
})

describe('isTree, checkTree, deepFreeze', () => {
  it('tells trees from other values', () => {
    expect(Tree.isTree({ a: [z(1), {}] })).toBe(true)
    expect(Tree.isTree(z(1))).toBe(true)
    expect(Tree.isTree({ a: 1 })).toBe(false)
    expect(Tree.isTree(new Date())).toBe(false)
    const r = Tree.checkTree({ a: [z(1), 'x'] })
    expect(E.isLeft(r) && r.left.code === 'INVALID_VALUE' && r.left.message.includes("'a.1'")).toBe(true)
  })

  it('deepFreeze freezes every container in place and returns the same tree', () => {
    const inner = { W: z(2) }
    const arr = [inner]
    const t = { layers: arr }
    const out = Tree.deepFreeze(t)
    expect(out).toBe(t)
    expect([t, arr, inner].every((o) => Object.isFrozen(o))).toBe(true)
    expect(() => {
      ;(arr as unknown as T.Tensor[]).push(z(1))
    }).toThrow(TypeError)
  })

  it('deepFreeze refuses what is not a tree', () => {
    expect(() => Tree.deepFreeze({ a: 1 } as unknown as Tree.Tree)).toThrow(/'a'/)
  })
})
