/**
 * The MLP 784-128-64-10 (ReLU, softmax cross-entropy, float32) in jax-js (`@jax-js/jax`, the JAX
 * port to JavaScript) on its WebAssembly backend, from the same initial weights as
 * bench/lib/mlp.ts. The whole training step (loss, gradient, optimizer update) runs under
 * `jit`, as a JAX user writes it; inference is a jitted forward pass.
 *
 * jax-js arrays are reference-counted with move semantics: passing an array to a function
 * consumes it, `x.ref` keeps it alive for one more use, and a use after the last one throws
 * `UseAfterFreeError`. Every function here consumes exactly what it is given.
 *
 * Adam is written out as optax's `adam` (and `torch.optim.Adam`) define it, t = 1 on the first
 * update: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε),
 * with β₁ = 0.9, β₂ = 0.999, ε = 1e-8; the step count is an array in the state, so every step
 * runs the same compiled program.
 */
import { defaultDevice, init as initDevices, jit, nn, numpy as np, tree, valueAndGrad } from '@jax-js/jax'
import { type Init, type OptName, SIZES } from './mlp.js'

type Arr = np.Array
export type JaxParams = { W: Arr[]; b: Arr[] }
/** Adam's state (SGD keeps none: its state is an empty list). */
export type JaxAdam = { count: Arr; m: JaxParams; v: JaxParams }

/** Starts jax-js's WebAssembly backend and makes it the default device (it is the default already; this says so). */
export const useJaxWasm = async (): Promise<void> => {
  const got = await initDevices('wasm')
  if (!got.includes('wasm')) throw new Error(`jax-js: the wasm backend did not start (available: ${got.join(', ') || 'none'})`)
  defaultDevice('wasm')
}

const B1 = 0.9
const B2 = 0.999
const EPS = 1e-8
export const LR: Record<OptName, number> = { adam: 1e-3, sgd: 0.1 }

export const jaxParams = (w: Init): JaxParams => ({
  W: w.W.map((x, l) => np.array(x, { shape: [SIZES[l]!, SIZES[l + 1]!] })),
  b: w.b.map((x) => np.array(x, { shape: [x.length] })),
})

/** Logits of a batch; consumes `p` and `x`. */
const logits = (p: JaxParams, x: Arr): Arr => {
  const h1 = nn.relu(np.matmul(x, p.W[0]!).add(p.b[0]!))
  const h2 = nn.relu(np.matmul(h1, p.W[1]!).add(p.b[1]!))
  return np.matmul(h2, p.W[2]!).add(p.b[2]!)
}

/** Mean softmax cross-entropy over the batch; consumes its arguments. */
const loss = (p: JaxParams, x: Arr, y: Arr): Arr => np.mean(np.sum(y.mul(nn.logSoftmax(logits(p, x), -1)), -1)).neg()

const zip = (a: JaxParams, b: JaxParams, f: (x: Arr, y: Arr) => Arr): JaxParams => ({
  W: a.W.map((x, i) => f(x, b.W[i]!)),
  b: a.b.map((x, i) => f(x, b.b[i]!)),
})

/** One SGD step: consumes everything, returns the new parameters and the batch's loss. */
const sgdStep = (p: JaxParams, x: Arr, y: Arr): [JaxParams, Arr] => {
  const [l, g] = valueAndGrad(loss)(tree.ref(p), x, y)
  return [zip(p, g, (w, dw) => w.sub(dw.mul(LR.sgd))), l]
}

/** One Adam step (the equations above): consumes everything, returns the new parameters, state and loss. */
const adamStep = (p: JaxParams, s: JaxAdam, x: Arr, y: Arr): [JaxParams, JaxAdam, Arr] => {
  const [l, g] = valueAndGrad(loss)(tree.ref(p), x, y)
  const t = s.count.add(1)
  const c1 = np.power(B1, t.ref).neg().add(1) // 1 − β₁ᵗ
  const c2 = np.power(B2, t.ref).neg().add(1) // 1 − β₂ᵗ
  const m = zip(s.m, tree.ref(g), (m, g) => m.mul(B1).add(g.mul(1 - B1)))
  const v = zip(s.v, g, (v, g) => v.mul(B2).add(g.ref.mul(g).mul(1 - B2)))
  const upd = zip(tree.ref(m), tree.ref(v), (m, v) => m.div(c1.ref).div(np.sqrt(v.div(c2.ref)).add(EPS)).mul(LR.adam))
  const next = zip(p, upd, (w, u) => w.sub(u))
  c1.dispose()
  c2.dispose()
  return [next, { count: t, m, v }, l]
}

/** A jax-js training loop: parameters and optimizer state, replaced by every step. */
export interface JaxTrainer {
  params: JaxParams
  state: JaxAdam | undefined
  readonly opt: OptName
  readonly sgd: ReturnType<typeof jit<typeof sgdStep>>
  readonly adam: ReturnType<typeof jit<typeof adamStep>>
}

export const jaxTrainer = (w: Init, opt: OptName): JaxTrainer => {
  const params = jaxParams(w)
  const zeros = (): JaxParams => tree.map((a: Arr) => np.zerosLike(a), tree.ref(params)) as JaxParams
  return {
    params,
    state: opt === 'adam' ? { count: np.array([0], { shape: [] }), m: zeros(), v: zeros() } : undefined,
    opt,
    sgd: jit(sgdStep),
    adam: jit(adamStep),
  }
}

/** One jitted step on a batch given as plain arrays; returns the batch's loss (before the update) as a number. */
export const jaxStep = (t: JaxTrainer, xs: Float32Array, ys: Float32Array, rows: number): number => {
  const x = np.array(xs, { shape: [rows, 784] })
  const y = np.array(ys, { shape: [rows, 10] })
  let l: Arr
  if (t.opt === 'adam') [t.params, t.state, l] = t.adam(t.params, t.state!, x, y)
  else [t.params, l] = t.sgd(t.params, x, y)
  return (l.dataSync() as Float32Array)[0]!
}

/** The parameters as plain arrays (W then b per layer), leaving them alive. */
export const jaxRead = (t: JaxTrainer): { W: Float32Array[]; b: Float32Array[] } => ({
  W: t.params.W.map((a) => a.ref.dataSync() as Float32Array),
  b: t.params.b.map((a) => a.ref.dataSync() as Float32Array),
})

export const jaxDisposeParams = (p: JaxParams): void => tree.dispose(p)

export const jaxDispose = (t: JaxTrainer): void => {
  tree.dispose(t.params)
  if (t.state !== undefined) tree.dispose(t.state)
  t.sgd.dispose()
  t.adam.dispose()
}

/** A jitted forward pass to softmax probabilities; the parameters are passed with `.ref` on every call. */
const forward = jit((p: JaxParams, x: Arr): Arr => nn.softmax(logits(p, x), -1))

export const jaxPredict = (p: JaxParams, xs: Float32Array, rows: number): Float32Array =>
  forward(tree.ref(p), np.array(xs, { shape: [rows, 784] })).dataSync() as Float32Array

export const jaxAccuracy = (p: JaxParams, x: Float32Array, labels: Int32Array): number => {
  const pred = np.argmax(logits(tree.ref(p), np.array(x, { shape: [labels.length, 784] })), -1).dataSync()
  let ok = 0
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) ok++
  return ok / labels.length
}
