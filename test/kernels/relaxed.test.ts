// The relaxed-SIMD build of the kernels where Node 20 has it only behind a flag: the start-up
// choice of build, and the kernel laws of laws/kernels.laws.ts run on that build in child
// processes started with --experimental-wasm-relaxed-simd.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { relaxedSupported } from '../../src/kernels/wasm/engine.js'
import { useJsKernels, useWasmKernels, useWasmKernelsSync } from '../../src/kernels/wasm/index.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const FLAG = '--experimental-wasm-relaxed-simd'

/** The environment of a child process: this one's, without what marks it as a vitest worker. */
const childEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'))

afterEach(() => useJsKernels())

describe('the build chosen at start-up', () => {
  it('is relaxed SIMD in a Node started with the flag, for one thread and with workers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-relaxed-'))
    try {
      const script = join(dir, 'choose.mts')
      writeFileSync(
        script,
        `import { Tensor as T, relaxedSimdSupported, useWasmKernels, useWasmKernelsSync, useJsKernels } from ${JSON.stringify(join(root, 'src/index.js'))}
         import { kernels } from ${JSON.stringify(join(root, 'src/kernels/registry.js'))}
         const one = useWasmKernelsSync()
         const oneName = kernels().name
         const forced = useWasmKernelsSync({ simd: 'simd128' })
         const threaded = await useWasmKernels({ threads: 1, minParallelFlops: 0 })
         const threadedName = kernels().name
         const y = T.get(T.matmul(T.ones([64, 64]), T.ones([64, 64])), 3, 5)
         useJsKernels()
         console.log(JSON.stringify({ supported: relaxedSimdSupported(), one, oneName, forced, threaded, threadedName, y }))\n`,
      )
      const out = execFileSync(process.execPath, [FLAG, '--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 60_000, env: childEnv() })
      expect(JSON.parse(out)).toEqual({
        supported: true,
        one: { kernels: 'wasm', threads: 1, simd: 'relaxed-simd' },
        oneName: 'wasm-relaxed-simd',
        forced: { kernels: 'wasm', threads: 1, simd: 'simd128' },
        threaded: { kernels: 'wasm', threads: 2, simd: 'relaxed-simd' },
        threadedName: 'wasm-relaxed-simd+1w',
        y: 64,
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('is SIMD128 where the runtime lacks relaxed SIMD, and asking for relaxed SIMD there says why', async () => {
    if (relaxedSupported()) {
      // Node ≥ 22 has relaxed SIMD without a flag: the default is the relaxed build
      expect(useWasmKernelsSync()).toEqual({ kernels: 'wasm', threads: 1, simd: 'relaxed-simd' })
      return
    }
    expect(useWasmKernelsSync()).toEqual({ kernels: 'wasm', threads: 1, simd: 'simd128' })
    const asked = useWasmKernelsSync({ simd: 'relaxed-simd' })
    expect(asked).toMatchObject({ kernels: 'wasm', threads: 1, simd: 'simd128' })
    expect(asked.reason).toMatch(/relaxed SIMD is not supported here.*--experimental-wasm-relaxed-simd/)
    const threaded = await useWasmKernels({ threads: 1, simd: 'relaxed-simd' })
    expect(threaded).toMatchObject({ kernels: 'wasm', threads: 2, simd: 'simd128' })
    expect(threaded.reason).toMatch(/relaxed SIMD is not supported here/)
  })
})

describe('the relaxed-simd build passes the kernel laws', () => {
  it('in vitest workers started with --experimental-wasm-relaxed-simd', { timeout: 240_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-relaxed-laws-'))
    try {
      const report = join(dir, 'report.json')
      const vitest = join(root, 'node_modules/vitest/vitest.mjs')
      execFileSync(
        process.execPath,
        [vitest, 'run', 'laws/kernels.laws.ts', `--execArgv=${FLAG}`, '-t', 'the relaxed-simd build', '--reporter=json', `--outputFile=${report}`],
        { cwd: root, encoding: 'utf8', timeout: 230_000, env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
      )
      const r = JSON.parse(readFileSync(report, 'utf8')) as {
        numPassedTests: number
        numFailedTests: number
        testResults: Array<{ assertionResults: Array<{ fullName: string; status: string }> }>
      }
      const ran = r.testResults.flatMap((f) => f.assertionResults).filter((t) => t.status !== 'skipped' && t.status !== 'pending')
      expect(r.numFailedTests).toBe(0)
      // every law of the file ran on the relaxed build, and that build fused its multiply-adds
      expect(ran.length).toBeGreaterThan(60)
      expect(ran.every((t) => t.fullName.startsWith('the relaxed-simd build') && t.status === 'passed')).toBe(true)
      expect(ran.map((t) => t.fullName)).toContainEqual(expect.stringMatching(/rounds each multiply-add once \(fused\)/))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
