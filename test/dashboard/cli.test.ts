// `puregrad dashboard` (the built command) serves the studies of a journal file until Ctrl-C,
// and refuses a call that does not say which studies or where they are.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { Study, Train } from '../../src/index.js'
import { journalStorage } from '../../src/node/index.js'

const cli = join(fileURLToPath(new URL('../..', import.meta.url)), 'dist/node/cli.js')
const work = mkdtempSync(join(tmpdir(), 'puregrad-dashboard-cli-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('puregrad dashboard', () => {
  it('serves the trials of a journal study, and stops on SIGINT', { timeout: 30_000 }, async () => {
    const file = join(work, 'study.jsonl')
    const study = await Study.open({ name: 'mlp-lr', space: { lr: Train.logUniform(1e-4, 1) }, sampler: Study.randomSampler({ seed: 0 }), storage: journalStorage(file) })
    await study.optimize((t) => t.params.lr as number, { trials: 4 })
    await study.close()

    const child = spawn(process.execPath, [cli, 'dashboard', '--journal', file, '--study', 'mlp-lr', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)))
    try {
      let out = ''
      const url = await new Promise<string>((ok, no) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          const m = /puregrad dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)
          if (m) ok(m[1]!)
        })
        child.on('exit', () => no(new Error(`the command ended: ${out}`)))
      })
      const [view] = await (await fetch(`${url}api/studies`)).json()
      expect(view.name).toBe('mlp-lr')
      expect(view.trials.map((t: { number: number; state: string }) => [t.number, t.state])).toEqual([0, 1, 2, 3].map((n) => [n, 'complete']))
      child.kill('SIGINT')
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('--dashboard shows an MNIST run as it trains, and keeps it after', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, [cli, '--model', 'mlp', '--quick', '--dashboard', '--save', '', '--report', ''], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      let out = ''
      const url = await new Promise<string>((ok, no) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/) shows the finished run/.exec(out)
          if (m) ok(m[1]!)
        })
        child.on('exit', () => no(new Error(`the command ended: ${out}`)))
      })
      expect(out).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/$/m) // printed before training
      const [run] = await (await fetch(`${url}api/runs`)).json()
      expect([run.name, run.status, run.batches.length, run.epochs.length]).toEqual(['mlp · adam · seed 42', 'epochs', 23, 1])
      expect(run.epochs[0].devAccuracy).toBeGreaterThan(0.5)
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('refuses a call without studies or storage, and says what to give', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'dashboard', ...args], { encoding: 'utf8', timeout: 30_000 })
    const noStorage = run('--study', 'x')
    expect([noStorage.status, noStorage.stderr]).toEqual([2, expect.stringMatching(/^puregrad: dashboard: say where the studies are: --journal <file> or --postgres <url>/)])
    const noStudy = run('--journal', join(work, 'j.jsonl'))
    expect(noStudy.stderr).toMatch(/name the studies to show, e\.g\. --study .*\nRun puregrad dashboard --help for the options\.\n$/)
    expect(run('--port', '70000', '--study', 'x', '--journal', 'j').stderr).toMatch(/--port must be a whole number from 0 to 65535; got 70000/)
    expect(run('--help').stdout).toMatch(/^puregrad dashboard: a live web page of the trials of studies/)
  })
})
