/**
 * `npm run bench:webgpu`: puregrad on WebGPU beside TensorFlow.js's and jax-js's WebGPU backends,
 * in headless Chromium. Builds the page (page.ts and one module per library) with Vite, serves it
 * on 127.0.0.1 (WebGPU wants an http origin), drives it with Playwright and prints a table of
 * median milliseconds and of puregrad's speed over each other library.
 *
 *   npx tsx bench/webgpu/run.ts [--smoke] [--gpu] [--headed] [--reps N]
 *
 * --smoke   tiny sizes, two timed calls each: proves the page runs (the test suite does this)
 * --gpu     use the machine's GPU instead of SwiftShader (the software adapter every Linux
 *           machine has); needs a Chrome or Chromium with WebGPU (CHROMIUM_PATH picks one)
 * --headed  show the browser window (some drivers give WebGPU to headed browsers only)
 *
 * `@tensorflow/tfjs-backend-webgpu` is a dev dependency; TFJS_WEBGPU_PREFIX names another
 * install of it (`npm install --prefix DIR @tensorflow/tfjs-backend-webgpu@4.22.0
 * @tensorflow/tfjs-core@4.22.0`). Without either its column says it is not installed.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { build } from 'vite'
import { CHROMIUM_ARGS, WEBGPU_ARGS, findChromium, serve } from '../../test/browser.js'
import type { Report, Timing } from './page.js'

const args = process.argv.slice(2)
const smoke = args.includes('--smoke')
const useGpu = args.includes('--gpu')
const headed = args.includes('--headed')
const repsAt = args.indexOf('--reps')
const reps = repsAt >= 0 ? Number(args[repsAt + 1]) : undefined
if (reps !== undefined && !(Number.isInteger(reps) && reps > 0)) throw new Error(`--reps takes a whole number ≥ 1; got ${args[repsAt + 1]}`)

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url))
const repo = fileURLToPath(new URL('../../', import.meta.url))

/** The node_modules holding tfjs's WebGPU backend (TFJS_WEBGPU_PREFIX's first), or undefined. */
const tfjsModules = (): string | undefined => {
  const prefix = process.env['TFJS_WEBGPU_PREFIX']
  const roots = [...(prefix === undefined || prefix === '' ? [] : [join(prefix, 'node_modules')]), join(repo, 'node_modules')]
  return roots.find((r) => existsSync(join(r, '@tensorflow/tfjs-backend-webgpu/package.json')))
}

/** WebGPU on SwiftShader (software Vulkan), or on the machine's GPU. */
const browserArgs = (): string[] => {
  const base = CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu' && (headed ? a !== '--headless' : true))
  return useGpu
    ? [...base, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=vulkan', '--ignore-gpu-blocklist']
    : WEBGPU_ARGS.filter((a) => (headed ? a !== '--headless' : true))
}

const entry = (tfjs: boolean): string => `
import { run } from ${JSON.stringify(here('./page.ts'))}
import { puregradWebGpu } from ${JSON.stringify(here('./puregrad.ts'))}
import { jaxWebGpu } from ${JSON.stringify(here('./jax.ts'))}
${tfjs ? `import { tfjsWebGpu } from ${JSON.stringify(here('./tfjs.ts'))}` : ''}
const libs = [['puregrad-webgpu', puregradWebGpu], ${tfjs ? "['tfjs-webgpu', tfjsWebGpu], " : ''}['jax-js-webgpu', jaxWebGpu]]
run(libs, ${smoke}, ${reps ?? 'undefined'}).then(
  (r) => (window.__bench = r),
  (e) => (window.__bench = { error: String(e) + '\\n' + e.stack }),
)
`

const CASES = ['matmul', 'conv2d forward', 'conv2d gradient', 'MLP training step', 'CNN training step']
const LIBS = ['puregrad-webgpu', 'tfjs-webgpu', 'jax-js-webgpu']
/** Targets on a real GPU: puregrad's training steps this many times as fast as each other library's. */
const TARGET = 1.2

const pad = (rows: string[][]): string => {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)))
  return rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ')).join('\n')
}

const table = (r: Report, tfjs: boolean): string => {
  const at = (c: string, lib: string): Timing | undefined => r.timings.find((t) => t.case === c && t.lib === lib)
  const cases = [...new Set(r.timings.map((t) => t.case))].filter((c) => c !== 'start').sort((a, b) => CASES.findIndex((p) => a.startsWith(p)) - CASES.findIndex((p) => b.startsWith(p)))
  const cell = (c: string, lib: string): string => {
    if (lib === 'tfjs-webgpu' && !tfjs) return 'not installed'
    const start = at('start', lib)
    if (start !== undefined) return 'did not start'
    const t = at(c, lib)
    return t?.ms !== undefined ? t.ms.toFixed(2) : 'failed'
  }
  const ratio = (c: string, other: string): string => {
    const p = at(c, 'puregrad-webgpu')?.ms
    const o = at(c, other)?.ms
    return p !== undefined && o !== undefined ? `${(o / p).toFixed(2)}×` : '–'
  }
  const rows = [['case (median ms per call, to the result on the host)', ...LIBS, 'speed ÷ tfjs-webgpu', 'speed ÷ jax-js']]
  for (const c of cases) rows.push([c, ...LIBS.map((l) => cell(c, l)), ratio(c, 'tfjs-webgpu'), ratio(c, 'jax-js-webgpu')])
  const lines = [pad(rows)]
  const errors = r.timings.filter((t) => t.error !== undefined)
  for (const e of errors) lines.push(`  ${e.lib}, ${e.case}: ${e.error}`)
  lines.push('')
  lines.push(`Targets on a real GPU: puregrad's training steps (MLP, CNN) ≥ ${TARGET}× as fast as tfjs-webgpu and ≥ ${TARGET}× as fast as jax-js.`)
  for (const c of ['MLP training step', 'CNN training step']) {
    for (const other of ['tfjs-webgpu', 'jax-js-webgpu']) {
      const p = at(c, 'puregrad-webgpu')?.ms
      const o = at(c, other)?.ms
      lines.push(`  ${c} vs ${other}: ${p === undefined || o === undefined ? 'not measured' : `${(o / p).toFixed(2)}× (${o / p >= TARGET ? 'met' : 'not met'})`}`)
    }
  }
  const name = [r.adapter.vendor, r.adapter.architecture, r.adapter.description].filter((s) => s !== '').join(', ') || 'no description'
  lines.push(`Adapter: ${name}${r.adapter.fallback ? ' (software)' : ''}${r.smoke ? '; --smoke sizes' : ''}; ${r.reps} timed calls per case.`)
  if (r.adapter.fallback) {
    lines.push('On SwiftShader (a CPU emulation of a GPU) these figures only prove that the script runs: they say nothing of speed on a GPU. Run with --gpu on a machine with one (README: WebGPU benchmark).')
  }
  return lines.join('\n')
}

const main = async (): Promise<void> => {
  const tfjs = tfjsModules()
  const found = await findChromium()
  const src = await mkdtemp(join(tmpdir(), 'puregrad-bench-webgpu-'))
  const out = await mkdtemp(join(tmpdir(), 'puregrad-bench-webgpu-dist-'))
  const alias =
    tfjs === undefined || tfjs === join(repo, 'node_modules')
      ? {}
      : { '@tensorflow/tfjs-backend-webgpu': join(tfjs, '@tensorflow/tfjs-backend-webgpu'), '@tensorflow/tfjs-core': join(tfjs, '@tensorflow/tfjs-core') }
  let server: import('node:http').Server | undefined
  const browser = await chromium.launch({ executablePath: found.path, headless: !headed, args: browserArgs() })
  try {
    await writeFile(join(src, 'index.html'), '<!doctype html><script type="module" src="./main.ts"></script>\n')
    await writeFile(join(src, 'main.ts'), entry(tfjs !== undefined))
    await build({ root: src, configFile: false, logLevel: 'warn', resolve: { alias }, build: { outDir: out, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1e9 } })
    const served = await serve(out)
    server = served.server
    const tab = await browser.newPage()
    tab.on('pageerror', (e) => console.error(`page error: ${e.message}`))
    if (process.env['PUREGRAD_BENCH_LOG'] !== undefined) tab.on('console', (m) => console.log(`page: ${m.text()}`))
    await tab.goto(served.url)
    await tab.waitForFunction(() => (window as { __bench?: unknown }).__bench !== undefined, undefined, { timeout: smoke ? 150_000 : 3_600_000, polling: 500 })
    const r = (await tab.evaluate(() => (window as { __bench?: unknown }).__bench)) as Report | { error: string }
    if ('error' in r) throw new Error(`the benchmark page failed: ${r.error}`)
    console.log(`WebGPU side by side (${found.source} Chromium ${found.path})\n`)
    console.log(table(r, tfjs !== undefined))
  } finally {
    await browser.close()
    await new Promise<void>((ok) => (server === undefined ? ok() : server.close(() => ok())))
    await rm(src, { recursive: true, force: true })
    await rm(out, { recursive: true, force: true })
  }
}

await main()
