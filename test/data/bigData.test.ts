// A data set larger than the heap: a child Node with a 64 MiB heap trains with fitStream on a
// generated source of 200 MiB of float32 inputs, and its memory stays flat.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** The environment of a child process: this one's, without what marks it as a vitest worker. */
const childEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'))

type Memory = { readonly heapUsed: number; readonly arrayBuffers: number; readonly rss: number }

const FEATURES = 1024
const EXAMPLES = 52_000 // × 1024 float32 = 213 MB (203 MiB) of inputs

describe('fitStream on data larger than the heap', () => {
  it('trains on 200 MiB of generated examples in a 64 MiB heap, with heap use flat from start to end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-big-'))
    try {
      const script = join(dir, 'big.mts')
      writeFileSync(
        script,
        `import { Data, Loss, Net, Optim, Rng, Tensor as T, Train } from ${JSON.stringify(join(root, 'src/index.js'))}
         const F = ${FEATURES}
         const mb = (n: number) => Math.round(n / 2 ** 20 * 10) / 10
         const memory = () => { globalThis.gc!(); const m = process.memoryUsage(); return { heapUsed: mb(m.heapUsed), arrayBuffers: mb(m.arrayBuffers), rss: mb(m.rss) } }
         let bytes = 0
         const src = Data.generate(${EXAMPLES}, (i) => {
           const v = new Float32Array(F)
           for (let j = 0; j < F; j++) v[j] = Math.sin(i * 0.37 + j * 0.11)
           bytes += v.byteLength
           return { x: T.fromArray(v, [F]), y: T.tensor([v[0]! - v[1]!]) }
         })
         const p = Data.pipeline(src, [Data.shuffleBuffer({ buffer: 256 }), Data.batch(500), Data.prefetch(2)])
         const trainer = { network: Net.dense(1, { init: 'zeros' }), optimizer: Optim.sgd(1e-3), loss: Loss.meanSquaredError }
         let start: ReturnType<typeof memory> | undefined
         const losses: number[] = []
         const s = await Train.fitStream(trainer, Train.initFit(trainer, Rng.key(0), [F]), p, { epochs: 1 }, (e) => {
           if (e.type === 'batch') { losses.push(e.loss); if (e.batch === 4) start = memory() }
         })
         // V8 frees array buffers' memory concurrently after a collection: let it finish before the last reading
         for (let i = 0; i < 3; i++) { await new Promise((ok) => setTimeout(ok, 20)); globalThis.gc!() }
         console.log(JSON.stringify({ start, end: memory(), steps: s.train.step, mb: mb(bytes), first: losses[0], last: losses.at(-1) }))\n`,
      )
      const out = execFileSync(process.execPath, ['--max-old-space-size=64', '--expose-gc', '--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 300_000, env: childEnv() })
      const r = JSON.parse(out) as { start: Memory; end: Memory; steps: number; mb: number; first: number; last: number }
      console.log(`heapUsed ${r.start.heapUsed} MiB after 5 batches, ${r.end.heapUsed} MiB at the end (array buffers ${r.start.arrayBuffers} → ${r.end.arrayBuffers} MiB, rss ${r.start.rss} → ${r.end.rss} MiB) over ${r.mb} MiB of examples`)
      expect(r.steps).toBe(EXAMPLES / 500)
      expect(r.mb).toBeGreaterThan(200) // more than three times the heap limit
      expect(r.end.heapUsed - r.start.heapUsed).toBeLessThan(8)
      expect(r.end.arrayBuffers - r.start.arrayBuffers).toBeLessThan(8)
      expect(r.last).toBeLessThan(r.first) // and it learned
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
