/**
 * The public surface holds its promises: tensors cannot be made over a buffer the caller keeps,
 * results are frozen, misspelt options are refused, derivatives at kinks match PyTorch's,
 * gradCheck does not call an unchecked gradient right, and errors say what to do.
 */
import { describe, expect, it } from 'vitest'
import { Ad, Loss, Net, PuregradError, Rng, Tensor as T } from '../../src/index.js'
import { caught as refusal } from '../util.js'


type AnyCtor = new (...args: unknown[]) => T.Tensor

describe('tensors cannot be built around a buffer from outside', () => {
  it('new Tensor(buf, shape) is refused: the caller would keep a writable view', () => {
    const buf = new Float32Array([1, 2, 3, 4])
    const e = refusal(() => new (T.Tensor as unknown as AnyCtor)(buf, [2, 2]))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.detail).toMatch(/Tensor\.tensor/)
  })
  it('a buffer shorter than its shape is refused too (the kernels would read past it)', () => {
    expect(() => new (T.Tensor as unknown as AnyCtor)(new Float32Array(1), [1000])).toThrow(PuregradError)
  })
  it('a subclass cannot reach the constructor either', () => {
    class Evil extends (T.Tensor as unknown as AnyCtor) {}
    expect(() => new Evil(new Float32Array(4), [4], undefined)).toThrow(PuregradError)
  })
  it('there is no static _wrap (nor any other static function) to call', () => {
    expect((T.Tensor as unknown as Record<string, unknown>)['_wrap']).toBeUndefined()
    const statics = Object.getOwnPropertyNames(T.Tensor).filter((k) => typeof (T.Tensor as unknown as Record<string, unknown>)[k] === 'function')
    expect(statics).toEqual([])
  })
  it('instanceof and isTensor still work; an object with the prototype but no buffer is not a tensor', () => {
    const x = T.tensor([1, 2])
    expect(x instanceof T.Tensor).toBe(true)
    expect(T.isTensor(x)).toBe(true)
    expect(T.isTensor(Object.create(T.Tensor.prototype))).toBe(false)
    expect(T.isTensor(null)).toBe(false)
  })
})

describe('results are frozen', () => {
  it('Net.init: the variables record, the params and state trees (every container) and the output shape', () => {
    const net = Net.serial(Net.dense(3), Net.batchNorm(), Net.dense(2))
    const vars = Net.init(net, { key: Rng.key(0), inShape: [4] })
    expect(Object.isFrozen(vars)).toBe(true)
    expect(Object.isFrozen(vars.params)).toBe(true)
    expect(Object.isFrozen(vars.state)).toBe(true)
    expect(Object.isFrozen(vars.outShape)).toBe(true)
    const containers = (t: unknown): unknown[] => (T.isTensor(t) || typeof t !== 'object' || t === null ? [] : [t, ...Object.values(t).flatMap(containers)])
    for (const c of [...containers(vars.params), ...containers(vars.state)]) expect(Object.isFrozen(c)).toBe(true)
    expect(() => {
      ;(vars.params as unknown as unknown[])[0] = 1
    }).toThrow(TypeError)
  })
})

describe('unknown options are refused, naming the key, the op and the accepted keys', () => {
  const x = T.zeros([1, 4, 4, 1])
  const w = T.zeros([2, 2, 1, 1])
  it.each([
    ['matmul', () => T.matmul(T.zeros([2, 2]), T.zeros([2, 2]), { transposeb: true } as never), 'transposeb', 'transposeB'],
    ['conv2d', () => T.conv2d(x, w, { stride: 2 } as never), 'stride', 'strides'],
    ['maxPool2d', () => T.maxPool2d(x, { size: 2, stride: 2 } as never), 'stride', 'strides'],
    ['avgPool2d', () => T.avgPool2d(x, { size: 2, paddin: 'same' } as never), 'paddin', 'padding'],
    ['conv2dGradInput', () => T.conv2dGradInput(T.zeros([1, 3, 3, 1]), w, [1, 4, 4, 1], { dilation: 1 } as never), 'dilation', 'dilations'],
    ['oneHot', () => T.oneHot([0], 2, { dtyp: 'int32' } as never), 'dtyp', 'dtype'],
    ['allclose', () => T.allclose(T.zeros([1]), T.zeros([1]), { rTol: 1 } as never), 'rTol', 'rtol'],
    ['normal', () => Rng.normal(Rng.key(0), [2], { stdev: 1 } as never), 'stdev', 'std'],
    ['uniform', () => Rng.uniform(Rng.key(0), [2], { maximum: 1 } as never), 'maximum', 'max'],
    ['conv2d', () => Net.conv2d(4, 3, { stride: 2 } as never), 'stride', 'strides'],
    ['maxPool2d', () => Net.maxPool2d(2, { stride: 2 } as never), 'stride', 'strides'],
    ['avgPool2d', () => Net.avgPool2d(2, { Padding: 'same' } as never), 'Padding', 'padding'],
    ['dense', () => Net.dense(4, { usebias: false } as never), 'usebias', 'useBias'],
    ['batchNorm', () => Net.batchNorm({ momentun: 0.9 } as never), 'momentun', 'momentum'],
    ['embedding', () => Net.embedding(10, 4, { initializer: 'zeros' } as never), 'initializer', 'init'],
    ['embedding', () => Net.embedding(10, 4, { weights: 'zeros' } as never), 'weights', undefined],
    ['simpleRnn', () => Net.simpleRnn(4, { returnSequence: true } as never), 'returnSequence', 'returnSequences'],
    ['lstm', () => Net.lstm(4, { recurrentinit: 'zeros' } as never), 'recurrentinit', 'recurrentInit'],
    ['init', () => Net.init(Net.dense(2), { key: Rng.key(0), inShape: [2], dtpye: 'float64' } as never), 'dtpye', 'dtype'],
    ['apply', () => Net.apply(Net.dense(2), Net.init(Net.dense(2), { key: Rng.key(0), inShape: [2] }), T.zeros([1, 2]), { training: true } as never), 'training', 'train'],
  ] as const)('%s refuses %#', (op, f, key, near) => {
    const e = refusal(f)
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.op).toBe(op)
    expect(e.detail).toContain(`unknown option "${key}"`)
    expect(e.detail).toMatch(/the options of \w+ are "/)
    if (near === undefined) expect(e.detail).not.toMatch(/did you mean/)
    else expect(e.detail).toContain(`(did you mean "${near}"?)`)
  })
  it('known options still work, and an undefined options argument is fine', () => {
    expect(T.matmul(T.ones([2, 2]), T.ones([2, 2]), { transposeB: true }).shape).toEqual([2, 2])
    expect(T.conv2d(x, w, { strides: 2 }).shape).toEqual([1, 2, 2, 1])
    expect(Net.dense(2, undefined)._tag).toBe('Dense')
  })
})

describe('errors say what is wrong and how to fix it', () => {
  it('Net.predict on nested arrays asks for a Tensor instead of speaking of tuples', () => {
    const net = Net.dense(2)
    const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
    const e = refusal(() => Net.predict(net, vars, [[1, 2]] as never))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.detail).not.toMatch(/tuple/)
    expect(e.detail).toMatch(/nested array of numbers; pass a Tensor .*Tensor\.tensor/)
  })
})

describe('derivatives at the kinks of elu and clip are those PyTorch gives', () => {
  const sum = (f: (x: T.Tensor) => T.Tensor) => (x: T.Tensor) => T.sum(f(x))
  const alpha = 2
  const elu = (x: T.Tensor): T.Tensor => {
    const net = Net.elu(alpha)
    return Net.apply(net, Net.init(net, { key: Rng.key(0), inShape: [x.shape[1]!] }), x).y as T.Tensor
  }
  const clip = (x: T.Tensor): T.Tensor => T.clip(x, 0, 1)
  const close = (got: T.Tensor, want: number[]): void => {
    const g = T.toArray(got)
    want.forEach((w, i) => expect(g[i]).toBeCloseTo(w, 12))
  }
  const xElu = T.tensor([[-1, 0, 1]], 'float64')
  const xClip = T.tensor([-1, 0, 0.5, 1, 2], 'float64')
  it('elu: reverse mode gives α·eˣ for x ≤ 0 (α at 0) and 1 above', () => {
    close(Ad.grad(sum(elu))(xElu), [alpha * Math.exp(-1), alpha, 1])
  })
  it('elu: forward mode agrees', () => {
    close(Ad.jvp(elu, [xElu], [T.onesLike(xElu)])[1], [alpha * Math.exp(-1), alpha, 1])
  })
  it('elu: second order gives α·eˣ for x ≤ 0 (α at 0) and 0 above', () => {
    close(Ad.grad(sum(Ad.grad(sum(elu))))(xElu), [alpha * Math.exp(-1), alpha, 0])
  })
  it('clip: reverse mode passes 1 on [min, max], bounds included, 0 outside', () => {
    close(Ad.grad(sum(clip))(xClip), [0, 1, 1, 1, 0])
  })
  it('clip: forward mode agrees, and the second derivative is 0', () => {
    close(Ad.jvp(clip, [xClip], [T.onesLike(xClip)])[1], [0, 1, 1, 1, 0])
    close(Ad.grad(sum(Ad.grad(sum(clip))))(xClip), [0, 0, 0, 0, 0])
  })
  it('minimum and maximum keep their documented tie subgradient ½', () => {
    close(Ad.grad(sum((x) => T.maximum(x, 0)))(T.tensor([0], 'float64')), [0.5])
    close(Ad.grad(sum((x) => T.minimum(x, 0)))(T.tensor([0], 'float64')), [0.5])
  })
})

describe('gradCheck does not call a gradient right when it judged nothing', () => {
  const w = { w: T.tensor([0.5, -1.5, 2]) }
  it('a loss with dropout drawing a fresh key each call is inconclusive, saying why', () => {
    let calls = 0
    const loss = (p: { w: T.Tensor }) => {
      const keep = Rng.bernoulli(Rng.foldIn(Rng.key(0), calls++), 0.5, [3], { dtype: 'float64' })
      return T.sum(T.mul(T.square(p.w), keep))
    }
    const r = Ad.gradCheck(loss, w)
    expect(r.verdict).toBe('inconclusive')
    expect(r.reason).toMatch(/not deterministic/)
    expect(Ad.showGradCheck(r)).toMatch(/^gradCheck: inconclusive .*not deterministic/)
  })
  it('a check that compared nothing (every difference straddles a kink) is inconclusive', () => {
    const r = Ad.gradCheck((p: { w: T.Tensor }) => T.sum(T.abs(p.w)), { w: T.tensor([0, 0]) }, { kinks: 'skip' })
    expect(r.compared).toBe(0)
    expect(r.verdict).toBe('inconclusive')
    expect(r.reason).toMatch(/nothing was compared/)
  })
  it('an ordinary deterministic loss is still ok', () => {
    const r = Ad.gradCheck((p: { w: T.Tensor }) => T.sum(T.square(p.w)), w)
    expect([r.verdict, r.reason]).toEqual(['ok', undefined])
  })
})

describe('softmax cross-entropy on float class indices', () => {
  it('asks for integer labels (cast them) instead of speaking of shapes', () => {
    const e = refusal(() => Loss.softmaxCrossEntropy(T.zeros([2, 3]), T.tensor([0, 2])))
    expect(e.detail).not.toMatch(/must have the same shape/)
    expect(e.detail).toMatch(/must be integers: cast them/)
  })
})

describe('the numeric guard refuses modes it does not know', () => {
  const f = (x: T.Tensor) => T.log(x)
  it.each([
    ['guarded', () => Ad.guarded(f, 'Ops' as never)],
    ['guarded', () => Ad.guarded(f, { mode: 'ops' } as never)],
    ['checkFinite', () => Ad.checkFinite(f, 'bondary' as never)],
    ['checkFinite', () => Ad.checkFinite(42 as never)],
  ] as const)('%s refuses %#', (op, g) => {
    const e = refusal(g)
    expect([e.code, e.op]).toEqual(['INVALID_ARGUMENT', op])
  })
  it("suggests the mode meant, and still accepts the real ones", () => {
    expect(refusal(() => Ad.checkFinite(f, 'bondary' as never)).detail).toMatch(/did you mean 'boundary'/)
    for (const m of ['ops', 'boundary', 'off'] as const) expect(T.toArray(Ad.guarded(f, m)(T.tensor([1])))).toEqual([0])
  })
})
