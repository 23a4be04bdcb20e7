import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Study, Train } from '../../src/index.js'
import { journalStorage, optimizeInThreads } from '../../src/node/index.js'

const dir = mkdtempSync(join(tmpdir(), 'puregrad-threads-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('optimizeInThreads', () => {
  it('shares the trials of one study among worker threads, each trial run once, in its own thread', async () => {
    const journal = join(dir, 'a.jsonl')
    await Study.open({ name: 't', space: { x: Train.uniformParam(0, 1) }, sampler: Study.randomSampler({ seed: 0 }), storage: journalStorage(journal) })
    const module = join(dir, 'objective.mjs')
    writeFileSync(module, "import { threadId } from 'node:worker_threads'\nexport const objective = async (trial) => { await new Promise((r) => setTimeout(r, 20)); trial.report(1, threadId); return trial.params.x }\n")
    const records = await optimizeInThreads({ name: 't', storage: { journal } }, module, { trials: 9, workers: 3 })
    expect(records.map((r) => r.number)).toEqual([...Array(9).keys()])
    expect(records.every((r) => r.state === 'complete' && r.value === r.params!['x'])).toBe(true)
    const threads = new Set(records.map((r) => r.intermediate[0]![1]))
    expect(threads.size).toBe(3)
    expect(threads.has(0)).toBe(false) // not the main thread
  }, 60_000)

  it('throws the objective’s error, as a PuregradError when it is one', async () => {
    const journal = join(dir, 'b.jsonl')
    await Study.open({ name: 't', space: { x: Train.uniformParam(0, 1) }, sampler: Study.randomSampler({ seed: 0 }), storage: journalStorage(journal) })
    const module = join(dir, 'bad.mjs')
    writeFileSync(module, 'export const notIt = 1\n')
    await expect(optimizeInThreads({ name: 't', storage: { journal } }, module, { trials: 2, workers: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/exports undefined as 'objective'/) })
  }, 60_000)
})
