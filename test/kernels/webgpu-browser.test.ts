// The WebGPU backend in headless Chromium on SwiftShader (software Vulkan: no GPU needed): one
// browser launch runs every check of webgpu-page.ts (each kernel against the CPU kernels on
// random inputs within its stated float32 tolerance, a small MLP's loss and gradient, and the
// refusals) and reports what failed.
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { HTML, WEBGPU_ARGS, pages } from '../browser.js'

/** The page's script: runs the checks, and leaves their result (or the error that stopped them) on window. */
const entry = (page: string): string => `
import { run } from ${JSON.stringify(page)}
run().then(
  (r) => (window.__webgpu = r),
  (e) => (window.__webgpu = { error: String(e), stack: e.stack }),
)
`

const page = fileURLToPath(new URL('./webgpu-page.ts', import.meta.url))

describe('WebGPU in headless Chromium', () => {
  const browser = pages()
  afterAll(browser.close)

  it('agrees with the CPU kernels within each op’s tolerance, trains an MLP step alike, and refuses sync reads', { timeout: 150_000 }, async () => {
    // the device's validation errors arrive as warnings, counted as errors
    const { tab, url, errors } = await browser.open('webgpu', { 'index.html': HTML, 'main.ts': entry(page) }, { args: WEBGPU_ARGS, warnings: true })
    // PUREGRAD_WEBGPU_LOG=1 prints the page's progress
    if (process.env['PUREGRAD_WEBGPU_LOG'] !== undefined) tab.on('console', (m) => console.log(m.text()))
    await tab.goto(url)
    await tab.waitForFunction(() => (window as { __webgpu?: unknown }).__webgpu !== undefined, undefined, { timeout: 100_000 })
    const result = (await tab.evaluate(() => (window as { __webgpu?: unknown }).__webgpu)) as { checked: number; failures: string[]; status: unknown; submitsPerStep: number; fitSubmitsPerStep: number }
    console.log(`webgpu: ${result.checked} checks; command buffers submitted per MLP training step: ${result.submitsPerStep} (a step by hand), ${result.fitSubmitsPerStep.toFixed(1)} (Train.fitAsync, evaluations included)`)
    expect(errors).toEqual([])
    expect(result.failures).toEqual([])
    expect(result.checked).toBeGreaterThan(200)
    // dispatches are recorded into one encoder: a step submits for its uploads and its one read,
    // not once per kernel (a hundred and more)
    expect(result.submitsPerStep).toBeLessThanOrEqual(6)
    expect(result.status).toMatchObject({ fallback: expect.any(Boolean), maxBufferBytes: expect.any(Number) })
  })
})
