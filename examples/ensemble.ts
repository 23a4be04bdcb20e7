/**
 * A vectorised ensemble: 8 small networks, differing only by their initial keys, trained at
 * once by one step mapped with `Ad.vmap` (`Train.initEnsemble`, `Train.ensembleStep`), against
 * the same 8 networks trained one after another by `Train.trainStep` on the same batches.
 *
 * Random restarts (train from several initialisations, keep the best on the dev set) usually
 * run the models in sequence; here every primitive of a step runs once for all 8 members, so
 * the per-operation overhead is paid once instead of 8 times. The members end bit for bit where
 * the sequential runs end; the best one on the dev set is kept.
 *
 * Run: npx tsx examples/ensemble.ts (add --quick for fewer epochs)
 */
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from '../src/index.js'

export const MEMBERS = 8

/** Two interleaved spirals, n points each, with labels 0 and 1 (one-hot). */
export const spirals = (key: Rng.Key, n: number): Data.Dataset => {
  const t = T.mul(T.sqrt(Rng.uniform(key, [n])), 3 * Math.PI)
  const arm = (sign: number) => T.stack([T.mul(T.mul(t, T.cos(t)), sign / 10), T.mul(T.mul(t, T.sin(t)), sign / 10)], 1)
  const x = T.concat([arm(1), arm(-1)], 0)
  const labels = [...new Array<number>(n).fill(0), ...new Array<number>(n).fill(1)]
  return Data.shuffle(Rng.foldIn(key, 1), Data.dataset(x, T.oneHot(labels, 2)))
}

export const trainer = {
  network: Net.serial(Net.dense(16, { init: 'heNormal' }), Net.tanh, Net.dense(16, { init: 'heNormal' }), Net.tanh, Net.dense(2)),
  optimizer: Optim.adam(0.02),
  loss: Loss.softmaxCrossEntropy,
}

/** The batches of every epoch, the same for both ways of training. */
const epochBatches = (train: Data.Dataset, epochs: number): ReadonlyArray<Data.Dataset> =>
  Array.from({ length: epochs }, (_, e) => Data.batches(Rng.key(100 + e), train, 32)).flat()

/** The 8 members trained at once: the final ensemble state. */
export const trainTogether = (keys: ReadonlyArray<Rng.Key>, batches: ReadonlyArray<Data.Dataset>): Train.EnsembleState => {
  const step = Train.ensembleStep(trainer)
  return batches.reduce(step, Train.initEnsemble(trainer, keys, [2]))
}

/** The 8 members trained one after another: their final states. */
export const trainInTurn = (keys: ReadonlyArray<Rng.Key>, batches: ReadonlyArray<Data.Dataset>): ReadonlyArray<Train.TrainState> => {
  const step = Train.trainStep(trainer)
  return keys.map((k) => batches.reduce(step, Train.initTrainState(trainer, k, [2])))
}

const devLoss = (s: Train.TrainState, dev: Data.Dataset): number => Train.evaluate(trainer.network, { params: s.params, state: s.modelState }, dev, trainer.loss).loss

const seconds = <A>(f: () => A): readonly [A, number] => {
  const t0 = performance.now()
  const a = f()
  return [a, (performance.now() - t0) / 1000]
}

export const run = (opts: { readonly quick?: boolean } = {}) => {
  const quick = opts.quick === true
  const data = spirals(Rng.key(0), 200)
  const [train, dev] = [Data.range(data, 0, 300), Data.range(data, 300, 100)]
  const batches = epochBatches(train, quick ? 10 : 60)
  const keys = Rng.split(Rng.key(1), MEMBERS)
  const [ensemble, together] = seconds(() => trainTogether(keys, batches))
  const [sequential, inTurn] = seconds(() => trainInTurn(keys, batches))
  const members = keys.map((_, i) => Train.member(ensemble, i))
  const losses = members.map((m) => devLoss(m, dev))
  const best = losses.indexOf(Math.min(...losses))
  const accuracy = Train.evaluate(trainer.network, { params: members[best]!.params, state: members[best]!.modelState }, dev, trainer.loss).accuracy!
  return { steps: batches.length, together, inTurn, members, sequential, devLosses: losses, best, bestAccuracy: accuracy }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = run({ quick: process.argv.includes('--quick') })
  console.log(`${MEMBERS} networks 2-16-16-2 on two spirals, ${r.steps} steps of Adam each`)
  console.log(`one vmapped ensemble: ${r.together.toFixed(2)} s; ${MEMBERS} sequential runs: ${r.inTurn.toFixed(2)} s (${(r.inTurn / r.together).toFixed(2)}× longer)`)
  console.log(`dev losses: ${r.devLosses.map((l) => l.toFixed(3)).join(', ')}`)
  console.log(`kept member ${r.best}: dev accuracy ${(100 * r.bestAccuracy).toFixed(1)}%`)
}
