// `npm run bench:webgpu -- --smoke`: the benchmark page builds, runs every case of every library
// on WebGPU (SwiftShader) at tiny sizes and prints its table, with the targets and the line that
// says software figures only prove the script runs.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url))

describe('the WebGPU benchmark page', () => {
  it('runs every case of puregrad, tfjs and jax-js in --smoke mode and prints the table', { timeout: 300_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [tsx, 'bench/webgpu/run.ts', '--smoke'], { cwd: repo, maxBuffer: 1 << 24, timeout: 290_000 })
    const lines = stdout.split('\n')
    const header = lines.findIndex((l) => l.startsWith('case (median ms'))
    expect(header, stdout).toBeGreaterThanOrEqual(0)
    expect(lines[header]!.split(/\s{2,}/).slice(1)).toEqual(['puregrad-webgpu', 'tfjs-webgpu', 'jax-js-webgpu', 'speed ÷ tfjs-webgpu', 'speed ÷ jax-js'])
    const rows = new Map(lines.slice(header + 1).filter((l) => /^(matmul|conv2d|MLP|CNN)/.test(l)).map((l) => {
      const cells = l.split(/\s{2,}/)
      return [cells[0]!, cells.slice(1)] as const
    }))
    expect([...rows.keys()]).toEqual(['matmul 32', 'matmul 64', 'conv2d forward', 'conv2d gradient', 'MLP training step', 'CNN training step'])
    for (const [name, [pg, tfjs, jax, vsTfjs, vsJax]] of rows) {
      // puregrad and jax-js (a dependency) run every case; tfjs-webgpu runs them once installed
      expect(Number(pg), `${name}: ${pg}`).toBeGreaterThan(0)
      expect(Number(jax), `${name}: ${jax}`).toBeGreaterThan(0)
      expect(vsJax).toMatch(/^\d+\.\d\d×$/)
      if (tfjs !== 'not installed') {
        expect(Number(tfjs), `${name}: ${tfjs}`).toBeGreaterThan(0)
        expect(vsTfjs).toMatch(/^\d+\.\d\d×$/)
      }
    }
    expect(stdout).toMatch(/Targets on a real GPU: puregrad's training steps \(MLP, CNN\) ≥ 1\.2× as fast as tfjs-webgpu and ≥ 1\.2× as fast as jax-js/)
    expect(stdout).toMatch(/MLP training step vs jax-js-webgpu: \d+\.\d\d× \((met|not met)\)/)
    expect(stdout).toMatch(/On SwiftShader .* these figures only prove that the script runs/)
  })
})
