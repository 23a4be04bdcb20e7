/**
 * ONNX export (issue 9): exported networks run in onnxruntime-web and agree with Net.apply in
 * evaluation mode to float32 precision (|onnx − puregrad| ≤ 1e-4 · max(1, max |output|)), for
 * networks covering every layer kind and combinator; refusals name the layer; the bytes decode
 * back with the schema; exporting is deterministic and leaves the variables alone.
 *
 * Each comparison creates one ORT session (~350 ms of wasm compilation), so networks are built
 * to cover many layer kinds at once.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { Loss, Net, Rng, Tensor as T, Tree } from '../../src/index.js'
import { decodeModel } from '../../src/onnx/schema.js'
import { loadMnist } from '../../src/node/mnist.js'
import { caught } from '../util.js'
import { agree, measured, trained } from './onnx.util.js'
import { models } from '../../src/node/models.js'

const normal = (seed: number, shape: ReadonlyArray<number>, std = 1): T.Tensor => Rng.normal(Rng.key(seed), shape, { std })
const bn = Net.batchNorm({ momentum: 0.5 })

afterAll(() => {
  const runs = measured.runs.map((r) => `${r.name}: ${r.maxAbs.toExponential(2)} (scale ${r.scale.toFixed(2)})`).join('\n  ')
  console.log(`ONNX export: ${measured.sessions} ORT sessions (${(measured.sessionMs / 1000).toFixed(1)} s to create and run), worst relative difference ${measured.worst.toExponential(2)}\n  ${runs}`)
})

/** Images 9×9×2: odd sizes give asymmetric 'same' padding. */
const images = Net.serial(
  Net.conv2d(4, 3, { padding: 'same' }),
  bn, // folded into the conv
  Net.relu,
  Net.conv2d(4, [2, 3], { strides: 2, padding: 'same' }), // 9 → 5
  Net.elu(0.7),
  Net.residual(Net.serial(Net.conv2d(4, 3, { padding: 1 }), Net.tanh)),
  Net.fanOut(2),
  Net.parallel(Net.maxPool2d(3, { strides: 2, padding: 'same' }), Net.avgPool2d(2, { strides: 2, padding: [[1, 0], [0, 1]] })), // 5 → 3, 3
  Net.fanInConcat(-1), // channels: axis 1 in NCHW
  bn, // after a concat: BatchNormalization in NCHW
  Net.conv2d(3, 2, { dilations: 2, padding: [[1, 2], [2, 0]] }), // 3×3 → 4×3
  Net.softmax, // over the channels, axis 1 in NCHW
  Net.avgPool2d(2, { strides: 1, padding: 'same' }), // edge windows average fewer cells
  Net.flatten, // in NHWC order
  Net.dense(5),
  bn, // folded into the Gemm
  Net.gelu,
  Net.dense(3),
)

/** Images 6×6×3, with layers that read images channels-last between convolutions. */
const channelsLast = Net.serial(
  Net.conv2d(4, 3, { useBias: false }), // 4×4×4
  bn, // folded into a conv without bias
  Net.leakyRelu(0.2),
  Net.fanOut(2),
  Net.parallel(Net.identity, Net.conv2d(4, 1)),
  Net.fanInConcat(0), // along the height: axis 2 in NCHW → 8×4×4
  Net.dense(3), // on images: MatMul over the channels, NHWC
  bn, // folded into MatMul + Add
  Net.logSoftmax,
  Net.reshape([4, 8, 3]),
  Net.conv2d(2, 3, { strides: [2, 1], padding: 'same' }), // 2×8×2
  bn,
  Net.relu,
  Net.maxPool2d([2, 3], { strides: [1, 2], padding: 'same' }),
  Net.flatten,
)

/** Vectors [6]: dense, maxout, residual, repeat, sums, reshape and dense over two axes. */
const vectors = Net.serial(
  Net.dense(12),
  bn, // folded into the Gemm
  Net.maxout(3), // → 4
  bn, // BatchNormalization on [N, 4]
  Net.residual(Net.serial(Net.dense(4, { useBias: false }), Net.tanh, Net.dropout(0.5))), // Gemm without C
  Net.repeat(2, Net.serial(Net.dense(4), Net.sigmoid)),
  Net.fanOut(3),
  Net.parallel(Net.dense(4), Net.identity, Net.serial(Net.dense(4), Net.relu)),
  Net.fanInSum,
  Net.reshape([2, 2]),
  Net.dense(6), // [2, 6]: MatMul + Add
  bn, // folded into it
  bn, // Mul + Add over the last axis of [N, 2, 6]
  Net.softplus,
  Net.maxout(3), // [2, 2]
  Net.flatten,
)

describe('Net.toOnnx in onnxruntime-web', () => {
  // each network is trained once, then exported with batch norm folded and unfolded
  const once = <A>(f: () => A): (() => A) => {
    let a: A | undefined
    return () => (a ??= f())
  }
  const imageVars = once(() => trained(images, Rng.key(11), [9, 9, 2], normal(10, [8, 9, 9, 2]), normal(12, [8, 3])))
  const channelsLastVars = once(() => trained(channelsLast, Rng.key(21), [6, 6, 3], normal(20, [8, 6, 6, 3]), normal(22, [8, 16])))

  it('the MNIST CNN of the command line, trained a few steps on digits, agrees on 64 test digits', async () => {
    const cnn = models.cnn()
    const digits = loadMnist()
    const order = T.toArray(Rng.permutation(Rng.key(3), 10000))
    const pick = (from: number, n: number): [T.Tensor, T.Tensor] => {
      const ix = T.tensor(order.slice(from, from + n), 'int32')
      return [T.gather(digits.x, ix), T.gather(digits.y, ix)]
    }
    const [xTrain, yTrain] = pick(0, 64)
    const vars = trained(cnn, Rng.key(1), [784], xTrain, yTrain, 3, Loss.softmaxCrossEntropy)
    const [xTest] = pick(5000, 64)
    const { maxAbs, bytes } = await agree('MNIST CNN', cnn, vars, [784], xTest)
    expect(maxAbs).toBeLessThan(1e-3)
    const model = decodeModel(bytes) as { graph: { node: Array<{ opType: string }> } }
    expect(model.graph.node.map((n) => n.opType)).toEqual(['Reshape', 'Transpose', 'Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Transpose', 'Flatten', 'Gemm', 'Relu', 'Gemm'])
    const params = Tree.size(vars.params)
    console.log(`MNIST CNN: ${params} parameters, ONNX file ${bytes.length} bytes`)
    expect(bytes.length).toBeGreaterThan(4 * params)
    expect(bytes.length).toBeLessThan(4 * params + 4096)
  })

  it('images: same/valid/numeric padding, strides, dilations, pools, residual, concat, softmax over channels, folded and unfolded batch norm', async () => {
    const vars = imageVars()
    await agree('images', images, vars, [9, 9, 2], normal(13, [5, 9, 9, 2]))
  })

  it('images with every batch norm exported unfolded (BatchNormalization)', async () => {
    const vars = imageVars()
    const { bytes } = await agree('images, unfolded', images, vars, [9, 9, 2], normal(13, [5, 9, 9, 2]), { foldBatchNorm: false })
    const ops = (decodeModel(bytes) as { graph: { node: Array<{ opType: string }> } }).graph.node.map((n) => n.opType)
    expect(ops.filter((o) => o === 'BatchNormalization')).toHaveLength(3)
  })

  it('layers reading images channels-last between convolutions (dense on images, reshape, log-softmax), with batch norm folded', async () => {
    const vars = channelsLastVars()
    await agree('channels-last', channelsLast, vars, [6, 6, 3], normal(23, [4, 6, 6, 3]))
  })

  it('the same network with batch norm unfolded (BatchNormalization in NCHW, on channels-last values between Transposes)', async () => {
    const vars = channelsLastVars()
    await agree('channels-last, unfolded', channelsLast, vars, [6, 6, 3], normal(23, [4, 6, 6, 3]), { foldBatchNorm: false })
  })

  it('vectors: dense, maxout, residual, repeat, fan-out and sum, reshape, dense over two axes, batch norm three ways', async () => {
    const x = normal(30, [16, 6])
    const vars = trained(vectors, Rng.key(31), [6], x, normal(32, [16, 4]))
    await agree('vectors', vectors, vars, [6], normal(33, [7, 6], 2))
  })

  it('float64 variables are exported as float32 and agree with the float64 network', async () => {
    const vars = Net.init(vectors, { key: Rng.key(34), inShape: [6], dtype: 'float64' })
    await agree('vectors, float64', vectors, vars, [6], T.cast(normal(35, [7, 6]), 'float64'))
  })

  it('every activation, on inputs from −40 to 40, as nine outputs', async () => {
    const acts = [Net.sigmoid, Net.tanh, Net.relu, Net.leakyRelu(0.3), Net.elu(0.6), Net.softmax, Net.logSoftmax, Net.softplus, Net.gelu]
    const net = Net.serial(Net.fanOut(acts.length), Net.parallel(...acts))
    const x = T.concat([normal(40, [6, 5], 4), T.tensor([[-40, -10, 0, 10, 40], [-1e-3, 1e-3, -3, 3, 0.5]])], 0)
    await agree('activations', net, Net.init(net, { key: Rng.key(41), inShape: [5] }), [5], x)
  })

  it('embedding and recurrent layers: LSTM and simple RNNs with every activation (ONNX LSTM/RNN; softplus and gelu unrolled)', async () => {
    const rnns = (['tanh', 'sigmoid', 'relu', 'leakyRelu', 'elu', 'softplus', 'gelu'] as const).map((activation, i) => Net.simpleRnn(3, { activation, returnSequences: i % 2 === 0 }))
    // the token indices pass through layers that only move values before the embedding reads them
    const net = Net.serial(Net.dropout(0.5), Net.flatten, Net.embedding(11, 5), Net.fanOut(9), Net.parallel(Net.lstm(4, { returnSequences: true }), Net.lstm(3), ...rnns))
    const vars = Net.init(net, { key: Rng.key(50), inShape: [7, 1] })
    // a forget bias of 1 and small weights would hide a gate-order mistake: make every weight sizeable
    let k = 100
    const loud = { params: Tree.map(vars.params, (t) => normal(k++, t.shape, 0.8)), state: vars.state }
    const tokens = Rng.integers(Rng.key(52), [5, 7, 1], 0, 11)
    const { bytes } = await agree('sequences', net, loud, [7, 1], tokens)
    const m = decodeModel(bytes) as { graph: { input: Array<{ type: { tensorType: { elemType: number } } }>; node: Array<{ opType: string }> } }
    expect(m.graph.input[0]!.type.tensorType.elemType).toBe(6) // int32
    expect(m.graph.node.filter((n) => n.opType === 'LSTM' || n.opType === 'RNN').map((n) => n.opType)).toEqual(['LSTM', 'LSTM', 'RNN', 'RNN', 'RNN', 'RNN', 'RNN']) // softplus and gelu unrolled
  })

  it('GRU (ONNX GRU, linear_before_reset, gates reordered z, r, h) and bidirectional layers of every recurrent kind and merge', async () => {
    const layers = [
      Net.gru(4, { returnSequences: true }),
      Net.gru(3),
      Net.bidirectional(Net.gru(3, { returnSequences: true })),
      Net.bidirectional(Net.lstm(2), { merge: 'sum' }),
      Net.bidirectional(Net.simpleRnn(2, { returnSequences: true }), { merge: 'mean' }),
      Net.bidirectional(Net.simpleRnn(2, { activation: 'gelu' }), { merge: 'mul' }),
    ]
    const net = Net.serial(Net.fanOut(layers.length), Net.parallel(...layers))
    const vars = Net.init(net, { key: Rng.key(55), inShape: [6, 3] })
    // sizeable weights and biases in every gate, so that a gate or bias mix-up shows
    let k = 300
    const loud = { params: Tree.map(vars.params, (t) => normal(k++, t.shape, 0.8)), state: vars.state }
    const { bytes } = await agree('gru and bidirectional', net, loud, [6, 3], normal(56, [4, 6, 3]))
    const ops = (decodeModel(bytes) as any).graph.node.map((n: any) => n.opType) as string[]
    expect(ops.filter((o) => ['GRU', 'LSTM', 'RNN'].includes(o))).toEqual(['GRU', 'GRU', 'GRU', 'GRU', 'LSTM', 'LSTM', 'RNN', 'RNN'])
  })

  it('masked recurrent layers and transformer blocks: the real steps are moved first (TopK, GatherElements), counted as ONNX sequence lengths, and the outputs moved back', async () => {
    const layers = [
      Net.gru(3, { returnSequences: true, mask: true }),
      Net.lstm(3, { mask: true }),
      Net.simpleRnn(2, { returnSequences: true, mask: true }),
      Net.bidirectional(Net.gru(2, { returnSequences: true, mask: true })),
      Net.bidirectional(Net.lstm(2, { mask: true }), { merge: 'sum' }),
      Net.serial(Net.transformerBlock(3, 1, { keyMask: true }), Net.transformerBlock(3, 1, { keyMask: true, causal: true })),
    ]
    const inShape = { tuple: [[5, 3], [5]] }
    const net = Net.serial(Net.fanOut(layers.length), Net.parallel(...layers))
    const vars = Net.init(net, { key: Rng.key(57), inShape })
    let k = 400
    const loud = { params: Tree.map(vars.params, (t) => normal(k++, t.shape, 0.8)), state: vars.state }
    // lengths 5, 1, 3 and 4, flags of any non-zero value
    const mask = T.tensor([[1, 1, 1, 1, 1], [2, 0, 0, 0, 0], [1, -1, 0.5, 0, 0], [1, 1, 1, 1, 0]])
    await agree('masked sequences', net, loud, inShape, [normal(58, [4, 5, 3], 3), mask])
    // padding anywhere: at the start, in the middle, everywhere, in turns
    const anywhere = T.tensor([[0, 0, 1, 1, 1], [1, 0, 0, 1, 0], [0, 0, 0, 0, 0], [0, 1, 0, 1, 0]])
    await agree('masked sequences, padding anywhere', net, loud, inShape, [normal(59, [4, 5, 3], 3), anywhere])
    // softplus and gelu RNNs are unrolled, without a mask
    const e = caught(() => Net.toOnnx(Net.simpleRnn(2, { activation: 'gelu', mask: true }), Net.init(Net.simpleRnn(2, { activation: 'gelu', mask: true }), { key: Rng.key(0), inShape }), { inShape }))
    expect(e.message).toMatch(/gelu.*mask/)
  })

  it('recurrent layers with saturating pre-activations (weights of std 30): no overflow where puregrad has none', async () => {
    const rnns = (['tanh', 'sigmoid', 'relu', 'leakyRelu', 'elu', 'softplus', 'gelu'] as const).map((activation, i) => Net.simpleRnn(3, { activation, returnSequences: i % 2 === 0 }))
    const net = Net.serial(Net.fanOut(9), Net.parallel(Net.lstm(4, { returnSequences: true }), Net.lstm(3), ...rnns))
    const vars = Net.init(net, { key: Rng.key(53), inShape: [6, 2] })
    let k = 200
    const loud = { params: Tree.map(vars.params, (t) => normal(k++, t.shape, 30)), state: vars.state }
    await agree('sequences, saturated', net, loud, [6, 2], normal(54, [4, 6, 2], 5))
  })

  it('tuple inputs and outputs, values passed straight through, and one value as two outputs', async () => {
    const net = Net.parallel(
      Net.identity,
      Net.serial(Net.parallel(Net.dense(2), Net.serial(Net.flatten, Net.dense(2))), Net.fanInConcat(), Net.fanOut(2)),
    )
    const inShape = { tuple: [[3], { tuple: [[3], [2, 2]] }] }
    const vars = Net.init(net, { key: Rng.key(60), inShape })
    const x = [normal(61, [4, 3]), [normal(62, [4, 3]), normal(63, [4, 2, 2])]]
    await agree('tuples', net, vars, inShape, x)
  })

  it('layer norm: LayerNormalization from opset 17, the formula before; on vectors, sequences and images (channels-first after a conv)', async () => {
    const net = Net.serial(Net.conv2d(3, 2, { padding: 'same' }), Net.layerNorm(), Net.flatten, Net.dense(6), Net.reshape([2, 3]), Net.layerNorm({ eps: 1e-3 }), Net.flatten, Net.dense(4), Net.layerNorm())
    const x = normal(90, [4, 3, 3, 2], 3)
    const vars = trained(net, Rng.key(91), [3, 3, 2], x, normal(92, [4, 4]))
    expect(Net.summary(net, [3, 3, 2])).toMatch(/1  LayerNorm +\[\*, 3, 3, 3\] +6\n/)
    for (const opset of [13, 16, 17, 21]) {
      const { bytes } = await agree(`layer norm, opset ${opset}`, net, vars, [3, 3, 2], x, { opset })
      const ops = (decodeModel(bytes) as any).graph.node.map((n: any) => n.opType)
      expect(ops.filter((o: string) => o === 'LayerNormalization').length).toBe(opset >= 17 ? 3 : 0)
    }
  })
  it('group norm: the formula in primitive operators at every opset (no GroupNormalization); on images (channels-first after a conv), sequences and vectors', async () => {
    const net = Net.serial(Net.conv2d(6, 2, { padding: 'same' }), Net.groupNorm(3), Net.relu, Net.conv2d(4, 2), Net.groupNorm(1, { eps: 1e-3 }), Net.flatten, Net.dense(6), Net.reshape([2, 3]), Net.groupNorm(3), Net.flatten, Net.dense(4), Net.groupNorm(2))
    const x = normal(93, [4, 3, 3, 2], 3)
    const vars = trained(net, Rng.key(94), [3, 3, 2], x, normal(95, [4, 4]))
    expect(Net.summary(net, [3, 3, 2])).toMatch(/1  GroupNorm\(3\) +\[\*, 3, 3, 6\] +12\n/)
    for (const opset of [13, 17, 18, 21]) {
      const { bytes } = await agree(`group norm, opset ${opset}`, net, vars, [3, 3, 2], x, { opset })
      const ops = (decodeModel(bytes) as any).graph.node.map((n: any) => n.opType)
      expect(ops).not.toContain('GroupNormalization')
      expect(ops.filter((o: string) => o === 'ReduceMean').length).toBe(8)
    }
  })
  it('attention: a causal language model (embedding, learned positions, two transformer blocks), and cross-attention with sinusoidal encodings and key masks, a fully masked example included', async () => {
    const lm = Net.serial(Net.embedding(13, 8), Net.positionalEmbedding(9), Net.transformerBlock(8, 2, { causal: true }), Net.transformerBlock(8, 4, { causal: true }), Net.layerNorm(), Net.dense(13))
    const tokens = Rng.integers(Rng.key(96), [4, 6], 0, 13)
    const lmVars = trained(lm, Rng.key(97), [6], tokens, normal(98, [4, 6, 13]))
    for (const opset of [13, 21]) {
      const { bytes } = await agree(`causal language model, opset ${opset}`, lm, lmVars, [6], tokens, { opset })
      const ops = (decodeModel(bytes) as any).graph.node.map((n: any) => n.opType)
      expect(ops.filter((o: string) => o === 'Softmax').length).toBe(2)
      expect(ops.filter((o: string) => o === 'Where').length).toBe(4) // the causal mask before and after each Softmax
    }
    // queries [5, 6] (with sinusoids) attend to a context [4, 3] (through a dense layer) with a key mask [4]
    const inShape = { tuple: [[5, 6], [4, 3], [4]] }
    // example 0 attends to keys 0 and 2; example 1 to none (its output is the output bias); example 2 to all
    const mask = T.tensor([[1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1]])
    const attn = Net.serial(Net.parallel(Net.sinusoidalEncoding(), Net.dense(3), Net.identity), Net.multiHeadAttention(3, { cross: true, keyMask: true, causal: true }))
    const vars = Net.init(attn, { key: Rng.key(99), inShape })
    const loud = { params: Tree.map(vars.params, (t) => T.add(t, normal(t.size, t.shape, 0.5))), state: vars.state }
    const x = [normal(100, [3, 5, 6], 2), normal(101, [3, 4, 3], 2), mask]
    for (const opset of [13, 17]) await agree(`cross-attention with a key mask, opset ${opset}`, attn, loud, inShape, x, { opset })
    const selfMasked = Net.multiHeadAttention(2, { keyMask: true })
    const sv = Net.init(selfMasked, { key: Rng.key(102), inShape: { tuple: [[4, 6], [4]] } })
    await agree('self-attention with a key mask', selfMasked, sv, { tuple: [[4, 6], [4]] }, [normal(103, [3, 4, 6]), mask])
  })
  it('convolutions beyond conv2d on images: transposed (ConvTranspose), depthwise (Conv with group), upsampling (Resize), global pooling', async () => {
    const net = Net.serial(
      Net.conv2dTranspose(3, 3, { strides: 2, padding: 1, outputPadding: 1 }), // 5×4 → 10×8
      bn, // BatchNormalization in NCHW after the ConvTranspose
      Net.relu,
      Net.depthwiseConv2d([3, 2], { depthMultiplier: 2, padding: 'same', strides: [2, 1] }), // 5×8×6
      Net.conv2dTranspose(2, [1, 2], { strides: [2, 3], padding: 'same' }), // kernels narrower than the strides: ONNX output_padding [1, 1] → 10×24
      Net.depthwiseConv2d(2, { dilations: [2, 1], padding: [[1, 0], [0, 2]] }), // 9×25×2
      Net.fanOut(3),
      Net.parallel(
        Net.serial(Net.upsampling2d([2, 3], { interpolation: 'bilinear' }), Net.globalAvgPool), // 18×75
        Net.serial(Net.upsampling2d(2), Net.conv2dTranspose(2, 2, { dilations: 2, useBias: false }), Net.globalMaxPool),
        Net.serial(Net.upsampling2d([3, 1], { interpolation: 'bilinear' }), Net.flatten, Net.dense(3)),
      ),
      Net.fanInConcat(),
    )
    const x = normal(100, [6, 5, 4, 2])
    const vars = trained(net, Rng.key(101), [5, 4, 2], x, normal(102, [6, 7]))
    for (const opset of [13, 18, 21]) {
      const { maxAbs, scale, bytes } = await agree(`convolutions on images, opset ${opset}`, net, vars, [5, 4, 2], normal(103, [4, 5, 4, 2], 2), { opset })
      expect(maxAbs / scale).toBeLessThan(1e-5)
      const ops = (decodeModel(bytes) as any).graph.node.map((n: any) => n.opType)
      expect(ops.filter((o: string) => o === 'ConvTranspose')).toHaveLength(3)
      expect(ops.filter((o: string) => o === 'Resize')).toHaveLength(3)
      expect(ops).toContain('GlobalAveragePool')
      expect(ops).toContain('GlobalMaxPool')
      const groups = (decodeModel(bytes) as any).graph.node.filter((n: any) => n.opType === 'Conv').map((n: any) => n.attribute.find((a: any) => a.name === 'group').i)
      expect(groups).toEqual([3, 2])
    }
  })

  it('convolutions beyond conv2d on sequences and volumes: conv1d (causal, same, strided), global pooling over steps and over three axes', async () => {
    const net = Net.serial(
      Net.conv1d(4, 3, { padding: 'causal', dilations: 2 }), // 9 steps
      Net.tanh,
      Net.conv1d(6, 2, { padding: 'same', strides: 2 }), // 5 steps
      Net.fanOut(3),
      Net.parallel(
        Net.globalAvgPool,
        Net.serial(Net.conv1d(2, 3, { padding: [2, 1], useBias: false }), Net.globalMaxPool),
        Net.serial(Net.flatten, Net.dense(24), Net.reshape([2, 3, 2, 2]), Net.globalMaxPool),
      ),
      Net.fanInConcat(),
    )
    const x = normal(110, [6, 9, 3])
    const vars = trained(net, Rng.key(111), [9, 3], x, normal(112, [6, 10]))
    const { maxAbs, scale, bytes } = await agree('convolutions on sequences', net, vars, [9, 3], normal(113, [5, 9, 3], 2))
    expect(maxAbs / scale).toBeLessThan(1e-5)
    const ops = (decodeModel(bytes) as any).graph.node.map((n: any) => n.opType)
    expect(ops.filter((o: string) => o === 'Conv')).toHaveLength(3)
  })

  it('opset 18 (ReduceMax with axes as an input) and opset 21', async () => {
    const x = normal(70, [4, 9, 9, 2])
    const vars = Net.init(images, { key: Rng.key(71), inShape: [9, 9, 2] })
    await agree('images, opset 21', images, vars, [9, 9, 2], x, { opset: 21 })
    const v = Net.init(vectors, { key: Rng.key(72), inShape: [6] })
    await agree('vectors, opset 18', vectors, v, [6], normal(73, [3, 6]), { opset: 18 })
  })
})

describe('Net.toOnnx without a runtime', () => {
  const net = Net.serial(Net.reshape([6, 6, 1]), Net.conv2d(3, 3, { padding: 'same' }), bn, Net.relu, Net.maxPool2d(2), Net.flatten, Net.dense(4), Net.dropout(0.5), Net.dense(2))
  const vars = trained(net, Rng.key(80), [36], normal(81, [8, 36]), normal(82, [8, 2]))

  it('writes a model that decodes back with the schema: opset, IR version, symbolic batch, OIHW kernels, folded weights', () => {
    const bytes = Net.toOnnx(net, vars, { inShape: [36], graphName: 'tiny', docString: 'a test model', opset: 17 })
    const m = decodeModel(bytes) as any
    expect(m.irVersion).toBe(8)
    expect(m.opsetImport).toEqual([{ version: 17 }])
    expect(m.producerName).toBe('puregrad')
    expect(m.docString).toBe('a test model')
    expect(m.graph.name).toBe('tiny')
    expect(m.graph.input).toEqual([{ name: 'input', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 36 }] } } } }])
    expect(m.graph.output).toEqual([{ name: 'output', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 2 }] } } } }])
    expect(m.graph.node.map((n: any) => n.opType)).toEqual(['Reshape', 'Transpose', 'Conv', 'Relu', 'MaxPool', 'Transpose', 'Flatten', 'Gemm', 'Gemm'])
    const init = Object.fromEntries(m.graph.initializer.map((t: any) => [t.name, t]))
    expect(init['1.W'].dims).toEqual([3, 1, 3, 3]) // OIHW, with the batch norm of layer 2 folded in
    expect(init['1.b'].dims).toEqual([3])
    expect(init['2.gamma']).toBeUndefined()
    // the last dense layer's weights, bit for bit as float32
    const w = init['8.W']
    expect(w.dims).toEqual([4, 2])
    expect(w.dataType).toBe(1)
    const raw = new Uint8Array(w.rawData)
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
    const W = (vars.params as any)[8].W as T.Tensor
    expect(Array.from({ length: 8 }, (_, i) => view.getFloat32(4 * i, true))).toEqual(T.toArray(W))
    // the conv's attributes: 'same' padding of a 3×3 window is one cell on every side
    const conv = m.graph.node.find((n: any) => n.opType === 'Conv')
    const attrs = Object.fromEntries(conv.attribute.map((a: any) => [a.name, a.type === 7 ? a.ints : a.i]))
    expect(attrs).toEqual({ kernel_shape: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1 })
  })

  it('is deterministic: the same network, variables and options give the same bytes', () => {
    const a = Net.toOnnx(net, vars, { inShape: [36] })
    const b = Net.toOnnx(net, vars, { inShape: [36] })
    expect(Buffer.compare(a, b)).toBe(0)
    expect(Buffer.compare(a, Net.toOnnx(net, vars, { inShape: [36], graphName: 'other' }))).not.toBe(0)
  })

  it('leaves the variables as they were', () => {
    const before = [...Tree.leaves(vars.params), ...Tree.leaves(vars.state)].map((l) => [l.path, T.toArray(l.value)] as const)
    Net.toOnnx(net, vars, { inShape: [36], foldBatchNorm: true })
    Net.toOnnx(net, vars, { inShape: [36], foldBatchNorm: false })
    expect([...Tree.leaves(vars.params), ...Tree.leaves(vars.state)].map((l) => [l.path, T.toArray(l.value)] as const)).toEqual(before)
  })

  it('refuses variables of another network, naming where they differ', () => {
    const other = Net.init(Net.serial(Net.reshape([6, 6, 1]), Net.conv2d(4, 3, { padding: 'same' }), bn, Net.relu, Net.maxPool2d(2), Net.flatten, Net.dense(4), Net.dropout(0.5), Net.dense(2)), { key: Rng.key(0), inShape: [36] })
    const e = caught(() => Net.toOnnx(net, other, { inShape: [36] }))
    expect(e.code).toBe('TREE_MISMATCH')
    expect(e.op).toBe('toOnnx')
    expect(e.message).toMatch(/'1\.W'/)
    expect(caught(() => Net.toOnnx(net, vars.params as unknown as Net.Vars, { inShape: [36] })).code).toBe('INVALID_ARGUMENT')
  })

  it('refuses an embedding that reads computed floats, or a layer that reads the token indices, naming the layer', () => {
    const late = Net.serial(Net.dense(4), Net.embedding(10, 3))
    const e = caught(() => Net.toOnnx(late, Net.init(late, { key: Rng.key(0), inShape: [2] }), { inShape: [2] }))
    expect(e.code).toBe('DTYPE_MISMATCH')
    expect(e.message).toMatch(/^toOnnx: layer 1 \(Embedding\(10, 3\)\) reads int32 token indices/)
    const both = Net.serial(Net.fanOut(2), Net.parallel(Net.embedding(10, 3), Net.dense(3)))
    const f = caught(() => Net.toOnnx(both, Net.init(both, { key: Rng.key(0), inShape: [2] }), { inShape: [2] }))
    expect(f.code).toBe('DTYPE_MISMATCH')
    expect(f.message).toMatch(/layer 1\.1 \(Dense\(3\)\) reads the network's input as float32 values, but an embedding reads the same input as int32 token indices/)
  })

  it('refuses bad options and input shapes the network does not take', () => {
    expect(caught(() => Net.toOnnx(net, vars, { inShape: [36], opset: 12 })).message).toMatch(/opset must be a whole number from 13 to 21; got 12/)
    expect(caught(() => Net.toOnnx(net, vars, {} as Net.OnnxOptions)).message).toMatch(/inShape is missing/)
    expect(caught(() => Net.toOnnx(net, vars, { inShape: [35] })).code).toBe('SHAPE_MISMATCH')
    expect(caught(() => Net.toOnnx(net, vars, { inShape: [36], graphName: '' })).code).toBe('INVALID_ARGUMENT')
    const seq = Net.lstm(2)
    expect(caught(() => Net.toOnnx(seq, Net.init(seq, { key: Rng.key(0), inShape: [0, 3] }), { inShape: [0, 3] })).message).toMatch(/size ≥ 1/)
  })
})
