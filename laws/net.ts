/** Laws of networks as data and of their interpreters, as pure functions returning `Equiv`s. */
import { Net, Rng, Tensor as T, Tree } from '../src/index.js'
import { codecRoundTripAt, shapeAgreementAt } from '../src/testing/index.js'
import { type Equiv, equiv } from './Equiv.js'

type Layer = Net.Layer

/** serial is associative, as data. */
export const serialAssociative = (a: Layer, b: Layer, c: Layer): Equiv<Layer> => equiv(Net.serial(a, Net.serial(b, c)), Net.serial(Net.serial(a, b), c))

/** identity is serial's unit on both sides, as data. */
export const serialIdentity = (a: Layer): Equiv<ReadonlyArray<Layer>> => equiv([Net.serial(Net.identity, a), Net.serial(a, Net.identity)], [a, a])

/** The statically inferred output shape is the shape apply produces (with the batch axis in front); puregrad/testing's. */
export const shapeAgreement = (net: Layer, inShape: ReadonlyArray<number>, batch: number, seed: number): Equiv<string> => shapeAgreementAt(net, { inShape }, batch, seed)

/** init is a pure function of the key. */
export const initDeterministic = (net: Layer, inShape: ReadonlyArray<number>, seed: number): Equiv<Tree.Tree> => {
  const once = (): Tree.Tree => {
    const v = Net.init(net, { key: Rng.key(seed), inShape })
    return { params: v.params, state: v.state }
  }
  return equiv(once(), once())
}

/** decode(encode(model)) is the model again: same network, same values bit for bit; puregrad/testing's. */
export const codecRoundTrip = (net: Layer, inShape: ReadonlyArray<number>, seed: number): Equiv<Net.Model> => codecRoundTripAt(net, { inShape }, seed)

/** In evaluation mode the key is ignored (no dropout, running statistics). */
export const evalIgnoresKey = (net: Layer, inShape: ReadonlyArray<number>, seed: number): Equiv<ReadonlyArray<T.Tensor>> => {
  const vars = Net.init(net, { key: Rng.key(seed), inShape })
  const x = Rng.normal(Rng.key(seed + 1), [3, ...inShape])
  const run = (key?: Rng.Key): T.Tensor => Net.forward(net, vars, x, key === undefined ? {} : { key }).y
  return equiv([run(Rng.key(1)), run(Rng.key(2))], [run(), run()])
}
