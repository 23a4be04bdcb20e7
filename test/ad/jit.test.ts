import { describe, expect, it } from 'vitest'
import { Ad, Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { fusedWasmRuns, setFusedWasm } from '../../src/ad/jit/fuse.js'
import { wasmFusionSupported } from '../../src/ad/jit/wasm.js'

const x = T.tensor([[0.5, -1, 2], [3, -0.25, 0]])

/** Every tensor in a value of arrays and records, in order. */
const tensorsOf = (v: unknown): T.Tensor[] =>
  T.isTensor(v) ? [v] : Array.isArray(v) ? v.flatMap(tensorsOf) : typeof v === 'object' && v !== null ? Object.values(v).flatMap(tensorsOf) : []

describe('jit', () => {
  it('traces once per signature and reruns the compiled program', () => {
    let traces = 0
    const f = Ad.jit((a: T.Tensor, scale: number) => {
      traces++ // a JavaScript side effect runs while tracing only
      return T.mul(T.tanh(a), scale)
    })
    f(x, 2)
    f(T.neg(x), 2)
    expect(traces).toBe(1)
    f(x, 3) // a new static value
    f(T.tensor([1, 2]), 3) // a new shape
    expect(traces).toBe(3)
    expect(T.equals(f(x, 3), T.mul(T.tanh(x), 3))).toBe(true)
  })

  it('keeps earlier results intact when the program runs again (recycled buffers are never returned)', () => {
    const f = Ad.jit((a: T.Tensor) => T.add(T.exp(T.mul(T.sigmoid(a), a)), T.square(T.relu(a))))
    const first = f(x)
    const copy = T.toArray(first)
    f(T.mul(x, 7))
    f(T.neg(x))
    expect(T.toArray(first)).toEqual(copy)
  })

  it('fuses elementwise chains, bias broadcasts included, bit for bit in float32', () => {
    const b = T.tensor([0.1, -0.2, 0.3])
    const f = (a: T.Tensor) => T.relu(T.mul(T.sigmoid(T.add(a, b)), T.sub(a, T.mean(a, -1, true))))
    expect(Ad.makeProgram(f, { form: 'compiled' })(x)).toMatch(/fused\{add, sigmoid, sub, mul, relu\}/)
    expect(T.equals(Ad.jit(f)(x), f(x))).toBe(true)
  })

  it('runs float32 groups of exact operations in WebAssembly, and the others (exp, float64, small) in JavaScript', () => {
    const a = Rng.normal(Rng.key(1), [64, 33])
    const b = Rng.normal(Rng.key(2), [33])
    const runs = (f: (a: T.Tensor, b: T.Tensor) => T.Tensor, ...xs: [T.Tensor, T.Tensor]): number => {
      const before = fusedWasmRuns()
      expect(T.equals(Ad.jit(f)(...xs), f(...xs))).toBe(true)
      return fusedWasmRuns() - before
    }
    const dense = (u: T.Tensor, v: T.Tensor) => T.relu(T.div(T.add(u, v), T.sqrt(T.add(T.square(v), 1e-8))))
    expect(wasmFusionSupported()).toBe(true)
    expect(runs(dense, a, b)).toBe(1)
    expect(runs((u, v) => T.exp(T.add(u, v)), a, b)).toBe(0)
    expect(runs(dense, T.cast(a, 'float64'), T.cast(b, 'float64'))).toBe(0)
    expect(runs(dense, T.slice(a, [0, 0], [3, 33]), b)).toBe(0) // 99 elements: copying would cost more
    const previous = setFusedWasm(false)
    try {
      expect(runs(dense, a, b)).toBe(0)
    } finally {
      setFusedWasm(previous)
    }
  })

  it('runs long groups of many inputs in WebAssembly (local and offset numbers past one LEB128 byte)', () => {
    const xs = Array.from({ length: 140 }, (_, i) => Rng.normal(Rng.key(i), [16, 17]))
    const f = (...ys: T.Tensor[]) => ys.reduce((acc, y, i) => (i % 3 === 0 ? T.maximum(T.mul(acc, y), T.neg(y)) : T.add(acc, T.sqrt(T.abs(y)))))
    const before = fusedWasmRuns()
    expect(T.equals(Ad.jit(f)(...xs), f(...xs))).toBe(true)
    expect(fusedWasmRuns() - before).toBe(1)
  })

  it("runs Adam's update of a parameter as one loop of three outputs (new moments and parameter), bit for bit", () => {
    const opt = Optim.adam(1e-3)
    const p = { w: Rng.normal(Rng.key(1), [40, 30]), b: Rng.normal(Rng.key(2), [30]) }
    const g = { w: Rng.normal(Rng.key(3), [40, 30]), b: Rng.normal(Rng.key(4), [30]) }
    const update = (g: typeof p, s: unknown, p: { w: T.Tensor; b: T.Tensor }) => {
      const [u, next] = opt.update(g, s as never, p)
      return { params: Optim.applyUpdates(p, u), state: next }
    }
    const s = opt.init(p)
    const lines = Ad.makeProgram(update, { form: 'compiled' })(g, s, p).split('\n')
    // one line per parameter writes its first moment, second moment and new value, reading the gradient once
    expect(lines.filter((l) => /^ {4}\w+:f32\[40,30\] \w+:f32\[40,30\] \w+:f32\[40,30\] = fused\{/.test(l))).toHaveLength(1)
    expect(lines.filter((l) => /^ {4}\w+:f32\[30\] \w+:f32\[30\] \w+:f32\[30\] = fused\{/.test(l))).toHaveLength(1)
    const eager = update(g, s, p)
    for (const mode of [true, false]) {
      const previous = setFusedWasm(mode)
      try {
        const before = fusedWasmRuns()
        const jitted = Ad.jit(update)(g, s, p)
        expect(fusedWasmRuns() - before).toBe(mode ? 1 : 0) // w's loop; b's 30 elements run in JavaScript
        const [js, es] = [tensorsOf(jitted), tensorsOf(eager)]
        expect(js.length).toBe(8) // new w and b, their two moments, and the step counts
        expect(js.every((t, i) => T.equals(t, es[i]!))).toBe(true)
      } finally {
        setFusedWasm(previous)
      }
    }
  })

  it('merges loops of several outputs up to 16 operands beyond scalars (each takes a block of the WebAssembly memory)', () => {
    const a = Rng.normal(Rng.key(1), [64, 8])
    const b = Rng.normal(Rng.key(2), [64, 8])
    const f = (u: T.Tensor, v: T.Tensor) => Array.from({ length: 40 }, (_, i) => T.add(T.mul(u, i + 1), v))
    const fused = Ad.makeProgram(f, { form: 'compiled' })(a, b).split('\n').filter((l) => l.includes('= fused{'))
    const counts = fused.map((l) => l.split(' = ')[0]!.trim().split(' ').length)
    expect(counts.reduce((s, n) => s + n, 0)).toBe(40)
    expect(Math.max(...counts)).toBe(14) // with u and v, 16 operands
    const [got, want] = [Ad.jit(f)(a, b), f(a, b)]
    expect(got.every((t, i) => T.equals(t, want[i]!))).toBe(true)
  })

  it('keeps apart groups that a step between them separates (a reduction of the first that the second reads)', () => {
    const a = Rng.normal(Rng.key(1), [32, 8])
    // relu(h) · sum(h) needs the sum, so h's loop cannot wait for relu's
    const f = (u: T.Tensor) => {
      const h = T.add(u, 1)
      return T.mul(T.relu(h), T.sum(h, -1, true))
    }
    expect(Ad.makeProgram(f, { form: 'compiled' })(a)).toMatch(/ = add a b\n.* = sum.*\n.* = fused\{relu, mul\}/)
    expect(T.equals(Ad.jit(f)(a), f(a))).toBe(true)
  })

  it('trees in, trees out, static leaves kept', () => {
    const f = Ad.jit((p: { w: T.Tensor; b: T.Tensor }, tag: string) => ({ y: T.add(T.matmul(x, p.w), p.b), tag, n: p.w.size }))
    const p = { w: T.ones([3, 2]), b: T.tensor([1, 2]) }
    const r = f(p, 'hi')
    expect([r.tag, r.n]).toEqual(['hi', 6])
    expect(T.toArray(r.y)).toEqual(T.toArray(T.add(T.matmul(x, p.w), p.b)))
  })

  it('refuses reads of traced contents, naming what to do', () => {
    const f = Ad.jit((a: T.Tensor) => (T.item(T.sum(a)) > 0 ? a : T.neg(a)))
    expect(() => f(x)).toThrow(expect.objectContaining({ code: 'TRACED_READ', op: 'item' }))
    expect(() => f(x)).toThrow(/Tensor\.where/)
  })

  it('refuses a closed-over value traced by an enclosing transformation, and a result that is not data', () => {
    const closes = (w: T.Tensor) => T.sum(Ad.jit((a: T.Tensor) => T.mul(a, w))(x))
    expect(() => Ad.grad(closes)(T.ones([2, 3]))).toThrow(expect.objectContaining({ code: 'ESCAPED_TRACER' }))
    expect(() => Ad.jit((a: T.Tensor) => () => a)(x)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }))
  })

  it('refuses a traced value used after the trace', () => {
    let leaked: T.Tensor | undefined
    Ad.jit((a: T.Tensor) => (leaked = T.exp(a)))(x)
    expect(() => T.add(leaked!, 1)).toThrow(expect.objectContaining({ code: 'ESCAPED_TRACER' }))
  })

  it('checks traced indices when the program runs', () => {
    const f = Ad.jit((t: T.Tensor, i: T.Tensor) => T.gather(t, i, 0))
    expect(T.toArray(f(x, T.tensor([1], 'int32')))).toEqual([3, -0.25, 0])
    expect(() => f(x, T.tensor([5], 'int32'))).toThrow(expect.objectContaining({ code: 'INDEX_OUT_OF_RANGE' }))
  })

  it('under the numeric guard, names the primitive and layer inside the jitted function', () => {
    const net = Net.serial(Net.dense(2), Net.relu)
    const vars = Net.init(net, { key: Rng.key(0), inShape: [3] })
    const f = Ad.jit((v: typeof vars, a: T.Tensor) => T.log(Net.forward(net, v, a).y))
    const bad = { ...vars, params: Tree.map(vars.params, (w) => T.mul(w, NaN)) }
    f(bad, x)
    let eager = ''
    try {
      Ad.guarded((v: typeof vars, a: T.Tensor) => T.log(Net.forward(net, v, a).y))(bad, x)
    } catch (e) {
      eager = (e as Error).message
    }
    expect(() => Ad.guarded(f)(bad, x)).toThrow(expect.objectContaining({ code: 'NON_FINITE', message: eager }))
    expect(eager).toMatch(/matmul/)
  })

  it('a jitted training step equals the eager one bit for bit, Adam and dropout included', () => {
    const network = Net.serial(Net.dense(8), Net.relu, Net.dropout(0.8), Net.dense(2))
    const batch = Data.dataset(Rng.normal(Rng.key(1), [16, 4]), T.oneHot(T.tensor(Array.from({ length: 16 }, (_, i) => i % 2), 'int32'), 2))
    const base = { network, optimizer: Optim.adam(1e-2), loss: Loss.softmaxCrossEntropy }
    const run = (jit: boolean) => {
      const step = Train.trainStep({ ...base, jit })
      let s = Train.initTrainState(base, Rng.key(0), [4])
      for (let i = 0; i < 4; i++) s = step(s, batch)
      return s
    }
    const [a, b] = [run(true), run(false)]
    expect(a.loss).toBe(b.loss)
    expect(Tree.leaves(a.params).every((l, i) => T.equals(l.value, Tree.leaves(b.params)[i]!.value))).toBe(true)
    expect(JSON.stringify(a.optState)).toBe(JSON.stringify(b.optState))
  })

  it('a training step with dropout traces once over many steps (keys are data), equal to the eager steps bit for bit', () => {
    let traces = 0
    const network = Net.serial(Net.dense(16), Net.relu, Net.dropout(0.7), Net.dense(8), Net.tanh, Net.dropout(0.9), Net.dense(3))
    const batch = Data.dataset(Rng.normal(Rng.key(5), [12, 4]), T.oneHot(T.tensor(Array.from({ length: 12 }, (_, i) => i % 3), 'int32'), 3))
    // the loss runs while the jitted step traces, and on every eager step
    const loss = (y: T.Tensor, t: T.Tensor) => (traces++, Loss.softmaxCrossEntropy(y, t))
    const base = { network, optimizer: Optim.adam(1e-2), loss }
    const run = (jit: boolean) => {
      traces = 0
      const step = Train.trainStep({ ...base, jit })
      let s = Train.initTrainState(base, Rng.key(0), [4])
      const losses: number[] = []
      for (let i = 0; i < 6; i++) losses.push((s = step(s, batch)).loss!)
      return { s, losses, traces }
    }
    const [a, b] = [run(true), run(false)]
    expect([a.traces, b.traces]).toEqual([1, 6])
    expect(a.losses).toEqual(b.losses)
    expect(new Set(a.losses).size).toBe(6)
    expect(Tree.leaves(a.s.params).every((l, i) => T.equals(l.value, Tree.leaves(b.s.params)[i]!.value))).toBe(true)
  })

  it('a jitted LSTM training step (its time loop an Ad.scan, unrolled under jit) equals the eager one bit for bit', () => {
    const network = Net.serial(Net.lstm(4), Net.dense(2))
    const batch = Data.dataset(Rng.normal(Rng.key(2), [6, 5, 3]), T.oneHot(T.tensor([0, 1, 1, 0, 1, 0], 'int32'), 2))
    const base = { network, optimizer: Optim.sgd(0.1), loss: Loss.softmaxCrossEntropy }
    const run = (jit: boolean) => {
      const step = Train.trainStep({ ...base, jit })
      let s = Train.initTrainState(base, Rng.key(0), [5, 3])
      for (let i = 0; i < 3; i++) s = step(s, batch)
      return s
    }
    const [a, b] = [run(true), run(false)]
    expect(a.loss).toBe(b.loss)
    expect(Tree.leaves(a.params).every((l, i) => T.equals(l.value, Tree.leaves(b.params)[i]!.value))).toBe(true)
  })

  it('refuses bad arguments when made', () => {
    expect(() => Ad.jit(3 as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => Ad.jit((a: T.Tensor) => a, { nme: 'x' } as never)).toThrow(/nme/)
    expect(() => Ad.makeProgram((a: T.Tensor) => a, { form: 'raw' as never })(x)).toThrow(/form/)
  })

  it('keys a trace by the arguments\' structure: field order does not matter, shapes and field names do; cycles and deep nesting are refused', () => {
    let traces = 0
    const f = Ad.jit((p: Record<string, T.Tensor>) => (traces++, T.add(p.a!, p.b!)))
    const a = T.tensor([1, 2])
    f({ a, b: a })
    f({ b: a, a })
    expect(traces).toBe(1)
    f({ a, b: T.tensor([[1, 2]]) })
    f({ a, b: a, c: a })
    expect(traces).toBe(3)
    const cyclic: unknown[] = [a]
    cyclic.push(cyclic)
    expect(() => Ad.jit((_: unknown) => a)(cyclic)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', op: 'jit' }))
    let deep: unknown = a
    for (let i = 0; i < 600; i++) deep = [deep]
    expect(() => Ad.jit((_: unknown) => a)(deep)).toThrow(expect.objectContaining({ code: 'TOO_DEEP', op: 'jit' }))
  })

  it('returns records with their fields in the order the function built them', () => {
    const f = Ad.jit((a: T.Tensor) => ({ zeta: T.neg(a), alpha: { second: a, first: T.exp(a) }, mid: 3 }))
    const r = f(T.tensor([1, 2]))
    expect(Object.keys(r)).toEqual(['zeta', 'alpha', 'mid'])
    expect(Object.keys(r.alpha)).toEqual(['second', 'first'])
    expect(T.toArray(r.alpha.first)).toEqual(T.toArray(T.exp(T.tensor([1, 2]))))
  })
})
