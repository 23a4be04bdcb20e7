/**
 * The network the controls describe, as a value: dense layers with the chosen activation and
 * dropout, ending in one logit (the probability of blue is its sigmoid). Also the trainer (loss,
 * penalty, optimizer) and the readings the page draws: weights per layer and each hidden
 * neuron's output.
 */
import { Loss, Net, Optim, Tensor as T, type Train, type Tree } from 'puregrad'
import type { ActivationName, Config } from './config.js'

export interface Model {
  readonly network: Net.Layer
  /** the layers of the serial network, in order */
  readonly layers: ReadonlyArray<Net.Layer>
  /** for each dense layer (the hidden ones, then the output), its index in `layers` */
  readonly dense: ReadonlyArray<number>
  /** for each hidden layer, the index of the layer whose output is its activation */
  readonly hiddenOut: ReadonlyArray<number>
  /** neurons per column: inputs, hidden layers, the output */
  readonly sizes: ReadonlyArray<number>
}

const activationLayer: Readonly<Record<ActivationName, Net.Layer | undefined>> = {
  tanh: Net.tanh,
  relu: Net.relu,
  sigmoid: Net.sigmoid,
  linear: undefined,
}

export const buildModel = (cfg: Config): Model => {
  const layers: Net.Layer[] = []
  const dense: number[] = []
  const hiddenOut: number[] = []
  const act = activationLayer[cfg.activation]
  for (const units of cfg.hidden) {
    dense.push(layers.length)
    // He initialisation before ReLU, Glorot (Xavier) otherwise, as the notes advise
    layers.push(Net.dense(units, { init: cfg.activation === 'relu' ? 'heNormal' : 'glorotUniform' }))
    if (act !== undefined) layers.push(act)
    hiddenOut.push(layers.length - 1)
    // always present (keep 1 is no dropout), so changing keep leaves the parameters' shape alone
    layers.push(Net.dropout(cfg.keep))
  }
  dense.push(layers.length)
  layers.push(Net.dense(1))
  return { network: Net.serial(...layers), layers, dense, hiddenOut, sizes: [cfg.features.length, ...cfg.hidden, 1] }
}

export const optimizerOf = (cfg: Config): Optim.GradientTransformation<unknown> => {
  switch (cfg.optimizer) {
    case 'sgd':
      return Optim.sgd(cfg.learningRate)
    case 'momentum':
      return Optim.sgd(cfg.learningRate, { momentum: 0.9 })
    case 'rmsprop':
      return Optim.rmsprop(cfg.learningRate)
    case 'adam':
      return Optim.adam(cfg.learningRate)
  }
}

const penaltyOf = (cfg: Config): { readonly penalty?: (p: Tree.Tree) => T.Tensor } =>
  cfg.regularization === 'none' || cfg.regRate === 0
    ? {}
    : { penalty: cfg.regularization === 'l1' ? (p) => Loss.l1(p, cfg.regRate) : (p) => Loss.l2(p, cfg.regRate) }

/** Binary cross-entropy on the logit, the chosen penalty on the weights (not the biases), the chosen optimizer. */
export const trainerOf = (model: Model, cfg: Config): Train.Trainer<unknown> => ({
  network: model.network,
  optimizer: optimizerOf(cfg),
  loss: Loss.sigmoidBinaryCrossEntropy,
  ...penaltyOf(cfg),
})

/** A layer's part of the network's variables (a serial of one layer is that layer itself). */
const part = (model: Model, tree: Tree.Tree, i: number): Tree.Tree => (model.layers.length === 1 ? tree : (tree as ReadonlyArray<Tree.Tree>)[i]!)

export interface LayerWeights {
  readonly nIn: number
  readonly nOut: number
  /** row-major [nIn, nOut]: W[i·nOut + j] joins input i to neuron j */
  readonly W: ReadonlyArray<number>
  readonly b: ReadonlyArray<number>
}

export const weightsOf = (model: Model, params: Tree.Tree): ReadonlyArray<LayerWeights> =>
  model.dense.map((i) => {
    const p = part(model, params, i) as { readonly W: T.Tensor; readonly b: T.Tensor }
    return { nIn: p.W.shape[0]!, nOut: p.W.shape[1]!, W: T.toArray(p.W), b: T.toArray(p.b) }
  })

/**
 * What every neuron computes over a set of inputs (evaluation mode): for each hidden layer its
 * activations, row-major [points, units], then the output's probability of blue.
 */
export const neuronOutputs = (model: Model, vars: Net.Vars, x: T.Tensor): ReadonlyArray<ReadonlyArray<number>> => {
  const out: Array<ReadonlyArray<number>> = []
  let h = x
  model.layers.forEach((layer, i) => {
    h = Net.predict(layer, { params: part(model, vars.params, i), state: part(model, vars.state, i) }, h)
    if (model.hiddenOut.includes(i)) out.push(T.toArray(h))
  })
  out.push(T.toArray(T.sigmoid(h)))
  return out
}

/** The probability of blue for each input row. */
export const probabilities = (model: Model, vars: Net.Vars, x: T.Tensor): ReadonlyArray<number> =>
  T.toArray(T.sigmoid(Net.predict(model.network, vars, x)))

/** Whether a run's variables fit a network (same layers and sizes), so training can go on with them. */
export const sameShape = (a: Model, b: Model): boolean => JSON.stringify(a.sizes) === JSON.stringify(b.sizes) && a.layers.length === b.layers.length
