import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Ad, Tensor as T } from '../src/index.js'
import { fusedWasmRuns, setFusedWasm, setFusedWasmBlock } from '../src/ad/jit/fuse.js'
import { BLOCK, wasmFusionSupported } from '../src/ad/jit/wasm.js'
import type { Prim } from '../src/prims/Prim.js'
import * as E from './arb/elementwise.js'
import * as P from './arb/program.js'
import { exact } from './Equiv.js'
import * as L from './jit.js'
import { type Probe, inputsFor, probes } from './probes.js'

/** Every probe, and stopGradient. */
const all: ReadonlyArray<readonly [string, Probe]> = [
  ...(Object.entries(probes) as Array<[Exclude<Prim, 'stopGradient'>, Probe]>),
  ['stopGradient', { shapes: [[2, 3]], f: (x) => T.mul(Ad.stopGradient(T.square(x!)), x!) }],
]
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })
const dtype = fc.constantFrom<'float32' | 'float64'>('float32', 'float64')
const inputs = (probe: Probe, s: number, d: 'float32' | 'float64'): T.Tensor[] => inputsFor(probe, s).map((x) => T.cast(x, d))
/** Whether f runs eagerly on xs (probes and programs hold float64 constants that float32 inputs cannot meet). */
const runs = (f: L.Fn, xs: ReadonlyArray<T.Tensor>): boolean => {
  try {
    f(...xs)
    return true
  } catch {
    return false
  }
}
/** A scalar of a probe's output: a weighted sum, so every output element counts. */
const scalar =
  (f: L.Fn) =>
  (...xs: T.Tensor[]): T.Tensor => {
    const y = f(...xs)
    return T.sum(T.mul(y, T.reshape(T.cast(T.linspace(0.5, 1.5, y.size, 'float64'), y.dtype), y.shape)))
  }

describe('jit of every primitive equals the eager function, bit for bit', () => {
  for (const [name, probe] of all) {
    test.prop([seed, dtype], { numRuns: 4 })(name, (s, d) => {
      const xs = inputs(probe, s, d)
      fc.pre(runs(probe.f, xs))
      expect(L.jitEqualsEager(probe.f, xs), `${name} ${d}`).toHold(exact)
    })
  }
})

describe('jit(grad(f)) and grad(jit(f)) of every primitive equal grad(f), bit for bit', () => {
  for (const [name, probe] of all) {
    test.prop([seed], { numRuns: 3 })(name, (s) => {
      const xs = inputs(probe, s, 'float64')
      expect(L.jitOfGrad(scalar(probe.f), xs), `jit(grad) ${name}`).toHold(exact)
      expect(L.gradOfJit(scalar(probe.f), xs), `grad(jit) ${name}`).toHold(exact)
    })
  }
})

describe('jit of random programs', () => {
  const numRuns = { numRuns: 40 }
  const x32 = P.input().map((x) => T.cast(x, 'float32'))
  test.prop([P.program(), fc.oneof(P.input(), x32)], numRuns)('equals the eager function (fused elementwise chains included)', (p, x) => {
    fc.pre(runs((y) => P.run(p, y), [x]))
    expect(L.jitEqualsEager((y) => P.run(p, y), [x]), P.show(p)).toHold(exact)
  })
  test.prop([P.program(), P.input()], numRuns)('jit(grad(f)) and grad(jit(f)) equal grad(f)', (p, x) => {
    const f = scalar((y) => P.run(p, y))
    expect(L.jitOfGrad(f, [x]), P.show(p)).toHold(exact)
    expect(L.gradOfJit(f, [x]), P.show(p)).toHold(exact)
  })
  test.prop([P.program(), P.input(), P.input()], numRuns)('jvp(jit(f)) equals jvp(f)', (p, x, t) => {
    expect(L.jvpOfJit((y) => P.run(p, y), x, t), P.show(p)).toHold(exact)
  })
  test.prop([P.program(), fc.array(P.input(), { minLength: 3, maxLength: 3 })], numRuns)('jit(vmap(f)) and vmap(jit(f)) equal vmap(f)', (p, xs) => {
    const b = T.stack(xs, 0)
    expect(L.jitOfVmap((y) => P.run(p, y), [b]), P.show(p)).toHold(exact)
    expect(L.vmapOfJit((y) => P.run(p, y), [b]), P.show(p)).toHold(exact)
  })
  test.prop([P.program({ maxDepth: 3 }), P.program({ maxDepth: 3 }), P.input()], numRuns)('an inner jit inlines into an outer one', (p, q, x) => {
    expect(L.nestedJit((y) => P.run(p, y), (y) => P.run(q, y), [x]), `${P.show(q)} ∘ ${P.show(p)}`).toHold(exact)
  })
})

describe('jit with donated arguments', () => {
  test.prop([P.program(), fc.oneof(P.input(), P.input().map((x) => T.cast(x, 'float32')))], { numRuns: 40 })(
    'equals the function, bit for bit, and changes nothing the caller still sees (random programs)',
    (p, x) => {
      fc.pre(runs((y) => P.run(p, y), [x]))
      expect(L.donationInvisible((y) => P.run(p, y), [x]), P.show(p)).toHold(exact)
    },
  )
  test.prop([E.program().chain((p) => fc.tuple(fc.constant(p), E.inputs(p))), fc.integer({ min: 0, max: 12 }), fc.boolean(), fc.boolean()], { numRuns: 60 })(
    'equals the function, bit for bit, and changes nothing the caller still sees (fused loops of one and several outputs written over their inputs, in WebAssembly and in JavaScript)',
    ([p, xs], pick, two, wasm) => {
      const f = (...ys: T.Tensor[]): T.Tensor => (two ? E.runTwo(p, pick, ys[0]!, ys[1]!, ys[2]!, ys[3]!) : E.run(p, ys[0]!, ys[1]!, ys[2]!, ys[3]!))
      const previous = setFusedWasm(wasm)
      try {
        expect(L.donationInvisible(f, xs), E.show(p)).toHold(exact)
      } finally {
        setFusedWasm(previous)
      }
    },
  )
})

describe('fused float32 groups in WebAssembly', () => {
  const block = fc.constantFrom(4, 7, 64, 1000, 4096, BLOCK)
  test.prop([E.program().chain((p) => fc.tuple(fc.constant(p), E.inputs(p))), block], { numRuns: 60 })(
    'equal the eager function on the JavaScript kernels, bit for bit (NaN, ±0, ±∞ and subnormals included), in blocks of any size, and run in WebAssembly',
    ([p, xs], elements) => {
      expect(wasmFusionSupported(), 'this runtime has WebAssembly SIMD').toBe(true)
      const before = fusedWasmRuns()
      const previous = setFusedWasm(true)
      const previousBlock = setFusedWasmBlock(elements)
      try {
        const f = (...ys: T.Tensor[]): T.Tensor => E.run(p, ys[0]!, ys[1]!, ys[2]!, ys[3]!)
        expect(L.jitEqualsEager(f, xs), E.show(p)).toHold(exact)
      } finally {
        setFusedWasm(previous)
        setFusedWasmBlock(previousBlock)
      }
      expect(fusedWasmRuns(), E.show(p)).toBeGreaterThan(before)
    },
  )
  test.prop([E.program().chain((p) => fc.tuple(fc.constant(p), E.inputs(p))), fc.integer({ min: 0, max: 12 }), block], { numRuns: 40 })(
    'of several outputs equal the eager function, bit for bit, in blocks of any size, and run in WebAssembly as one group',
    ([p, xs], pick, elements) => {
      const f = (...ys: T.Tensor[]): T.Tensor => E.runTwo(p, pick, ys[0]!, ys[1]!, ys[2]!, ys[3]!)
      // the two results (and what they share of x's shape) are one fused line of several outputs
      expect(Ad.makeProgram(f, { form: 'compiled' })(...xs), E.show(p)).toMatch(/^ {4}\w+:f32\[[\d,]+\]( \w+:f32\[[\d,]+\])+ = fused\{/m)
      const before = fusedWasmRuns()
      const previous = setFusedWasm(true)
      const previousBlock = setFusedWasmBlock(elements)
      try {
        expect(L.jitEqualsEager(f, xs), E.show(p)).toHold(exact)
      } finally {
        setFusedWasm(previous)
        setFusedWasmBlock(previousBlock)
      }
      expect(fusedWasmRuns(), E.show(p)).toBeGreaterThan(before)
      // and in the JavaScript loop
      const js = setFusedWasm(false)
      try {
        expect(L.jitEqualsEager(f, xs), E.show(p)).toHold(exact)
      } finally {
        setFusedWasm(js)
      }
    },
  )
})
