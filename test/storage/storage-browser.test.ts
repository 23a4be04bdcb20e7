// Models saved in headless Chromium (one launch): IndexedDB survives a reload and gives back a
// model whose outputs equal the original bit for bit; damaged records are refused with coded
// errors; a download is a file that modelFromFile reads back equal; and the @examples of
// puregrad/browser run in the page, with their browser branches (Node runs the others).
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { pages } from '../browser.js'
import type * as Page from './storage-page.js'

const page = fileURLToPath(new URL('./storage-page.ts', import.meta.url))
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

/** The @example blocks of a source file, their comment stars removed. */
const examplesOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/@example\n((?: \*(?! @)[^\n]*\n)+)/g)].map((m) => m[1]!.replace(/^ \* ?/gm, ''))

const EXAMPLES = ['indexedDb.ts', 'files.ts'].flatMap((f) => examplesOf(here(`../../src/browser/${f}`)))

/** The page's steps, on window (evaluated in the page: no closure over this module). */
type Steps = typeof Page & { readonly examples: () => Promise<string[]> }
declare global {
  interface Window {
    __storage?: Steps
  }
}

describe('puregrad/browser in headless Chromium', () => {
  const browser = pages()
  afterAll(browser.close)

  it('saves to IndexedDB, loads after a reload bit for bit, refuses damaged records, keeps the old model when a save is aborted, and reads back a download', { timeout: 90_000 }, async () => {
    const runExamples = `async () => { const failed = []; ${EXAMPLES.map((_, i) => `await import('./example-${i}.ts').catch((e) => failed.push('example ${i}: ' + String(e)));`).join(' ')} return failed }`
    const files = {
      'index.html': '<!doctype html><input type="file" id="pick"><script type="module" src="./main.ts"></script>\n',
      'main.ts': `import * as steps from ${JSON.stringify(page)}\nwindow.__storage = { ...steps, examples: ${runExamples} }\n`,
      ...Object.fromEntries(EXAMPLES.map((code, i) => [`example-${i}.ts`, `${code}\nexport {}\n`])),
    }
    const alias = [
      { find: /^puregrad\/browser$/, replacement: here('../../src/browser/index.ts') },
      { find: /^puregrad$/, replacement: here('../../src/index.ts') },
      { find: /^node:assert\/strict$/, replacement: here('./assert-shim.ts') },
      // the generated files live outside the repository: fp-ts from its node_modules
      { find: /^fp-ts\/(.*)$/, replacement: `${here('../../node_modules/fp-ts')}/$1` },
    ]
    const { tab, url, errors } = await browser.open('storage', files, { alias, context: { acceptDownloads: true } })
    const ready = (): Promise<unknown> => tab.waitForFunction(() => window.__storage !== undefined, undefined, { timeout: 20_000 })

    await tab.goto(url)
    await ready()
    const saved = await tab.evaluate(() => window.__storage!.save())
    expect(saved.names).toEqual(['flipped', 'model', 'wrong'])
    expect(saved.bits).toHaveLength(21)

    await tab.reload()
    await ready()
    const after = (await tab.evaluate(() => window.__storage!.load())) as Record<string, { code?: string; message?: string; bits?: string[] }> & { deleted: boolean[]; names: string[] }
    expect(after['loaded']).toEqual({ bits: saved.bits })
    expect(after['flipped']).toMatchObject({ code: 'INVALID_VALUE', message: expect.stringMatching(/loadFromIndexedDb: .*checksum of the weights/) })
    expect(after['flipped']!.bits).toBeUndefined()
    expect(after['wrong']).toMatchObject({ code: 'INVALID_VALUE', message: expect.stringMatching(/not a model saved by saveToIndexedDb/) })
    expect(after['missing']).toMatchObject({ code: 'FILE_ERROR', message: expect.stringMatching(/no model named "nothing"/) })
    expect(after.deleted).toEqual([true, false])
    expect(after.names).toEqual(['flipped', 'model'])
    // a save aborted between its write and its commit leaves the model saved before, whole
    const interrupted = await tab.evaluate(() => window.__storage!.interruptedSave())
    expect(interrupted.rejected).toMatchObject({ code: 'FILE_ERROR', message: expect.stringMatching(/saveToIndexedDb: .*save the model "model"/) })
    expect(interrupted.after).toEqual({ bits: saved.bits })

    const [download] = await Promise.all([tab.waitForEvent('download'), tab.evaluate(() => window.__storage!.download())])
    expect(download.suggestedFilename()).toBe('net.json')
    const file = await download.path()
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ format: 'puregrad/model', version: 1 })
    await tab.setInputFiles('#pick', file)
    expect(await tab.evaluate(() => window.__storage!.picked())).toEqual({ bits: saved.bits })

    expect(EXAMPLES.length).toBeGreaterThanOrEqual(6)
    expect(await tab.evaluate(() => window.__storage!.examples())).toEqual([])
    expect(errors).toEqual([])
  })
})
