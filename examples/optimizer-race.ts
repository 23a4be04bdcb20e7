/**
 * An optimizer race (notes 000, 002): SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam and
 * L-BFGS train the same network on the same full batch from the same starting point. Printed
 * as a table and a chart of the loss.
 *
 * Run: npx tsx examples/optimizer-race.ts
 */
import { Ad, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../src/index.js'

export const run = (opts: { readonly quick?: boolean } = {}) => {
  const steps = opts.quick === true ? 60 : 150
  // two interleaved half-moons
  const [kt, kn] = Rng.split(Rng.key(0))
  const t = Rng.uniform(kt, [200], { dtype: 'float64', min: 0, max: Math.PI })
  const upper = T.stack([T.cos(t), T.sin(t)], 1)
  const lower = T.stack([T.sub(1, T.cos(t)), T.sub(0.5, T.sin(t))], 1)
  const x = T.add(T.concat([upper, lower]), Rng.normal(kn, [400, 2], { dtype: 'float64', std: 0.1 }))
  const y = T.concat([T.zeros([200], 'int32'), T.ones([200], 'int32')])
  const network = Net.serial(Net.dense(16), Net.tanh, Net.dense(2))
  const start = Net.init(network, { key: Rng.key(1), inShape: [2], dtype: 'float64' }).params
  const loss = (p: Tree.Tree) => Loss.softmaxCrossEntropy(Net.predict(network, { params: p, state: [{}, {}, {}] }, x), y)
  const valueAndGrad = (p: Tree.Tree): readonly [number, Tree.Tree] => {
    const [v, g] = Ad.valueAndGrad(loss)(p)
    return [T.item(v), g]
  }
  const race = (opt: Optim.GradientTransformation<unknown>): number[] => {
    let p = start
    let s = opt.init(p)
    const curve: number[] = []
    for (let i = 0; i < steps; i++) {
      const [v, g] = valueAndGrad(p)
      curve.push(v)
      const [u, next] = opt.update(g, s, p)
      p = Optim.applyUpdates(p, u)
      s = next
    }
    return curve
  }
  const entries: Array<[string, Optim.GradientTransformation<unknown>]> = [
    ['SGD', Optim.sgd(0.5)],
    ['momentum 0.9', Optim.sgd(0.1, { momentum: 0.9 })],
    ['Nesterov 0.9', Optim.sgd(0.1, { momentum: 0.9, nesterov: true })],
    ['AdaGrad', Optim.adagrad(0.1)],
    ['RMSProp', Optim.rmsprop(0.01)],
    ['Adam', Optim.adam(0.05)],
  ]
  const curves = entries.map(([name, opt]) => [name, race(opt)] as const)
  const lbfgs = Optim.minimize(valueAndGrad, start, { maxEvaluations: steps, toleranceChange: 0, toleranceGrad: 1e-12 })
  const rows = [...curves.map(([name, c]) => [name, c.at(-1)!, steps] as const), ['L-BFGS', lbfgs.value, lbfgs.evaluations] as const]
  return { rows, curves }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, curves } = run()
  console.log('optimizer      final loss   gradient evaluations')
  for (const [name, loss, evals] of [...rows].sort((a, b) => a[1] - b[1])) console.log(`${name.padEnd(14)} ${loss.toExponential(3).padStart(10)}   ${evals}`)
  const sampled = curves.map(([name, c]) => ({ name, values: c.filter((_, i) => i % 10 === 0) }))
  console.log(`\n${Train.textChart(sampled, { title: 'loss every 10 steps', step: 3 })}`)
}
