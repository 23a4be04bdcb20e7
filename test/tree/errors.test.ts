/** Every refusal of the tree module: the code, the path it names, and the fix it suggests. */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { PuregradError, Tensor as T, Tree } from '../../src/index.js'
import { caught } from '../util.js'

const z = (...shape: number[]) => T.zeros(shape)

const left = (r: E.Either<PuregradError, unknown>): PuregradError => {
  if (E.isRight(r)) throw new Error('expected Left')
  return r.left
}

class Params {
  readonly W = T.zeros([1])
}

describe('values that are not trees', () => {
  const cases: ReadonlyArray<readonly [string, unknown, RegExp]> = [
    ['a number', 0.5, /the number 0\.5.*Tensor\.scalar\(0\.5\)/],
    ['NaN', Number.NaN, /the number NaN/],
    ['null', null, /is null.*empty record \{\}/],
    ['undefined', undefined, /is undefined/],
    ['a string', 'relu', /the string "relu"/],
    ['a boolean', true, /the boolean true/],
    ['a bigint', 3n, /the bigint 3n/],
    ['a symbol', Symbol('s'), /a symbol/],
    ['a function', () => 1, /a function/],
    ['a typed array', new Float32Array(2), /a Float32Array.*Tensor\.fromArray/],
    ['a Map', new Map(), /an instance of Map.*Object\.fromEntries/],
    ['a Date', new Date(0), /an instance of Date/],
    ['a class instance', new Params(), /an instance of Params/],
    ['an object with a custom prototype', Object.create({ x: 1 }) as unknown, /an instance of Object|a custom prototype/],
  ]

  for (const [what, value, message] of cases) {
    it(`refuses ${what}, naming its path`, () => {
      const e = caught(() => Tree.leaves({ layers: [{ W: z(1), b: value }] } as unknown as Tree.Tree))
      expect(e.code).toBe('INVALID_VALUE')
      expect(e.op).toBe('Tree.leaves')
      expect(e.message).toContain("'layers.0.b'")
      expect(e.message).toMatch(message)
      expect(e.message).toContain('a tree holds only tensors, arrays and plain records')
    })
  }

  it('refuses a non-tree at the root, naming "the root"', () => {
    const e = caught(() => Tree.map(3 as unknown as Tree.Tree, (x) => x))
    expect(e.code).toBe('INVALID_VALUE')
    expect(e.message).toContain('the root')
  })

  it('refuses holes in arrays', () => {
    const e = caught(() => Tree.count([z(1), , z(1)] as unknown as Tree.Tree))
    expect(e.code).toBe('INVALID_VALUE')
    expect(e.message).toContain("'1'")
    expect(e.message).toContain('undefined')
  })

  it('refuses cycles, naming where the cycle closes and the ancestor it returns to', () => {
    const rec: Record<string, unknown> = { W: z(1) }
    rec['self'] = rec
    const e1 = caught(() => Tree.paths(rec as Tree.Tree))
    expect(e1.code).toBe('INVALID_VALUE')
    expect(e1.message).toContain("'self'")
    expect(e1.message).toContain('the root')
    expect(e1.message).toContain('cyclic')

    const arr: unknown[] = [z(1)]
    const t = { a: { b: arr } }
    arr.push(t.a)
    const e2 = caught(() => Tree.flatten(t as unknown as Tree.Tree))
    expect(e2.message).toContain("'a.b.1'")
    expect(e2.message).toContain("ancestor at 'a'")
  })

  it('every function refuses non-trees, under its own name', () => {
    const bad = { W: 1 } as unknown as Tree.Tree
    const ops: ReadonlyArray<readonly [string, () => unknown]> = [
      ['Tree.map', () => Tree.map(bad, (x) => x)],
      ['Tree.zipWith', () => Tree.zipWith(bad, bad, (x) => x)],
      ['Tree.reduce', () => Tree.reduce(bad, 0, (n) => n)],
      ['Tree.leaves', () => Tree.leaves(bad)],
      ['Tree.paths', () => Tree.paths(bad)],
      ['Tree.size', () => Tree.size(bad)],
      ['Tree.count', () => Tree.count(bad)],
      ['Tree.structure', () => Tree.structure(bad)],
      ['Tree.flatten', () => Tree.flatten(bad)],
      ['Tree.unflattenLike', () => Tree.unflattenLike(bad, T.zeros([1], 'float64'))],
      ['Tree.deepFreeze', () => Tree.deepFreeze(bad)],
    ]
    for (const [op, run] of ops) {
      const e = caught(run)
      expect([e.op, e.code, e.message.includes("'W'")]).toEqual([op, 'INVALID_VALUE', true])
    }
    const l = left(Tree.checkSameStructure({ W: z(1) }, bad))
    expect([l.op, l.code, l.message.includes("'W'")]).toEqual(['Tree.checkSameStructure', 'INVALID_VALUE', true])
    expect(E.isLeft(Tree.checkTree(bad))).toBe(true)
  })

  it('refuses a function that does not return a tensor, naming the leaf', () => {
    const e = caught(() => Tree.map({ a: { W: z(1) } }, () => 0 as unknown as T.Tensor))
    expect(e.code).toBe('INVALID_VALUE')
    expect(e.message).toContain("'a.W'")
    expect(e.message).toContain('the number 0')
    const e2 = caught(() => Tree.zipWith({ W: z(1) }, { W: z(1) }, () => [z(1)] as unknown as T.Tensor))
    expect(e2.message).toContain('an array of length 1')
  })

  it('refuses a missing function', () => {
    const e = caught(() => Tree.map({ W: z(1) }, 'f' as unknown as (x: T.Tensor) => T.Tensor))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(caught(() => (Tree.zipWith as (...a: unknown[]) => unknown)((x: T.Tensor) => x)).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => (Tree.zipWith as (...a: unknown[]) => unknown)({})).code).toBe('INVALID_ARGUMENT')
  })
})

describe('structure mismatches', () => {
  const check = (a: Tree.Tree, b: Tree.Tree): PuregradError => {
    const l = left(Tree.checkSameStructure(a, b))
    expect(l.code).toBe('TREE_MISMATCH')
    expect(l.op).toBe('Tree.checkSameStructure')
    // zipWith throws the same error
    const z2 = caught(() => Tree.zipWith(a, b, (x) => x))
    expect([z2.code, z2.detail]).toEqual([l.code, l.detail])
    return l
  }

  it('names a missing key and the keys on both sides', () => {
    const e = check({ layers: [{ W: z(2), b: z(2) }] }, { layers: [{ W: z(2) }] })
    expect(e.message).toContain("differ at 'layers.0'")
    expect(e.message).toContain('the second has no key "b"')
    expect(e.message).toContain('["W", "b"]')
  })

  it('names an extra key', () => {
    const e = check({ W: z(2) }, { W: z(2), gamma: z(2) })
    expect(e.message).toContain('differ at the root')
    expect(e.message).toContain('an extra key "gamma"')
  })

  it('names differing array lengths', () => {
    const e = check({ layers: [{}, {}, {}] }, { layers: [{}, {}] })
    expect(e.message).toContain("differ at 'layers'")
    expect(e.message).toContain('array lengths differ: 3 in the first, 2 in the second')
  })

  it('names a leaf against a branch, and a branch against a leaf', () => {
    const e = check({ a: { W: z(2) } }, { a: { W: { inner: z(2) } } })
    expect(e.message).toContain("differ at 'a.W'")
    expect(e.message).toContain('the first has a float32 tensor of shape [2], the second has a record with keys ["inner"]')
    const e2 = check({ a: [z(1)] }, { a: z(1) })
    expect(e2.message).toContain("differ at 'a'")
    expect(e2.message).toContain('the first has an array of length 1, the second has a float32 tensor of shape [1]')
  })

  it('names an array against a record', () => {
    const e = check({ layers: [z(1)] }, { layers: { 0: z(1) } })
    expect(e.message).toContain("differ at 'layers'")
    expect(e.message).toContain('an array of length 1')
    expect(e.message).toContain('a record with keys ["0"]')
  })

  it('names differing shapes', () => {
    const e = check({ layers: [{ W: z(784, 128) }] }, { layers: [{ W: z(128, 784) }] })
    expect(e.message).toContain("differ at 'layers.0.W'")
    expect(e.message).toContain('shapes differ: [784, 128] in the first, [128, 784] in the second')
    const e2 = check(z(), z(1))
    expect(e2.message).toContain('[] (scalar) in the first')
  })

  it('names differing dtypes', () => {
    const e = check({ step: T.zeros([], 'int32') }, { step: T.zeros([], 'float32') })
    expect(e.message).toContain("differ at 'step'")
    expect(e.message).toContain('dtypes differ: int32 in the first, float32 in the second')
    expect(e.message).toContain('Tensor.cast')
  })

  it('reports the first difference in traversal order (sorted keys, depth first)', () => {
    const a = { z: z(1), b: [z(1), z(2)], a: { x: z(3) } }
    const b = { z: z(9), b: [z(1), z(7)], a: { x: z(8) } }
    expect(check(a, b).message).toContain("differ at 'a.x'")
    const c = { z: z(9), b: [z(1), z(7)], a: { x: z(3) } }
    expect(check(a, c).message).toContain("differ at 'b.1'")
    // a missing key is reported where it sorts, before later keys' differences
    expect(check({ a: z(1), b: z(1), c: z(1) }, { a: z(1), c: z(5) }).message).toContain('no key "b"')
  })

  it('in the n-ary form, names which tree differs from the first', () => {
    const a = { W: z(2) }
    const e = caught(() => Tree.zipWith((x) => x, a, a, { W: z(3) }))
    expect(e.code).toBe('TREE_MISMATCH')
    expect(e.message).toContain('the first and third trees differ at \'W\'')
    const e2 = caught(() => Tree.zipWith(a, { W: z(2) }, { V: z(2) }, (x) => x))
    expect(e2.message).toContain('the first and third trees')
  })

  it('suggests how to keep trees in step', () => {
    expect(check({ W: z(1) }, { W: z(2) }).message).toContain('Tree.map(params, Tensor.zerosLike)')
  })
})
