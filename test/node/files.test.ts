import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Net, Rng, Tensor as T } from '../../src/index.js'
import { loadModelFile, saveModelFile } from '../../src/node/index.js'

const network = Net.serial(Net.dense(3), Net.relu, Net.dense(2))
const model = (seed: number): Net.Model => ({ network, inShape: [4], ...Net.init(network, { key: Rng.key(seed), inShape: [4] }) })

describe('model files', () => {
  it('save and load round-trip, replacing the old file whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-'))
    const path = join(dir, 'model.json')
    saveModelFile(path, model(1))
    saveModelFile(path, model(2))
    const back = loadModelFile(path)
    expect(E.isRight(back) && T.equals((back.right.params as [{ W: T.Tensor }])[0].W, (model(2).params as [{ W: T.Tensor }])[0].W)).toBe(true)
    expect(readdirSync(dir)).toEqual(['model.json'])
  })
  it('leaves the old model in place when a save fails half way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-'))
    const path = join(dir, 'model.json')
    saveModelFile(path, model(1))
    const before = readFileSync(path, 'utf8')
    const broken = { ...model(2), params: [{ W: { toJSON: () => 'not a tensor' } }] } as unknown as Net.Model
    expect(() => saveModelFile(path, broken)).toThrow(/params are not a parameter tree/)
    expect(readFileSync(path, 'utf8')).toBe(before)
    expect(readdirSync(dir)).toEqual(['model.json'])
  })
  it('refuses a truncated or missing file with a message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-'))
    const path = join(dir, 'model.json')
    saveModelFile(path, model(1))
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, 100))
    const r = loadModelFile(path)
    expect(E.isLeft(r) && r.left.message).toMatch(/not JSON .* truncated/)
    const missing = loadModelFile(join(dir, 'nope.json'))
    expect(E.isLeft(missing) && missing.left.message).toMatch(/cannot read .*nope.json/)
  })
})

describe('model files with user-defined layers', () => {
  const scale = Net.defineLayer({
    name: 'FileScale',
    fields: { initial: { default: 2 } },
    shape: (_, inShape) => inShape,
    init: (l, inShape) => ({ s: { shape: [inShape.at(-1)!], init: (_, shape, dtype) => T.full(shape, l.initial, dtype) } }),
    apply: (_, p, x) => T.mul(x, p['s']!),
  })
  const net = Net.serial(Net.dense(3), scale({ initial: 0.5 }))

  it('load with the definitions given, and refuse without them, naming the layer', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'puregrad-')), 'model.json')
    saveModelFile(path, { network: net, inShape: [4], ...Net.init(net, { key: Rng.key(0), inShape: [4] }) })
    const back = loadModelFile(path, { layers: [scale] })
    expect(E.isRight(back) && T.equals(Net.predict(back.right.network, back.right, T.ones([1, 4])), Net.predict(net, Net.init(net, { key: Rng.key(0), inShape: [4] }), T.ones([1, 4])))).toBe(true)
    const without = loadModelFile(path)
    expect(E.isLeft(without) && without.left.message).toMatch(/FileScale/)
    expect(() => loadModelFile(path, { layer: [scale] } as never)).toThrow(/unknown option "layer"/)
  })
})
