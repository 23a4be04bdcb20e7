/**
 * A study journal: every change to the studies of one file (a study created, a trial numbered,
 * its hyperparameters, a report, a heartbeat, a result) is one JSON line appended to the file,
 * and the studies are what replaying the lines gives. Several processes on one machine can
 * share the file without a lock or a server: each line goes out in ONE `write` on a descriptor
 * opened with O_APPEND, which the kernel appends whole, never interleaved with another
 * process's line (on a local file system; not over NFS). The file's order is then the one
 * order every process replays: a trial's number is the rank of its 'create' line among the
 * study's, so two workers never get the same number, and of two results for one trial the first
 * in the file counts. A line torn by a crash mid-write is skipped, and the line written after
 * it (which runs on from the fragment) is recovered.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { hostname } from 'node:os'
import { threadId } from 'node:worker_threads'
import { fail } from '../core/errors.js'
import type { Config } from '../train/search.js'
import type { Outcome, StudySpec, StudyStorage, TrialRecord } from '../study/index.js'
import { fileError } from './fileError.js'

const OP = 'journalStorage'
const worker = `${hostname()}:${process.pid}:${threadId}`

/** JSON has no NaN nor ±Infinity: they travel as strings. */
const put = (v: number | undefined): number | string | undefined => (v === undefined || Number.isFinite(v) ? v : String(v))
const get = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : undefined)

/**
 * A journal line, or undefined. A write torn by a crash leaves a fragment without its newline,
 * and the next line written runs on from it: the whole line is then the fragment followed by
 * that line, which starts at the last `{"op":` (inside a JSON string the quotes would be
 * escaped, so that text only begins a line).
 */
const parse = (line: string): unknown => {
  try {
    return JSON.parse(line)
  } catch {
    const start = line.lastIndexOf('{"op":')
    if (start <= 0) return undefined
    try {
      return JSON.parse(line.slice(start))
    } catch {
      return undefined
    }
  }
}

interface Entry {
  record: TrialRecord
  beat: number
  winner: string | undefined
}

interface Replayed {
  readonly spec: StudySpec
  readonly trials: Entry[]
  readonly byId: Map<string, number>
}

/**
 * Storage in a journal file of JSON lines, shared safely by the processes and threads of one
 * machine (see the module's notes: atomic appends, replayed in file order). The file is created
 * when first written; its directory must exist. Errors of the file system are FILE_ERRORs.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { mkdtempSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * import { Study, Train } from 'puregrad'
 * import { journalStorage } from 'puregrad/node'
 * const dir = mkdtempSync(join(tmpdir(), 'puregrad-'))
 * const opts = { name: 'x', space: { x: Train.uniformParam(0, 1) }, sampler: Study.randomSampler({ seed: 0 }) }
 * const a = await Study.open({ ...opts, storage: journalStorage(join(dir, 'study.jsonl')) })
 * await a.optimize((t) => t.params.x as number, { trials: 3 })
 * await a.close()
 * const b = await Study.open({ name: 'x', storage: journalStorage(join(dir, 'study.jsonl')) }) // another process could do the same
 * await b.optimize((t) => t.params.x as number, { trials: 2 })
 * assert.deepStrictEqual((await b.trials()).map((t) => t.number), [0, 1, 2, 3, 4])
 * rmSync(dir, { recursive: true })
 * @category studies
 */
export const journalStorage = (path: string): StudyStorage => {
  if (typeof path !== 'string' || path === '') fail('INVALID_ARGUMENT', OP, `the path must be a file name such as 'study.jsonl'; got ${String(path)}.`)
  const studies = new Map<string, Replayed>()
  let appendFd: number | undefined
  let offset = 0
  let rest = Buffer.alloc(0)

  const io = <A>(access: 'read' | 'write', f: () => A): A => {
    try {
      return f()
    } catch (e) {
      throw fileError(OP, path, e, access)
    }
  }

  const append = (line: object): void =>
    io('write', () => {
      appendFd ??= fs.openSync(path, 'a')
      const buf = Buffer.from(`${JSON.stringify(line)}\n`)
      const n = fs.writeSync(appendFd, buf, 0, buf.length)
      if (n !== buf.length) throw new Error(`only ${n} of ${buf.length} bytes of a journal line were written (is the disk full?)`)
    })

  const apply = (l: { readonly [k: string]: unknown }): void => {
    const s = typeof l['study'] === 'string' ? studies.get(l['study']) : undefined
    if (l['op'] === 'study') {
      const spec = l['spec'] as StudySpec
      if (!studies.has(spec.name)) studies.set(spec.name, { spec, trials: [], byId: new Map() })
      return
    }
    if (s === undefined) return
    if (l['op'] === 'create') {
      s.byId.set(l['id'] as string, s.trials.length)
      s.trials.push({ record: { number: s.trials.length, state: 'running', params: undefined, value: undefined, intermediate: [] }, beat: l['time'] as number, winner: undefined })
      return
    }
    const t = s.trials[l['number'] as number]
    if (t === undefined) return
    const time = typeof l['time'] === 'number' ? l['time'] : t.beat
    switch (l['op']) {
      case 'params':
        t.record = { ...t.record, params: l['params'] as Config }
        break
      case 'report': {
        const step = l['step'] as number
        t.record = { ...t.record, intermediate: [...t.record.intermediate.filter(([st]) => st !== step), [step, get(l['value'])!] as const].sort((a, b) => a[0] - b[0]) }
        t.beat = Math.max(t.beat, time)
        break
      }
      case 'heartbeat':
        t.beat = Math.max(t.beat, time)
        break
      case 'finish':
        if (t.record.state !== 'running') break
        t.winner = l['id'] as string
        t.record = { ...t.record, state: l['state'] as Outcome['state'], value: get(l['value']), ...(typeof l['reason'] === 'string' ? { reason: l['reason'] } : {}) }
        break
    }
  }

  /** Replays the lines appended since the last call (by any process). */
  const replay = (): void =>
    io('read', () => {
      if (!fs.existsSync(path)) return
      const fd = fs.openSync(path, 'r')
      try {
        const size = fs.fstatSync(fd).size
        if (size <= offset) return
        const chunk = Buffer.alloc(size - offset)
        let got = 0
        while (got < chunk.length) {
          const n = fs.readSync(fd, chunk, got, chunk.length - got, offset + got)
          if (n === 0) break
          got += n
        }
        offset += got
        const text = Buffer.concat([rest, chunk.subarray(0, got)])
        const end = text.lastIndexOf(10)
        rest = Buffer.from(text.subarray(end + 1))
        for (const line of text.subarray(0, end + 1).toString('utf8').split('\n')) {
          if (line === '') continue
          const parsed = parse(line)
          if (typeof parsed === 'object' && parsed !== null) apply(parsed as { readonly [k: string]: unknown })
        }
      } finally {
        fs.closeSync(fd)
      }
    })

  const study = (name: string): Replayed => {
    replay()
    return studies.get(name) ?? fail('INVALID_ARGUMENT', OP, `${path} holds no study '${name}'; open it with Study.open first.`)
  }
  const id = (): string => randomBytes(8).toString('hex')

  return Object.freeze({
    openStudy: async (name: string, spec: StudySpec | undefined) => {
      replay()
      if (!studies.has(name) && spec !== undefined) {
        append({ op: 'study', spec })
        replay()
      }
      return studies.get(name)?.spec
    },
    createTrial: async (name: string) => {
      study(name)
      const me = id()
      append({ op: 'create', study: name, id: me, time: Date.now(), worker })
      return study(name).byId.get(me) ?? fail('FILE_ERROR', OP, `the trial just appended to ${path} is not in it when read back; the file was changed by something other than a study (truncated or rewritten): restore it or start a new journal.`)
    },
    setParams: async (name: string, number: number, params: Config) => append({ op: 'params', study: name, number, params }),
    report: async (name: string, number: number, step: number, value: number) => append({ op: 'report', study: name, number, step, value: put(value), time: Date.now() }),
    heartbeat: async (name: string, number: number) => append({ op: 'heartbeat', study: name, number, time: Date.now() }),
    finish: async (name: string, number: number, o: Outcome) => {
      if (study(name).trials[number]?.record.state !== 'running') return false
      const me = id()
      append({ op: 'finish', study: name, number, id: me, state: o.state, value: put(o.value), reason: o.reason, time: Date.now() })
      return study(name).trials[number]?.winner === me
    },
    trials: async (name: string) => study(name).trials.map((t) => t.record),
    failStale: async (name: string, timeoutMs: number) => {
      const now = Date.now()
      const stale = study(name).trials.filter((t) => t.record.state === 'running' && now - t.beat > timeoutMs)
      for (const t of stale) {
        append({ op: 'finish', study: name, number: t.record.number, id: id(), state: 'failed', reason: `no heartbeat for ${timeoutMs} ms: the worker running it stopped`, time: now })
      }
      return stale.map((t) => t.record.number)
    },
    close: async () => {
      if (appendFd !== undefined) io('write', () => fs.closeSync(appendFd!))
      appendFd = undefined
    },
  })
}
