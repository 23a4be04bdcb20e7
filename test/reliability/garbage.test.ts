/**
 * Garbage in, a clear refusal out: one representative wrong argument for each public function
 * that used to crash on one (a TypeError from deep inside, or `Net.serial(42)` returning 42),
 * refused with a coded PuregradError whose message names the argument and what to pass. The
 * fuzz law laws/fuzz/garbage.laws.ts covers every function with every kind of garbage; these
 * are the readable cases. Misspelt options of `batches`, `fitPca`, `grad` and `valueAndGrad`
 * are refused too, when the function is called (for `grad`, when it is made).
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Ad, Data, Loss, Net, Optim, PuregradError, Rng, Tensor as T, Train } from '../../src/index.js'

/** The PuregradError `f` throws (any other exception, or none, fails). */
const refusal = (f: () => unknown): PuregradError => {
  let r: unknown
  try {
    r = f()
  } catch (e) {
    if (e instanceof PuregradError) return e
    throw new Error(`expected a PuregradError, got ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`)
  }
  // functions that answer with an Either refuse with a Left
  if (typeof r === 'object' && r !== null && E.isLeft(r as E.Either<unknown, unknown>)) {
    const left = (r as E.Left<unknown>).left
    if (left instanceof PuregradError) return left
  }
  throw new Error(`expected a PuregradError, got ${JSON.stringify(r)?.slice(0, 80) ?? String(r)}`)
}

const sq = (x: T.Tensor): T.Tensor => T.square(x)
const ds = Data.dataset(T.zeros([4, 2]), T.tensor([0, 1, 0, 1], 'int32'))
const net = Net.serial(Net.dense(2), Net.relu)
const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
const trainer = { network: net, optimizer: Optim.sgd(0.1), loss: Loss.softmaxCrossEntropy }
const no = <A>(u: unknown): A => u as A

type Row = readonly [string, () => unknown, string, RegExp]

const rows: ReadonlyArray<Row> = [
  // Net
  ['Net.edit', () => Net.edit(net, no(42)), 'INVALID_ARGUMENT', /the recipe \(argument 2\) must be a function; got the number 42/],
  ['Net.encode', () => Net.encode(no(null)), 'INVALID_ARGUMENT', /the model is null; pass a model \{ network, inShape, params, state \}/],
  ['Net.reshape', () => Net.reshape(no(null)), 'INVALID_ARGUMENT', /shape must be whole numbers ≥ 1 with at most one −1; got null/],
  ['Net.serial', () => Net.serial(no(42)), 'INVALID_ARGUMENT', /argument 1 is the number 42, not a layer; pass a layer made by the Net constructors/],
  ['Net.shape', () => Net.shape(no(undefined), [2]), 'INVALID_ARGUMENT', /the network is undefined, not a layer/],
  ['Net.showShapes', () => Net.showShapes(no(null)), 'INVALID_ARGUMENT', /the shapes are null; pass a shape such as \[2, 3\] or a tuple of shapes/],
  ['Net.summary', () => Net.summary(no(null), [2]), 'INVALID_ARGUMENT', /the network is null, not a layer/],
]

describe('a wrong argument is refused with a coded error naming it', () => {
  it.each(rows)('%s', (name, f, code, detail) => {
    const e = refusal(f)
    expect(e.code).toBe(code)
    // the op is the public function (layer constructors report the layer kind, `Reshape`)
    expect(e.op.toLowerCase()).toBe(name.split('.')[1]!.toLowerCase())
    expect(e.detail).toMatch(detail)
  })
})

describe('layer combinators refuse what is not a layer when the network is built', () => {
  it('serial names the position of the argument; a single non-layer is not returned as it is', () => {
    expect(refusal(() => Net.serial(Net.dense(2), no(42))).detail).toMatch(/^argument 2 is the number 42, not a layer/)
    expect(refusal(() => Net.serial(no({ _tag: 'Nope' }))).detail).toMatch(/^argument 1 is a record tagged "Nope", which is no layer kind/)
  })
  it('parallel, residual and repeat too', () => {
    expect(refusal(() => Net.parallel(Net.relu, no(null))).detail).toMatch(/^argument 2 is null, not a layer/)
    expect(refusal(() => Net.residual(no(T.zeros([2])))).detail).toMatch(/^the body is a Tensor, not a layer/)
    expect(refusal(() => Net.repeat(2, no('dense'))).detail).toMatch(/^the body \(argument 2\) is the string "dense", not a layer/)
  })
  it('a hand-made record with a missing field, or a child that is not a layer, is refused before it is read', () => {
    expect(refusal(() => Net.shape(no({ _tag: 'Dense' }), [2])).detail).toMatch(/^the network is a malformed Dense record \(units must be a whole number ≥ 1; got undefined/)
    expect(refusal(() => Net.init(no({ _tag: 'Parallel', layers: 3 }), { key: Rng.key(0), inShape: [2] })).detail).toMatch(/^the network is a malformed Parallel record/)
    expect(refusal(() => Net.summary(no({ _tag: 'Serial', layers: [Net.relu, { _tag: 'Serial', layers: [null] }] }), [2])).detail).toMatch(/^layer 1 is a malformed Serial record \(layers\[0\] is null, not a layer\)/)
  })
  it('layers made by the constructors still pass', () => {
    expect(Net.shape(Net.serial(Net.dense(3), Net.residual(Net.dense(3)), Net.repeat(2, Net.relu)), [2])).toEqual(E.right([3]))
  })
})
