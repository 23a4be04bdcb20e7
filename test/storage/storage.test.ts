// puregrad/browser outside a browser: the IndexedDB functions refuse with coded errors, a bad
// model or name is refused before storage is touched, and modelFromFile reads any Blob as it
// reads a picked file, refusing a damaged, oversized or split one with the codec's codes.
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { deleteFromIndexedDb, downloadModel, listIndexedDb, loadFromIndexedDb, modelFromFile, saveToIndexedDb } from '../../src/browser/index.js'
import type { PuregradError } from '../../src/core/errors.js'
import { Net, Rng, Tensor as T } from '../../src/index.js'

const network = Net.serial(Net.dense(5), Net.tanh, Net.batchNorm(), Net.dense(3))
const model = { network, inShape: [4], ...Net.init(network, { key: Rng.key(3), inShape: [4] }) }
const x = T.tensor([[0.5, -1, 2, 0.25], [1, 1, -3, 0]])
const bits = (t: T.Tensor): string[] => T.toArray(t).map((v) => Buffer.from(new Float64Array([v]).buffer).toString('hex'))

const rejection = async (p: Promise<unknown>): Promise<PuregradError> =>
  p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e as PuregradError,
  )

describe('IndexedDB storage where there is none (Node)', () => {
  it('refuses with FILE_ERROR: save, list and delete reject, load resolves to a Left', async () => {
    expect((await rejection(saveToIndexedDb('m', model))).code).toBe('FILE_ERROR')
    expect((await rejection(listIndexedDb())).code).toBe('FILE_ERROR')
    expect((await rejection(deleteFromIndexedDb('m'))).code).toBe('FILE_ERROR')
    const loaded = await loadFromIndexedDb('m')
    expect(E.isLeft(loaded) && loaded.left.code).toBe('FILE_ERROR')
    expect(E.isLeft(loaded) && loaded.left.message).toMatch(/no indexedDB.*saveModelFile/)
  })

  it('refuses a bad name or a model whose variables do not fit its network before touching storage', async () => {
    expect((await rejection(saveToIndexedDb('', model))).code).toBe('INVALID_ARGUMENT')
    expect((await rejection(loadFromIndexedDb(3 as unknown as string))).code).toBe('INVALID_ARGUMENT')
    const other = Net.init(Net.dense(2), { key: Rng.key(0), inShape: [4] })
    expect((await rejection(saveToIndexedDb('m', { ...model, params: other.params }))).code).toBe('TREE_MISMATCH')
  })
})

describe('downloadModel where there is no page (Node)', () => {
  it('throws FILE_ERROR, and INVALID_ARGUMENT for a file name with a directory', () => {
    expect(() => downloadModel(model, 'model.json')).toThrow(expect.objectContaining({ code: 'FILE_ERROR' }))
    expect(() => downloadModel(model, '../model.json')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})

describe('modelFromFile', () => {
  const text = Net.encode(model)

  it('reads a File back to a model whose outputs equal the original bit for bit', async () => {
    const back = await modelFromFile(new File([text], 'model.json', { type: 'application/json' }))
    expect(E.isRight(back)).toBe(true)
    if (E.isRight(back)) expect(bits(Net.predict(network, back.right, x))).toEqual(bits(Net.predict(network, model, x)))
  })

  it('refuses a damaged file with INVALID_VALUE, naming the problem', async () => {
    const cut = await modelFromFile(new File([text.slice(0, -30)], 'cut.json'))
    expect(E.isLeft(cut) && cut.left.code).toBe('INVALID_VALUE')
    expect(E.isLeft(cut) && cut.left.op).toBe('modelFromFile')
    const i = text.indexOf('"data":"') + 10
    const flipped = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1)
    const changed = await modelFromFile(new Blob([flipped]))
    expect(E.isLeft(changed) && changed.left.message).toMatch(/checksum does not match/)
    const split = await modelFromFile(new Blob([Net.encodeSplit(model, 'w.safetensors').document]))
    expect(E.isLeft(split) && split.left.message).toMatch(/keeps its weights in the file "w\.safetensors"/)
  })

  it('refuses a file larger than maxBytes unread (RESOURCE_LIMIT), and a value that is not a Blob', async () => {
    const big = await modelFromFile(new File([text], 'big.json'), { maxBytes: 100 })
    expect(E.isLeft(big) && big.left.code).toBe('RESOURCE_LIMIT')
    expect(E.isLeft(big) && big.left.message).toMatch(/"big\.json" holds \d+ bytes/)
    expect((await rejection(modelFromFile(text as unknown as Blob))).code).toBe('INVALID_ARGUMENT')
    expect((await rejection(modelFromFile(new Blob([text]), { maxBytes: -1 }))).code).toBe('INVALID_ARGUMENT')
  })
})
