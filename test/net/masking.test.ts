// Sequence masks on the recurrent layers and bidirectional: a padded step carries the state over
// and outputs 0, so a padded batch computes, bit for bit, what each sequence computes alone.
import { describe, expect, it } from 'vitest'
import { Ad, Net, Rng, Tensor as T } from '../../src/index.js'
import { validateNetwork } from '../../src/net/validate.js'
import { caught } from '../util.js'

const [features, units, time] = [3, 2, 6]
const lengths = [6, 2, 4]

type Build = (opts: { readonly returnSequences: boolean; readonly mask: boolean }) => Net.Layer
const layers: ReadonlyArray<readonly [string, Build]> = [
  ['simpleRnn', (o) => Net.simpleRnn(units, o)],
  ['lstm', (o) => Net.lstm(units, o)],
  ['gru', (o) => Net.gru(units, o)],
  ['bidirectional(gru, concat)', (o) => Net.bidirectional(Net.gru(units, o))],
  ['bidirectional(lstm, mul)', (o) => Net.bidirectional(Net.lstm(units, o), { merge: 'mul' })],
  ['bidirectional(simpleRnn, mean)', (o) => Net.bidirectional(Net.simpleRnn(units, o), { merge: 'mean' })],
]

const bits = (a: T.Tensor, b: T.Tensor): void => {
  expect(a.shape).toEqual(b.shape)
  expect(T.equals(a, b), `max |difference| ${T.item(T.max(T.abs(T.sub(a, b))))}`).toBe(true)
}

/** Steps [from, from + n) of example i. */
const steps = (x: T.Tensor, i: number, from: number, n: number): T.Tensor => T.slice(x, [i, from, 0], [1, n, x.shape[2]!])

/** A mask [batch, time] of `flags`, float64. */
const maskOf = (flags: ReadonlyArray<ReadonlyArray<number>>): T.Tensor => T.tensor(flags as number[][], 'float64')

describe('sequence masks', () => {
  for (const [name, build] of layers) {
    for (const returnSequences of [false, true]) {
      it(`${name}${returnSequences ? ' (sequences)' : ''}: a padded batch equals each sequence alone, bit for bit; padding outputs 0`, () => {
        const masked = build({ returnSequences, mask: true })
        const plain = build({ returnSequences, mask: false })
        const vars = Net.init(masked, { key: Rng.key(1), inShape: { tuple: [[time, features], [time]] }, dtype: 'float64' })
        // the padding holds large values, so that any leak shows
        const x = Rng.normal(Rng.key(2), [lengths.length, time, features], { dtype: 'float64', std: 50 })
        const mask = maskOf(lengths.map((n) => Array.from({ length: time }, (_, t) => (t < n ? 1 : 0))))
        const y = Net.apply(masked, vars, [x, mask]).y as T.Tensor
        lengths.forEach((n, i) => {
          const alone = Net.apply(plain, vars, steps(x, i, 0, n)).y as T.Tensor
          if (!returnSequences) return bits(T.slice(y, [i, 0], [1, y.shape[1]!]), alone)
          bits(T.slice(y, [i, 0, 0], [1, n, y.shape[2]!]), alone)
          if (n < time) bits(T.slice(y, [i, n, 0], [1, time - n, y.shape[2]!]), T.zeros([1, time - n, y.shape[2]!], 'float64'))
        })
      })
    }

    it(`${name}: a masked step in the middle is skipped, and the gradient reaching a masked step's input is exactly 0`, () => {
      const masked = build({ returnSequences: false, mask: true })
      const plain = build({ returnSequences: false, mask: false })
      const vars = Net.init(masked, { key: Rng.key(3), inShape: { tuple: [[4, features], [4]] }, dtype: 'float64' })
      const x = Rng.normal(Rng.key(4), [2, 4, features], { dtype: 'float64' })
      // example 0 skips step 1, example 1 steps 0 and 3; flags are any non-zero number
      const mask = maskOf([[1, 0, 2, -1], [0, 0.5, 1, 0]])
      const y = Net.apply(masked, vars, [x, mask]).y as T.Tensor
      const without0 = T.concat([steps(x, 0, 0, 1), steps(x, 0, 2, 2)], 1)
      bits(T.slice(y, [0, 0], [1, y.shape[1]!]), Net.apply(plain, vars, without0).y as T.Tensor)
      bits(T.slice(y, [1, 0], [1, y.shape[1]!]), Net.apply(plain, vars, steps(x, 1, 1, 2)).y as T.Tensor)
      const w = Rng.normal(Rng.key(5), y.shape as number[], { dtype: 'float64' })
      const gx = Ad.grad((xi: T.Tensor) => T.sum(T.mul(Net.apply(masked, vars, [xi, mask]).y as T.Tensor, w)))(x)
      const g = T.toNested(gx) as number[][][]
      for (const [i, t] of [[0, 1], [1, 0], [1, 3]] as const) expect(g[i]![t]!.every((v) => v === 0), `step ${t} of example ${i}`).toBe(true)
      for (const [i, t] of [[0, 0], [0, 3], [1, 2]] as const) expect(g[i]![t]!.some((v) => v !== 0), `step ${t} of example ${i}`).toBe(true)
    })
  }

  it('a mask of the wrong shape is refused naming both shapes and the layer', () => {
    const net = Net.serial(Net.parallel(Net.dense(3), Net.identity), Net.lstm(2, { mask: true }))
    const s = Net.shape(net, { tuple: [[5, 4], [4]] })
    expect(s._tag).toBe('Left')
    const msg = s._tag === 'Left' ? s.left.message : ''
    expect(msg).toMatch(/layer 1/)
    expect(msg).toMatch(/\[5\]/)
    expect(msg).toMatch(/\[4\]/)
    expect(msg).toMatch(/\[5, 3\]/)
    const vars = Net.init(Net.lstm(2, { mask: true }), { key: Rng.key(0), inShape: { tuple: [[5, 3], [5]] } })
    expect(() => Net.apply(Net.lstm(2, { mask: true }), vars, [T.zeros([2, 5, 3]), T.ones([2, 4])])).toThrow(/mask \[batch 2, time 5\].*\[2, 5, 3\].*\[2, 4\]/)
    // a mask given to a layer built without one
    const bad = Net.shape(Net.gru(2), { tuple: [[5, 3], [5]] })
    expect(bad._tag === 'Left' && bad.left.message).toMatch(/\{ mask: true \}/)
  })

  it('a mask of the wrong shape is refused with SHAPE_MISMATCH naming the layer path and the sizes, at shape time and at apply time, for each recurrent kind and bidirectional', () => {
    for (const layer of [Net.simpleRnn(2, { mask: true }), Net.gru(2, { mask: true }), Net.bidirectional(Net.lstm(2, { returnSequences: true, mask: true }), { merge: 'sum' })]) {
      const net = Net.serial(Net.parallel(Net.dense(3), Net.identity), layer)
      const label = layer._tag === 'Bidirectional' ? 'layer 1\\.forward \\(Lstm\\(2, sequences, mask\\)\\)' : `layer 1 \\(${layer._tag}\\(2, mask\\)\\)`
      const s = caught(() => Net.shape(net, { tuple: [[5, 4], [4]] }))
      expect(s.code).toBe('SHAPE_MISMATCH')
      expect(s.message).toMatch(new RegExp(`${label} needs a mask of shape \\[5\\] per example \\(one flag per step of its sequence \\[5, 3\\]\\); got a mask of shape \\[4\\]`))
      const vars = Net.init(net, { key: Rng.key(0), inShape: { tuple: [[5, 4], [5]] } })
      const a = caught(() => Net.apply(net, vars, [T.zeros([2, 5, 4]), T.ones([2, 4])]))
      expect(a.code).toBe('SHAPE_MISMATCH')
      expect(a.message).toMatch(new RegExp(`layer 1 \\(${layer._tag === 'Bidirectional' ? 'Bidirectional\\(sum\\)' : `${layer._tag}\\(2, mask\\)`}\\) needs a mask \\[batch 2, time 5\\] for its sequences \\[2, 5, 3\\]; got a mask of shape \\[2, 4\\]`))
      // a mask with the right number of steps but a batch of its own
      expect(caught(() => Net.apply(net, vars, [T.zeros([2, 5, 4]), T.ones([3, 5])])).message).toMatch(/needs a mask \[batch 2, time 5\] .*got a mask of shape \[3, 5\]/)
    }
  })

  it('networks saved before the mask field read as layers without a mask; a bad mask field is refused', () => {
    const old = { _tag: 'Serial', layers: [{ _tag: 'Lstm', units: 2, returnSequences: false, init: 'glorotUniform', recurrentInit: 'glorotUniform' }, { _tag: 'SimpleRnn', units: 2, activation: 'tanh', returnSequences: false, init: 'glorotUniform', recurrentInit: 'glorotUniform' }] }
    const read = validateNetwork(old)
    expect(read._tag === 'Right' && read.right).toEqual(Net.serial(Net.lstm(2), Net.simpleRnn(2)))
    const bad = validateNetwork({ ...old.layers[0], mask: 'yes' })
    expect(bad._tag === 'Left' && bad.left.message).toMatch(/mask must be true or false/)
  })

  it('transformer blocks with a key mask: a padded batch (bit for bit) gives each sequence the outputs it has alone at its real steps, and passes the mask on', () => {
    const block = (keyMask: boolean) => Net.transformerBlock(4, 2, { keyMask, causal: false })
    const [masked, plain] = [Net.serial(block(true), block(true)), Net.serial(block(false), block(false))]
    const vars = Net.init(masked, { key: Rng.key(6), inShape: { tuple: [[time, 4], [time]] }, dtype: 'float64' })
    // the same parameters under the paths of the blocks without a mask (serial flattens the two
    // blocks into four layers): k.body.0.0 → k.body.0 for the attention halves, k.0.body → k.body for the MLPs
    const p = vars.params as any
    const attention = (b: any) => ({ body: [b.body[0][0], b.body[1]] })
    const plainVars = { params: [attention(p[0]), p[1][0], attention(p[2]), p[3][0]], state: Net.init(plain, { key: Rng.key(6), inShape: [time, 4] }).state }
    const x = Rng.normal(Rng.key(7), [lengths.length, time, 4], { dtype: 'float64', std: 50 })
    const mask = maskOf(lengths.map((n) => Array.from({ length: time }, (_, t) => (t < n ? 1 : 0))))
    const [y, m] = Net.apply(masked, vars, [x, mask]).y as T.Tensor[]
    bits(m!, mask)
    lengths.forEach((n, i) => {
      const alone = Net.apply(plain, plainVars as Net.Vars, steps(x, i, 0, n)).y as T.Tensor
      const got = T.slice(y!, [i, 0, 0], [1, n, 4])
      bits(got, alone)
    })
  })

  it('bidirectional: the summary lists and counts both copies; the two copies start from different parameters', () => {
    const net = Net.serial(Net.bidirectional(Net.gru(3, { returnSequences: true, mask: true })), Net.gru(2))
    const text = Net.summary(net, { tuple: [[7, 2], [7]] })
    // a GRU(3) on 2 features: W 2·9, U 3·9, b 9, bU 9 = 63; GRU(2) on 6 features: 6·6 + 2·6 + 6 + 6 = 60
    expect(text).toMatch(/0\.forward +Gru\(3, sequences, mask\) +\[\*, 7, 3\] +63\n/)
    expect(text).toMatch(/0\.backward +Gru\(3, sequences, mask\) +\[\*, 7, 3\] +63\n/)
    expect(text).toMatch(/Total parameters: 186 /)
    const p = Net.init(net, { key: Rng.key(0), inShape: { tuple: [[7, 2], [7]] } }).params as any
    expect(T.equals(p[0].forward.W, p[0].backward.W)).toBe(false)
  })
})
