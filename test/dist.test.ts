// The built package must load under plain Node, outside vitest and tsx: this is the check that
// catches imports that only bundlers resolve (e.g. `fp-ts/function` instead of `fp-ts/lib/function.js`).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

describe('the built package', () => {
  it('imports under plain node by its package name and computes', () => {
    expect(existsSync(`${root}dist/index.js`), 'dist/ is missing: run `npm run build` (npm test does it first)').toBe(true)
    const script = `
      import { Tensor as T, Rng, Tree, PuregradError } from 'puregrad'
      const y = T.matmul(T.tensor([[1, 2]]), T.tensor([[3], [4]]))
      const k = Rng.key(0)
      console.log(JSON.stringify({ y: T.item(y), tree: typeof Tree.map, key: typeof k, err: typeof PuregradError }))
    `
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual({ y: 11, tree: 'function', key: 'object', err: 'function' })
  })

  it('imports puregrad/browser under plain node: storage refuses with a coded error, a Blob reads back', () => {
    expect(existsSync(`${root}dist/browser/index.js`), 'dist/browser is missing: run `npm run build`').toBe(true)
    const script = `
      import { Net, Rng } from 'puregrad'
      import { loadFromIndexedDb, modelFromFile, saveToIndexedDb } from 'puregrad/browser'
      const network = Net.dense(2)
      const model = { network, inShape: [3], ...Net.init(network, { key: Rng.key(0), inShape: [3] }) }
      const loaded = await loadFromIndexedDb('m')
      const saved = await saveToIndexedDb('m', model).then(() => 'saved', (e) => e.code)
      const back = await modelFromFile(new Blob([Net.encode(model)]))
      console.log(JSON.stringify({ loaded: loaded.left.code, saved, back: back._tag }))
    `
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual({ loaded: 'FILE_ERROR', saved: 'FILE_ERROR', back: 'Right' })
  })
})
