import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { Ad, Rng, Tensor as T } from '../src/index.js'
import type { Prim } from '../src/prims/Prim.js'
import * as P from './arb/program.js'
import { allclose, exact } from './Equiv.js'
import { type Probe, inputsFor, probes } from './probes.js'
import * as L from './vmap.js'

const B = 3

/** Every probe, and stopGradient, which the gradient checks leave out. */
const all: ReadonlyArray<readonly [string, Probe]> = [
  ...(Object.entries(probes) as Array<[Exclude<Prim, 'stopGradient'>, Probe]>),
  ['stopGradient', { shapes: [[2, 3]], f: (x) => T.mul(Ad.stopGradient(T.square(x!)), x!) }],
]

/**
 * Primitives whose batched evaluation adds in another order than one example at a time, so
 * they agree to rounding, not bit for bit: none so far (every rule applies the primitive to
 * the same elements in the same order, with one more leading axis).
 */
const reordered: ReadonlySet<string> = new Set([])

/** A probe's inputs with a batch of B examples, each input mapped along `axes[i]` (null: shared). */
const batchedInputs = (probe: Probe, axes: ReadonlyArray<number | null>, seed: number): T.Tensor[] => {
  const shapes = probe.shapes.map((s, i) => {
    const a = axes[i]!
    if (a === null) return s
    const at = a < 0 ? s.length + 1 + a : a
    return [...s.slice(0, at), B, ...s.slice(at)]
  })
  return inputsFor({ ...probe, shapes }, seed)
}

/** For each input: mapped along its first axis, its last, or shared; at least one mapped. */
const axesFor = (probe: Probe): fc.Arbitrary<Array<number | null>> =>
  fc.array(fc.constantFrom<number | null>(0, -1, null), { minLength: probe.shapes.length, maxLength: probe.shapes.length }).filter((a) => a.some((x) => x !== null))

const comparator = (name: string) => (reordered.has(name) ? allclose({ rtol: 1e-12, atol: 1e-14 }) : exact)

describe('vmap of every primitive equals the loop over the examples', () => {
  for (const [name, probe] of all) {
    test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 }), axesFor(probe), fc.constantFrom(0, -1)], { numRuns: 6 })(name, (seed, axes, out) => {
      const xs = batchedInputs(probe, axes, seed)
      expect(L.vmapEqualsLoop(probe.f, xs, axes, out), `${name} inAxes ${JSON.stringify(axes)} outAxes ${out}`).toHold(comparator(name))
    })
  }
})

describe('vmap(grad(f)) of every primitive equals the per-example loop of gradients', () => {
  for (const [name, probe] of all) {
    test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 }), axesFor(probe)], { numRuns: 4 })(name, (seed, axes) => {
      const xs = batchedInputs(probe, axes, seed)
      const loss = (...ps: T.Tensor[]): T.Tensor => {
        const y = probe.f(...ps)
        return T.sum(T.mul(y, T.reshape(T.linspace(0.5, 1.5, y.size, 'float64'), y.shape)))
      }
      expect(L.vmapOfGradEqualsLoop(loss, xs, axes), `${name} inAxes ${JSON.stringify(axes)}`).toHold(allclose({ rtol: 1e-12, atol: 1e-13 }))
    })
  }
})

describe('vmap with mapped indices equals the loop', () => {
  const table = fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((s) => Rng.uniform(Rng.key(s), [B, 4, 5], { dtype: 'float64', min: -2, max: 2 }))
  const indices = (n: number, shape: number[]) => fc.array(fc.integer({ min: -n, max: n - 1 }), { minLength: shape.reduce((a, d) => a * d, 1), maxLength: shape.reduce((a, d) => a * d, 1) }).map((v) => T.fromArray(v, shape, 'int32'))
  test.prop([table, indices(4, [B, 2, 3]), fc.constantFrom<number | null>(0, null)])('gather along the first axis', (x, ix, ax) => {
    const f = (t: T.Tensor, i: T.Tensor) => T.gather(t, i, 0)
    expect(L.vmapEqualsLoop(f, ax === null ? [L.example(x, 0, 0), ix] : [x, ix], [ax, 0])).toHold(exact)
  })
  test.prop([table, indices(5, [B, 3]), fc.constantFrom(0, 1)])('gather along an inner axis, indices mapped along either axis', (x, ix, ia) => {
    const f = (t: T.Tensor, i: T.Tensor) => T.gather(t, i, 1)
    const ixs = ia === 0 ? ix : T.transpose(ix)
    expect(L.vmapEqualsLoop(f, [x, ixs], [0, ia])).toHold(exact)
  })
  test.prop([table, indices(4, [B, 6]), fc.constantFrom<number | null>(0, null)])('scatterAdd, updates mapped or shared', (x, ix, ua) => {
    // each example scatters [5, 6] updates into [5, 4] along axis 1: shared, or a batch [B, 5, 6]
    const f = (upd: T.Tensor, i: T.Tensor) => T.scatterAdd(upd, i, [5, 4], 1)
    const batch = T.transpose(T.slice(T.concat([x, x], 1), [0, 0, 0], [B, 6, 5]), [0, 2, 1])
    const upd = ua === null ? L.example(batch, 0, 1) : batch
    expect(L.vmapEqualsLoop(f, [upd, ix], [ua, 0])).toHold(exact)
  })
  test.prop([indices(4, [B, 5]).map((t) => T.add(T.mul(T.cast(T.less(t, 0), 'int32'), 4), t))])('oneHot', (ix) => {
    expect(L.vmapEqualsLoop((i) => T.oneHot(i, 4), [ix], [0])).toHold(exact)
  })
})

const scalarOf =
  (p: P.Program) =>
  (x: T.Tensor): T.Tensor =>
    T.sum(T.mul(P.run(p, x), T.reshape(T.linspace(-1, 1, 12, 'float64'), [...P.SHAPE])))

/** A batch of B program inputs ([3, 4] each) mapped along `axis` of [B, 3, 4] moved there. */
const batchOf = (axis: number) =>
  fc.array(P.input(), { minLength: B, maxLength: B }).map((xs) => {
    const s = T.stack(xs, 0)
    return axis === 0 ? s : T.transpose(s, axis === 1 ? [1, 0, 2] : [1, 2, 0])
  })
const axis = fc.constantFrom(0, 1, 2)

describe('vmap of random programs', () => {
  const runs = { numRuns: 40 }
  test.prop([P.program(), axis.chain((a) => fc.tuple(fc.constant(a), batchOf(a))), fc.constantFrom(0, 1, 2)], runs)('equals the loop over the examples', (p, [a, xs], out) => {
    expect(L.vmapEqualsLoop((x) => P.run(p, x), [xs], [a], out), P.show(p)).toHold(exact)
  })
  test.prop([P.program(), axis.chain((a) => fc.tuple(fc.constant(a), batchOf(a)))], runs)('vmap(grad(f)) equals the loop of gradients', (p, [a, xs]) => {
    expect(L.vmapOfGradEqualsLoop(scalarOf(p), [xs], [a]), P.show(p)).toHold(allclose({ rtol: 1e-12, atol: 1e-13 }))
  })
  test.prop([P.program(), axis.chain((a) => fc.tuple(fc.constant(a), batchOf(a))), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: B * 12, maxLength: B * 12 })], runs)(
    'grad(vmap(f)) equals the gradient of the loop',
    (p, [a, xs], cs) => {
      const c = T.fromArray(cs, [B, 3, 4], 'float64')
      expect(L.gradOfVmapEqualsLoop((x) => P.run(p, x), xs, a, c), P.show(p)).toHold(allclose({ rtol: 1e-12, atol: 1e-13 }))
    },
  )
  test.prop([P.program(), axis.chain((a) => fc.tuple(fc.constant(a), batchOf(a), batchOf(a)))], runs)('jvp(vmap(f)) equals the loop of jvps', (p, [a, xs, us]) => {
    expect(L.jvpOfVmapEqualsLoop((x) => P.run(p, x), xs, us, a), P.show(p)).toHold(allclose({ rtol: 1e-12, atol: 1e-13 }))
  })
  test.prop([P.program({ maxDepth: 3 }), fc.array(P.input(), { minLength: 4, maxLength: 4 }), fc.constantFrom(0, 1, 2, 3), fc.constantFrom(0, 1, 2), fc.constantFrom(0, 1, 2, 3), fc.constantFrom(0, 1, 2)], { numRuns: 30 })(
    'nested vmap with different in and out axes equals the double loop',
    (p, xs, oi, ii, oo, io) => {
      // four [3, 4] inputs as a batch (outer, 2) of batches (inner, 2): axes 0 and 1 of y, moved
      // to where the inner map (ii, among the example's axes) and the outer one (oi) read them
      const y = T.reshape(T.stack(xs, 0), [2, 2, 3, 4])
      const inner = [2, 3]
      inner.splice(ii, 0, 1)
      inner.splice(oi, 0, 0)
      const f = (z: T.Tensor) => P.run(p, z)
      expect(L.nestedVmapEqualsLoop(f, T.transpose(y, inner), [oi, oo], [ii, io]), `${P.show(p)} outer ${oi}→${oo}, inner ${ii}→${io}`).toHold(exact)
    },
  )
})
