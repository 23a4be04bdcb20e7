/**
 * Layers defined with Net.defineLayer work wherever built-in ones do: training with Train.fit,
 * gradCheck, summary, edit, the numeric guard, encode/decode (given the definition) and ONNX
 * export (with their lowering, run in onnxruntime-web; refused by name without one).
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Ad, Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { caught } from '../util.js'
import { agree } from './onnx.util.js'

/** y = x · s, a learnable scale per feature, starting at `initial`. */
const scale = Net.defineLayer({
  name: 'Scale',
  fields: { initial: { default: 1, check: (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : 'must be a finite number') } },
  shape: (_, inShape) => (inShape.length === 0 ? 'needs a feature axis' : inShape),
  init: (l, inShape) => ({ s: { shape: [inShape.at(-1)!], init: (_, shape, dtype) => T.full(shape, l.initial, dtype) } }),
  apply: (_, p, x) => T.mul(x, p['s']!),
  label: (l) => `Scale(${l.initial})`,
  onnx: (_, x, b) => b.node('Mul', [x, b.param('s')]),
})

/** A parametric ReLU without an ONNX lowering: max(x, 0) + a·min(x, 0), one slope a per feature. */
const prelu = Net.defineLayer({
  name: 'PRelu',
  fields: { slope: { default: 0.25 } },
  shape: (_, inShape) => inShape,
  init: (l, inShape) => ({ a: { shape: [inShape.at(-1)!], init: (_, shape, dtype) => T.full(shape, l.slope, dtype) } }),
  apply: (_, p, x) => T.add(T.relu(x), T.mul(p['a']!, T.minimum(x, 0))),
})

const net = Net.serial(Net.dense(4), scale({ initial: 0.5 }), Net.tanh, Net.dense(1))

describe('Net.defineLayer', () => {
  it('makes frozen plain records whose JSON is the tag and the fields, with checked fields', () => {
    const l = scale({ initial: 2 })
    expect(Object.isFrozen(l)).toBe(true)
    expect(JSON.parse(JSON.stringify(l))).toEqual({ _tag: 'Scale', initial: 2 })
    expect(Object.keys(l)).toEqual(['_tag', 'initial'])
    expect(scale()).toEqual(scale({ initial: 1 }))
    expect(scale.is(l) && !prelu.is(l) && !scale.is(Net.relu)).toBe(true)
    const bad = caught(() => scale({ initial: Infinity }))
    expect([bad.code, bad.message]).toEqual(['INVALID_ARGUMENT', 'Scale: initial must be a finite number; got null.'])
    expect(caught(() => scale({ factor: 2 } as never)).code).toBe('INVALID_ARGUMENT')
  })
  it('refuses a name of a built-in kind, and a malformed definition', () => {
    const clash = caught(() => Net.defineLayer({ name: 'Dense', fields: {}, shape: (_, s) => s, apply: (_, __, x) => x }))
    expect(clash.code).toBe('INVALID_ARGUMENT')
    expect(clash.message).toMatch(/"Dense" is the name of a built-in layer kind/)
    expect(caught(() => Net.defineLayer({ name: 'not a name', fields: {}, shape: (_, s) => s, apply: (_, __, x) => x })).message).toMatch(/name must be a word/)
    expect(caught(() => Net.defineLayer({ name: 'NoApply', fields: {}, shape: (_: unknown, s: ReadonlyArray<number>) => s } as never)).message).toMatch(/apply must be a function/)
  })
  it('shapes, initialises, applies and summarises like a built-in layer', () => {
    expect(Net.shape(net, [3])).toEqual(E.right([1]))
    const vars = Net.init(net, { key: Rng.key(0), inShape: [3] })
    expect(Tree.paths(vars.params)).toEqual(['0.W', '0.b', '1.s', '3.W', '3.b'])
    expect(T.toArray(Tree.leaves(vars.params)[2]!.value)).toEqual([0.5, 0.5, 0.5, 0.5])
    expect(Net.summary(net, [3])).toMatch(/1 +Scale\(0\.5\) +\[\*, 4\] +4/)
    expect(Net.initStructure(net, { inShape: [3] }).params).toEqual(Tree.structure(vars.params))
    const bad = Net.shape(Net.serial(Net.flatten, Net.reshape([]), scale()), [1])
    expect(E.isLeft(bad) && bad.left.message).toMatch(/layer 2 \(Scale\(1\)\) needs a feature axis/)
  })
  it('trains with Train.fit, and passes gradCheck', () => {
    const x = Rng.normal(Rng.key(1), [32, 3])
    const y = T.reshape(T.sum(T.mul(x, T.tensor([1, -2, 0.5])), 1), [32, 1])
    const trainer = { network: net, optimizer: Optim.adam(0.05), loss: Loss.meanSquaredError }
    const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(2), [3]), Data.dataset(x, y), { epochs: 60, batchSize: 32 })
    expect(s.history.at(-1)!.train.loss).toBeLessThan(0.2 * s.history[0]!.train.loss)
    // the scale itself moved
    expect(T.toArray(Tree.leaves(s.train.params)[2]!.value).some((v) => Math.abs(v - 0.5) > 1e-3)).toBe(true)
    const p = Net.serial(Net.dense(3), prelu({ slope: 0.1 }), Net.dense(2))
    const vars = Net.init(p, { key: Rng.key(3), inShape: [2], dtype: 'float64' })
    const xs = Rng.normal(Rng.key(4), [5, 2], { dtype: 'float64' })
    const report = Ad.gradCheck((params: Tree.Tree) => T.sum(T.square(Net.predict(p, { params, state: vars.state }, xs))), vars.params)
    expect(report.verdict, Ad.showGradCheck(report)).toBe('ok')
  })
  it('is the network of a trainer by itself, typed without casts: trainStep, fit, fitted predictions', () => {
    const x = Rng.normal(Rng.key(5), [16, 3])
    const y = T.mul(x, T.tensor([2, -1, 0.5]))
    const trainer: Train.Trainer<Optim.SgdState> = { network: scale({ initial: 0.5 }), optimizer: Optim.sgd(0.2), loss: Loss.meanSquaredError }
    const s0 = Train.initTrainState(trainer, Rng.key(6), [3])
    const s1 = Train.trainStep(trainer)(s0, Data.dataset(x, y))
    expect(s1.loss).not.toBeNull()
    const fitted = Train.fit(trainer, Train.initFit(trainer, Rng.key(6), [3]), Data.dataset(x, y), { epochs: 80, batchSize: 16 })
    expect(T.allclose(Tree.leaves(fitted.train.params)[0]!.value, T.tensor([2, -1, 0.5]), { atol: 1e-2 })).toBe(true)
  })
  it('gives examples of itself when asked to, and refuses examples that are not a function', () => {
    const withExamples: Net.LayerConstructor<Record<never, never>> = Net.defineLayer({ name: 'Scale2', fields: {}, shape: (_, s) => s, apply: (_, __, x) => x, examples: () => [{ layer: withExamples(), inShape: [2] }] })
    expect(withExamples.layerName).toBe('Scale2')
    expect(caught(() => Net.defineLayer({ name: 'Bad', fields: {}, shape: (_, s) => s, apply: (_, __, x) => x, examples: [] as never })).message).toMatch(/examples must be a function/)
  })
  it('is named by its path in the numeric guard and in errors', () => {
    const vars = Net.init(net, { key: Rng.key(0), inShape: [3] })
    const bad = Tree.map(vars.params, (t, path) => (path === '1.s' ? T.fullLike(t, Infinity) : t))
    const r = Ad.checkFinite((params: Tree.Tree) => Net.predict(net, { params, state: vars.state }, T.ones([2, 3])))(bad)
    expect(E.isLeft(r) && Ad.issueOf(r.left)).toMatchObject({ primitive: 'mul', layer: 'layer 1 (Scale(0.5))' })
    const params = (vars.params as ReadonlyArray<Tree.Tree>).map((p, i) => (i === 1 ? {} : p))
    const missing = caught(() => Net.predict(net, { params, state: vars.state }, T.ones([2, 3])))
    expect([missing.code, missing.message]).toEqual(['TREE_MISMATCH', "apply: layer 1 (Scale(0.5)) could not read its variables (params.s is undefined); pass the variables made by init for this network."])
  })
  it('is kept by Net.edit, whose result is checked with the definition', () => {
    const changed = Net.edit(net, (d) => {
      if (d._tag === 'Serial') d.layers.splice(2, 1, prelu({ slope: 0.2 }))
    })
    expect(changed).toEqual(Net.serial(Net.dense(4), scale({ initial: 0.5 }), prelu({ slope: 0.2 }), Net.dense(1)))
    expect(E.isRight(Net.shape(changed, [3]))).toBe(true)
    const edited = Net.edit(net, (d) => {
      if (d._tag === 'Serial') (d.layers[1] as unknown as { initial: number }).initial = 3
    })
    expect(Net.summary(edited, [3])).toMatch(/Scale\(3\)/)
    expect(() =>
      Net.edit(net, (d) => {
        if (d._tag === 'Serial') (d.layers[1] as unknown as { initial: number }).initial = NaN
      }),
    ).toThrow(/layer 1: initial must be a finite number/)
  })
  it('round-trips through encode/decode given its definition, and decode without it refuses it by name', () => {
    const vars = Net.init(net, { key: Rng.key(0), inShape: [3] })
    const text = Net.encode({ network: net, inShape: [3], ...vars })
    const back = Net.decode(text, { layers: [scale] })
    expect(E.isRight(back)).toBe(true)
    if (E.isLeft(back)) return
    expect(back.right.network).toEqual(net)
    expect(Tree.leaves(back.right.params).every((l, i) => T.equals(l.value, Tree.leaves(vars.params)[i]!.value))).toBe(true)
    // the decoded layer runs: its definition is linked again
    expect(T.equals(Net.predict(back.right.network, back.right, T.ones([2, 3])), Net.predict(net, vars, T.ones([2, 3])))).toBe(true)
    const without = Net.decode(text)
    expect(E.isLeft(without) && [without.left.code, without.left.message]).toEqual([
      'INVALID_VALUE',
      expect.stringMatching(/layer 1: unknown layer kind "Scale";.*pass its definition: Net\.decode\(text, \{ layers: \[/),
    ])
    const other = Net.decode(text, { layers: [prelu] })
    expect(E.isLeft(other) && other.left.message).toMatch(/unknown layer kind "Scale"; known kinds are .*PRelu/)
    const notAConstructor = Net.decode(text, { layers: [(() => Net.relu) as never] })
    expect(E.isLeft(notAConstructor) && notAConstructor.left.code).toBe('INVALID_ARGUMENT')
  })
  it('exports to ONNX with its lowering and agrees in onnxruntime-web', async () => {
    const vars = Net.init(net, { key: Rng.key(0), inShape: [3] })
    const trained = { params: Tree.map(vars.params, (t, path) => (path === '1.s' ? T.tensor([0.5, -1, 2, 0.25]) : t)), state: vars.state }
    const { maxAbs } = await agree('user layer', net, trained, [3], Rng.normal(Rng.key(9), [5, 3]))
    expect(maxAbs).toBeLessThan(1e-5)
  })
  it('is refused by name by toOnnx without a lowering', () => {
    const p = Net.serial(Net.dense(3), prelu())
    const vars = Net.init(p, { key: Rng.key(0), inShape: [2] })
    const e = caught(() => Net.toOnnx(p, vars, { inShape: [2] }))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toMatch(/^toOnnx: layer 1 \(PRelu\) has no ONNX lowering/)
  })
})
