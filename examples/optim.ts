/**
 * Optimizers as pure state transitions: fit a linear regression y = Xw + b (gradients by hand)
 * with several optimizers, each a fold of `(params, state) → (params, state)`, one of them with
 * a warmup-cosine schedule and a reduce-on-plateau scale; then solve it with L-BFGS.
 *
 * Run: npx tsx examples/optim.ts
 */
import { Optim, Rng, Tensor as T, Tree } from '../src/index.js'

type Params = { readonly W: T.Tensor; readonly b: T.Tensor }

const [kX, kNoise] = Rng.split(Rng.key(0))
const X = Rng.normal(kX, [64, 3], { dtype: 'float64' })
const trueW = T.tensor([[2], [-1], [0.5]], 'float64')
const y = T.add(T.add(T.matmul(X, trueW), 0.3), Rng.normal(kNoise, [64, 1], { dtype: 'float64', std: 0.01 }))

/** Mean squared error and its gradient: ∂/∂W = 2/n·Xᵀr, ∂/∂b = 2/n·Σr, with r = Xw + b − y. */
export const loss = (p: Params): readonly [number, Params] => {
  const r = T.sub(T.add(T.matmul(X, p.W), p.b), y)
  const n = X.shape[0]!
  return [T.item(T.mean(T.square(r))), { W: T.mul(T.matmul(T.transpose(X), r), 2 / n), b: T.mul(T.sum(r, 0), 2 / n) }]
}

const params0: Params = { W: T.zeros([3, 1], 'float64'), b: T.zeros([1], 'float64') }

/** `steps` steps of an optimizer from params0; every `observeEvery` steps the loss is fed to any plateau. */
export const fit = (opt: Optim.GradientTransformation<unknown>, steps: number, observeEvery = 10): { readonly params: Params; readonly loss: number } => {
  let params = params0
  let state = opt.init(params)
  for (let t = 0; t < steps; t++) {
    const [value, grads] = loss(params)
    if (t % observeEvery === 0) state = Optim.observeMetric(state, value)
    const [updates, next] = opt.update(grads, state, params)
    params = Optim.applyUpdates(params, updates)
    state = next
  }
  return { params, loss: loss(params)[0] }
}

export const optimizers: ReadonlyArray<readonly [string, Optim.GradientTransformation<unknown>]> = [
  ['sgd, momentum 0.9', Optim.sgd(0.05, { momentum: 0.9 })],
  ['sgd, Nesterov', Optim.sgd(0.05, { momentum: 0.9, nesterov: true })],
  ['rmsprop', Optim.rmsprop(0.01)],
  ['adam', Optim.adam(0.05)],
  ['adamw + warmup-cosine', Optim.adamw(Optim.warmupCosineDecay(0.1, { warmupSteps: 20, decaySteps: 300 }), { weightDecay: 1e-4 })],
  ['clip, adam, plateau', Optim.chain(Optim.clipByGlobalNorm(1), Optim.adam(0.1), Optim.scaleByPlateau({ patience: 1, factor: 0.5 }))],
]

export const results = (steps = 300): ReadonlyArray<readonly [string, number]> => optimizers.map(([name, opt]) => [name, fit(opt, steps).loss])

export const main = (): void => {
  const rs = results()
  for (const [name, value] of rs) console.log(`${name.padEnd(24)} loss after 300 steps ${value.toExponential(3)}`)
  const r = Optim.minimize(loss, params0, { toleranceChange: 0 })
  const ok = r.converged && rs.every(([, value]) => value < 1.01 * r.value + 1e-4)
  if (!ok) process.exitCode = 1
  console.log(`L-BFGS: loss ${r.value.toExponential(3)} in ${r.iterations} iterations, ${r.evaluations} evaluations (${r.reason})`)
  console.log(`W = ${T.toArray(r.params.W).map((v) => v.toFixed(3)).join(', ')}, b = ${T.item(r.params.b).toFixed(3)}`)
  console.log(`state of adam after one step, as JSON: ${JSON.stringify(Optim.adam(0.1).update(loss(params0)[1], Optim.adam(0.1).init(params0))[1]).slice(0, 80)}…`)
  console.log(`parameters: ${Tree.paths(params0).join(', ')}`)
  console.log(ok ? 'every optimizer reached the least-squares loss' : 'MISMATCH: an optimizer did not converge')
}

if (import.meta.url === `file://${process.argv[1]}`) main()
