/**
 * Ad.toOnnx: jitted functions exported to ONNX run in onnxruntime-web and agree with puregrad
 * to float32 precision (see onnx.util.ts): an MLP's forward pass and the gradient of its loss,
 * inputs and outputs named by their paths in the argument and result trees, every dtype, and
 * the refusals. The law over every primitive and random programs is laws/jit.onnx.laws.ts.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { Ad, Loss, Rng, Tensor as T } from '../../src/index.js'
import { decodeModel } from '../../src/onnx/schema.js'
import { caught } from '../util.js'
import { agreeFn, measured, named, runModel } from './onnx.util.js'

afterAll(() => {
  const runs = measured.runs.map((r) => `${r.name}: ${r.maxAbs.toExponential(2)} (scale ${r.scale.toFixed(2)})`).join('\n  ')
  console.log(`Ad.toOnnx: ${measured.sessions} ORT sessions, worst relative difference ${measured.worst.toExponential(2)}\n  ${runs}`)
})

type Layer = { readonly W: T.Tensor; readonly b: T.Tensor }
type Params = { readonly layers: ReadonlyArray<Layer> }

const normal = (seed: number, shape: ReadonlyArray<number>, std = 1): T.Tensor => Rng.normal(Rng.key(seed), shape, { std })
const sizes = [20, 32, 16, 5]
const params: Params = { layers: sizes.slice(1).map((n, i) => ({ W: normal(i, [sizes[i]!, n], Math.sqrt(2 / sizes[i]!)), b: normal(10 + i, [n], 0.1) })) }
const x = normal(99, [8, 20])
const labels = T.tensor([0, 1, 2, 3, 4, 0, 1, 2], 'int32')

const logits = (p: Params, xs: T.Tensor): T.Tensor =>
  p.layers.reduce((h, l, i) => {
    const z = T.add(T.matmul(h, l.W), l.b)
    return i === p.layers.length - 1 ? z : T.relu(z)
  }, xs)
const predict = (p: Params, xs: T.Tensor): T.Tensor => T.softmax(logits(p, xs), -1)
const loss = (p: Params, xs: T.Tensor, ys: T.Tensor): T.Tensor => Loss.softmaxCrossEntropy(logits(p, xs), T.oneHot(ys, 5, { dtype: xs.dtype }))

const inputNames = (bytes: Uint8Array): string[] => ((decodeModel(bytes).graph as { input: Array<{ name: string }> }).input).map((i) => i.name)
const outputNames = (bytes: Uint8Array): string[] => ((decodeModel(bytes).graph as { output: Array<{ name: string }> }).output).map((i) => i.name)

describe('a jitted MLP', () => {
  it('forward: the model of Ad.jit(predict) computes predict, inputs named by their paths', async () => {
    const fast = Ad.jit(predict)
    const r = await agreeFn('MLP forward', fast, [params, x])
    expect(r.maxAbs).toBeLessThan(1e-6)
    const bytes = Ad.toOnnx(fast)(params, x)
    expect(inputNames(bytes)).toEqual(['input.0.layers.0.W', 'input.0.layers.0.b', 'input.0.layers.1.W', 'input.0.layers.1.b', 'input.0.layers.2.W', 'input.0.layers.2.b', 'input.1'])
    expect(outputNames(bytes)).toEqual(['output'])
  })

  it('gradient: the model of Ad.jit(Ad.grad(loss)) computes the gradient, a tree of outputs', async () => {
    const g = Ad.jit(Ad.grad(loss))
    const r = await agreeFn('MLP gradient', g, [params, x, labels])
    expect(r.maxAbs).toBeLessThan(1e-5)
    expect(outputNames(Ad.toOnnx(g)(params, x, labels))).toEqual(['output.layers.0.W', 'output.layers.0.b', 'output.layers.1.W', 'output.layers.1.b', 'output.layers.2.W', 'output.layers.2.b'])
  })

  it('value and gradient together, in float64 (ONNX doubles) and rounded to float32', async () => {
    const p64: Params = { layers: params.layers.map((l) => ({ W: T.cast(l.W, 'float64'), b: T.cast(l.b, 'float64') })) }
    const vg = Ad.valueAndGrad(loss)
    await agreeFn('MLP valueAndGrad float64', vg, [p64, T.cast(x, 'float64'), labels])
    await agreeFn('MLP valueAndGrad as float32', vg, [p64, T.cast(x, 'float64'), labels], { float64As: 'float32' })
    const bytes = Ad.toOnnx(vg)(p64, T.cast(x, 'float64'), labels)
    const types = (decodeModel(bytes).graph as { input: Array<{ name: string; type: { tensorType: { elemType: number } } }> }).input.map((i) => i.type.tensorType.elemType)
    expect(types).toEqual([11, 11, 11, 11, 11, 11, 11, 6]) // DOUBLE for float64, INT32 for the labels
  })
})

describe('inputs and outputs', () => {
  it('int32 results, an input passed through, a constant and one value twice are all outputs', async () => {
    const table = T.tensor([[1, 2], [3, 4], [5, 6]])
    const f = (ix: T.Tensor, v: T.Tensor) => {
      const y = T.gather(table, ix)
      return { picked: y, best: T.argmax(v, -1), same: v, table, twice: [T.exp(v), T.exp(v)] }
    }
    const ix = T.tensor([2, 0, 2], 'int32')
    const v = T.tensor([[0.5, -1], [2, 3]])
    await agreeFn('tree of outputs', f, [ix, v])
    expect(outputNames(Ad.toOnnx(f)(ix, v))).toEqual(['output.best', 'output.picked', 'output.same', 'output.table', 'output.twice.0', 'output.twice.1'])
    const out = await runModel(Ad.toOnnx(f)(ix, v), [['input.0', ix], ['input.1', v]])
    expect(out['output.best']!.type).toBe('int32')
    expect(Array.from(out['output.best']!.data)).toEqual([0, 1])
  })

  it('static arguments are built in; a single tensor argument is named input', async () => {
    const f = (v: T.Tensor, k: number) => T.mul(v, k)
    const bytes = Ad.toOnnx(f)(T.tensor([1, 2]), 3)
    expect(inputNames(bytes)).toEqual(['input.0'])
    const g = (v: T.Tensor) => T.tanh(v)
    expect(inputNames(Ad.toOnnx(g)(T.tensor([1, 2])))).toEqual(['input'])
    const out = await runModel(bytes, [['input.0', T.tensor([1, 2])]])
    expect(Array.from(out.output!.data)).toEqual([3, 6])
  })

  it('the same function, arguments and options give the same bytes', () => {
    expect(Ad.toOnnx(predict)(params, x)).toEqual(Ad.toOnnx(predict)(params, x))
    expect(named({ b: 1, a: [T.zeros([1])] }, 'output').map(([n]) => n)).toEqual(['output.a.0'])
  })
})

describe('refusals', () => {
  it('the gradient of max pooling needs opset 16', async () => {
    const f = Ad.grad((v: T.Tensor) => T.sum(T.maxPool2d(v, { size: 2 })))
    const v = normal(3, [1, 4, 4, 2])
    const e = caught(() => Ad.toOnnx(f)(v))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toMatch(/maxPool2dGrad.*opset: 16/)
    await agreeFn('max pool gradient', f, [v], { opset: 16 })
  })

  it('empty tensors, results without tensors, bad options', () => {
    expect(caught(() => Ad.toOnnx((v: T.Tensor) => T.exp(v))(T.zeros([0, 3]))).code).toBe('INVALID_SHAPE')
    expect(caught(() => Ad.toOnnx((v: T.Tensor) => T.item(T.sum(v)))(T.zeros([2]))).code).toBe('TRACED_READ')
    expect(caught(() => Ad.toOnnx(() => 3)()).code).toBe('INVALID_VALUE')
    expect(caught(() => Ad.toOnnx(T.exp, { opset: 12 })(x)).message).toMatch(/opset must be a whole number from 13 to 21/)
    expect(caught(() => Ad.toOnnx(T.exp, { float64As: 'float16' } as never)(x)).message).toMatch(/float64As/)
    expect(caught(() => Ad.toOnnx(T.exp, { graphName: '' })(x)).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => Ad.toOnnx(T.exp, { inShape: [3] } as never)(x)).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => Ad.toOnnx(3 as never)(x)).code).toBe('INVALID_ARGUMENT')
  })
})
