// The relaxed-SIMD build in headless Chromium, which has relaxed SIMD on by default: a page built
// by Vite from the library's source picks that build at start-up and checks its matrix products
// and convolutions against the reference kernels within their stated bounds (laws/kernels.ts).
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { HTML, pages } from '../browser.js'

const repo = fileURLToPath(new URL('../..', import.meta.url))

/** The page's script: the build chosen, and every check that failed. */
const entry = `
import { relaxedSimdSupported, useJsKernels, useWasmKernelsSync } from ${JSON.stringify(join(repo, 'src/index.js'))}
import { createWasmKernels } from ${JSON.stringify(join(repo, 'src/kernels/wasm/index.js'))}
import { convAgrees, floats, matmulAgrees, withinTol } from ${JSON.stringify(join(repo, 'laws/kernels.js'))}

const failures = []
const status = useWasmKernelsSync()
useJsKernels()
const wasm = createWasmKernels('relaxed-simd')
if (wasm === undefined) failures.push('the relaxed-simd build does not run here')
else {
  let seed = 1
  for (const m of [1, 3, 4, 5, 9, 33, 130]) for (const n of [1, 7, 8, 9, 17, 40]) for (const k of [0, 1, 5, 31, 257]) for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
    const s = { batch: 2, m, n, k, transA: ta, transB: tb, aBatchStride: m * k, bBatchStride: k * n }
    const e = matmulAgrees(wasm, floats(seed++, 2 * m * k), floats(seed++, 2 * k * n), s)
    if (!withinTol(e.lhs, e.rhs)) failures.push('matmul ' + m + '×' + n + '×' + k + (ta ? ' Aᵀ' : '') + (tb ? ' Bᵀ' : ''))
  }
  for (const [h, c, o, kk, st, pad] of [[7, 3, 5, 3, 1, 1], [9, 4, 8, 3, 2, 0], [6, 16, 9, 1, 1, 0], [12, 5, 3, 5, 1, 2]]) {
    const out = Math.floor((h + 2 * pad - kk) / st) + 1
    const s = { batch: 2, inH: h, inW: h, inC: c, outH: out, outW: out, outC: o, kH: kk, kW: kk, strideH: st, strideW: st, dilationH: 1, dilationW: 1, padTop: pad, padLeft: pad }
    const x = floats(seed++, 2 * h * h * c), w = floats(seed++, kk * kk * c * o), dy = floats(seed++, 2 * out * out * o)
    for (const which of ['forward', 'input', 'filter']) {
      const e = convAgrees(wasm, which, x, w, dy, s)
      if (!withinTol(e.lhs, e.rhs)) failures.push('conv ' + which + ' ' + JSON.stringify(s))
    }
  }
  // −1 + (1 + 2⁻¹²)² = 2⁻¹¹ + 2⁻²⁴: kept by a fused multiply-add, lost by a rounded product
  const e = 1 + 2 ** -12
  const got = new Float32Array(32)
  wasm.matmul(Float32Array.from([-1, e, -1, e, -1, e, -1, e]), Float32Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : e)), got, { batch: 1, m: 4, n: 8, k: 2, transA: false, transB: false, aBatchStride: 8, bBatchStride: 16 })
  if (!got.every((v) => v === 2 ** -11 + 2 ** -24)) failures.push('not fused: ' + got[0])
}
window.__relaxed = { supported: relaxedSimdSupported(), status, name: wasm?.name, failures }
`

describe('the relaxed-simd build in headless Chromium', () => {
  const browser = pages()
  afterAll(browser.close)

  it('is chosen at start-up and agrees with the reference within the bounds', { timeout: 120_000 }, async () => {
    const { tab: page, url, errors } = await browser.open('relaxed', { 'index.html': HTML, 'main.ts': entry })
    await page.goto(url)
    await page.waitForFunction(() => (window as { __relaxed?: unknown }).__relaxed !== undefined, undefined, { timeout: 60_000 })
    const result = await page.evaluate(() => (window as { __relaxed?: unknown }).__relaxed)
    expect(errors).toEqual([])
    expect(result).toEqual({ supported: true, status: { kernels: 'wasm', threads: 1, simd: 'relaxed-simd' }, name: 'wasm-relaxed-simd', failures: [] })
  })
})
