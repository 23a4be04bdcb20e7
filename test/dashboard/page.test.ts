// The dashboard page in headless Chromium: it draws a run's curves and a study's trials as the
// events arrive, and the screenshot shows them. A full-page screenshot lands in
// test-output/dashboard.png.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { Data, Loss, Net, Optim, Rng, Study, Tensor as T, Train } from '../../src/index.js'
import { type Dashboard, serveDashboard } from '../../src/node/index.js'
import { CHROMIUM_ARGS, findChromium } from '../browser.js'
import { colourCount, readPng } from './png.js'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const SCREENSHOT = join(repo, 'test-output', 'dashboard.png')

describe('the dashboard page', () => {
  let browser: Browser | undefined
  let dashboard: Dashboard | undefined

  afterAll(async () => {
    await browser?.close()
    await dashboard?.close()
  })

  it('shows a run and a study live, and draws them', { timeout: 60_000 }, async () => {
    const found = await findChromium()
    dashboard = await serveDashboard({ pollMs: 100 })
    browser = await chromium.launch({ executablePath: found.path, headless: true, args: [...CHROMIUM_ARGS] })
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    await page.goto(dashboard.url)
    await page.waitForSelector('#live.on')
    await page.locator('#runs', { hasText: 'No runs or studies yet' }).waitFor() // drawn from the first snapshot
    const before = await page.screenshot()
    // the header is one solid colour, #1d2330: the PNG reader reads what Chromium wrote
    const header = readPng(await page.screenshot({ clip: { x: 0, y: 0, width: 40, height: 8 } }))
    expect(colourCount(await page.screenshot({ clip: { x: 0, y: 0, width: 40, height: 8 } }))).toBe(1)
    expect([...header.rgba.subarray(0, 3)]).toEqual([0x1d, 0x23, 0x30])

    // a run: 3 epochs of 4 batches, with a dev set, fed as fit runs
    const trainer = { network: Net.dense(2), optimizer: Optim.adam(0.05), loss: Loss.softmaxCrossEntropy }
    const x = T.tensor([[1], [-1], [2], [-2], [0.5], [-0.5], [3], [-3]])
    const train = Data.dataset(x, T.tensor([1, 0, 1, 0, 1, 0, 1, 0], 'int32'))
    const dev = Data.dataset(T.tensor([[4], [-4]]), T.tensor([1, 0], 'int32'))
    Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, { epochs: 3, batchSize: 2, dev }, dashboard.fitListener('sign-classifier'))
    // a study of 6 trials, watched while it runs
    const storage = Study.memoryStorage()
    const study = await Study.open({ name: 'search', space: { lr: Train.logUniform(1e-4, 1), width: Train.intParam(4, 64) }, sampler: Study.randomSampler({ seed: 3 }), storage })
    await dashboard.watchStudy('search', storage)
    await study.optimize((t) => Math.abs(Math.log10(t.params.lr as number) + 2) + (t.params.width as number) / 100, { trials: 6 })

    const run = page.locator('section[data-run="sign-classifier"]')
    await run.locator('.status', { hasText: 'ended: epochs' }).waitFor()
    // (the page may first show the last trial running: the storage is read every 100 ms)
    await page.locator('section[data-study="search"] h2 .meta', { hasText: '6 trials (6 ended)' }).waitFor()
    expect(await run.locator('h2').textContent()).toMatch(/^sign-classifier/)
    const n = async (series: string) => Number(await run.locator(`polyline[data-series="${series}"]`).getAttribute('data-n'))
    expect([await n('batch'), await n('train'), await n('dev'), await n('devAcc')]).toEqual([12, 3, 3, 3])
    const points = await run.locator('polyline[data-series="batch"]').getAttribute('points')
    expect(points!.split(' ')).toHaveLength(12)
    expect(await page.locator('section[data-study="search"] tbody tr').count()).toBe(6)
    expect(await page.locator('section[data-study="search"] svg[data-param="lr"] circle').count()).toBe(6)
    expect(await page.locator('section[data-study="search"] svg[data-param="width"] circle').count()).toBe(6)
    const best = (await study.best())!
    expect(await page.locator('section[data-study="search"] tr.best td').first().textContent()).toBe(String(best.number))

    // names are shown as text, never as markup
    dashboard.feed({ type: 'end', run: '<img src=x onerror="document.title=1">', reason: 'epochs' })
    const odd = page.locator('section.run').nth(1)
    await odd.waitFor()
    expect(await odd.locator('h2').textContent()).toMatch(/^<img src=x onerror="document.title=1">/)
    expect(await page.locator('img').count()).toBe(0)

    const after = await page.screenshot({ fullPage: true })
    mkdirSync(join(repo, 'test-output'), { recursive: true })
    writeFileSync(SCREENSHOT, after)
    // lines, dots, text and table: many colours where the empty page had few, and not the same picture
    const [few, many] = [colourCount(before), colourCount(after)]
    expect(many).toBeGreaterThan(50)
    expect(many).toBeGreaterThan(few * 2)
    expect(Buffer.compare(before, after)).not.toBe(0)
    expect(problems).toEqual([])
  })
})
