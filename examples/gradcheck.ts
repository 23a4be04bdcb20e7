/**
 * Gradient checking a hand-written layer (note 004). A "scaled tanh" layer, y = a·tanh(x/a),
 * gets a hand-written backward pass twice: once right, once with a planted bug (the chain
 * rule's 1/a forgotten). gradCheck passes the first and catches the second, naming the leaf.
 * A loss with dropout that draws a fresh key on every call cannot be checked: gradCheck says
 * so (`inconclusive`) instead of calling its gradient right.
 *
 * Run: npx tsx examples/gradcheck.ts
 */
import { Ad, Rng, Tensor as T } from '../src/index.js'

const a = 2
const forward = (x: T.Tensor) => T.mul(T.tanh(T.div(x, a)), a)
// dy/dx = 1 − tanh²(x/a)
const right = Ad.customVjp('scaledTanh', forward, (g, [x]) => [T.mul(g, T.sub(1, T.square(T.tanh(T.div(x!, a)))))])
// the planted bug: a·(1 − tanh²), the a of the outer product kept and the inner 1/a forgotten
const buggy = Ad.customVjp('scaledTanhBuggy', forward, (g, [x]) => [T.mul(g, T.mul(T.sub(1, T.square(T.tanh(T.div(x!, a)))), a))])

export const run = () => {
  const [kW, kX] = Rng.split(Rng.key(0))
  const params = { dense: { W: Rng.normal(kW, [3, 4], { std: 0.5 }), b: T.zeros([4]) } }
  const x = Rng.normal(kX, [5, 3], { dtype: 'float64' })
  const lossWith = (layer: (z: T.Tensor) => T.Tensor) => (p: typeof params) => T.mean(T.square(layer(T.add(T.matmul(x, p.dense.W), p.dense.b))))
  // dropout with a fresh key on each call: the loss changes between calls
  let calls = 0
  const dropout = (z: T.Tensor) => T.mul(z, T.div(Rng.bernoulli(Rng.foldIn(Rng.key(1), calls++), 0.8, z.shape, { dtype: 'float64' }), 0.8))
  return {
    right: Ad.gradCheck(lossWith(right), params),
    buggy: Ad.gradCheck(lossWith(buggy), params),
    noisy: Ad.gradCheck(lossWith((z) => dropout(right(z))), params),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = run()
  console.log(`correct layer:\n${Ad.showGradCheck(r.right)}\n\nlayer with the planted bug:\n${Ad.showGradCheck(r.buggy)}\n\nwith dropout drawing a fresh key each call:\n${Ad.showGradCheck(r.noisy)}`)
}
