// The pure parts of Part 5's side-by-side with the code when the main job's target was set
// (bench/mainJob.ts): the order of the rounds, the medians and spread, the definition check, the
// child's arguments, the command line's defaults each side trains with, and the rows printed.
// Nothing here trains: the children of bench/main-job-child.ts run only in the bench.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { cliDefaults, definitionChanges, parseChildArgs, roundOrder, spread, summarizeRounds, type JobDefinition } from '../../bench/lib/mainJobSide.js'
import { sideBySideRows, type SideBySide } from '../../bench/mainJob.js'

const repo = fileURLToPath(new URL('../../', import.meta.url))

const job: JobDefinition = {
  summary: 'serial(…)',
  parameters: 105866,
  optimizer: 'adam (lr 0.002, cosine decay to 0.05 of it over the run)',
  batchSize: 64,
  epochs: 12,
  trainSize: 7200,
  stepsPerEpoch: 113,
  kernels: 'wasm',
  threads: 1,
  jit: false,
  batches: '0123456789abcdef',
}

describe('roundOrder', () => {
  it('alternates which side runs first, old first in the first round', () => {
    expect(roundOrder(4)).toEqual([
      ['old', 'new'],
      ['new', 'old'],
      ['old', 'new'],
      ['new', 'old'],
    ])
    const r = roundOrder(7)
    expect(r.filter(([first]) => first === 'new')).toHaveLength(3)
    expect(r.every((pair) => [...pair].sort().join() === 'new,old')).toBe(true)
  })
  it('refuses a count of rounds that is not a whole number ≥ 1', () => {
    for (const n of [0, -1, 2.5, Number.NaN]) expect(() => roundOrder(n)).toThrow(/whole number ≥ 1/)
  })
})

describe('spread and summarizeRounds', () => {
  it('gives the median, the range and the range over the median', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, relative: 1 })
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, relative: 1.2 })
    expect(() => spread([])).toThrow(/at least one/)
  })
  it('takes the speed-up round by round, so a slow round of the machine cancels in its pair', () => {
    // the second round ran on a busy machine: both sides twice as slow
    const s = summarizeRounds({ old: [100, 200, 150], new: [50, 100, 100] })
    expect(s.ratio).toEqual({ median: 2, min: 1.5, max: 2, relative: 0.25 })
    expect([s.old.median, s.new.median]).toEqual([150, 100])
    expect(() => summarizeRounds({ old: [1, 2], new: [1] })).toThrow(/2 old rounds but 1 new/)
  })
})

describe('definitionChanges', () => {
  it('is empty for the same job, whatever the step (jit) and the printed summary', () => {
    expect(definitionChanges(job, { ...job, jit: true, summary: 'another format' })).toEqual([])
  })
  it('names each field that changed with its value then and now', () => {
    expect(definitionChanges(job, { ...job, batchSize: 128, stepsPerEpoch: 57, threads: 2, batches: 'fedcba9876543210' })).toEqual([
      'batch size: 64 then, 128 now',
      'steps an epoch: 113 then, 57 now',
      'threads: 1 then, 2 now',
      'timed batches (hash): 0123456789abcdef then, fedcba9876543210 now',
    ])
  })
})

describe('parseChildArgs', () => {
  it('reads the tree, the batches and the warm-up steps', () => {
    expect(parseChildArgs(['--tree', '/x', '--batches', '8', '--warmup', '3'])).toEqual({ args: { tree: '/x', batches: 8, warmup: 3 } })
    expect(parseChildArgs(['--tree', '/x'])).toEqual({ args: { tree: '/x', batches: 4, warmup: 2 } })
  })
  it('says what is wrong', () => {
    expect(parseChildArgs([])).toEqual({ error: expect.stringMatching(/--tree DIR is required/) })
    expect(parseChildArgs(['--tree', '/x', '--batches', '0'])).toEqual({ error: '--batches must be a whole number ≥ 1; got 0' })
    expect(parseChildArgs(['--tree', '/x', '--warmup', 'two'])).toEqual({ error: '--warmup must be a whole number ≥ 1; got two' })
    expect(parseChildArgs(['--tree', '/x', '--jit', 'off'])).toEqual({ error: expect.stringMatching(/^unknown argument --jit/) })
    expect(parseChildArgs(['--tree', '--batches', '3'])).toEqual({ error: '--tree needs a value' })
    expect(parseChildArgs(['--tree'])).toEqual({ error: '--tree needs a value' })
  })
})

describe('cliDefaults', () => {
  const mainJob = { model: 'cnn', optimizer: 'adam', kernels: 'wasm', lr: 2e-3, alpha: 0.05, seed: 42, epochs: 12, batchSize: 64 }
  it("reads the current command line's defaults of npm start", () => {
    expect(cliDefaults(readFileSync(`${repo}src/node/cli.ts`, 'utf8'))).toEqual({ defaults: mainJob })
  })
  const old = (() => {
    try {
      return execFileSync('git', ['show', '281a3af:src/node/cli.ts'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    } catch {
      return undefined
    }
  })()
  it.skipIf(old === undefined)("reads those of commit 281a3af's command line (where the history is here)", () => {
    expect(cliDefaults(old!)).toEqual({ defaults: mainJob })
  })
  it('names the defaults it cannot find', () => {
    const text = readFileSync(`${repo}src/node/cli.ts`, 'utf8').replace("kernels: { type: 'string', default: 'wasm' }", "kernels: { type: 'string' }").replace(/alpha: 0\.05/g, 'alpha')
    expect(cliDefaults(text)).toEqual({ error: expect.stringMatching(/^cannot read the default --kernels, the cosine decay from src\/node\/cli\.ts/) })
  })
})

describe('sideBySideRows', () => {
  it('says the target row is skipped, and why, without history', () => {
    const s: SideBySide = { kind: 'skipped', commit: '281a3af', reason: '/pkg is not a git checkout (a package installed from a tarball has no history)' }
    expect(sideBySideRows(s)).toEqual({
      rows: [['main job epoch ≥ 1.5× faster than at 281a3af (the code when the target was set)', 'skipped: /pkg is not a git checkout (a package installed from a tarball has no history)', '–']],
      notes: [],
    })
  })
  const measured = (now: JobDefinition): SideBySide => ({
    kind: 'measured',
    commit: '281a3af',
    old: job,
    new: now,
    summary: summarizeRounds({ old: [150, 160, 140], new: [110, 90, 100] }),
    cpu: summarizeRounds({ old: [150, 150, 150], new: [75, 75, 60] }),
    rounds: 3,
    stepsPerRound: 4,
    notes: ['reused the exported and built tree in /cache'],
  })
  it('gives each side its ms a step and epoch, and the target met on the median of the rounds’ ratios', () => {
    const { rows, notes } = sideBySideRows(measured({ ...job, jit: true }))
    // the medians' ratio is 150 ÷ 100 = 1.5, but the rounds' own ratios (1.36, 1.78, 1.40) have median 1.40
    expect(rows.map((r) => r[2])).toEqual(['no', '', '', ''])
    expect(rows[0]![1]).toBe("1.40× (median of the rounds' 281a3af ÷ now; 1.36–1.78×)")
    expect(rows[1]![0]).toMatch(/at 281a3af \(eager step, wasm kernels on 1 thread\)/)
    expect(rows[1]![1]).toBe('150.0 ms a step (140.0–160.0 over 3 rounds, spread 13%), 16.9 s an epoch of 113 steps')
    expect(rows[2]![0]).toMatch(/now \(jitted step, wasm kernels on 1 thread\)/)
    expect(rows[2]![1]).toBe('100.0 ms a step (90.0–110.0 over 3 rounds, spread 20%), 11.3 s an epoch of 113 steps')
    expect(rows[3]![1]).toBe('150.0 vs 75.0 ms a step: 2.00× (2.00–2.50×)')
    expect(notes[1]).toMatch(/^The main job is defined as at 281a3af: 105,866 parameters, .* the step eager then, jitted now\.$/)
  })
  it('states a change of the job since then', () => {
    const { notes } = sideBySideRows(measured({ ...job, jit: true, epochs: 10 }))
    expect(notes[1]).toBe('The main job changed since 281a3af (compared per epoch of the same data all the same): epochs: 12 then, 10 now.')
  })
})
