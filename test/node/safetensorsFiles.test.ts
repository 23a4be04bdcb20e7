/**
 * Models saved as a JSON document beside a safetensors weights file: round trip bit for bit
 * (params and state), the document alone refused by Net.decode, weights of another save or
 * damaged ones refused, the weights file readable by the plain safetensors reader, old
 * single-file documents still read, and the MNIST CNN's sizes both ways.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { crc32 } from '../../src/core/crc32.js'
import { Net, Rng, Tensor as T, Tree } from '../../src/index.js'
import { loadModelFile, saveModelFile } from '../../src/node/index.js'
import { models } from '../../src/node/models.js'

const network = Net.serial(Net.conv2d(2, 3), Net.batchNorm(), Net.relu, Net.flatten, Net.dense(3))
const inShape = [5, 5, 1]
const model = (seed: number, dtype: 'float32' | 'float64' = 'float32'): Net.Model => {
  const vars = Net.init(network, { key: Rng.key(seed), inShape, dtype })
  // state away from its initial zeros and ones, so a state that is not read back shows
  return { network, inShape, params: vars.params, state: Tree.map(vars.state, (t) => Rng.uniform(Rng.key(seed + 9), t.shape, { dtype: t.dtype as 'float32' | 'float64' })) }
}

const sameBits = (a: Tree.Tree, b: Tree.Tree): boolean => {
  const la = Tree.leaves(a)
  const lb = Tree.leaves(b)
  return la.length === lb.length && la.every((l, i) => l.path === lb[i]!.path && l.value.dtype === lb[i]!.value.dtype && Buffer.from(T.toTypedArray(l.value).buffer).equals(Buffer.from(T.toTypedArray(lb[i]!.value).buffer)))
}

const dir = (): string => mkdtempSync(join(tmpdir(), 'puregrad-st-'))

describe('models with safetensors weights', () => {
  it('round-trip bit for bit in float32 and float64, params and state', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const m = model(1, dtype)
      const { document, weights } = Net.encodeSplit(m, 'w.safetensors')
      const back = Net.decodeSplit(document, weights)
      expect(E.isRight(back)).toBe(true)
      if (E.isLeft(back)) return
      expect(sameBits(back.right.params, m.params) && sameBits(back.right.state, m.state)).toBe(true)
      expect(back.right.network).toEqual(m.network)
      // the weights file is a plain safetensors file
      const read = Tree.readSafetensors(weights)
      expect(E.isRight(read) && read.right.tensors.map((t) => t.name)).toEqual([...Tree.paths(m.params).map((p) => `params.${p}`), ...Tree.paths(m.state).map((p) => `state.${p}`)])
    }
  })

  it('saveModelFile writes model.json and model.safetensors; loadModelFile reads them', () => {
    const d = dir()
    const path = join(d, 'model.json')
    saveModelFile(path, model(2), { weights: 'safetensors' })
    expect(readdirSync(d).sort()).toEqual(['model.json', 'model.safetensors'])
    const back = loadModelFile(path)
    expect(E.isRight(back) && sameBits(back.right.params, model(2).params) && sameBits(back.right.state, model(2).state)).toBe(true)
    // the document names its weights and holds no tensor
    const doc = JSON.parse(readFileSync(path, 'utf8'))
    expect(Object.keys(doc).sort()).toEqual(['checksum', 'format', 'inShape', 'network', 'version', 'weights'])
    expect(doc.weights.file).toBe('model.safetensors')
    // a single-file save to the same path still works, and is still read
    saveModelFile(path, model(3))
    expect(E.isRight(loadModelFile(path))).toBe(true)
  })

  it('refuses the document alone, weights of another save, damaged or missing weights', () => {
    const d = dir()
    const path = join(d, 'model.json')
    saveModelFile(path, model(2), { weights: 'safetensors' })
    const document = readFileSync(path, 'utf8')
    const alone = Net.decode(document)
    expect(E.isLeft(alone) && alone.left.message).toMatch(/keeps its weights in the file "model.safetensors".*decodeSplit/)
    const other = Net.encodeSplit(model(4), 'model.safetensors').weights
    const mixed = Net.decodeSplit(document, other)
    expect(E.isLeft(mixed) && mixed.left.code).toBe('INVALID_VALUE')
    expect(E.isLeft(mixed) && mixed.left.message).toMatch(/checksum of the weights file/)
    const weights = readFileSync(join(d, 'model.safetensors'))
    const cut = Net.decodeSplit(document, weights.subarray(0, weights.length - 4))
    expect(E.isLeft(cut) && cut.left.message).toMatch(/holds \d+ bytes where the document expects/)
    writeFileSync(join(d, 'model.safetensors'), new Uint8Array(0))
    const empty = loadModelFile(path)
    expect(E.isLeft(empty) && empty.left.code).toBe('INVALID_VALUE')
    writeFileSync(join(d, 'model.safetensors'), weights)
    expect(E.isRight(loadModelFile(path))).toBe(true)
    const gone = loadModelFile(join(d, 'missing.json'))
    expect(E.isLeft(gone) && gone.left.code).toBe('FILE_ERROR')
    // a document naming a weights file outside its directory is refused before anything is read
    const escaping = document.replace('"file":"model.safetensors"', '"file":"../model.safetensors"')
    const r = Net.decodeSplit(escaping, weights)
    expect(E.isLeft(r) && r.left.message).toMatch(/plain file name/)
    // a split document given to decodeSplit with the weights of a network that does not fit: every difference named
    const smaller = Net.encodeSplit({ network: Net.dense(3), inShape: [25], ...Net.init(Net.dense(3), { key: Rng.key(0), inShape: [25] }) }, 'model.safetensors')
    const forged = JSON.parse(document)
    forged.weights = JSON.parse(smaller.document).weights
    delete forged.checksum
    const body = forged
    const misfit = Net.decodeSplit(JSON.stringify({ ...body, checksum: `crc32:${crc32(JSON.stringify(body))}` }), smaller.weights)
    expect(E.isLeft(misfit) && misfit.left.message).toMatch(/missing 'params\.0\.W'.*extra 'params\.W', 'params\.b'/)
    // the old single-file documents are refused by decodeSplit with a pointer to decode
    const single = Net.decodeSplit(Net.encode(model(1)), weights)
    expect(E.isLeft(single) && single.left.message).toMatch(/read it with Net.decode/)
  })

  it('the MNIST CNN: JSON today vs JSON + safetensors', () => {
    const cnn = models.cnn()
    const m = { network: cnn, inShape: [784], ...Net.init(cnn, { key: Rng.key(0), inShape: [784] }) }
    const json = Net.encode(m).length
    const split = Net.encodeSplit(m, 'mnist-model.safetensors')
    const both = split.document.length + split.weights.length
    console.log(`MNIST CNN (${Tree.size(m.params).toLocaleString('en-US')} parameters): JSON ${json.toLocaleString('en-US')} bytes; JSON + safetensors ${split.document.length.toLocaleString('en-US')} + ${split.weights.length.toLocaleString('en-US')} = ${both.toLocaleString('en-US')} bytes (${((100 * both) / json).toFixed(1)}%)`)
    // base64 spends 4 characters on 3 bytes: the split files are about three quarters of the one JSON file
    expect(both).toBeLessThan(0.78 * json)
    expect(split.weights.length).toBeGreaterThanOrEqual(4 * Tree.size(m.params))
  })
})
