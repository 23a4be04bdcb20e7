/**
 * Finds a Chromium for the browser tests, so `npm ci && npm test` passes on a fresh Linux
 * machine without a system browser:
 *
 * 1. `CHROMIUM_PATH`, when set (an error if it names nothing);
 * 2. a system Chromium or Chrome in the usual places;
 * 3. the headless Chromium inside the `@sparticuz/chromium` dev dependency (Linux x64 only),
 *    unpacked on first use into the system's temporary directory, under a lock directory so that
 *    test files running at once in several processes never unpack it at the same time.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, resolve, sep } from 'node:path'
import { type Browser, type BrowserContextOptions, type Page, chromium } from 'playwright-core'
import { type AliasOptions, build } from 'vite'

/** The flags every browser test starts Chromium with (headless, offline, no first-run work). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Where a system browser usually lives, most likely first. */
export const SYSTEM_CHROMIUMS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
]

/** A browser found, and where it came from (printed by the tests that use it). */
export interface FoundChromium {
  readonly path: string
  readonly source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium'
}

let bundled: Promise<string> | undefined

/** A lock older than this is left over from a killed process (unpacking takes a few seconds). */
const STALE_LOCK_MS = 120_000

/** Runs `f` while holding the lock directory `lock` (mkdir is atomic), waiting for another holder. */
const withLock = async <A>(lock: string, f: () => Promise<A>): Promise<A> => {
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true })
      } catch {
        // released meanwhile: try again
      }
      await new Promise((ok) => setTimeout(ok, 100))
    }
  }
  try {
    return await f()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** The packaged Chromium's path, unpacking it once per process (and once at a time across processes). */
const unpackBundled = (): Promise<string> => {
  bundled ??= withLock(join(tmpdir(), 'puregrad-chromium.lock'), () => import('@sparticuz/chromium').then((m) => m.default.executablePath()))
  return bundled
}

/**
 * The Chromium to launch, in the order above; throws with what to do when none is found.
 * `env`, `candidates`, `platform` and `unpack` are for this module's own test.
 */
export const findChromium = async (
  env: Readonly<Record<string, string | undefined>> = process.env,
  candidates: readonly string[] = SYSTEM_CHROMIUMS,
  platform: string = `${process.platform}-${process.arch}`,
  unpack: () => Promise<string> = unpackBundled,
): Promise<FoundChromium> => {
  const chosen = env['CHROMIUM_PATH']
  if (chosen !== undefined && chosen !== '') {
    if (!existsSync(chosen)) throw new Error(`CHROMIUM_PATH names ${chosen}, which does not exist: point it at a Chromium or Chrome binary, or unset it.`)
    return { path: chosen, source: 'CHROMIUM_PATH' }
  }
  const system = candidates.find((p) => existsSync(p))
  if (system !== undefined) return { path: system, source: 'system' }
  if (platform !== 'linux-x64') {
    throw new Error(`no Chromium found in ${candidates.join(', ')}; the packaged one runs on linux-x64 only. Install Chrome or Chromium, or set CHROMIUM_PATH.`)
  }
  return { path: await unpack(), source: '@sparticuz/chromium' }
}

/** WebGPU on SwiftShader's Vulkan (a software adapter: no GPU needed), with the GPU process allowed in headless mode. */
export const WEBGPU_ARGS: readonly string[] = [
  ...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'),
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader',
]

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

/**
 * Serves the files under `root` on 127.0.0.1 at a free port (a page needs an http origin for
 * what a data: or file: URL lacks, such as WebGPU and module workers), each with its content
 * type and uncached.
 */
export const serve = async (root: string): Promise<{ server: Server; url: string }> => {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
    const file = resolve(root, `.${path.endsWith('/') ? `${path}index.html` : path}`)
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end()
      return
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' }).end(body),
      () => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found'),
    )
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }
}

/** A page that loads `./main.ts` as a module. */
export const HTML = '<!doctype html><script type="module" src="./main.ts"></script>\n'

/** What `pages().open` gives: the tab at its URL's page not yet loaded, and the errors it reports. */
export interface OpenedPage {
  readonly found: FoundChromium
  readonly browser: Browser
  readonly tab: Page
  /** the page's address on 127.0.0.1 */
  readonly url: string
  /** uncaught page errors and console errors (and warnings, with `warnings`), as they come */
  readonly errors: string[]
}

/**
 * The browser tests' page harness: `open` bundles a page with Vite from `files` (an
 * `index.html` and the modules it loads, written to a temporary directory), serves the bundle on
 * 127.0.0.1, launches headless Chromium with `args` and opens a tab that collects the page's
 * errors; `close` (for `afterAll`) closes the browser and the server and removes the directories.
 */
export const pages = () => {
  let browser: Browser | undefined
  let server: Server | undefined
  const dirs: string[] = []
  return {
    open: async (
      name: string,
      files: Readonly<Record<string, string>>,
      opts: { readonly args?: readonly string[]; readonly alias?: AliasOptions; readonly context?: BrowserContextOptions; readonly warnings?: boolean } = {},
    ): Promise<OpenedPage> => {
      const found = await findChromium()
      const src = await mkdtemp(join(tmpdir(), `puregrad-${name}-page-`))
      const out = await mkdtemp(join(tmpdir(), `puregrad-${name}-dist-`))
      dirs.push(src, out)
      for (const [file, text] of Object.entries(files)) await writeFile(join(src, file), text)
      await build({ root: src, configFile: false, logLevel: 'warn', resolve: opts.alias === undefined ? {} : { alias: opts.alias }, build: { outDir: out, emptyOutDir: true, target: 'es2022' } })
      const served = await serve(out)
      server = served.server
      await browser?.close()
      browser = await chromium.launch({ executablePath: found.path, headless: true, args: [...(opts.args ?? CHROMIUM_ARGS)] })
      const tab = await (await browser.newContext(opts.context ?? {})).newPage()
      const errors: string[] = []
      tab.on('pageerror', (e) => errors.push(e.message))
      tab.on('console', (m) => (m.type() === 'error' || (opts.warnings === true && m.type() === 'warning') ? errors.push(m.text()) : undefined))
      return { found, browser, tab, url: served.url, errors }
    },
    close: async (): Promise<void> => {
      await browser?.close()
      await new Promise<void>((ok) => (server === undefined ? ok() : server.close(() => ok())))
      for (const d of dirs) await rm(d, { recursive: true, force: true })
    },
  }
}
