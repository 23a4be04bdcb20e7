// The browser finder: CHROMIUM_PATH first, then a system browser, then the packaged one.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findChromium } from './browser.js'

describe('findChromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'puregrad-browser-'))
  const fake = join(dir, 'chrome')
  writeFileSync(fake, '')

  it('takes CHROMIUM_PATH first, and refuses one that names nothing', async () => {
    expect(await findChromium({ CHROMIUM_PATH: fake }, ['/usr/bin/env'])).toEqual({ path: fake, source: 'CHROMIUM_PATH' })
    await expect(findChromium({ CHROMIUM_PATH: join(dir, 'missing') })).rejects.toThrow(/CHROMIUM_PATH names .*missing.*does not exist/)
  })

  it('then the first system browser that exists', async () => {
    expect(await findChromium({}, [join(dir, 'none'), fake])).toEqual({ path: fake, source: 'system' })
  })

  it('then says what to do where no packaged browser runs', async () => {
    await expect(findChromium({}, [join(dir, 'none')], 'darwin-arm64')).rejects.toThrow(/set CHROMIUM_PATH/)
  })

  // the real unpacking is left to the browser tests (which take a lock around it)
  it('then unpacks the packaged Chromium on linux-x64', async () => {
    const found = await findChromium({}, [join(dir, 'none')], 'linux-x64', async () => fake)
    expect(found).toEqual({ path: fake, source: '@sparticuz/chromium' })
    expect(existsSync(found.path)).toBe(true)
  })
})
