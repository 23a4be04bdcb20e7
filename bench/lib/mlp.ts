/**
 * The MLP 784-128-64-10 (ReLU, softmax cross-entropy, float32) in puregrad and in TensorFlow.js,
 * from the same initial weights (He-normal, drawn once with puregrad's Rng).
 */
import { Ad, Optim, Rng, Tensor as T } from '../../src/index.js'
import { tf } from './tf.js'

export const SIZES = [784, 128, 64, 10] as const

/** Initial weights as plain arrays, so both libraries start from the same point. */
export interface Init {
  readonly W: ReadonlyArray<Float32Array>
  readonly b: ReadonlyArray<Float32Array>
}

export const initWeights = (seed: number): Init => {
  const ks = Rng.split(Rng.key(seed), 3)
  const W = [0, 1, 2].map((l) => T.toTypedArray(Rng.normal(ks[l]!, [SIZES[l]!, SIZES[l + 1]!], { std: Math.sqrt(2 / SIZES[l]!) })) as Float32Array)
  const b = [0, 1, 2].map((l) => new Float32Array(SIZES[l + 1]!))
  return { W, b }
}

// ---- puregrad ---------------------------------------------------------------------------------

export type Layer = { readonly W: T.Tensor; readonly b: T.Tensor }
export type Params = readonly [Layer, Layer, Layer]

export const pgParams = (init: Init): Params =>
  [0, 1, 2].map((l) => ({ W: T.fromArray(init.W[l]!, [SIZES[l]!, SIZES[l + 1]!]), b: T.fromArray(init.b[l]!, [SIZES[l + 1]!]) })) as unknown as Params

export const pgLogits = (p: Params, x: T.Tensor): T.Tensor => {
  const h1 = T.relu(T.add(T.matmul(x, p[0].W), p[0].b))
  const h2 = T.relu(T.add(T.matmul(h1, p[1].W), p[1].b))
  return T.add(T.matmul(h2, p[2].W), p[2].b)
}

/** Mean softmax cross-entropy over the batch. */
export const pgLoss = (p: Params, x: T.Tensor, y: T.Tensor): T.Tensor => T.neg(T.mean(T.sum(T.mul(y, T.logSoftmax(pgLogits(p, x))), -1)))

export type OptName = 'adam' | 'sgd'
/** Adam lr 1e-3 or plain SGD lr 0.1, as in the peer runs. */
export const pgOptimizer = (name: OptName): Optim.GradientTransformation<unknown> => (name === 'adam' ? Optim.adam(1e-3) : Optim.sgd(0.1))

/** A training loop's state: parameters and optimizer state, replaced (never mutated) each step. */
export interface PgTrainer {
  params: Params
  state: unknown
  readonly opt: Optim.GradientTransformation<unknown>
  /** the step's arithmetic, run eagerly or compiled by `Ad.jit` */
  readonly step: (params: Params, state: unknown, x: T.Tensor, y: T.Tensor) => { params: Params; state: unknown; loss: T.Tensor }
  /** how many times the step function ran: every eager step, and once per trace when jitted */
  readonly traces: () => number
}

/**
 * The step's arithmetic as a pure function of parameters, optimizer state and batch: loss and
 * gradient, the optimizer's update, the new parameters.
 */
export const pgStepFn =
  (opt: Optim.GradientTransformation<unknown>) =>
  (params: Params, state: unknown, x: T.Tensor, y: T.Tensor): { params: Params; state: unknown; loss: T.Tensor } => {
    const [loss, grads] = Ad.valueAndGrad((p: Params) => pgLoss(p, x, y))(params)
    const [updates, next] = opt.update(grads, state, params)
    return { params: Optim.applyUpdates(params, updates), state: next, loss }
  }

/**
 * A trainer; with `jit`, its step runs compiled by `Ad.jit` as `Train.trainStep(trainer, { donate:
 * true })` runs it for a user's loop that keeps only the latest state: the loss, the gradient and
 * the optimizer's update as one program (its step count an int32 scalar tensor, so it is traced
 * once), which uses up the parameters and optimizer state it is given and writes the new ones
 * into their buffers. The initial parameters and state are the trainer's own (nothing else
 * holds them), and each step's are dropped for the next.
 */
export const pgTrainer = (init: Init, opt: OptName, options: { readonly jit?: boolean } = {}): PgTrainer => {
  const o = pgOptimizer(opt)
  const params = pgParams(init)
  const pure = pgStepFn(o)
  let runs = 0
  // the counter runs in JavaScript, so under jit it counts traces of the step, not calls
  const eager: PgTrainer['step'] = (p, s, x, y) => (runs++, pure(p, s, x, y))
  const jitted: PgTrainer['step'] = Ad.jit(eager, { name: 'mlpStep', donate: [0, 1] })
  return { params, state: o.init(params), opt: o, step: options.jit === true ? jitted : eager, traces: () => runs }
}

/** One step on a batch given as plain arrays; returns the loss tensor. */
export const pgStep = (t: PgTrainer, xs: Float32Array, ys: Float32Array, rows: number): T.Tensor => {
  const r = t.step(t.params, t.state, T.fromArray(xs, [rows, 784]), T.fromArray(ys, [rows, 10]))
  t.params = r.params
  t.state = r.state
  return r.loss
}

const probabilities = (p: Params, x: T.Tensor): T.Tensor => T.softmax(pgLogits(p, x))
const probabilitiesJit = Ad.jit(probabilities, { name: 'mlpForward' })

/** Softmax probabilities for a batch of rows (with `jit`, the forward pass compiled by `Ad.jit`). */
export const pgPredict = (p: Params, xs: Float32Array, rows: number, jit = false): Float32Array =>
  T.toTypedArray((jit ? probabilitiesJit : probabilities)(p, T.fromArray(xs, [rows, 784]))) as Float32Array

export const pgAccuracy = (p: Params, x: Float32Array, labels: Int32Array): number => {
  const pred = T.toTypedArray(T.argmax(pgLogits(p, T.fromArray(x, [labels.length, 784])), -1))
  let ok = 0
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) ok++
  return ok / labels.length
}

// ---- TensorFlow.js (core API: variables + optimizer.minimize inside tf.tidy) -----------------------

export interface TfModel {
  readonly W: tf.Variable[]
  readonly b: tf.Variable[]
  readonly opt: tf.Optimizer
}

export const tfModel = (init: Init, opt: OptName): TfModel => ({
  W: init.W.map((w, l) => tf.variable(tf.tensor2d(w, [SIZES[l]!, SIZES[l + 1]!]))),
  b: init.b.map((b) => tf.variable(tf.tensor1d(b))),
  opt: opt === 'adam' ? tf.train.adam(1e-3) : tf.train.sgd(0.1),
})

export const tfLogits = (m: TfModel, x: tf.Tensor2D): tf.Tensor2D => {
  const h1 = tf.relu(tf.add(tf.matMul(x, m.W[0]!), m.b[0]!))
  const h2 = tf.relu(tf.add(tf.matMul(h1, m.W[1]!), m.b[1]!))
  return tf.add(tf.matMul(h2, m.W[2]!), m.b[2]!)
}

export const tfLoss = (m: TfModel, x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar => tf.losses.softmaxCrossEntropy(y, tfLogits(m, x)) as tf.Scalar

export const tfStep = (m: TfModel, xs: Float32Array, ys: Float32Array, rows: number): void => {
  tf.tidy(() => {
    const x = tf.tensor2d(xs, [rows, 784])
    const y = tf.tensor2d(ys, [rows, 10])
    m.opt.minimize(() => tfLoss(m, x, y))
  })
}

/**
 * Reads a tensor made inside `tf.tidy` outside of it and disposes it. (Returning a large typed
 * array from `tf.tidy` costs tens of milliseconds: tidy walks the returned value looking for
 * tensors, element by element.)
 */
export const tfRead = (make: () => tf.Tensor): Float32Array | Int32Array | Uint8Array => {
  const t = tf.tidy(make)
  const d = t.dataSync()
  t.dispose()
  return d
}

export const tfPredict = (m: TfModel, xs: Float32Array, rows: number): Float32Array =>
  tfRead(() => tf.softmax(tfLogits(m, tf.tensor2d(xs, [rows, 784])))) as Float32Array

export const tfAccuracy = (m: TfModel, x: Float32Array, labels: Int32Array): number => {
  const pred = tfRead(() => tf.argMax(tfLogits(m, tf.tensor2d(x, [labels.length, 784])), -1))
  let ok = 0
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) ok++
  return ok / labels.length
}

export const tfDispose = (m: TfModel): void => {
  for (const v of [...m.W, ...m.b]) v.dispose()
  m.opt.dispose()
}
