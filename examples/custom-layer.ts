/**
 * A layer of your own: Swish with a learnable sharpness β per unit, y = x·σ(βx), defined once
 * with Net.defineLayer and then used like any built-in layer: trained with Train.fit, saved and
 * loaded, exported to ONNX. β → 0 makes it x/2 (linear), β → ∞ makes it relu; training picks.
 *
 * Run: npx tsx examples/custom-layer.ts
 */
import * as E from 'fp-ts/lib/Either.js'
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from '../src/index.js'

export const swish = Net.defineLayer({
  name: 'Swish',
  // the starting β of every unit; the check refuses what would make a bad layer
  fields: { beta: { default: 1, check: (v) => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? undefined : 'must be a finite number > 0') } },
  shape: (_, inShape) => (inShape.length === 0 ? 'needs a feature axis' : inShape),
  // one β per unit (the last axis), a trainable parameter
  init: (l, inShape) => ({ beta: { shape: [inShape.at(-1)!], init: (_, shape, dtype) => T.full(shape, l.beta, dtype) } }),
  apply: (_, p, x) => T.mul(x, T.sigmoid(T.mul(x, p['beta']!))),
  label: (l) => `Swish(β₀ ${l.beta})`,
  // the same formula as ONNX nodes: Mul(x, Sigmoid(Mul(x, β)))
  onnx: (_, x, b) => b.node('Mul', [x, b.node('Sigmoid', [b.node('Mul', [x, b.param('beta')])])]),
})

export const run = (opts: { readonly quick?: boolean } = {}) => {
  // y = |x₁| − x₂² + noise, on 256 points of the square [−1, 1]²
  const [kx, kn, kSplit] = Rng.split(Rng.key(0), 3) as [Rng.Key, Rng.Key, Rng.Key]
  const x = Rng.uniform(kx, [256, 2], { min: -1, max: 1 })
  const [x1, x2] = [T.slice(x, [0, 0], [256, 1]), T.slice(x, [0, 1], [256, 1])]
  const y = T.add(T.sub(T.abs(x1), T.square(x2)), Rng.normal(kn, [256, 1], { std: 0.02 }))
  const [train, dev] = Data.split(kSplit, Data.dataset(x, y), [0.8, 0.2]) as [Data.Dataset, Data.Dataset]
  const network = Net.serial(Net.dense(16), swish({ beta: 1 }), Net.dense(16), swish({ beta: 1 }), Net.dense(1))
  const trainer = { network, optimizer: Optim.adam(0.02), loss: Loss.meanSquaredError }
  const s = Train.fit(trainer, Train.initFit(trainer, Rng.key(1), [2]), train, { epochs: opts.quick === true ? 40 : 120, batchSize: 32, dev })
  const vars = { params: s.train.params, state: s.train.modelState }
  // saved as plain JSON; loading needs the definition, and refuses the document without it
  const text = Net.encode({ network, inShape: [2], ...vars })
  const loaded = Net.decode(text, { layers: [swish] })
  const withoutDefinition = Net.decode(text)
  const betas = T.toArray((s.train.params as ReadonlyArray<{ readonly beta?: T.Tensor }>)[1]!.beta!)
  return {
    summary: Net.summary(network, [2]),
    firstLoss: s.history[0]!.train.loss,
    devMse: s.history.at(-1)!.dev!.loss,
    history: s.history,
    betas,
    reloaded: E.isRight(loaded) && T.equals(Net.predict(loaded.right.network, loaded.right, x), Net.predict(network, vars, x)),
    refusal: E.isLeft(withoutDefinition) ? withoutDefinition.left.message : undefined,
    onnxBytes: Net.toOnnx(network, vars, { inShape: [2] }).length,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = run()
  console.log(r.summary)
  console.log(Train.textChart([{ name: 'train MSE', values: r.history.map((h) => h.train.loss) }, { name: 'dev MSE', values: r.history.map((h) => h.dev!.loss) }], { title: 'Mean squared error' }))
  console.log(`dev MSE ${r.devMse.toExponential(3)}; the first layer's β after training: ${r.betas.map((b) => b.toFixed(2)).join(' ')}`)
  console.log(`saved and loaded with its definition: ${r.reloaded ? 'same outputs' : 'DIFFERENT'}; without it: ${r.refusal}`)
  console.log(`ONNX export: ${r.onnxBytes} bytes`)
}
