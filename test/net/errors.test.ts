import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Net, Rng, Tensor as T } from '../../src/index.js'
import { validateNetwork } from '../../src/net/validate.js'
import { caught } from '../util.js'

describe('hyperparameters are refused at construction', () => {
  it.each([
    ['dense(0)', () => Net.dense(0), /units must be a whole number ≥ 1; got 0/],
    ['dense(1.5)', () => Net.dense(1.5), /units must be a whole number/],
    ['dropout(0)', () => Net.dropout(0), /keep .* must lie in \(0, 1\]/],
    ['dropout(1.2)', () => Net.dropout(1.2), /got 1.2/],
    ['conv2d(4, 0)', () => Net.conv2d(4, 0), /kernelSize must be two whole numbers ≥ 1/],
    ["conv2d padding 'full'", () => Net.conv2d(4, 3, { padding: 'full' as never }), /padding must be 'valid', 'same'/],
    ['batchNorm momentum 1', () => Net.batchNorm({ momentum: 1 }), /momentum must lie in \[0, 1\)/],
    ['batchNorm eps 0', () => Net.batchNorm({ eps: 0 }), /eps must be a finite number > 0/],
    ['maxout(0)', () => Net.maxout(0), /pieces/],
    ['elu(-1)', () => Net.elu(-1), /alpha must be > 0/],
    ["dense init 'magic'", () => Net.dense(3, { init: 'magic' as never }), /init must be one of zeros, ones, smallNormal/],
    ['repeat(0, …)', () => Net.repeat(0, Net.relu), /times must be a whole number ≥ 1/],
    ['reshape with two −1', () => Net.reshape([-1, -1]), /at most one −1/],
  ])('%s', (_, make, message) => {
    const e = caught(make)
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toMatch(message)
  })
})

describe('shape errors name the layer and the shapes', () => {
  it('in static shape inference', () => {
    const r = Net.shape(Net.serial(Net.dense(8), Net.relu, Net.conv2d(4, 3)), [784])
    expect(E.isLeft(r) && r.left.code).toBe('SHAPE_MISMATCH')
    expect(E.isLeft(r) && r.left.message).toMatch(/layer 2 \(Conv2d\(4, 3×3, valid\)\) needs images of shape \[height, width, channels\]; got \[8\] per example .*its input has shape \[8\] per example/)
  })
  it('for windows larger than the input', () => {
    const r = Net.shape(Net.serial(Net.reshape([4, 4, 1]), Net.conv2d(2, 5)), [16])
    expect(E.isLeft(r) && r.left.message).toMatch(/layer 1 \(Conv2d\(2, 5×5, valid\)\).*\[4, 4, 1\]/)
  })
  it('for branches that do not add up', () => {
    const r = Net.shape(Net.serial(Net.fanOut(2), Net.parallel(Net.dense(2), Net.dense(3)), Net.fanInSum), [4])
    expect(E.isLeft(r) && r.left.message).toMatch(/layer 2 \(FanInSum\) needs equal shapes; got \[2\] and \[3\]/)
  })
  it('when applying variables made for another input', () => {
    const net = Net.serial(Net.dense(3), Net.relu, Net.dense(2))
    const vars = Net.init(net, { key: Rng.key(0), inShape: [4] })
    const e = caught(() => Net.apply(net, vars, T.zeros([5, 6])))
    expect(e.message).toMatch(/\[5, 6\] · \[4, 3\].*\(in layer 0 \(Dense\(3\)\)\)/)
  })
  it('when the variables do not belong to the network', () => {
    const net = Net.serial(Net.dense(3), Net.relu, Net.dense(2))
    const e = caught(() => Net.apply(net, { params: [{}, {}, {}], state: [{}, {}, {}] }, T.zeros([1, 4])))
    expect(e.code).toBe('TREE_MISMATCH')
    expect(e.message).toMatch(/layer 0 \(Dense\(3\)\) could not read its variables \(params\.W is undefined\)/)
    expect(e.message).not.toMatch(/\(in /)
    // the same for a variable present but not a tensor, in a layer without tensor ops on it first
    const ln = Net.serial(Net.dense(3), Net.layerNorm())
    const v = Net.init(ln, { key: Rng.key(0), inShape: [4] })
    const [dense, norm] = v.params as [unknown, { readonly beta: T.Tensor }]
    const broken = { params: [dense, { gamma: [1, 1, 1], beta: norm.beta }], state: v.state } as unknown as Net.Vars
    const f = caught(() => Net.apply(ln, broken, T.zeros([1, 4])))
    expect([f.code, f.message]).toEqual(['TREE_MISMATCH', 'apply: layer 1 (LayerNorm) could not read its variables (params.gamma is an array of length 3); pass the variables made by init for this network.'])
  })
})

describe('apply', () => {
  it('needs a key for dropout while training, and ignores dropout otherwise', () => {
    const net = Net.serial(Net.dense(3), Net.dropout(0.5))
    const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
    expect(caught(() => Net.apply(net, vars, T.ones([1, 2]), { train: true })).message).toMatch(/dropout needs a key in training mode/)
    expect(T.equals(Net.predict(net, vars, T.ones([1, 2])), T.matmul(T.ones([1, 2]), (vars.params as [{ W: T.Tensor }])[0].W))).toBe(true)
  })
  it('moves batch-norm statistics only while training', () => {
    const net = Net.batchNorm({ momentum: 0.5 })
    const vars = Net.init(net, { key: Rng.key(0), inShape: [2] })
    const x = T.tensor([[1, 10], [3, 30]])
    const trained = Net.apply(net, vars, x, { train: true }).state as { mean: T.Tensor; variance: T.Tensor }
    expect(T.toArray(trained.mean)).toEqual([1, 10])
    expect(T.toArray(trained.variance)).toEqual([1, 50.5])
    expect(Net.apply(net, vars, x).state).toBe(vars.state)
  })
  it('refuses float indices for an embedding', () => {
    const net = Net.embedding(5, 2)
    const vars = Net.init(net, { key: Rng.key(0), inShape: [3] })
    expect(caught(() => Net.apply(net, vars, T.zeros([1, 3]))).message).toMatch(/expects int32 token indices/)
  })
})

describe('summary', () => {
  it('lists layers, shapes and parameter counts like Keras', () => {
    const text = Net.summary(Net.serial(Net.dense(128), Net.relu, Net.batchNorm(), Net.dense(10)), [784])
    expect(text).toMatch(/0 {2}Dense\(128\) +\[\*, 128\] +100,480/)
    expect(text).toMatch(/2 {2}BatchNorm +\[\*, 128\] +512/)
    expect(text).toMatch(/Total parameters: 102,282 \(trainable 102,026, state 256\)/)
  })
})

describe('edit', () => {
  it('returns a new, checked network and leaves the old one alone', () => {
    const net = Net.serial(Net.dense(4), Net.dropout(0.5), Net.dense(1))
    const edited = Net.edit(net, (d) => {
      if (d._tag === 'Serial' && d.layers[1]?._tag === 'Dropout') d.layers[1].keep = 0.9
    })
    expect(((edited as Net.Serial).layers[1] as Net.Dropout).keep).toBe(0.9)
    expect(((net as Net.Serial).layers[1] as Net.Dropout).keep).toBe(0.5)
    expect(Object.isFrozen((edited as Net.Serial).layers[1])).toBe(true)
    const e = caught(() =>
      Net.edit(net, (d) => {
        if (d._tag === 'Serial' && d.layers[0]?._tag === 'Dense') d.layers[0].units = -1
      }),
    )
    expect(e.message).toMatch(/^edit: layer 0: units must be a whole number ≥ 1; got -1/)
  })
})

describe('combinators refuse what they cannot combine', () => {
  it('a residual block around a tuple whose body does not give a tensor like its first element', () => {
    const r = Net.shape(Net.serial(Net.fanOut(2), Net.residual(Net.identity)), [3])
    expect(E.isLeft(r) && r.left.message).toMatch(/layer 1 \(Residual\).*maps \(\[3\], \[3\]\) to \(\[3\], \[3\]\).*the shape of the tuple's first element, \[3\]/)
  })

  it('bidirectional around a layer that is not recurrent, at construction and in a saved network (naming the layer path)', () => {
    for (const [layer, tag] of [[Net.dense(3), 'Dense'], [Net.conv1d(2, 3), 'Conv1d'], [Net.transformerBlock(4, 2), 'Serial'], [Net.bidirectional(Net.gru(2)), 'Bidirectional']] as const) {
      const e = caught(() => Net.bidirectional(layer))
      expect([e.code, e.op]).toEqual(['INVALID_ARGUMENT', 'Bidirectional'])
      expect(e.message).toContain(`layer must be a recurrent layer (SimpleRnn, Lstm, Gru); got ${tag}: wrap Net.simpleRnn, Net.lstm or Net.gru`)
    }
    const saved = JSON.parse(JSON.stringify(Net.serial(Net.dense(2), Net.bidirectional(Net.gru(3)))))
    saved.layers[1].layer = JSON.parse(JSON.stringify(Net.conv1d(3, 1)))
    const r = validateNetwork(saved)
    expect(E.isLeft(r) && r.left.code).toBe('INVALID_VALUE')
    expect(E.isLeft(r) && r.left.message).toMatch(/layer 1: layer must be a recurrent layer \(SimpleRnn, Lstm, Gru\); got Conv1d/)
  })
})
