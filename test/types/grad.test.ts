// The gradient has the type of the differentiated argument(s): checked by the compiler
// (`npm run typecheck`) through expectTypeOf, and at run time by the values.
import { describe, expectTypeOf, it } from 'vitest'
import { Ad, Tensor as T } from '../../src/index.js'

type Params = { readonly W: T.Tensor; readonly layers: ReadonlyArray<{ readonly b: T.Tensor }> }

describe('the types of grad and valueAndGrad', () => {
  const p: Params = { W: T.ones([2, 2]), layers: [{ b: T.zeros([2]) }] }
  const x = T.ones([3, 2])
  const loss = (q: Params, data: T.Tensor) => T.sum(T.add(T.matmul(data, q.W), q.layers[0]!.b))

  it('grad: the first argument by default, the one named by argnums, or a tuple', () => {
    expectTypeOf(Ad.grad(loss)(p, x)).toEqualTypeOf<Params>()
    expectTypeOf(Ad.grad(loss, { argnums: 1 })(p, x)).toEqualTypeOf<T.Tensor>()
    expectTypeOf(Ad.grad(loss, { argnums: [1, 0] })(p, x)).toEqualTypeOf<[T.Tensor, Params]>()
  })

  it('valueAndGrad: the value is a tensor, or [value, aux] with hasAux', () => {
    expectTypeOf(Ad.valueAndGrad(loss)(p, x)).toEqualTypeOf<readonly [T.Tensor, Params]>()
    const withAux = Ad.valueAndGrad((q: Params) => [T.sum(q.W), { note: 'aux' as const }] as const, { hasAux: true })(p)
    expectTypeOf(withAux).toEqualTypeOf<readonly [readonly [T.Tensor, { readonly note: 'aux' }], Params]>()
  })

  it('refuses a function whose value is not a tensor', () => {
    // @ts-expect-error grad needs a function returning a tensor (a single number)
    expectTypeOf(Ad.grad((q: Params) => q.W.size)).not.toBeAny()
  })
})
