import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Net, Rng } from '../../src/index.js'
import { saveOnnxFile } from '../../src/node/index.js'
import { decodeModel } from '../../src/onnx/schema.js'

const network = Net.serial(Net.dense(3), Net.relu, Net.dense(2))
const model = (seed: number): Net.Model => ({ network, inShape: [4], ...Net.init(network, { key: Rng.key(seed), inShape: [4] }) })

describe('ONNX files', () => {
  it('hold the bytes of Net.toOnnx for the model and options, replacing the old file whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-'))
    const path = join(dir, 'model.onnx')
    saveOnnxFile(path, model(1))
    saveOnnxFile(path, model(2), { graphName: 'second', opset: 17 })
    const m = model(2)
    expect(new Uint8Array(readFileSync(path))).toEqual(Net.toOnnx(network, m, { inShape: [4], graphName: 'second', opset: 17 }))
    expect((decodeModel(readFileSync(path)) as { graph: { name: string } }).graph.name).toBe('second')
    expect(readdirSync(dir)).toEqual(['model.onnx'])
  })
  it('leave the old file in place when the export is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-'))
    const path = join(dir, 'model.onnx')
    saveOnnxFile(path, model(1))
    const before = readFileSync(path)
    const wrong = { ...model(2), inShape: [5] }
    expect(() => saveOnnxFile(path, wrong)).toThrow(/TREE_MISMATCH|do not fit/)
    expect(readFileSync(path)).toEqual(before)
    expect(readdirSync(dir)).toEqual(['model.onnx'])
  })
})
