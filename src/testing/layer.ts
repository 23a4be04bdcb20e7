/**
 * Laws every layer kind obeys, to apply to a layer of your own (`Net.defineLayer`) or any
 * network: gradients that agree with finite differences, a static shape that is the shape
 * `apply` produces, and `decode(encode(model))` giving the model back bit for bit. Each law
 * draws random keys (and batch sizes) and returns a `Law` for `check`; the `…At` functions
 * state one case as an `Equiv`.
 */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { fail } from '../core/errors.js'
import * as Ad from '../ad/index.js'
import * as Net from '../net/index.js'
import * as Rng from '../rng/index.js'
import * as T from '../tensor/index.js'
import type { Tree } from '../tree/index.js'
import { type Comparator, type Equiv, deepEqual, equiv, holdsOrThrow, treeExact } from './Equiv.js'
import { type Law, law } from './Law.js'
import { around, tensorsOf } from './probe.js'
import { kindOf } from '../net/registry.js'

/** The input a layer law feeds a layer. @category laws */
export interface LayerLawOptions {
  /** the per-example input shape (the batch axis comes in front) */
  readonly inShape: Net.Shapes
  /** the input holds int32 indices below this number (token ids) instead of normal floats */
  readonly ints?: number
  /** layer definitions `Net.decode` needs to read the network back (your `defineLayer` constructors) */
  readonly layers?: ReadonlyArray<Net.LayerConstructor<object>>
}

const label = (l: Net.Layer): string => kindOf(l).label(l)

const outShapeOf = (op: string, layer: Net.Layer, inShape: Net.Shapes): Net.Shapes => {
  const out = Net.shape(layer, inShape)
  return E.isLeft(out) ? fail('INVALID_ARGUMENT', op, `the layer does not take the input shape ${Net.showShapes(inShape)}: ${out.left.message} Pass an inShape it takes.`) : out.right
}

/**
 * A random batch for a layer: normal floats (or indices below `ints`), one tensor per input shape.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Rng, Tensor as T } from 'puregrad'
 * import { inputFor } from 'puregrad/testing'
 * const x = inputFor({ inShape: [3] }, Rng.key(0), 2, 'float64') as T.Tensor
 * assert.deepEqual([x.shape, x.dtype], [[2, 3], 'float64'])
 * ```
 * @category laws
 */
export const inputFor = (o: Pick<LayerLawOptions, 'inShape' | 'ints'>, key: Rng.Key, batch: number, dtype: 'float32' | 'float64'): Net.Value => {
  const draw = (s: Net.Shapes, k: Rng.Key): Net.Value =>
    Net.isTuple(s) ? s.tuple.map((c, i) => draw(c, Rng.foldIn(k, i))) : o.ints === undefined ? Rng.normal(k, [batch, ...s], { dtype }) : Rng.integers(k, [batch, ...s], 0, o.ints)
  return draw(o.inShape, key)
}

/**
 * gradCheck of a network's parameters: float64 variables, training mode (dropout on) under a
 * fixed key; the loss weighs every output element differently, so no gradient can hide.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net, Rng } from 'puregrad'
 * import { gradCheckNetwork } from 'puregrad/testing'
 * const report = gradCheckNetwork(Net.dense(2), [3], Rng.normal(Rng.key(0), [4, 3], { dtype: 'float64' }), 1)
 * assert.equal(report.verdict, 'ok')
 * ```
 * @category laws
 */
export const gradCheckNetwork = (net: Net.Layer, inShape: Net.Shapes, x: Net.Value, seed: number): Ad.GradCheckReport => {
  const vars = Net.init(net, { key: Rng.key(seed), inShape, dtype: 'float64' })
  const key = Rng.key(seed + 1)
  const loss = (params: Tree) =>
    tensorsOf(Net.apply(net, { params, state: vars.state }, x, { train: true, key }).y)
      .map((y) => T.sum(T.mul(y, T.reshape(T.linspace(-1, 1, y.size, 'float64'), y.shape))))
      .reduce((a, b) => T.add(a, b))
  return Ad.gradCheck(loss, vars.params)
}

/**
 * The layer between learnable scales (`probe`s), so that a gradient check covers its own
 * parameters and its gradient with respect to its input (none before token indices).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * import { betweenProbes } from 'puregrad/testing'
 * assert.equal(betweenProbes(Net.tanh, { inShape: [3] })._tag, 'Serial')
 * ```
 * @category laws
 */
export const betweenProbes = (layer: Net.Layer, o: Pick<LayerLawOptions, 'inShape' | 'ints'>): Net.Layer =>
  Net.serial(o.ints === undefined ? around(o.inShape) : Net.identity, layer, around(outShapeOf('betweenProbes', layer, o.inShape)))

/**
 * One case of `gradCheckLaw`: the verdict of the gradient check of the layer between probes
 * (`'ok'` when it holds, else the check's report), against `'ok'`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * import { gradCheckAt } from 'puregrad/testing'
 * assert.deepEqual(gradCheckAt(Net.dense(2), { inShape: [3] }, 7), { lhs: 'ok', rhs: 'ok' })
 * ```
 * @category laws
 */
export const gradCheckAt = (layer: Net.Layer, o: Pick<LayerLawOptions, 'inShape' | 'ints'>, seed: number): Equiv<string> => {
  const report = gradCheckNetwork(betweenProbes(layer, o), o.inShape, inputFor(o, Rng.key(seed + 7), 3, 'float64'), seed)
  return equiv(report.verdict === 'ok' ? 'ok' : `${report.verdict}\n${Ad.showGradCheck(report)}`, 'ok')
}

/**
 * The layer's gradients (of its parameters and of its input) agree with finite differences,
 * at random initialisations and inputs, in float64, in training mode under a fixed key.
 * A wrong rule given to `Ad.customVjp`, or a forward pass that reads its values in a way
 * differentiation cannot follow, breaks it. The report names parameters by their path in
 * `betweenProbes(layer)`: `0.s` is the probe before the layer (so a wrong input gradient shows
 * there), `1…` the layer's own, `2.s` the probe after it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * import { check, gradCheckLaw } from 'puregrad/testing'
 * assert.doesNotThrow(() => check(gradCheckLaw(Net.dense(2), { inShape: [3] }), { numRuns: 3 }))
 * ```
 * @category laws
 */
export const gradCheckLaw = (layer: Net.Layer, o: Pick<LayerLawOptions, 'inShape' | 'ints'>): Law => {
  outShapeOf('gradCheckLaw', layer, o.inShape)
  return law(`gradCheckLaw(${label(layer)})`, fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (seed) => holdsOrThrow(gradCheckAt(layer, o, seed), (a, b) => a === b, 'the gradient check')))
}

/**
 * One case of `shapeMatchesApply`: `Net.shape`'s answer against the shape `apply` produced, as text.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * import { shapeAgreementAt } from 'puregrad/testing'
 * const e = shapeAgreementAt(Net.dense(5), { inShape: [3] }, 2, 0)
 * assert.equal(e.lhs, e.rhs)
 * ```
 * @category laws
 */
export const shapeAgreementAt = (layer: Net.Layer, o: Pick<LayerLawOptions, 'inShape' | 'ints'>, batch: number, seed: number): Equiv<string> => {
  const predicted = Net.shape(layer, o.inShape)
  const vars = Net.init(layer, { key: Rng.key(seed), inShape: o.inShape })
  const { y } = Net.apply(layer, vars, inputFor(o, Rng.key(seed + 1), batch, 'float32'), { train: true, key: Rng.key(seed + 2) })
  const batched = (v: Net.Value): unknown => (T.isTensor(v) ? v.shape : v.map(batched))
  const predictedBatched = (s: Net.Shapes): unknown => (Net.isTuple(s) ? s.tuple.map(predictedBatched) : [batch, ...s])
  return equiv(E.isLeft(predicted) ? `Net.shape refuses the input: ${predicted.left.message}` : JSON.stringify(predictedBatched(predicted.right)), JSON.stringify(batched(y)))
}

/**
 * The statically inferred output shape (`Net.shape`, what `summary` and the shape checks
 * use) is the shape `apply` produces, for random batch sizes and keys. A layer whose `shape`
 * function lies breaks it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * import { check, shapeMatchesApply } from 'puregrad/testing'
 * assert.doesNotThrow(() => check(shapeMatchesApply(Net.serial(Net.dense(4), Net.relu), { inShape: [3] }), { numRuns: 5 }))
 * ```
 * @category laws
 */
export const shapeMatchesApply = (layer: Net.Layer, o: Pick<LayerLawOptions, 'inShape' | 'ints'>): Law =>
  law(
    `shapeMatchesApply(${label(layer)})`,
    fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 ** 30 }), (batch, seed) => holdsOrThrow(shapeAgreementAt(layer, o, batch, seed), (a, b) => a === b, 'Net.shape (lhs, batch in front) against the shape apply produced (rhs)')),
  )

/**
 * Models compared as `encode` promises: the same network and input shape as JSON, variables bit for bit.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net, Rng } from 'puregrad'
 * import { modelEqual } from 'puregrad/testing'
 * const m = { network: Net.dense(1), inShape: [2], ...Net.init(Net.dense(1), { key: Rng.key(0), inShape: [2] }) }
 * assert.equal(modelEqual(m, { ...m }), true)
 * ```
 * @category laws
 */
export const modelEqual: Comparator<Net.Model> = (a, b) =>
  deepEqual(a.network, b.network) && deepEqual(a.inShape, b.inShape) && treeExact(a.params, b.params) && treeExact(a.state, b.state)

/**
 * One case of `encodeDecodeRoundTrip`: `decode(encode(model))` against the model, for a model
 * initialised from a seed (a refusal to decode comes back as its message in place of the model).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * import { codecRoundTripAt, modelEqual } from 'puregrad/testing'
 * const e = codecRoundTripAt(Net.dense(3), { inShape: [2] }, 0)
 * assert.equal(modelEqual(e.lhs, e.rhs), true)
 * ```
 * @category laws
 */
export const codecRoundTripAt = (layer: Net.Layer, o: Pick<LayerLawOptions, 'inShape' | 'layers'>, seed: number): Equiv<Net.Model> => {
  const v = Net.init(layer, { key: Rng.key(seed), inShape: o.inShape })
  const model: Net.Model = { network: layer, inShape: o.inShape, params: v.params, state: v.state }
  const back = Net.decode(Net.encode(model), o.layers === undefined ? {} : { layers: o.layers })
  return equiv(E.getOrElseW((e: Error) => ({ error: e.message }) as unknown as Net.Model)(back), model)
}

/**
 * `Net.decode(Net.encode(model))` is the model again, bit for bit, for models of the layer
 * initialised from random keys. Pass your `defineLayer` constructors as `layers`: decode needs
 * them to read your layer back.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * import { check, encodeDecodeRoundTrip } from 'puregrad/testing'
 * assert.doesNotThrow(() => check(encodeDecodeRoundTrip(Net.serial(Net.dense(4), Net.layerNorm()), { inShape: [3] }), { numRuns: 5 }))
 * ```
 * @category laws
 */
export const encodeDecodeRoundTrip = (layer: Net.Layer, o: Pick<LayerLawOptions, 'inShape' | 'layers'>): Law =>
  law(`encodeDecodeRoundTrip(${label(layer)})`, fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (seed) => holdsOrThrow(codecRoundTripAt(layer, o, seed), modelEqual, 'decode(encode(model)) ≡ model')))
