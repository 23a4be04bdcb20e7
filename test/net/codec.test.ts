import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Net, Rng, Tensor as T, Tree } from '../../src/index.js'

const network = Net.serial(Net.reshape([4, 4, 1]), Net.conv2d(2, 3, { padding: 'same' }), Net.batchNorm(), Net.relu, Net.flatten, Net.dense(3))
const vars = Net.init(network, { key: Rng.key(5), inShape: [16] })
const text = Net.encode({ network, inShape: [16], params: vars.params, state: vars.state })
const doc = (): Record<string, any> => JSON.parse(text)
const refusal = (d: unknown): string => {
  const r = Net.decode(typeof d === 'string' ? d : JSON.stringify(d))
  if (E.isRight(r)) throw new Error('expected a refusal')
  expect(r.left.code).toBe('INVALID_VALUE')
  return r.left.message
}

describe('encode / decode', () => {
  it('round-trips the network and every value bit for bit', () => {
    const back = Net.decode(text)
    expect(E.isRight(back)).toBe(true)
    if (E.isLeft(back)) return
    expect(back.right.network).toEqual(network)
    expect(Tree.leaves(back.right.params).every((l, i) => T.equals(l.value, Tree.leaves(vars.params)[i]!.value))).toBe(true)
    expect(Object.isFrozen(back.right.network)).toBe(true)
  })
  it('keeps float64 models float64', () => {
    const v64 = Net.init(network, { key: Rng.key(5), inShape: [16], dtype: 'float64' })
    const back = Net.decode(Net.encode({ network, inShape: [16], params: v64.params, state: v64.state }))
    expect(E.isRight(back) && Tree.leaves(back.right.params)[0]!.value.dtype).toBe('float64')
  })
  it('refuses a truncated document', () => {
    expect(refusal(text.slice(0, text.length / 2))).toMatch(/not JSON .* truncated/)
  })
  it('refuses another format or version', () => {
    expect(refusal({ ...doc(), format: 'keras' })).toMatch(/not a puregrad model/)
    expect(refusal({ ...doc(), version: 2 })).toMatch(/version 2 is not supported; this puregrad reads version 1/)
  })
  it('refuses extra or missing fields, at the top and in layers', () => {
    expect(refusal({ ...doc(), extra: 1 })).toMatch(/unexpected top-level field 'extra'/)
    const d = doc()
    d['network'].layers[1].bias = true
    expect(refusal(d)).toMatch(/layer 1: Conv2d has unknown field 'bias'/)
    const m = doc()
    delete m['network'].layers[5].units
    expect(refusal(m)).toMatch(/layer 5: Dense is missing 'units'/)
  })
  it('refuses unknown layers and wrong types', () => {
    const d = doc()
    d['network'].layers[3] = { _tag: 'Swish' }
    expect(refusal(d)).toMatch(/layer 3: unknown layer kind "Swish"/)
    const t = doc()
    t['network'].layers[5].units = '3'
    expect(refusal(t)).toMatch(/layer 5: units must be a whole number ≥ 1; got "3"/)
  })
  it('refuses tensors of the wrong shape or dtype, and corrupt data, naming the path', () => {
    const s = doc()
    s['params'][5].W.shape = [3, 32]
    expect(refusal(s)).toMatch(/params at '5.W': shape \[3, 32\] where the network needs \[32, 3\]/)
    const dt = doc()
    dt['state'][2].mean.dtype = 'float64'
    expect(refusal(dt)).toMatch(/state at '2.mean': dtype "float64" where the network needs float32/)
    const data = doc()
    data['params'][1].W.data = data['params'][1].W.data.slice(8)
    expect(refusal(data)).toMatch(/params at '1.W': data holds \d+ bytes where 18 float32 values need 72/)
    const missing = doc()
    delete missing['params'][1].b
    expect(refusal(missing)).toMatch(/params at '1': missing 'b'/)
  })
  it('refuses a document damaged after saving even when it stays well formed (checksum)', () => {
    const d = doc()
    const data: string = d['params'][5].W.data
    const i = data.length >> 1
    d['params'][5].W.data = data.slice(0, i) + (data[i] === 'A' ? 'B' : 'A') + data.slice(i + 1)
    expect(refusal(d)).toMatch(/checksum does not match .* changed or damaged after it was saved/)
    const { checksum: _, ...rest } = doc()
    expect(refusal(rest)).toMatch(/checksum is missing/)
  })
  it('refuses an input shape the network does not accept', () => {
    expect(refusal({ ...doc(), inShape: [15] })).toMatch(/does not accept its saved input shape \[15\]/)
  })
  it('walks the network\'s shapes no more often than init: once in the shape pass, once in the sizing pass (serial threads shapes through its children)', () => {
    let calls = 0
    const counted = Net.defineLayer({
      name: 'Counted',
      fields: {},
      shape: (_, s) => {
        calls++
        return s
      },
      apply: (_, __, x) => x,
    })
    const net = Net.serial(Net.dense(3), counted(), Net.dense(2))
    const model = Net.encode({ network: net, inShape: [4], ...Net.init(net, { key: Rng.key(0), inShape: [4] }) })
    calls = 0
    expect(E.isRight(Net.decode(model, { layers: [counted] }))).toBe(true)
    expect(calls).toBe(2)
    calls = 0
    Net.initStructure(net, { inShape: [4] })
    expect(calls).toBe(2)
  })
})
