import { describe, expect, it } from 'vitest'
import { Ad, Data, Loss, Net, Optim, PuregradError, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { dataOf } from '../../src/core/Tensor.js'
import { setFusedWasm } from '../../src/ad/jit/fuse.js'
import { jsKernels } from '../../src/kernels/js/index.js'
import { useKernels } from '../../src/kernels/registry.js'
import { createWasmKernels } from '../../src/kernels/wasm/index.js'

/** Every tensor in a value of arrays and records, in order. */
const tensorsOf = (v: unknown): T.Tensor[] =>
  T.isTensor(v) ? [v] : Array.isArray(v) ? v.flatMap(tensorsOf) : typeof v === 'object' && v !== null ? Object.values(v).flatMap(tensorsOf) : []

const caught = (f: () => unknown): PuregradError => {
  try {
    f()
  } catch (e) {
    if (e instanceof PuregradError) return e
    throw e
  }
  throw new Error('expected a PuregradError')
}

/** A compiled copy: its results are fresh buffers that nothing else holds, so a call may write them. */
const fresh = Ad.jit((a: T.Tensor) => T.mul(a, T.scalar(1, a.dtype)))
const x = T.tensor(Array.from({ length: 3000 }, (_, i) => Math.sin(i)))
const sgd = (p: T.Tensor, g: T.Tensor) => T.sub(p, T.mul(T.scalar(0.5), g))

describe('jit with donate', () => {
  it('writes the result into the donated buffer, equal to the undonated call', () => {
    const step = Ad.jit(sgd, { name: 'sgd', donate: [0] })
    const p = fresh(x)
    const buffer = dataOf(p)
    const r = step(p, x)
    expect(dataOf(r)).toBe(buffer)
    expect(T.equals(r, sgd(x, x))).toBe(true)
    // a loop of steps writes one buffer over and over
    let q = r
    for (let i = 0; i < 3; i++) q = step(q, x)
    expect(dataOf(q)).toBe(buffer)
    expect(T.toArray(q)).toEqual(T.toArray(sgd(sgd(sgd(sgd(x, x), x), x), x)))
  })

  it('refuses any later use of a donated tensor, naming the jitted function and how to keep it', () => {
    const step = Ad.jit(sgd, { name: 'sgd', donate: [0] })
    const p = fresh(x)
    step(p, x)
    const read = caught(() => T.toArray(p))
    expect([read.code, read.op]).toEqual(['INVALID_ARGUMENT', 'toArray'])
    expect(read.detail).toMatch(/was donated to the jitted function sgd/)
    expect(read.detail).toMatch(/donate option/)
    expect([caught(() => T.neg(p)).op, caught(() => T.add(x, p)).op, caught(() => T.reshape(p, [3, 1000])).op]).toEqual(['neg', 'add', 'reshape'])
    expect(caught(() => step(p, x)).op).toBe('sgd')
    expect(caught(() => Ad.jit(T.exp, { name: 'other' })(p)).op).toBe('other')
    expect(caught(() => Ad.grad((a: T.Tensor) => T.sum(a))(p)).code).toBe('INVALID_ARGUMENT')
    expect(String(p)).toBe('Tensor<float32>[3000] (donated to sgd)')
    // even a tensor whose buffer could not be written (the user's own) is used up
    const mine = T.tensor([1, 2, 3])
    step(mine, T.tensor([1, 1, 1]))
    expect(caught(() => T.toArray(mine)).code).toBe('INVALID_ARGUMENT')
    // a tensor of no elements too
    const empty = T.zeros([0])
    Ad.jit((a: T.Tensor) => T.neg(a), { donate: [0] })(empty)
    expect(caught(() => T.toArray(empty)).code).toBe('INVALID_ARGUMENT')
  })

  it('never writes a buffer something else still shows: a view, a second argument, a constant, what a custom rule saw', () => {
    const step = Ad.jit(sgd, { donate: [0] })
    const want = T.toArray(x)
    // a reshape the caller keeps
    const p = fresh(x)
    const view = T.reshape(p, [3, 1000])
    const r = step(p, x)
    expect(dataOf(r)).not.toBe(dataOf(view))
    expect(T.toArray(T.reshape(view, [-1]))).toEqual(want)
    // the same tensor as a second, undonated argument
    const q = fresh(x)
    expect(T.equals(step(q, q), sgd(x, x))).toBe(true)
    // donated in two places
    const both = Ad.jit((a: T.Tensor, b: T.Tensor) => T.add(a, b), { donate: [0, 1] })
    const s = fresh(x)
    expect(T.equals(both(s, s), T.add(x, x))).toBe(true)
    // closed over as a constant
    const c = fresh(x)
    const closed = Ad.jit((a: T.Tensor) => T.add(T.neg(a), c), { donate: [0] })
    expect(T.equals(closed(c), T.add(T.neg(x), x))).toBe(true)
    expect(caught(() => closed(fresh(x))).detail).toMatch(/donated to the jitted function/) // the constant was used up
    const own = T.tensor([1, -2, 3])
    expect(T.toArray(Ad.jit((a: T.Tensor) => T.mul(a, own), { donate: [0] })(own))).toEqual([1, 4, 9])
    // seen by a custom rule's function, which keeps it
    let seen: T.Tensor | undefined
    const keep = Ad.customVjp('keep', (a) => ((seen = a), T.mul(a, 2)), (g) => [T.mul(g, 2)])
    const custom = Ad.jit((a: T.Tensor) => T.neg(keep(a)), { donate: [0] })
    const k = fresh(x)
    custom(k)
    custom(fresh(x))
    expect(T.toArray(seen!)).toEqual(want)
  })

  it('returns a donated argument that is also a result as a usable tensor, and takes nothing under transformations', () => {
    const id = Ad.jit((a: T.Tensor, b: T.Tensor) => [a, T.add(a, b)] as const, { donate: [0] })
    const p = fresh(x)
    const [same, sum] = id(p, x)
    expect(T.toArray(same)).toEqual(T.toArray(x))
    expect(T.equals(sum, T.add(x, x))).toBe(true)
    // grad of a donating function replays its program: the arguments stay usable
    const f = Ad.jit((a: T.Tensor) => T.sum(T.square(a)), { donate: [0] })
    const q = fresh(x)
    expect(T.equals(Ad.grad(f)(q), T.mul(x, T.scalar(2)))).toBe(true)
    expect(T.toArray(q)).toEqual(T.toArray(x))
  })

  it('refuses a donate option that is not a list of distinct argument positions', () => {
    for (const bad of [0, [-1], [1.5], [0, 0], 'all']) {
      const e = caught(() => Ad.jit(sgd, { donate: bad as never }))
      expect([e.code, e.op]).toEqual(['INVALID_ARGUMENT', 'jit'])
      expect(e.detail).toMatch(/positions of the arguments to donate/)
    }
    // positions past a call's arguments take nothing
    expect(T.equals(Ad.jit(sgd, { donate: [2] })(x, x), sgd(x, x))).toBe(true)
  })
})

describe('the kernels jit hands recycled buffers', () => {
  it('matmul of every kernel set writes every element of its output, k = 0 and 1 and batches included (its buffer is not zeroed first)', () => {
    const wasm = createWasmKernels()
    expect(wasm).toBeDefined()
    for (const K of [jsKernels, wasm!]) {
      for (const [batch, m, n, k] of [[1, 3, 5, 0], [1, 200, 130, 0], [1, 130, 70, 1], [1, 64, 64, 3], [3, 40, 70, 33], [2, 1, 1, 9]] as const) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = new Float32Array(batch * m * k).fill(1)
            const b = new Float32Array(batch * k * n).fill(1)
            const out = new Float32Array(batch * m * n).fill(Number.NaN)
            K.matmul(a, b, out, { batch, m, n, k, transA, transB, aBatchStride: m * k, bBatchStride: k * n })
            expect(out.every((v) => v === k), `${K.name} ${[batch, m, n, k, transA, transB]}`).toBe(true)
          }
        }
      }
    }
  })
})

describe('Train.trainStep with donate', () => {
  // the middle layer's 64 × 64 weights are a product operand the WebAssembly kernels keep a copy of (used twice a step)
  const network = Net.serial(Net.dense(32), Net.relu, Net.dropout(0.8), Net.dense(64), Net.tanh, Net.dense(64), Net.relu, Net.dense(3))
  const batch = Data.dataset(Rng.normal(Rng.key(1), [24, 40]), T.oneHot(T.tensor(Array.from({ length: 24 }, (_, i) => i % 3), 'int32'), 3))
  const leavesOf = (s: Train.TrainState) => [...Tree.leaves(s.params).map((l) => l.value), ...tensorsOf(s.optState)]

  const run = (donate: boolean, steps: number) => {
    const trainer = { network, optimizer: Optim.adam(1e-2), loss: Loss.softmaxCrossEntropy }
    const step = Train.trainStep(trainer, { donate })
    let s = Train.initTrainState(trainer, Rng.key(0), [40])
    const states = [s]
    for (let i = 0; i < steps; i++) states.push((s = step(s, batch)))
    return { s, states, step }
  }

  it('equals the step without donation bit for bit, writes the new state over the old, and uses up each state it is given', () => {
    for (const wasm of [false, true]) {
      const previous = setFusedWasm(wasm)
      try {
        const a = run(true, 5)
        const b = run(false, 5)
        expect(a.s.loss).toBe(b.s.loss)
        expect(leavesOf(a.s).every((t, i) => T.equals(t, leavesOf(b.s)[i]!))).toBe(true)
        // from the second step on, the new parameters and moments live in the buffers of the old
        const before = leavesOf(a.s).map((t) => dataOf(t))
        const next = a.step(a.s, batch)
        expect(leavesOf(next).filter((t) => t.size >= 32).every((t) => before.includes(dataOf(t)))).toBe(true)
        for (const old of a.states.slice(0, -1)) expect(caught(() => a.step(old, batch)).code).toBe('INVALID_ARGUMENT')
        // without donate, every state stays usable
        expect(b.step(b.states[2]!, batch).loss).toBe(b.states[3]!.loss)
      } finally {
        setFusedWasm(previous)
      }
    }
  })

  it('on the WebAssembly kernels (which keep copies of matrix operands between products) equals the step without donation bit for bit', () => {
    const wasm = createWasmKernels()
    expect(wasm).toBeDefined()
    const previous = useKernels(wasm!)
    try {
      const a = run(true, 6)
      const b = run(false, 6)
      expect(a.s.loss).toBe(b.s.loss)
      expect(leavesOf(a.s).every((t, i) => T.equals(t, leavesOf(b.s)[i]!))).toBe(true)
    } finally {
      useKernels(previous)
    }
  })

  it('refuses a donate option that is not a boolean', () => {
    const trainer = { network, optimizer: Optim.sgd(0.1), loss: Loss.softmaxCrossEntropy }
    expect(caught(() => Train.trainStep(trainer, { donate: 1 as never })).code).toBe('INVALID_ARGUMENT')
    expect(caught(() => Train.trainStep(trainer, { donat: true } as never)).detail).toMatch(/donate/)
  })
})
