/** Type-level checks (tsc checks these): chain's state is the exact tuple of its parts' states. */
import { describe, expectTypeOf, it } from 'vitest'
import { Optim, Tensor as T } from '../../src/index.js'

describe('types', () => {
  it('chain: StateOf is the tuple of the parts’ states, nested chains nest', () => {
    const opt = Optim.chain(Optim.clipByGlobalNorm(1), Optim.chain(Optim.scaleByAdam(), Optim.scaleByLearningRate(1e-3)))
    expectTypeOf<Optim.StateOf<typeof opt>>().toEqualTypeOf<
      readonly [Optim.EmptyState, readonly [Optim.ScaleByAdamState, Optim.ScaleByScheduleState]]
    >()
    expectTypeOf(opt.init({})[1][0].count).toEqualTypeOf<T.Tensor>()
    expectTypeOf(Optim.chain().init({})).toEqualTypeOf<readonly []>()
  })

  it('aliases have named state types', () => {
    expectTypeOf<Optim.StateOf<ReturnType<typeof Optim.adam>>>().toEqualTypeOf<Optim.AdamState>()
    expectTypeOf<Optim.StateOf<ReturnType<typeof Optim.sgd>>>().toEqualTypeOf<Optim.SgdState>()
    expectTypeOf<Optim.AdamState>().toEqualTypeOf<readonly [Optim.EmptyState, Optim.ScaleByAdamState, Optim.ScaleByScheduleState]>()
    expectTypeOf<Optim.SgdState[1]>().toEqualTypeOf<Optim.TraceState | Optim.EmptyState>()
  })

  it('combinators wrap the inner state', () => {
    const m = Optim.masked(Optim.adam(1e-3), Optim.weightsOnly)
    expectTypeOf<Optim.StateOf<typeof m>>().toEqualTypeOf<Optim.MaskedState<Optim.AdamState>>()
    const f = Optim.applyIfFinite(Optim.sgd(0.1), 3)
    expectTypeOf<Optim.StateOf<typeof f>>().toEqualTypeOf<Optim.ApplyIfFiniteState<Optim.SgdState>>()
    expectTypeOf(Optim.scaleByPlateau().init({})).toEqualTypeOf<Optim.PlateauState>()
  })

  it('any transformation is a GradientTransformation<unknown> (for lists of optimizers)', () => {
    const list: ReadonlyArray<Optim.GradientTransformation<unknown>> = [Optim.adam(1e-3), Optim.sgd(0.1), Optim.identity()]
    expectTypeOf(list[0]!.init({})).toEqualTypeOf<unknown>()
  })

  it('applyUpdates keeps the parameters’ type; observeMetric keeps the state’s', () => {
    type P = { readonly W: T.Tensor; readonly b: T.Tensor }
    const p: P = { W: T.zeros([2, 2]), b: T.zeros([2]) }
    expectTypeOf(Optim.applyUpdates(p, p)).toEqualTypeOf<P>()
    const s = Optim.chain(Optim.sgd(1), Optim.scaleByPlateau()).init({})
    expectTypeOf(Optim.observeMetric(s, 1)).toEqualTypeOf(s)
  })
})
