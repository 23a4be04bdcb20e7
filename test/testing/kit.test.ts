/**
 * puregrad/testing as a user's own suite would use it: the laws hold for correct layers,
 * functions and optimizers, and catch deliberately broken ones (a wrong backward rule given to
 * Ad.customVjp, a shape function that lies, a layer decode cannot read back, an optimizer that
 * widens float32, keeps hidden state, or climbs, an ONNX lowering that computes something else).
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Ad, Net, Optim, type PuregradError, Tensor as T, Tree } from '../../src/index.js'
import {
  chainIdentity,
  check,
  descendsOnQuadratic,
  encodeDecodeRoundTrip,
  fc,
  forwardEqualsReverse,
  gradCheckLaw,
  keepsDtype,
  type Law,
  network,
  onnxEqualsApply,
  optimizer,
  program,
  programInput,
  runProgram,
  shapeMatchesApply,
  showProgram,
  width,
} from '../../src/testing/index.js'
import { caught } from '../util.js'

/** The LAW_FAILED error a law's check throws (anything else fails the test). */
const failure = (law: Law): PuregradError => {
  const e = caught(() => check(law, { numRuns: 20 }))
  expect(e.code).toBe('LAW_FAILED')
  expect(e.op).toBe(law.name)
  return e
}

// a learnable gain, as a user would define it
const gainTanh = Net.defineLayer({
  name: 'KitGainTanh',
  fields: {},
  shape: (_, inShape) => (inShape.length === 0 ? 'needs a feature axis' : inShape),
  init: (_, inShape) => ({ g: { shape: [inShape.at(-1)!], init: 'ones' } }),
  apply: (_, p, x) => T.mul(T.tanh(x), p['g']!),
})

// the same layer with a backward rule that forgot the square in 1 − tanh²
const badTanh = Ad.customVjp('kitBadTanh', (x) => T.tanh(x), (ct, [x]) => [T.mul(ct, T.sub(1, T.tanh(x!)))])
const wrongGradient = Net.defineLayer({
  name: 'KitWrongGradient',
  fields: {},
  shape: (_, inShape) => inShape,
  init: (_, inShape) => ({ g: { shape: [inShape.at(-1)!], init: 'ones' } }),
  apply: (_, p, x) => T.mul(badTanh(x), p['g']!),
})

// a layer that doubles its last axis but says it keeps the shape
const liar = Net.defineLayer({ name: 'KitLiar', fields: {}, shape: (_, s) => s, apply: (_, __, x) => T.concat([x, x], -1) })

describe('the layer laws', () => {
  it('hold for a correct layer of the user', () => {
    check(gradCheckLaw(gainTanh(), { inShape: [4] }), { numRuns: 5 })
    check(shapeMatchesApply(gainTanh(), { inShape: [2, 4] }))
    check(encodeDecodeRoundTrip(gainTanh(), { inShape: [4], layers: [gainTanh] }))
  })

  it('gradCheckLaw catches a wrong backward rule, and names the check that failed', () => {
    const e = failure(gradCheckLaw(wrongGradient(), { inShape: [3] }))
    expect(e.message).toMatch(/^gradCheckLaw\(KitWrongGradient\): fails on the case/)
    expect(e.detail).toMatch(/the gradient check: does not hold/)
    expect(e.detail).toMatch(/replay this case with check\(law, \{ seed: -?\d+, path: "[\d:]*" \}\)/)
  })

  it('gradCheckLaw catches a wrong input gradient of a layer without parameters (through the probes)', () => {
    const noParams = Net.defineLayer({ name: 'KitBadTanhOnly', fields: {}, shape: (_, s) => s, apply: (_, __, x) => badTanh(x) })
    expect(failure(gradCheckLaw(noParams(), { inShape: [3] })).detail).toMatch(/0\.s\[/)
  })

  it('shapeMatchesApply catches a shape function that lies', () => {
    const e = failure(shapeMatchesApply(liar(), { inShape: [3] }))
    expect(e.detail).toMatch(/lhs: \[\d,3\]\n\s+rhs: \[\d,6\]/)
  })

  it('encodeDecodeRoundTrip catches a layer decode cannot read back (its definition not given)', () => {
    expect(failure(encodeDecodeRoundTrip(gainTanh(), { inShape: [4] })).detail).toMatch(/KitGainTanh/)
  })

  it('a layer that does not take the input shape is refused before any case is drawn', () => {
    expect(caught(() => gradCheckLaw(gainTanh(), { inShape: [] })).code).toBe('INVALID_ARGUMENT')
  })
})

describe('forwardEqualsReverse', () => {
  it('holds for a function written with tensor operations, and catches a wrong custom rule', () => {
    check(forwardEqualsReverse((x) => T.sum(T.mul(T.sin(x), x)), { shape: [2, 3] }))
    failure(forwardEqualsReverse((x) => T.sum(badTanh(x)), { shape: [3] }))
  })
})

describe('the optimizer laws', () => {
  it('hold for every drawn optimizer configuration', () => {
    fc.assert(
      fc.property(optimizer(), (c) => {
        check(keepsDtype(c.tx), { numRuns: 3 })
        check(chainIdentity(c.tx), { numRuns: 3 })
        check(descendsOnQuadratic(c.tx, { steps: 30 }), { numRuns: 3 })
      }),
      { numRuns: 10 },
    )
  })

  it('keepsDtype catches an optimizer that computes in float64', () => {
    failure(keepsDtype(Optim.stateless((g) => Tree.map(g, (x) => T.cast(T.mul(x, -0.1), 'float64')))))
  })

  it('chainIdentity catches hidden state (a counter in a closure)', () => {
    let calls = 0
    const leaky = Optim.stateless((g) => Tree.map(g, (x) => T.mul(x, -0.1 * ++calls)))
    failure(chainIdentity(leaky))
  })

  it('descendsOnQuadratic catches an optimizer that climbs', () => {
    failure(descendsOnQuadratic(Optim.scale(0.1)))
  })
})

describe('the network arbitrary', () => {
  it('draws well-shaped networks that hold the layer given', () => {
    fc.assert(
      fc.property(network({ including: fc.constant(gainTanh()), maxDepth: 2 }), width, (net, w) => {
        expect(E.isRight(Net.shape(net, [w]))).toBe(true)
        const holds = (l: Net.Layer): boolean => gainTanh.is(l) || Object.values(l).some((v) => (Array.isArray(v) ? v.some((c) => typeof c === 'object' && c !== null && '_tag' in c && holds(c as Net.Layer)) : typeof v === 'object' && v !== null && '_tag' in v && holds(v as Net.Layer)))
        expect(holds(net)).toBe(true)
      }),
      { numRuns: 30 },
    )
  })
})

describe('onnxEqualsApply', () => {
  // the gain layer with the ONNX lowering a user would write, and one that forgot the tanh
  const lowered = (name: string, forgetTanh: boolean) =>
    Net.defineLayer({
      name,
      fields: {},
      shape: (_, inShape) => inShape,
      init: (_, inShape) => ({ g: { shape: [inShape.at(-1)!], init: 'smallNormal' } }),
      apply: (_, p, x) => T.mul(T.tanh(x), p['g']!),
      onnx: (_, x, b) => b.node('Mul', [forgetTanh ? x : b.node('Tanh', [x]), b.param('g')]),
    })

  it('holds for a layer whose lowering computes what apply computes, and for built-in networks', async () => {
    const law = onnxEqualsApply(lowered('KitOnnxGain', false)(), { inShape: [4] })
    expect(law.name).toBe('onnxEqualsApply(KitOnnxGain)')
    await check(law, { numRuns: 2 })
    await check(onnxEqualsApply(Net.serial(Net.conv2d(2, 3), Net.relu, Net.flatten, Net.dense(3)), { inShape: [5, 5, 1] }), { numRuns: 1 })
  })

  it('catches a lowering that computes something else, naming the output and the difference', async () => {
    const law = onnxEqualsApply(lowered('KitOnnxForgot', true)(), { inShape: [4] })
    const e = (await check(law, { numRuns: 3 }).then(() => undefined, (err: unknown) => err)) as PuregradError | undefined
    expect(e?.code).toBe('LAW_FAILED')
    expect(e?.message).toMatch(/^onnxEqualsApply\(KitOnnxForgot\): fails on the case/)
    expect(e?.message).toMatch(/output: max \|onnx − Net\.apply\| = .* exceeds 0\.0001/)
  })

  it('refuses a layer that does not take the input shape before running anything', () => {
    expect(caught(() => onnxEqualsApply(Net.conv2d(2, 3), { inShape: [4] })).code).toBe('INVALID_ARGUMENT')
  })
})

describe('the program arbitrary', () => {
  it('draws well-typed programs over a float64 [3, 4] input, smooth ones without kinks', () => {
    for (const [p, x] of fc.sample(fc.tuple(program(), programInput()), 30)) {
      const y = runProgram(p, x)
      expect([y.shape, y.dtype]).toEqual([[3, 4], 'float64'])
      expect(T.toArray(y).every(Number.isFinite), showProgram(p)).toBe(true)
    }
    const kinked = /\b(relu|abs|leaky|maxRows|minCols|maxPool|maximum|minimum)\(/
    const shown = fc.sample(program({ smooth: true, maxDepth: 3 }), 200).map(showProgram)
    expect(shown.filter((s) => kinked.test(s))).toEqual([])
    expect(fc.sample(program(), 300).map(showProgram).some((s) => kinked.test(s))).toBe(true)
  })

  it('serves a user checking a transformation against eager evaluation, and catches one that is wrong', () => {
    const agrees = (transform: (f: (x: T.Tensor) => T.Tensor) => (x: T.Tensor) => T.Tensor) =>
      fc.check(fc.property(program(), programInput(), (p, x) => T.allclose(transform((y) => runProgram(p, y))(x), runProgram(p, x), { rtol: 1e-9, atol: 1e-12 })), { numRuns: 25, seed: 1 })
    expect(agrees((f) => Ad.jit(f)).failed).toBe(false)
    // a "transformation" that adds 1e-3 · sin(x) to the result: caught
    expect(agrees((f) => (x) => T.add(f(x), T.mul(T.sin(x), 1e-3))).failed).toBe(true)
  })
})
