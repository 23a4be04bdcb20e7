// End to end: build the playground page with Vite, serve it, open it in headless Chromium, train,
// and check that the test loss falls, the decision boundary is drawn, and the weights survive
// Save → Reset → Load (IndexedDB) and Download → Reset → Upload: once without WebGPU (the page
// falls back to the wasm kernels) and once with WebGPU on SwiftShader (the page trains there).
// Full-page screenshots land in test-output/playground.png and playground-webgpu.png.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type Page, chromium } from 'playwright-core'
import { build } from 'vite'
import { afterAll, describe, expect, it } from 'vitest'
import type { PlaygroundHook } from '../../playground/src/main.js'
import { CHROMIUM_ARGS, WEBGPU_ARGS, findChromium, serve } from '../browser.js'

const repo = fileURLToPath(new URL('../..', import.meta.url))
/** Epochs to train before judging, and the longest wait for them. */
const EPOCHS = 30
const WAIT_MS = 15_000

const hook = (): PlaygroundHook | undefined => (window as { __playground?: PlaygroundHook }).__playground

/** Waits until the page reports a storage message matching `pattern`. */
const storageSays = (page: Page, pattern: RegExp): Promise<unknown> =>
  page.waitForFunction((p) => new RegExp(p).test((window as { __playground?: { storage: string } }).__playground?.storage ?? ''), pattern.source, { timeout: 5_000 })

/**
 * Finishes the epoch (so the latest test loss is that of the current weights), clicks Save,
 * Reset and Load, then Download, Reset and Upload of the downloaded file: the test loss each time.
 */
const saveAndLoad = async (page: Page): Promise<{ trained: number; reset: number; loaded: number; uploaded: number }> => {
  const testLoss = async (): Promise<number> => (await page.evaluate(hook))!.testLoss
  const epochIs = (e: number): Promise<unknown> => page.waitForFunction((n) => (window as { __playground?: { epoch: number } }).__playground?.epoch === n, e, { timeout: 5_000 })
  const epoch = (await page.evaluate(hook))!.epoch
  await page.click('#step')
  await epochIs(epoch + 1)
  const trained = await testLoss()
  await page.click('#save')
  await storageSays(page, /^Saved/)
  await page.click('#reset')
  await epochIs(0)
  const reset = await testLoss()
  await page.click('#load')
  await storageSays(page, /^Loaded the weights from this browser/)
  const loaded = await testLoss()
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')])
  await page.click('#reset')
  await epochIs(0)
  expect(download.suggestedFilename()).toBe('playground-model.json')
  await page.setInputFiles('#upload', { name: download.suggestedFilename(), mimeType: 'application/json', buffer: await readFile(await download.path()) })
  await storageSays(page, /^Loaded the weights from playground-model\.json/)
  return { trained, reset, loaded, uploaded: await testLoss() }
}

describe('the playground page', () => {
  let browser: Browser | undefined
  let server: Server | undefined
  let out: string | undefined

  let url: string | undefined

  afterAll(async () => {
    await browser?.close()
    await new Promise<void>((ok) => (server === undefined ? ok() : server.close(() => ok())))
    if (out !== undefined) await rm(out, { recursive: true, force: true })
  })

  /** The page built and served once for both runs. */
  const builtPage = async (): Promise<string> => {
    if (url !== undefined) return url
    out = await mkdtemp(join(tmpdir(), 'puregrad-playground-'))
    await build({ configFile: join(repo, 'playground', 'vite.config.ts'), build: { outDir: out, emptyOutDir: true }, logLevel: 'warn' })
    const s = await serve(out)
    server = s.server
    url = s.url
    return url
  }

  const trains = async (args: readonly string[], backend: PlaygroundHook['backend'], screenshot: string, minEpochs: number): Promise<void> => {
    const found = await findChromium()
    const t0 = performance.now()
    const served = { url: await builtPage() }
    const built = performance.now()

    await browser?.close()
    browser = await chromium.launch({ executablePath: found.path, headless: true, args: [...args] })
    const page = await (await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })).newPage()
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))

    await page.goto(served.url)
    await page.waitForFunction(() => (window as { __playground?: { ready: boolean } }).__playground?.ready === true, undefined, { timeout: 10_000 })
    await page.click('#dataset-xor')
    await page.waitForFunction(() => (window as { __playground?: { dataset: string } }).__playground?.dataset === 'xor')
    const before = (await page.evaluate(hook))!
    expect(before.epoch).toBe(0)
    await page.click('#step') // one epoch, then back to the start
    await page.waitForFunction(() => (window as { __playground?: { epoch: number } }).__playground?.epoch === 1, undefined, { timeout: 5_000 })
    await page.click('#reset')
    await page.waitForFunction(() => (window as { __playground?: { epoch: number } }).__playground?.epoch === 0, undefined, { timeout: 5_000 })
    expect((await page.evaluate(hook))!.testLoss).toBe(before.testLoss) // same seed, same weights

    await page.click('#play')
    const started = performance.now()
    await page
      .waitForFunction((epochs) => ((window as { __playground?: { epoch: number } }).__playground?.epoch ?? 0) >= epochs, EPOCHS, { timeout: WAIT_MS, polling: 100 })
      .catch(() => undefined) // judged below, with the numbers
    await page.click('#play')
    const after = (await page.evaluate(hook))!
    const seconds = (performance.now() - started) / 1000
    const saved = await saveAndLoad(page)
    await page.click('#show-test')
    await page.waitForTimeout(100)

    // the boundary canvas holds both colours (blue and orange regions), not a blank or flat picture
    const colours = await page.evaluate(() => {
      const c = document.getElementById('boundary') as HTMLCanvasElement
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      let blue = 0
      let orange = 0
      for (let i = 0; i < d.length; i += 4) {
        const [r, b] = [d[i]!, d[i + 2]!]
        if (b - r > 40) blue++
        if (r - b > 40) orange++
      }
      return { blue: blue / (d.length / 4), orange: orange / (d.length / 4) }
    })

    await mkdir(join(repo, 'test-output'), { recursive: true })
    await page.screenshot({ path: screenshot, fullPage: true })
    console.log(
      [
        `playground: browser ${found.path} (${found.source})`,
        `playground: built and served in ${((built - t0) / 1000).toFixed(1)} s; trains on ${after.backend}: ${after.kernels}`,
        `playground: ${after.epoch} epochs (${after.step} steps) in ${seconds.toFixed(1)} s on xor`,
        `playground: test loss ${before.testLoss.toFixed(4)} → ${after.testLoss.toFixed(4)}, train loss ${before.trainLoss.toFixed(4)} → ${after.trainLoss.toFixed(4)}, test accuracy ${(100 * after.testAccuracy).toFixed(0)}%`,
        `playground: boundary canvas ${(100 * colours.blue).toFixed(0)}% blue, ${(100 * colours.orange).toFixed(0)}% orange pixels`,
        `playground: screenshot ${relative(process.cwd(), screenshot) || screenshot}`,
      ].join('\n'),
    )

    expect(problems).toEqual([])
    expect(after.backend).toBe(backend)
    expect(after.diverged).toBe(false)
    expect(after.epoch).toBeGreaterThanOrEqual(minEpochs)
    expect(after.testLoss).toBeLessThan(0.6 * before.testLoss)
    expect(colours.blue).toBeGreaterThan(0.05)
    expect(colours.orange).toBeGreaterThan(0.05)
    // Save, Reset, Load: the trained weights come back (the same test loss, bit for bit); and Download, Reset, Upload
    expect(saved.reset).not.toBe(saved.trained)
    expect(saved.loaded).toBe(saved.trained)
    expect(saved.uploaded).toBe(saved.trained)
  }

  it('builds, trains in headless Chromium without WebGPU (on wasm), the test loss falls, and Save/Load and Download/Upload bring the weights back', { timeout: 60_000 }, () =>
    trains(CHROMIUM_ARGS, 'wasm', join(repo, 'test-output', 'playground.png'), 10))

  // SwiftShader is a software adapter, slower than the wasm kernels for a network this small: fewer epochs are asked of it
  it('trains on WebGPU where navigator.gpu gives an adapter (SwiftShader here), the test loss falls, and the weights are saved and loaded back', { timeout: 60_000 }, () =>
    trains(WEBGPU_ARGS, 'webgpu', join(repo, 'test-output', 'playground-webgpu.png'), 4))
})
