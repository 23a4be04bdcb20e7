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
import { Ad, Data, Loss, Net, Optim, Rng, Tensor as T, Train } from '../../src/index.js'
import { caught } from '../util.js'

const sq = (x: T.Tensor): T.Tensor => T.square(x)
const ds = Data.dataset(T.zeros([4, 2]), T.tensor([0, 1, 0, 1], 'int32'))
const net = Net.serial(Net.dense(2), Net.relu)
const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
const trainer = { network: net, optimizer: Optim.sgd(0.1), loss: Loss.softmaxCrossEntropy }

type Row = readonly [string, () => unknown, string, RegExp]

const rows: ReadonlyArray<Row> = [
  // Ad
  ['Ad.custom', () => Ad.custom('sq', sq, null as never), 'INVALID_ARGUMENT', /the rules \(argument 3\) is null; pass a record \{ jvp\?, vjp\?, batch\? \}/],
  ['Ad.customJvp', () => Ad.customJvp('sq', sq, 42 as never), 'INVALID_ARGUMENT', /the jvp rule \(argument 3\) must be a function; got the number 42/],
  ['Ad.customVjp', () => Ad.customVjp('sq', null as never, (g) => [g]), 'INVALID_ARGUMENT', /the function to wrap \(argument 2\) of "sq" must be a function; got null/],
  ['Ad.grad', () => Ad.grad(42 as never), 'INVALID_ARGUMENT', /the function to differentiate \(argument 1\) must be a function; got the number 42/],
  ['Ad.valueAndGrad', () => Ad.valueAndGrad(sq, { hasAux: 'yes' } as never), 'INVALID_ARGUMENT', /hasAux is the string "yes"; pass true or false/],
  ['Ad.hessian', () => Ad.hessian(undefined as never), 'INVALID_ARGUMENT', /the function to differentiate \(argument 1\) must be a function; got undefined/],
  ['Ad.jacfwd', () => Ad.jacfwd(sq)([1, 2] as never), 'INVALID_ARGUMENT', /x is an array of length 2, not a Tensor/],
  ['Ad.jacrev', () => Ad.jacrev(sq)(null as never), 'INVALID_ARGUMENT', /x is null, not a Tensor/],
  ['Ad.jvp', () => Ad.jvp(sq, null as never, null as never), 'INVALID_ARGUMENT', /the primals \(argument 2\) is null; pass an array with one tree per argument/],
  ['Ad.vjp', () => Ad.vjp(null as never, T.tensor([1])), 'INVALID_ARGUMENT', /the function to differentiate \(argument 1\) must be a function; got null/],
  ['Ad.showGradCheck', () => Ad.showGradCheck({ verdict: 'ok' } as never), 'INVALID_ARGUMENT', /the report's relativeError is undefined, not a number; pass the report Ad.gradCheck returned/],
  ['Ad.showIssue', () => Ad.showIssue(null as never), 'INVALID_ARGUMENT', /the issue is null; pass the report of a NON_FINITE error/],
  // Data
  ['Data.batches', () => Data.batches(undefined, null as never, 2), 'INVALID_ARGUMENT', /the data set is null; pass a data set \{ x, y \}/],
  ['Data.fitPca', () => Data.fitPca([[1, 2], [3, 4]] as never), 'INVALID_ARGUMENT', /x is an array of length 2, not a Tensor/],
  ['Data.fitStandardizer', () => Data.fitStandardizer(null as never), 'INVALID_ARGUMENT', /x is null, not a Tensor/],
  ['Data.flipHorizontal', () => Data.flipHorizontal(Rng.key(0), null as never), 'INVALID_ARGUMENT', /x \(argument 2\) is null, not a Tensor/],
  ['Data.pcaTransform', () => Data.pcaTransform({} as never, T.zeros([2, 2])), 'INVALID_ARGUMENT', /the PCA \(argument 1\)'s mean is undefined, not a Tensor/],
  ['Data.randomCrop', () => Data.randomCrop(Rng.key(0), T.zeros([1, 4, 4, 1]), 2 as never), 'INVALID_ARGUMENT', /the crop size \(argument 3\) is the number 2; pass \[height, width\]/],
  ['Data.range', () => Data.range({ x: T.zeros([2]) } as never, 0, 1), 'INVALID_ARGUMENT', /the data set's y is undefined, not a Tensor/],
  ['Data.rotate', () => Data.rotate(Rng.key(0), undefined as never, 10), 'INVALID_ARGUMENT', /x \(argument 2\) is undefined, not a Tensor/],
  ['Data.shuffle', () => Data.shuffle(Rng.key(0), 42 as never), 'INVALID_ARGUMENT', /the data set is the number 42; pass a data set/],
  ['Data.size', () => Data.size(undefined as never), 'INVALID_ARGUMENT', /the data set is undefined; pass a data set/],
  ['Data.split', () => Data.split(Rng.key(0), ds, 0.5 as never), 'INVALID_ARGUMENT', /the ratios \(argument 3\) is the number 0.5; pass the fractions of the parts/],
  ['Data.standardize', () => Data.standardize(null as never, T.zeros([2, 2])), 'INVALID_ARGUMENT', /the standardizer \(argument 1\) is null; pass the record Data.fitStandardizer\(x\) returned/],
  ['Data.take', () => Data.take({ x: T.zeros([2, 1]), y: T.zeros([3]) } as never, [0]), 'SHAPE_MISMATCH', /the data set has x \[2, 1\] and y \[3\]; both need a leading axis of the same number of examples/],
  // Loss
  ['Loss.weightsOnly', () => Loss.weightsOnly('W', null as never), 'INVALID_ARGUMENT', /the leaf \(argument 2\) is null, not a Tensor/],
  // Net
  ['Net.edit', () => Net.edit(net, 42 as never), 'INVALID_ARGUMENT', /the recipe \(argument 2\) must be a function; got the number 42/],
  ['Net.encode', () => Net.encode(null as never), 'INVALID_ARGUMENT', /the model is null; pass a model \{ network, inShape, params, state \}/],
  ['Net.reshape', () => Net.reshape(null as never), 'INVALID_ARGUMENT', /shape must be whole numbers ≥ 1 with at most one −1; got null/],
  ['Net.serial', () => Net.serial(42 as never), 'INVALID_ARGUMENT', /argument 1 is the number 42, not a layer; pass a layer made by the Net constructors/],
  ['Net.shape', () => Net.shape(undefined as never, [2]), 'INVALID_ARGUMENT', /the network is undefined, not a layer/],
  ['Net.showShapes', () => Net.showShapes(null as never), 'INVALID_ARGUMENT', /the shapes are null; pass a shape such as \[2, 3\] or a tuple of shapes/],
  ['Net.summary', () => Net.summary(null as never, [2]), 'INVALID_ARGUMENT', /the network is null, not a layer/],
  // Optim
  ['Optim.applyIfFinite', () => Optim.applyIfFinite(null as never, 3), 'INVALID_ARGUMENT', /the inner transformation \(argument 1\) is null, not a gradient transformation \{ init, update \}/],
  ['Optim.masked', () => Optim.masked(42 as never, true), 'INVALID_ARGUMENT', /the inner transformation \(argument 1\) is 42, not a gradient transformation/],
  ['Optim.stateless', () => Optim.stateless(null as never), 'INVALID_ARGUMENT', /the function of the gradients \(argument 1\) must be a function; got null/],
  ['Optim.weightsOnly', () => Optim.weightsOnly(null as never, 'W'), 'INVALID_ARGUMENT', /the leaf \(argument 1\) is null, not a Tensor/],
  // Train
  ['Train.accuracy', () => Train.accuracy(null as never, [0]), 'INVALID_ARGUMENT', /the scores \(argument 1\) is null, not a Tensor/],
  ['Train.diagnoseFit', () => Train.diagnoseFit(null as never), 'INVALID_ARGUMENT', /the fit state \(argument 1\) is null; pass the state Train.fit or Train.initFit returned/],
  ['Train.earlyStopping', () => Train.earlyStopping().update(null as never, 0, 1, {}), 'INVALID_ARGUMENT', /update's state \(argument 1\) is null, not an EarlyStoppingState/],
  ['Train.evaluate', () => Train.evaluate(net, vars, null as never, Loss.softmaxCrossEntropy), 'INVALID_ARGUMENT', /the data set \(argument 3\) is null; pass a data set/],
  ['Train.htmlReport', () => Train.htmlReport({ title: 't', history: [{ epoch: 0 }], results: [] } as never), 'INVALID_ARGUMENT', /history\[0\]'s train is undefined, not a record/],
  ['Train.restarts', () => Train.restarts([0, 1] as never, (k) => k, () => 0), 'INVALID_KEY', /got the number 0: a seed is not a key/],
  ['Train.showTrials', () => Train.showTrials(null as never), 'INVALID_ARGUMENT', /the trials \(argument 1\) is null; pass the trials Train.search returned/],
  ['Train.textChart', () => Train.textChart([{ name: 'loss' }] as never), 'INVALID_ARGUMENT', /series 0's values is undefined, not an array/],
  ['Train.trainStep', () => Train.trainStep(trainer)(Train.initTrainState(trainer, Rng.key(0), [2]), null as never), 'INVALID_ARGUMENT', /the batch \(argument 2\) is null; pass a data set/],
]

describe('a wrong argument is refused with a coded error naming it', () => {
  it.each(rows)('%s', (name, f, code, detail) => {
    const e = caught(f)
    expect(e.code).toBe(code)
    // the op is the public function (layer constructors report the layer kind, `Reshape`)
    expect(e.op.toLowerCase()).toBe(name.split('.')[1]!.toLowerCase())
    expect(e.detail).toMatch(detail)
  })
})

describe('layer combinators refuse what is not a layer when the network is built', () => {
  it('serial names the position of the argument; a single non-layer is not returned as it is', () => {
    expect(caught(() => Net.serial(Net.dense(2), 42 as never)).detail).toMatch(/^argument 2 is the number 42, not a layer/)
    expect(caught(() => Net.serial({ _tag: 'Nope' } as never)).detail).toMatch(/^argument 1 is a record tagged "Nope", which is no layer kind/)
  })
  it('parallel, residual and repeat too', () => {
    expect(caught(() => Net.parallel(Net.relu, null as never)).detail).toMatch(/^argument 2 is null, not a layer/)
    expect(caught(() => Net.residual(T.zeros([2]) as never)).detail).toMatch(/^the body is a Tensor, not a layer/)
    expect(caught(() => Net.repeat(2, 'dense' as never)).detail).toMatch(/^the body \(argument 2\) is the string "dense", not a layer/)
  })
  it('a hand-made record with a missing field, or a child that is not a layer, is refused before it is read', () => {
    expect(caught(() => Net.shape({ _tag: 'Dense' } as never, [2])).detail).toMatch(/^the network is a malformed Dense record \(units must be a whole number ≥ 1; got undefined/)
    expect(caught(() => Net.init({ _tag: 'Parallel', layers: 3 } as never, { key: Rng.key(0), inShape: [2] })).detail).toMatch(/^the network is a malformed Parallel record/)
    expect(caught(() => Net.summary({ _tag: 'Serial', layers: [Net.relu, { _tag: 'Serial', layers: [null] }] } as never, [2])).detail).toMatch(/^layer 1 is a malformed Serial record \(layers\[0\] is null, not a layer\)/)
  })
  it('layers made by the constructors still pass', () => {
    expect(Net.shape(Net.serial(Net.dense(3), Net.residual(Net.dense(3)), Net.repeat(2, Net.relu)), [2])).toEqual(E.right([3]))
  })
})

describe('a trainer with a part of the wrong type is refused when the step is made', () => {
  it.each([
    ['network', { ...trainer, network: 42 }, /the trainer's network is the number 42, not a layer/],
    ['optimizer', { ...trainer, optimizer: Optim.sgd }, /the trainer's optimizer is a function, not a gradient transformation/],
    ['loss', { ...trainer, loss: 'mse' }, /the trainer's loss must be a function; got the string "mse"/],
  ] as const)('%s', (_, bad, detail) => {
    const e = caught(() => Train.trainStep(bad as never))
    expect([e.code, e.op]).toEqual(['INVALID_ARGUMENT', 'trainStep'])
    expect(e.detail).toMatch(detail)
  })
})

describe('unknown options of batches, fitPca, grad and valueAndGrad are refused, naming the key', () => {
  const f = (x: T.Tensor): T.Tensor => T.sum(T.square(x))
  it.each([
    ['batches', () => Data.batches(undefined, ds, 2, { dropRemainer: true } as never), 'dropRemainer', 'dropRemainder'],
    ['fitPca', () => Data.fitPca(T.tensor([[1, 2], [3, 5], [4, 4]]), { component: 1 } as never), 'component', 'components'],
    // grad and valueAndGrad refuse when the transformation is made, before any call
    ['grad', () => Ad.grad(f, { argnum: 0 } as never), 'argnum', 'argnums'],
    ['grad', () => Ad.grad(f, { hasAux: true } as never), 'hasAux', undefined],
    ['valueAndGrad', () => Ad.valueAndGrad(f, { hasaux: true } as never), 'hasaux', 'hasAux'],
  ] as const)('%s refuses %#', (op, g, key, near) => {
    const e = caught(g)
    expect([e.code, e.op]).toEqual(['INVALID_ARGUMENT', op])
    expect(e.detail).toContain(`unknown option "${key}"`)
    if (near !== undefined) expect(e.detail).toContain(`(did you mean "${near}"?)`)
  })
  it('the known options still work', () => {
    expect(Data.batches(undefined, ds, 3, { dropRemainder: true })).toHaveLength(1)
    expect(Data.fitPca(T.tensor([[1, 2], [3, 5], [4, 4]]), { components: 1, whiten: true }).components.shape).toEqual([2, 1])
    const [v, g] = Ad.valueAndGrad(f, { argnums: 0, hasAux: false })(T.tensor([1, 2]))
    expect([T.item(v), T.toArray(g)]).toEqual([5, [2, 4]])
    expect(T.toArray(Ad.grad((x: T.Tensor, y: T.Tensor) => T.sum(T.mul(x, y)), { argnums: 1 })(T.tensor([2, 5]), T.tensor([1, 1])))).toEqual([2, 5])
  })
})
