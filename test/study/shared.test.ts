// Several worker processes on one study, in a journal file and in a real PostgreSQL: no trial
// runs twice, none is lost, and a worker killed mid-trial leaves its trial failed (after the
// heartbeat timeout), as the storages document.
import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Study, Train } from '../../src/index.js'
import { type PostgresOptions, journalStorage, postgresStorage } from '../../src/node/index.js'
import { type Server, startServer } from './pgCluster.js'

const WORKER = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url))
const root = fileURLToPath(new URL('../../', import.meta.url))

interface Run {
  readonly child: ChildProcess
  readonly lines: Array<{ ran?: number; hung?: number }>
  readonly exit: Promise<number | null>
  readonly hung: Promise<number>
}

const run = (args: object): Run => {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(args)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: Run['lines'] = []
  let err = ''
  let onHung: (n: number) => void = () => undefined
  let onExit: (e: Error) => void = () => undefined
  const hung = new Promise<number>((r, j) => {
    onHung = r
    onExit = j
  })
  hung.catch(() => undefined)
  let buf = ''
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = JSON.parse(buf.slice(0, i)) as { ran?: number; hung?: number }
      buf = buf.slice(i + 1)
      lines.push(line)
      if (line.hung !== undefined) onHung(line.hung)
    }
  })
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exit = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) console.error(err)
      onExit(new Error(`the worker exited (${code}) before its trial hung: ${err}`))
      r(code)
    }),
  )
  return { child, lines, exit, hung }
}

type Kind = { readonly name: string; readonly storage: () => object; readonly open: () => Study.StudyStorage }

const check = async (kind: Kind, study: string) => {
  const common = { name: study, heartbeatMs: 100, staleMs: 600, storage: kind.storage() }
  const a = run({ ...common, trials: 14, sleepMs: 90 })
  const b = run({ ...common, trials: 10, sleepMs: 30, hangAt: 3 })
  const hung = await b.hung
  b.child.kill('SIGKILL')
  expect(await b.exit).toBe(null) // killed
  expect(await a.exit).toBe(0)
  const storage = kind.open()
  const s = await Study.open({ name: study, storage })
  const trials = await s.trials()
  await s.close()
  const ran = [...a.lines, ...b.lines].flatMap((l) => (l.ran === undefined ? [] : [l.ran]))
  // every trial numbered once, in order; each ran in one worker only
  expect(trials.map((t) => t.number)).toEqual([...Array(14 + 3).keys()])
  expect(new Set(ran).size).toBe(ran.length)
  expect([...ran, hung].sort((x, y) => x - y)).toEqual(trials.map((t) => t.number))
  // the killed worker's trial failed for want of heartbeats; all the others completed, with their reports
  const killed = trials[hung]!
  expect([killed.state, killed.reason]).toEqual(['failed', 'no heartbeat for 600 ms: the worker running it stopped'])
  for (const t of trials.filter((t) => t.number !== hung)) {
    expect([t.state, t.value, t.intermediate.map(([step]) => step)]).toEqual(['complete', t.params!['x'], [1, 2, 3]])
  }
}

describe('the PostgreSQL server of the tests', () => {
  it('is the one .ci/run started when PUREGRAD_PG_URL names it, which the tests neither start nor stop', () => {
    const saved = process.env['PUREGRAD_PG_URL']
    process.env['PUREGRAD_PG_URL'] = 'postgresql://postgres@127.0.0.1:1/ci'
    try {
      const s = startServer()
      expect('connection' in s && s.connection).toEqual({ connectionString: 'postgresql://postgres@127.0.0.1:1/ci' })
      if ('stop' in s) s.stop() // nothing to stop: .ci/run stops it
    } finally {
      if (saved === undefined) delete process.env['PUREGRAD_PG_URL']
      else process.env['PUREGRAD_PG_URL'] = saved
    }
  })
})

describe('a study shared by worker processes', () => {
  let dir = ''
  let server: Server = { skip: 'not started' }
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'puregrad-journal-'))
    server = startServer()
    if ('skip' in server) console.warn(`PostgreSQL study tests skipped: ${server.skip}`)
  }, 120_000)
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
    if ('stop' in server) server.stop()
  })

  it('in a journal file: no trial runs twice or is lost; a killed worker’s trial fails', async () => {
    const path = join(dir, 'study.jsonl')
    await check({ name: 'journal', storage: () => ({ journal: path }), open: () => journalStorage(path) }, 'shared')
  }, 60_000)

  it('in PostgreSQL: no trial runs twice or is lost; a killed worker’s trial fails', async (ctx) => {
    if ('skip' in server) return ctx.skip()
    const pg: PostgresOptions = { ...server.connection, prefix: `t${process.pid}` }
    await check({ name: 'postgres', storage: () => ({ postgres: pg }), open: () => postgresStorage(pg) }, 'shared')
  }, 60_000)

  it('in PostgreSQL: the schema is created on first use, a study resumes, and values keep NaN and infinities', async (ctx) => {
    if ('skip' in server) return ctx.skip()
    const pg: PostgresOptions = { ...server.connection, prefix: `r${process.pid}` }
    const space = { x: Train.uniformParam(0, 1) }
    const sampler = Study.bayesianSampler({ seed: 2 })
    const first = await Study.open({ name: 'resume', space, sampler, storage: postgresStorage(pg) })
    await first.optimize((t) => (t.params['x'] as number) ** 2, { trials: 5 })
    const t = await first.ask()
    t.report(1, Number.NaN)
    t.report(2, Infinity)
    expect((await first.tell(t, t.prune())).intermediate).toEqual([[1, Number.NaN], [2, Infinity]])
    await first.close()
    const again = await Study.open({ name: 'resume', storage: postgresStorage(pg) })
    await again.optimize((t) => (t.params['x'] as number) ** 2, { trials: 4 })
    const whole = await Study.open({ name: 'resume', space, sampler }) // in memory, unbroken
    await whole.optimize((t) => (t.params['x'] as number) ** 2, { trials: 5 })
    const w = await whole.ask()
    w.report(1, Number.NaN)
    await whole.tell(w, w.prune())
    await whole.optimize((t) => (t.params['x'] as number) ** 2, { trials: 4 })
    expect((await again.trials()).map((r) => r.params)).toEqual((await whole.trials()).map((r) => r.params))
    await again.close()
  }, 60_000)

  it('in PostgreSQL: an unreachable server is a FILE_ERROR that says what to check', async () => {
    const storage = postgresStorage({ host: join(dir, 'no-server-here'), port: 1 })
    await expect(Study.open({ name: 'x', space: { x: Train.uniformParam(0, 1) }, sampler: Study.randomSampler({ seed: 0 }), storage })).rejects.toMatchObject({
      code: 'FILE_ERROR',
      message: expect.stringMatching(/PostgreSQL refused or failed: .*check that the server runs/),
    })
    await storage.close()
  })
})

describe('a journal under a synchronous objective', () => {
  it('records a report at once, so reports keep a trial alive while the event loop is held', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-journal-'))
    const path = join(dir, 'study.jsonl')
    const study = await Study.open({ name: 's', space: { x: Train.uniformParam(0, 1) }, sampler: Study.randomSampler({ seed: 0 }), storage: journalStorage(path) })
    const trial = await study.ask()
    trial.report(1, 0.5)
    trial.report(2, 0.25) // queued behind the first, which is already written
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; step?: number })
    expect(lines.filter((l) => l.op === 'report').map((l) => l.step)).toEqual([1])
    await study.tell(trial, 0.25)
    expect((await study.trials())[0]!.intermediate).toEqual([[1, 0.5], [2, 0.25]])
    rmSync(dir, { recursive: true, force: true })
  })
})

describe('a journal after a crash mid-write', () => {
  it('skips the torn line and keeps the line written after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-journal-'))
    const path = join(dir, 'study.jsonl')
    const opts = { name: 's', space: { x: Train.uniformParam(0, 1) }, sampler: Study.randomSampler({ seed: 0 }) }
    const a = await Study.open({ ...opts, storage: journalStorage(path) })
    await a.optimize((t) => t.params['x'] as number, { trials: 2 })
    appendFileSync(path, '{"op":"report","study":"s","num') // a writer killed mid-line
    const b = await Study.open({ name: 's', storage: journalStorage(path) })
    const records = await b.optimize((t) => t.params['x'] as number, { trials: 2 })
    expect(records.map((r) => [r.number, r.state])).toEqual([[2, 'complete'], [3, 'complete']])
    expect((await Study.open({ name: 's', storage: journalStorage(path) }).then((c) => c.trials())).map((t) => t.state)).toEqual(['complete', 'complete', 'complete', 'complete'])
    rmSync(dir, { recursive: true, force: true })
  })
})
