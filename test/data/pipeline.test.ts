// Pipelines: sources, keyed stages, batches that depend on (key, epoch) alone, and fitStream
// resumed from any event equal to an unbroken run.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { PuregradError } from '../../src/core/errors.js'
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { fromCsvFile } from '../../src/node/index.js'

const numbers = (n: number) => Data.generate(n, (i) => ({ x: T.tensor([i, -i]), y: T.scalar(i, 'int32') }))
const xs = async (p: Data.Pipeline, epoch = 0, from = 0) => (await Data.collect(p, Rng.key(7), epoch, { from })).map((b) => T.toNested(b.x))

describe('pipelines', () => {
  it('give every example once an epoch, in an order fixed by (key, epoch), whatever the prefetch', async () => {
    const p = Data.pipeline(numbers(50), [Data.shuffleBuffer({ buffer: 8 }), Data.batch(7)])
    const a = await xs(p)
    expect(a).toHaveLength(8)
    expect((a.flat() as number[][]).map((r) => r[0]).sort((u, v) => u! - v!)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(await xs(p)).toEqual(a)
    expect(await xs(Data.pipeline(numbers(50), [Data.shuffleBuffer({ buffer: 8 }), Data.batch(7), Data.prefetch(3)]))).toEqual(a)
    expect(await xs(p, 1)).not.toEqual(a)
    for (const from of [1, 4, 7, 8]) expect(await xs(p, 0, from)).toEqual(a.slice(from))
  })

  it('give keyed maps a key per example: the values do not depend on batching, shuffling or prefetch', async () => {
    // an augmentation of the library as a keyed map stage: flips of 1×3 images, one key per example
    const images = Data.generate(32, (i) => ({ x: T.reshape(T.tensor([i, i + 0.25, i + 0.5]), [1, 3, 1]), y: T.scalar(i) }))
    const flip = Data.map((e, key) => ({ ...e, x: T.reshape(Data.flipHorizontal(key, T.reshape(e.x, [1, 1, 3, 1]), 0.5), [1, 3, 1]) }))
    const byExample = async (stages: Data.Stage[]) => {
      const out = new Map<number, number[]>()
      for (const b of await Data.collect(Data.pipeline(images, stages), Rng.key(3), 0)) {
        const ys = T.toArray(b.y)
        const rows = T.toNested(T.reshape(b.x, [-1, 3])) as number[][]
        ys.forEach((y, i) => out.set(y, rows[i]!))
      }
      return [...out.entries()].sort((u, v) => u[0] - v[0])
    }
    const plain = await byExample([flip, Data.batch(32)])
    const flipped = plain.filter(([i, r]) => r[0] === i + 0.5)
    expect(flipped.length).toBeGreaterThan(4) // some flipped …
    expect(flipped.length).toBeLessThan(28) // … and some not
    expect(await byExample([flip, Data.batch(5)])).toEqual(plain)
    expect(await byExample([Data.shuffleBuffer({ buffer: 6 }), flip, Data.batch(3), Data.prefetch(2)])).toEqual(plain)
  })

  it('read CSV text and CSV files as a stream, with errors that name the line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-csv-'))
    try {
      const text = 'f1,f2,label\n' + Array.from({ length: 10 }, (_, i) => `${i},${i / 2},${i % 3}`).join('\n') + '\n'
      const path = join(dir, 'data.csv')
      writeFileSync(path, text)
      const opts = { target: 'label', targetDtype: 'int32' } as const
      const fromFile = await Data.collect(Data.pipeline(fromCsvFile(path, opts), [Data.batch(4), Data.prefetch(2)]), Rng.key(0), 0)
      const fromText = await Data.collect(Data.pipeline(Data.fromCsv(text, opts), [Data.batch(4)]), Rng.key(0), 0)
      expect(fromFile.map((b) => [T.toNested(b.x), T.toArray(b.y), b.y.dtype])).toEqual(fromText.map((b) => [T.toNested(b.x), T.toArray(b.y), b.y.dtype]))
      expect(T.toNested(fromFile[0]!.x)).toEqual([[0, 0], [1, 0.5], [2, 1], [3, 1.5]])
      expect(T.toArray(fromFile[2]!.y)).toEqual([2, 0])
      writeFileSync(join(dir, 'bad.csv'), 'f1,label\n1,0\noops,1\n')
      await expect(Data.collect(Data.pipeline(fromCsvFile(join(dir, 'bad.csv'), opts), [Data.batch(4)]), Rng.key(0), 0)).rejects.toThrow(/line 3, column 'f1' holds "oops"/)
      await expect(Data.collect(Data.pipeline(fromCsvFile(join(dir, 'none.csv'), opts), [Data.batch(4)]), Rng.key(0), 0)).rejects.toMatchObject({ code: 'FILE_ERROR' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('parse CSV text without Node built-ins (Buffer), as in a browser', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-csv-'))
    try {
      const script = join(dir, 'nobuffer.mts')
      const src = fileURLToPath(new URL('../../src/data/sources.js', import.meta.url))
      writeFileSync(
        script,
        `const { fromCsv } = await import(${JSON.stringify(src)})
         delete (globalThis as { Buffer?: unknown }).Buffer
         console.log(fromCsv('a,label\\n1,0\\n2,1\\n', { target: 'label' }).size)\n`,
      )
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'))
      expect(execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000, env }).trim()).toBe('2')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuse pipelines without one batch stage, or with stages on the wrong side of it', () => {
    const src = numbers(4)
    expect(() => Data.pipeline(src, [])).toThrow(/needs one batch stage/)
    expect(() => Data.pipeline(src, [Data.batch(2), Data.batch(2)])).toThrow(/needs one batch stage/)
    expect(() => Data.pipeline(src, [Data.batch(2), Data.map((e) => e)])).toThrow(/stage 1 \(map\) works on examples but stands after the batch stage/)
    expect(() => Data.shuffleBuffer({ buffer: 0 })).toThrow(/buffer must be a whole number ≥ 1/)
  })
})

describe('fitStream', () => {
  const network = Net.serial(Net.dense(8, { init: 'heNormal' }), Net.relu, Net.dropout(0.9), Net.dense(2))
  const trainer = { network, optimizer: Optim.adam(0.02), loss: Loss.softmaxCrossEntropy }
  const circle = Data.generate(60, (i) => {
    const x = Rng.uniform(Rng.foldIn(Rng.key(11), i), [2], { min: -1, max: 1 })
    return { x, y: T.scalar(T.item(T.sum(T.square(x))) < 0.5 ? 1 : 0, 'int32') }
  })
  const noise = Data.map((e, key) => ({ ...e, x: Data.gaussianNoise(key, e.x, 0.05) }))
  const decoded = (s: Train.FitState): Train.FitState<never> => {
    const r = Train.decodeFit(Train.encodeFit(s))
    if (r._tag === 'Left') throw r.left
    return r.right as Train.FitState<never>
  }
  const same = (a: Train.FitState, b: Train.FitState) => Train.encodeFit(a) === Train.encodeFit(b)

  it.each([
    ['a known number of batches', Data.pipeline(circle, [noise, Data.shuffleBuffer({ buffer: 16 }), Data.batch(16), Data.prefetch(2)])],
    ['an unknown number of batches (a filter)', Data.pipeline(circle, [Data.filter((_, i) => i % 7 !== 3), noise, Data.shuffleBuffer({ buffer: 16 }), Data.batch(16)])],
  ])('resumes from the state of any event, mid-epoch included, bit for bit as an unbroken run: %s', async (_, p) => {
    const start = Train.initFit(trainer, Rng.key(0), [2])
    const events: Train.FitEvent[] = []
    const full = await Train.fitStream(trainer, start, p, { epochs: 3 }, (e) => events.push(e))
    expect(events.map((e) => e.type).join()).toBe('batch,batch,batch,batch,epoch,'.repeat(3) + 'end')
    expect(full.train.step).toBe(12)
    for (const e of events) {
      const resumed = await Train.fitStream(trainer, decoded(e.state), p, { epochs: 3 })
      expect(same(resumed, full), `resumed after ${e.type} at step ${e.state.train.step}`).toBe(true)
    }
    expect(Tree.leaves(full.train.params).some((l, i) => !T.equals(l.value, Tree.leaves(start.train.params)[i]!.value))).toBe(true)
  })

  it('trains as fit does on the same batches: batch losses fall, and events carry the batch count', async () => {
    const p = Data.pipeline(circle, [Data.batch(20)])
    const losses: number[] = []
    const counts: number[] = []
    const s = await Train.fitStream(trainer, Train.initFit(trainer, Rng.key(1), [2]), p, { epochs: 8 }, (e) => {
      if (e.type === 'epoch') losses.push(e.record.train.loss)
      if (e.type === 'batch') counts.push(e.batches)
    })
    expect(s.history).toHaveLength(8)
    expect(new Set(counts)).toEqual(new Set([3]))
    expect(losses.at(-1)!).toBeLessThan(losses[0]!)
  })

  it('evaluates a dev set each epoch and stops early as fit does', async () => {
    const dev = Data.dataset(Rng.uniform(Rng.key(12), [40, 2], { min: -1, max: 1 }), T.zeros([40], 'int32')) // labels that do not follow the rule
    const p = Data.pipeline(circle, [Data.batch(20)])
    let end: Train.FitEvent | undefined
    const s = await Train.fitStream(trainer, Train.initFit(trainer, Rng.key(2), [2]), p, { epochs: 40, dev, earlyStopping: Train.earlyStopping({ patience: 2 }) }, (e) => {
      end = e
    })
    expect(end?.type === 'end' && end.reason).toBe('earlyStopping')
    expect(s.done).toBe(true)
    expect(s.history.length).toBeLessThan(40)
    expect(s.history.every((h) => h.dev !== undefined && h.train.accuracy === undefined)).toBe(true)
  })

  it('takes a pipeline as its dev set: batched by 512 it gives the in-memory dev set’s records and run bit for bit; fit refuses one', async () => {
    const dev = Data.dataset(Rng.uniform(Rng.key(13), [700, 2], { min: -1, max: 1 }), Rng.integers(Rng.key(14), [700], 0, 2))
    const devStream = Data.pipeline(Data.fromDataset(dev), [Data.batch(512)])
    const p = Data.pipeline(circle, [Data.batch(20)])
    const start = Train.initFit(trainer, Rng.key(3), [2])
    const opts = { epochs: 3, earlyStopping: Train.earlyStopping({ patience: 5 }), monitor: 'devAccuracy' as const }
    const inMemory = await Train.fitStream(trainer, start, p, { ...opts, dev })
    const streamed = await Train.fitStream(trainer, start, p, { ...opts, dev: devStream })
    expect(streamed.history.map((h) => h.dev)).toEqual(inMemory.history.map((h) => h.dev))
    expect(streamed.history.every((h) => h.dev !== undefined && h.dev.accuracy !== undefined)).toBe(true)
    expect(same(streamed, inMemory)).toBe(true)
    // a dev pipeline that draws (noise on each example) is run with a key of the run and the epoch: resumed runs evaluate alike
    const noisyDev = Data.pipeline(Data.fromDataset(dev), [noise, Data.batch(128)])
    const events: Train.FitEvent[] = []
    const full = await Train.fitStream(trainer, start, p, { epochs: 2, dev: noisyDev }, (e) => events.push(e))
    const resumed = await Train.fitStream(trainer, decoded(events[4]!.state), p, { epochs: 2, dev: noisyDev })
    expect(same(resumed, full)).toBe(true)
    const trainSet = Data.dataset(Rng.uniform(Rng.key(15), [40, 2]), Rng.integers(Rng.key(16), [40], 0, 2))
    expect(() => Train.fit(trainer, start, trainSet, { epochs: 1, batchSize: 20, dev: devStream as never })).toThrow(/^fit: dev is a pipeline, which is read asynchronously; train with Train.fitStream/)
    await expect(Train.fitStream(trainer, start, p, { epochs: 1, dev: 'dev' as never })).rejects.toThrow(/^fitStream: /)
  })

  it('stops when a stage throws, naming the stage, epoch and batch, and keeps the last good state to resume from', async () => {
    let broken = true
    const flaky = Data.map((e, _key, index) => {
      if (broken && index === 45) throw new Error('cannot read image 45')
      return e
    })
    const p = Data.pipeline(circle, [Data.filter(() => true), flaky, Data.batch(20)])
    const start = Train.initFit(trainer, Rng.key(5), [2])
    const error = await Train.fitStream(trainer, start, p, { epochs: 3 }).then(
      () => undefined,
      (e: unknown) => e as PuregradError & { state: Train.FitState },
    )
    expect(error).toBeInstanceOf(PuregradError)
    expect(error!.code).toBe('INVALID_VALUE')
    expect(error!.message).toMatch(/^fitStream: stage 1 \(map\) threw while batch 2 of epoch 0 was being made: cannot read image 45\. The run stopped; its last good state \(after step \d\) is this error's `state`/)
    expect(error!.state.train.step).toBeGreaterThanOrEqual(1)
    broken = false
    const resumed = await Train.fitStream(trainer, decoded(error!.state), p, { epochs: 3 })
    expect(same(resumed, await Train.fitStream(trainer, start, p, { epochs: 3 }))).toBe(true)
    // the source's own refusals name it too
    const bad = Data.pipeline(Data.generate(5, (i) => (i === 3 ? ({ x: 1 } as never) : { x: T.scalar(i), y: T.scalar(i) })), [Data.batch(2)])
    await expect(Data.collect(bad, Rng.key(0), 0)).rejects.toThrow(/^stream: the source .* threw while batch 1 of epoch 0 was being made: stream: example 3 of the source/)
  })

  it('refuses a start state that does not fit the network or the pipeline, naming what to do', async () => {
    const p = Data.pipeline(circle, [Data.batch(20)])
    const wide = Train.initFit(trainer, Rng.key(0), [3])
    await expect(Train.fitStream(trainer, wide, p, { epochs: 1 })).rejects.toThrow(/fitStream: .*the state's/)
    const ahead = { ...Train.initFit(trainer, Rng.key(0), [2]), batch: 4 }
    await expect(Train.fitStream(trainer, ahead, p, { epochs: 1 })).rejects.toThrow(/4 batches into epoch 0, but an epoch of this pipeline has 3 batches/)
    await expect(Train.fitStream(trainer, Train.initFit(trainer, Rng.key(0), [2]), Data.pipeline(circle, [Data.filter(() => false), Data.batch(20)]), { epochs: 1 })).rejects.toThrow(/^fitStream: epoch 0 gave no batches/)
  })
})
