/**
 * The ONNX export law of staged programs: for every primitive (through its probe) and for
 * random programs, the model Ad.toOnnx writes, run in onnxruntime-web, computes what the
 * function computes in puregrad, to float32 precision (see test/ad/onnx.util.ts for the
 * tolerance). Probes and programs are float64; onnxruntime lacks double kernels for
 * convolutions, pooling, erf and softplus, so they are exported with float64As: 'float32'.
 */
import { fc, test } from '@fast-check/vitest'
import { afterAll, describe } from 'vitest'
import { Ad, Tensor as T } from '../src/index.js'
import type { Prim } from '../src/prims/Prim.js'
import { agreeFn, measured } from '../test/ad/onnx.util.js'
import * as P from './arb/program.js'
import { type Probe, inputsFor, probes } from './probes.js'

afterAll(() => {
  console.log(`Ad.toOnnx law: ${measured.sessions} ORT sessions, worst relative difference ${measured.worst.toExponential(2)}`)
})

const all: ReadonlyArray<readonly [string, Probe]> = [
  ...(Object.entries(probes) as Array<[Exclude<Prim, 'stopGradient'>, Probe]>),
  ['stopGradient', { shapes: [[2, 3]], f: (x) => T.mul(Ad.stopGradient(T.square(x!)), x!) }],
]
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })
/** The oldest opset the exporter writes, one where reductions take axes as inputs, and the newest. */
const opset = fc.constantFrom(13, 18, 21)

describe('Ad.toOnnx of every primitive agrees with puregrad in onnxruntime', () => {
  for (const [name, probe] of all) {
    test.prop([seed, opset], { numRuns: 2 })(name, async (s, o) => {
      // the gradient of max pooling adds at the maxima, which ONNX can from opset 16
      await agreeFn(name, probe.f, inputsFor(probe, s), { opset: name === 'maxPool2dGrad' ? Math.max(o, 16) : o, float64As: 'float32' })
    })
  }
})

/** Inputs that float32 holds exactly (the model computes in float32). */
const x32 = (opts: { readonly awayFromZero?: boolean } = {}) => P.input(opts).map((x) => T.cast(T.cast(x, 'float32'), 'float64'))

describe('Ad.toOnnx of random programs', () => {
  test.prop([P.program(), x32(), opset], { numRuns: 15 })('the model computes the program', async (p, x, o) => {
    await agreeFn(P.show(p), (y: T.Tensor) => P.run(p, y), [x], { opset: o, float64As: 'float32' })
  })
  // smooth programs away from zero: float32 rounding must not move a value across a kink
  test.prop([P.program({ smooth: true }), x32({ awayFromZero: true })], { numRuns: 10 })('the model of its gradient computes the gradient', async (p, x) => {
    const f = (y: T.Tensor) => T.sum(T.mul(P.run(p, y), T.reshape(T.linspace(0.5, 1.5, 12, 'float64'), [...P.SHAPE])))
    await agreeFn(`grad ${P.show(p)}`, Ad.grad(f), [x], { opset: 18, float64As: 'float32' })
  })
})
