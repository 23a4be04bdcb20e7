/**
 * Saved files under stress: a model that does not fit its network, a file system that refuses
 * (missing directory, read-only, full disk, …), a device or an endless file where a model should
 * be, concurrent savers, saves killed mid-way, and damaged fit-state documents.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import { afterEach, describe, expect, it } from 'vitest'
import { crc32 } from '../../src/core/crc32.js'
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from '../../src/index.js'
import { STALE_TEMP_MS, tempPath, writeAtomically } from '../../src/node/atomicWrite.js'
import { type FileSystem, nodeFileSystem } from '../../src/node/fileSystem.js'
import { loadModelFile, saveModelFile, saveOnnxFile } from '../../src/node/index.js'
import { readBounded } from '../../src/node/readBounded.js'
import { caught, right } from '../util.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const layers = [Net.dense(3), Net.relu, Net.dense(2)]
const network = Net.serial(...layers)
const model = (seed: number): Net.Model => ({ network, inShape: [4], ...Net.init(network, { key: Rng.key(seed), inShape: [4] }) })

const dirs: string[] = []
const freshDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'puregrad-files-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A directory holding a good model file, and a check that it is still there, unchanged and alone. */
const goodModel = () => {
  const dir = freshDir()
  const path = join(dir, 'model.json')
  saveModelFile(path, model(1))
  const before = readFileSync(path)
  const intact = (): void => {
    expect(readFileSync(path).equals(before)).toBe(true)
    expect(E.isRight(loadModelFile(path))).toBe(true)
    expect(readdirSync(dir)).toEqual(['model.json']) // no temporary file left behind
  }
  return { dir, path, intact }
}

const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'))

describe('saveModelFile checks the model against its network before writing', () => {
  const wider = Net.serial(Net.dense(5), Net.relu, Net.dense(2))
  const withNorm = Net.serial(Net.dense(3), Net.batchNorm(), Net.dense(2))
  const normVars = Net.init(withNorm, { key: Rng.key(3), inShape: [4] })
  it.each([
    ['parameters made for another network', { ...model(2), ...Net.init(wider, { key: Rng.key(2), inShape: [4] }) }, 'TREE_MISMATCH', /parameters .*'0\.W'.*\[4, 3\].*\[4, 5\]/],
    ['a model state missing', { network: withNorm, inShape: [4], params: normVars.params, state: [] }, 'TREE_MISMATCH', /model state/],
    ['an input shape the parameters were not made for', { ...model(2), inShape: [5] }, 'TREE_MISMATCH', /'0\.W'.*\[5, 3\]/],
    ['an unknown layer', { ...model(2), network: { _tag: 'Serial', layers: [...layers, { _tag: 'Nope' }] } as unknown as Net.Layer }, 'INVALID_VALUE', /unknown layer kind "Nope"/],
  ] as const)('refuses %s with a coded error and keeps the old file', (_, bad, code, message) => {
    const { path, intact } = goodModel()
    const e = caught(() => saveModelFile(path, bad as Net.Model))
    expect([e.code, e.op]).toEqual([code, 'saveModelFile'])
    expect(e.message).toMatch(message)
    intact()
  })
})

/** The real file system, with `call` failing as the system does with `code`. */
const failing = (call: keyof FileSystem, code: string): FileSystem => ({
  ...nodeFileSystem,
  [call]: () => {
    throw Object.assign(new Error(`${code}: simulated failure, ${call}`), { code })
  },
})

describe('file-system failures are FILE_ERROR naming the path and what to do; the old file is kept', () => {
  it('a missing directory (ENOENT), for model and ONNX files', () => {
    const dir = freshDir()
    for (const [save, file] of [[saveModelFile, 'model.json'], [saveOnnxFile, 'model.onnx']] as const) {
      const path = join(dir, 'missing', file)
      const e = caught(() => save(path, model(1)))
      expect([e.code, e.op]).toEqual(['FILE_ERROR', save.name])
      expect(e.detail).toContain(path)
      expect(e.detail).toMatch(/directory .*missing does not exist \(ENOENT\); create it first or choose another path/)
    }
    expect(readdirSync(dir)).toEqual([])
  })
  it('a directory where the file should be (EISDIR), and a file where a directory should be (ENOTDIR)', () => {
    const { dir, path, intact } = goodModel()
    mkdirSync(join(dir, 'sub'))
    const isDir = caught(() => saveModelFile(join(dir, 'sub'), model(2)))
    expect([isDir.code, isDir.detail]).toEqual(['FILE_ERROR', expect.stringMatching(/sub: the path is a directory \(EISDIR\); give the path of a file/)])
    rmSync(join(dir, 'sub'), { recursive: true })
    const notDir = caught(() => saveOnnxFile(join(path, 'model.onnx'), model(2)))
    expect([notDir.code, notDir.op, notDir.detail]).toEqual(['FILE_ERROR', 'saveOnnxFile', expect.stringMatching(/ENOTDIR/)])
    intact()
  })
  it.each([
    ['openSync', 'EROFS', /the file system is read-only \(EROFS\); save to a writable location/],
    ['openSync', 'EACCES', /permission denied \(EACCES\); check the permissions of/],
    ['writeSync', 'ENOSPC', /the disk is full \(ENOSPC\); free some space or save elsewhere/],
    ['writeSync', 'EDQUOT', /quota .*\(EDQUOT\)/],
    ['fsyncSync', 'EIO', /input\/output error \(EIO\); check the disk/],
    ['renameSync', 'EPERM', /permission denied \(EPERM\)/],
    ['renameSync', 'EWEIRD', /EWEIRD: simulated failure.*; check the path and the disk/],
  ] as const)('%s failing with %s', (call, code, message) => {
    const { path, intact } = goodModel()
    const e = caught(() => writeAtomically('saveModelFile', path, Net.encode(model(2)), failing(call, code)))
    expect([e.code, e.op]).toEqual(['FILE_ERROR', 'saveModelFile'])
    expect(e.detail).toContain(`cannot write ${path}: `)
    expect(e.detail).toMatch(message)
    expect(e.detail).toMatch(/The file that was there, if any, is left as it was\.$/)
    intact()
  })
  it('loading: a missing file, a directory, an unreadable file are a Left FILE_ERROR', () => {
    const { dir, path } = goodModel()
    const missing = loadModelFile(join(dir, 'nope.json'))
    expect(E.isLeft(missing) && [missing.left.code, missing.left.op, missing.left.detail]).toEqual(['FILE_ERROR', 'loadModelFile', expect.stringMatching(/nope\.json: there is no file at this path \(ENOENT\); check the path/)])
    const folder = loadModelFile(dir)
    expect(E.isLeft(folder) && [folder.left.code, folder.left.detail]).toEqual(['FILE_ERROR', expect.stringMatching(/it is a directory, not a regular file/)])
    const unreadable = readBounded('loadModelFile', path, 1e6, failing('openSync', 'EACCES'))
    expect(E.isLeft(unreadable) && [unreadable.left.code, unreadable.left.detail]).toEqual(['FILE_ERROR', expect.stringMatching(/permission denied \(EACCES\); check the permissions/)])
  })
})

describe('loadModelFile reads only a regular file of bounded size, checked before reading', () => {
  it.skipIf(process.platform === 'win32')('refuses /dev/zero and a pipe (run in a child process: reading them never ends)', () => {
    const dir = freshDir()
    const fifo = join(dir, 'model.json')
    execFileSync('mkfifo', [fifo])
    const script = join(dir, 'load.mts')
    writeFileSync(
      script,
      `import { loadModelFile } from ${JSON.stringify(join(root, 'src/node/index.js'))}
       const codes = process.argv.slice(2).map((p) => { const r = loadModelFile(p); return r._tag === 'Left' ? r.left.code + ': ' + r.left.detail : 'Right' })
       console.log(JSON.stringify(codes))\n`,
    )
    const run = spawnSync(process.execPath, ['--import', 'tsx', script, '/dev/zero', fifo], { cwd: root, encoding: 'utf8', timeout: 30_000 })
    expect([run.signal, run.status, run.stderr]).toEqual([null, 0, ''])
    expect(JSON.parse(run.stdout)).toEqual([
      expect.stringMatching(/^FILE_ERROR: cannot read \/dev\/zero: it is a character device, not a regular file/),
      expect.stringMatching(/^FILE_ERROR: cannot read .*model\.json: it is a pipe, not a regular file/),
    ])
  })
  it('refuses a file over the limit (256 MiB by default) without reading it: RESOURCE_LIMIT', () => {
    const dir = freshDir()
    const big = join(dir, 'big.json')
    writeFileSync(big, '')
    truncateSync(big, 300 * 2 ** 20) // sparse: no disk space used
    const t0 = performance.now()
    const r = loadModelFile(big)
    expect(performance.now() - t0).toBeLessThan(1000)
    expect(E.isLeft(r) && [r.left.code, r.left.detail]).toEqual(['RESOURCE_LIMIT', expect.stringMatching(/holds 314572800 bytes, more than the limit of 268435456; .*pass a larger maxBytes/)])
  })
  it('takes the limit as an option', () => {
    const { path } = goodModel()
    const size = statSync(path).size
    const under = loadModelFile(path, { maxBytes: size - 1 })
    expect(E.isLeft(under) && [under.left.code, under.left.detail]).toEqual(['RESOURCE_LIMIT', expect.stringContaining(`holds ${size} bytes, more than the limit of ${size - 1}`)])
    expect(E.isRight(loadModelFile(path, { maxBytes: size }))).toBe(true)
    for (const maxBytes of [0, -1, 1.5, Number.NaN, Infinity]) expect(caught(() => loadModelFile(path, { maxBytes })).code).toBe('INVALID_ARGUMENT')
  })
})

describe('concurrent saves', () => {
  it('4 worker threads × 100 saves to one target: none fails, the file decodes, no temporary file is left', async () => {
    const dir = freshDir()
    const path = join(dir, 'model.json')
    const worker = join(dir, 'saver.mjs')
    writeFileSync(
      worker,
      `import { parentPort, workerData } from 'node:worker_threads'
       const { register } = await import(workerData.tsx)
       register() // the library's TypeScript source, as in the tests
       const { Net, Rng } = await import(workerData.lib)
       const { saveModelFile } = await import(workerData.node)
       const network = Net.serial(Net.dense(3), Net.relu, Net.dense(2))
       const models = Array.from({ length: workerData.saves }, (_, i) => ({ network, inShape: [4], ...Net.init(network, { key: Rng.key(workerData.id * 1000 + i), inShape: [4] }) }))
       // all workers start saving together
       const ready = new Int32Array(workerData.barrier)
       Atomics.add(ready, 0, 1)
       while (Atomics.load(ready, 0) < workerData.workers) Atomics.wait(ready, 0, Atomics.load(ready, 0), 10)
       const failures = []
       for (const m of models) {
         try { saveModelFile(workerData.path, m) } catch (e) { failures.push(String(e && e.message)) }
       }
       parentPort.postMessage(failures)\n`,
    )
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href
    const workers = 4
    const barrier = new SharedArrayBuffer(4)
    const failures = await Promise.all(
      Array.from(
        { length: workers },
        (_, id) =>
          new Promise<string[]>((resolve, reject) => {
            const w = new Worker(worker, { workerData: { tsx, lib: pathToFileURL(join(root, 'src/index.ts')).href, node: pathToFileURL(join(root, 'src/node/index.ts')).href, path, id, saves: 100, workers, barrier } })
            w.once('message', resolve)
            w.once('error', reject)
          }),
      ),
    )
    expect(failures.flat()).toEqual([])
    expect(E.isRight(loadModelFile(path))).toBe(true)
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([])
  })
  it('temporary names are unique: host, process, thread and a random suffix', () => {
    const names = new Set(Array.from({ length: 1000 }, () => tempPath('/x/model.json')))
    expect(names.size).toBe(1000)
    expect(basename([...names][0]!)).toMatch(new RegExp(`^\\.model\\.json\\.[A-Za-z0-9-]+\\.${process.pid}\\.0\\.[0-9a-f]{12}\\.tmp$`))
  })
})

describe('durable saves', () => {
  it('the temporary file is synced before it is renamed, and the directory after', () => {
    const dir = freshDir()
    const path = join(dir, 'model.json')
    const calls: string[] = []
    const fds = new Map<number, string>()
    const io: FileSystem = {
      ...nodeFileSystem,
      openSync: (p, flags, mode) => {
        const fd = nodeFileSystem.openSync(p, flags, mode)
        fds.set(fd, p === dir ? 'dir' : basename(p).endsWith('.tmp') ? 'tmp' : p)
        calls.push(`open ${fds.get(fd)}`)
        return fd
      },
      writeSync: (fd, ...rest) => (calls.push(`write ${fds.get(fd)}`), nodeFileSystem.writeSync(fd, ...rest)),
      fsyncSync: (fd) => (calls.push(`fsync ${fds.get(fd)}`), nodeFileSystem.fsyncSync(fd)),
      closeSync: (fd) => (calls.push(`close ${fds.get(fd)}`), nodeFileSystem.closeSync(fd)),
      renameSync: (from, to) => (calls.push(`rename ${basename(from).endsWith('.tmp') ? 'tmp' : from} ${basename(to)}`), nodeFileSystem.renameSync(from, to)),
    }
    writeAtomically('saveModelFile', path, Net.encode(model(1)), io)
    const expected = ['open tmp', 'write tmp', 'fsync tmp', 'close tmp', 'rename tmp model.json']
    expect(calls).toEqual(process.platform === 'win32' ? expected : [...expected, 'open dir', 'fsync dir', 'close dir'])
    expect(E.isRight(loadModelFile(path))).toBe(true)
  })
})

describe('temporary files left by saves that did not finish', () => {
  it.skipIf(process.platform === 'win32')('a save killed with SIGKILL leaves its temporary file; the next save removes it', async () => {
    const { dir, path } = goodModel()
    const script = join(dir, 'killed.mts')
    writeFileSync(
      script,
      `import { writeAtomically } from ${JSON.stringify(join(root, 'src/node/atomicWrite.js'))}
       import { nodeFileSystem } from ${JSON.stringify(join(root, 'src/node/fileSystem.js'))}
       // the data is written; the save stops at the sync, where it is killed
       const io = { ...nodeFileSystem, fsyncSync: () => { process.stdout.write('writing\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0) } }
       writeAtomically('saveModelFile', process.argv[2], 'half a model', io)\n`,
    )
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => (String(d).includes('writing') ? resolve() : undefined))
      child.once('exit', () => reject(new Error('the child exited before it was killed')))
    })
    const exited = new Promise((resolve) => child.once('exit', (_, signal) => resolve(signal)))
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    expect(temps(dir)).toHaveLength(1)
    saveModelFile(path, model(2))
    expect(readdirSync(dir).filter((f) => f !== 'killed.mts')).toEqual(['model.json'])
  })
  it("removes the target's temporary files of dead processes and old ones; keeps live saves', other hosts' and other targets'", () => {
    const { dir, path } = goodModel()
    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    const withPid = (name: string, pid: number): string => name.replace(/\.\d+\.(\d+)\.([0-9a-f]+)\.tmp$/, `.${pid}.$1.$2.tmp`)
    const live = basename(tempPath(path))
    const old = basename(tempPath(path))
    const planted = {
      deadProcess: withPid(basename(tempPath(path)), dead),
      deadProcessEarlierName: `.model.json.${dead}.${Date.now()}.tmp`, // the name earlier versions used
      live,
      old,
      otherHost: `.model.json.elsewhere.${dead}.0.0123456789ab.tmp`,
      otherTarget: `.other.json.${dead}.${Date.now()}.tmp`,
      unrelated: 'notes.txt',
    }
    for (const f of Object.values(planted)) writeFileSync(join(dir, f), 'partial')
    const hoursAgo = (Date.now() - STALE_TEMP_MS - 60_000) / 1000
    utimesSync(join(dir, old), hoursAgo, hoursAgo)
    saveModelFile(path, model(2))
    expect(readdirSync(dir).sort()).toEqual(['model.json', planted.live, planted.otherHost, planted.otherTarget, planted.unrelated].sort())
  })
})

describe('fit-state documents', () => {
  const trainer = { network: Net.dense(1), optimizer: Optim.adam(0.01) as Optim.GradientTransformation<unknown>, loss: Loss.meanSquaredError }
  const train = Data.dataset(T.tensor([[1], [2]]), T.tensor([[2], [4]]))
  const text = Train.encodeFit(Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, { epochs: 1, batchSize: 2 }))
  type Doc = { [k: string]: any }
  /** The document changed by `f`, its checksum recomputed: only the field checks can refuse it. */
  const resigned = (f: (d: Doc) => void): string => {
    const { checksum: _, ...body } = JSON.parse(text) as Doc
    f(body)
    return JSON.stringify({ ...body, checksum: `crc32:${crc32(JSON.stringify(body))}` })
  }

  it('carry a CRC-32 checksum, checked on decoding', () => {
    const doc = JSON.parse(text) as Doc
    expect(doc['checksum']).toMatch(/^crc32:[0-9a-f]{8}$/)
    expect(Train.encodeFit(right(Train.decodeFit(text)))).toBe(text)
    expect(Train.encodeFit(right(Train.decodeFit(resigned(() => undefined))))).toBe(text)
    // a weight changed after saving: the document stays well formed
    doc['train'].params.W.data[0] += 1
    const changed = caught(() => Train.decodeFit(JSON.stringify(doc)))
    expect([changed.code, changed.detail]).toEqual(['INVALID_VALUE', expect.stringMatching(/checksum does not match .* changed or damaged after Train\.encodeFit wrote it/)])
    const { checksum: _, ...unsigned } = JSON.parse(text) as Doc
    expect(caught(() => Train.decodeFit(JSON.stringify(unsigned))).detail).toMatch(/checksum is missing/)
  })
  it.each([
    ['train.optState[1].count', -3],
    ['train.optState[1].count', 1.5],
    ['train.optState[2].count', -1],
    ['train.step', -1],
    ['train.step', 0.5],
    ['batch', -2],
  ] as const)('refuse a counter that is negative or fractional, naming it: %s = %d', (field, value) => {
    const doc = resigned((d) => {
      const at = field.split(/[.[\]]+/).filter((k) => k !== '')
      let node = d
      for (const k of at.slice(0, -1)) node = node[k]
      node[at.at(-1)!] = value
    })
    const e = caught(() => Train.decodeFit(doc))
    expect([e.code, e.detail]).toEqual(['INVALID_VALUE', expect.stringContaining(`${field} should be a whole number ≥ 0; got ${value}`)])
  })
})
