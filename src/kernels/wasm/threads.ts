/**
 * Worker threads for the matrix products: the calling thread plus `workers` workers, all on one
 * shared `WebAssembly.Memory`.
 *
 * Each worker instantiates the same (shared-memory) module on the same memory and waits for
 * work. A large product is cut into chunks (see `plan`): the caller writes the job into the
 * control block, bumps the wake-up word, and then every thread, the caller included, takes
 * chunk after chunk from one atomic counter until none is left; the caller returns when the
 * count of finished chunks is complete. A worker that wakes late, or runs on a core another
 * process is using, simply takes fewer chunks, so the caller never waits for a sleeping worker.
 * Everything is `Atomics` on the shared memory, no messages, so a kernel call stays synchronous
 * and costs microseconds to dispatch. Chunks write disjoint parts of C and every element is
 * computed the same way whatever the cut, so results are bit-identical to one thread.
 *
 * The job words are guarded like a seqlock: the caller sets `Gen` to −1 while it writes a job
 * and then to the job's generation, which is also the high half of the chunk counter, so a
 * thread that took a number from an older job sees the mismatch and takes no chunk.
 *
 * Platforms:
 * - Node: `worker_threads`, reached with `process.getBuiltinModule` (Node ≥ 20.16) so that this
 *   file has no static `node:` import and bundles for browsers; workers are `unref`ed once ready,
 *   so they never keep a process alive.
 * - Browsers: `Worker` on a blob URL. Shared memory needs a cross-origin isolated page (serve it
 *   with `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
 *   require-corp`); without it `SharedArrayBuffer` is missing and the kernels run on one thread.
 *   The main thread of a page may not block in `Atomics.wait`, so there the caller spins while
 *   the workers finish.
 * @internal
 */
import { CTL_BYTES, type Engine } from './engine.js'
import { type ConvJob, Ctl, Cut, convStride, type GemmJob, type GemmRunner, plan, planConv, runChunk, runConvWhole, runEpilogue, runWhole, splitScratch } from './gemm.js'
import { workerSource } from './worker.js'

/** Most workers a pool starts. */
export const MAX_WORKERS = 15

/** Split products per check of whether the workers take part. */
const PROBE = 16

/** Products run on the calling thread alone after a check found the workers (nearly) idle. */
const BACKOFF = 64

/** What the pool needs from a platform worker. */
interface WorkerHandle {
  /** Resolves when the worker has instantiated the module and waits for jobs. */
  readonly ready: Promise<void>
  /** Lets the process exit while the worker lives (Node). */
  unref(): void
  terminate(): void
}

/** Minimal typings for the parts of Node's API used here (src/ is typed without Node's types). */
interface NodeWorker {
  on(event: 'message', f: (m: unknown) => void): void
  on(event: 'error', f: (e: unknown) => void): void
  on(event: 'exit', f: (code: number) => void): void
  unref(): void
  terminate(): Promise<number>
}
interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker
}
interface NodeProcess {
  versions?: { node?: string }
  getBuiltinModule?: (id: string) => unknown
}

const nodeProcess = (): NodeProcess | undefined => {
  const p = (globalThis as { process?: NodeProcess }).process
  return p?.versions?.node !== undefined ? p : undefined
}

/** Threads the platform reports (Node: os.availableParallelism; browsers: navigator.hardwareConcurrency). */
export const hardwareThreads = (): number => {
  const os = nodeProcess()?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number; cpus: () => unknown[] } | undefined
  if (os !== undefined) return os.availableParallelism?.() ?? os.cpus().length
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
  return nav?.hardwareConcurrency ?? 1
}

/** Why workers cannot start here, or undefined if they can. */
export const threadsUnavailable = (): string | undefined => {
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available (in a browser: serve the page cross-origin isolated, with COOP/COEP headers)'
  const p = nodeProcess()
  if (p !== undefined) return p.getBuiltinModule === undefined ? 'process.getBuiltinModule is missing (Node ≥ 20.16 needed for worker threads)' : undefined
  if (typeof Worker !== 'function') return 'no Worker constructor in this environment'
  return undefined
}

interface Init {
  readonly module: WebAssembly.Module
  readonly memory: WebAssembly.Memory
  /** byte offset of the control block */
  readonly ctl: number
  /** this worker's thread number (1 …; the caller is 0), which picks its scratch block */
  readonly thread: number
}

const spawn = (init: Init): WorkerHandle => {
  const p = nodeProcess()
  if (p !== undefined) {
    const wt = p.getBuiltinModule!('node:worker_threads') as NodeWorkerThreads
    const w = new wt.Worker(workerSource, { eval: true, workerData: init })
    const ready = new Promise<void>((resolve, reject) => {
      w.on('message', (m) => (m === 'ready' ? resolve() : reject(new Error(String(m)))))
      w.on('error', reject)
      w.on('exit', (code) => reject(new Error(`kernel worker exited with code ${code}`)))
    })
    return { ready, unref: () => w.unref(), terminate: () => void w.terminate() }
  }
  const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }))
  const w = new Worker(url)
  const ready = new Promise<void>((resolve, reject) => {
    w.onmessage = (ev: MessageEvent) => (ev.data === 'ready' ? resolve() : reject(new Error(String(ev.data))))
    w.onerror = (ev) => reject(new Error(ev.message))
  })
  w.postMessage(init)
  return {
    ready: ready.finally(() => URL.revokeObjectURL(url)),
    unref: () => {},
    terminate: () => w.terminate(),
  }
}

/** A runner that splits large jobs over the caller and its workers. */
export interface Pool extends GemmRunner {
  /** Stops the workers; later jobs run on the calling thread. */
  close(): void
  /** Chunks run by the workers and by the calling thread since the pool started. */
  chunks(): { readonly workers: number; readonly caller: number }
}

/** Can this thread block in Atomics.wait? (Not a browser's main thread.) */
const canBlock = (i32: Int32Array): boolean => {
  try {
    Atomics.wait(i32, Ctl.Gen, -2, 0) // the value differs: returns at once, or throws
    return true
  } catch {
    return false
  }
}

/**
 * Starts `workers` workers on a shared-memory engine. Jobs whose 2·m·n·k·batch is below
 * `minFlops` run on the calling thread alone; with `adaptive`, so do the next jobs after a check
 * found the workers taking (almost) no chunks.
 */
export const startPool = async (e: Engine, workers: number, minFlops: number, adaptive = true): Promise<Pool> => {
  if (!e.shared) throw new Error('worker threads need the shared-memory engine')
  const count = Math.max(0, Math.min(MAX_WORKERS, Math.floor(workers)))
  // the control block sits below the arena and never moves, so one view serves for good
  const w = new Int32Array(e.memory.buffer, e.ctl, CTL_BYTES >>> 2)
  w.fill(0)
  const handles = Array.from({ length: count }, (_, i) => spawn({ module: e.module, memory: e.memory, ctl: e.ctl, thread: i + 1 }))
  try {
    await Promise.all(handles.map((h) => h.ready))
  } catch (err) {
    for (const h of handles) h.terminate()
    throw err
  }
  for (const h of handles) h.unref()
  const block = canBlock(w)
  const threads = count + 1
  let gen = 0
  let open = count > 0
  let callerChunks = 0

  /** Takes and runs chunks of the current job until none is left. */
  const participate = (): void => {
    for (;;) {
      const v = Atomics.add(w, Ctl.Next, 1)
      const c = v & 0xffff
      if (c >= w[Ctl.Chunks]!) return
      runChunk(e, w, c, 0)
      callerChunks++
      Atomics.add(w, Ctl.Done, 1)
    }
  }

  /** Publishes a job (fields set by `fill`), works on it, and returns when all its chunks are done. */
  const post = (chunks: number, fill: () => void): void => {
    gen = (gen % 0x7fff) + 1
    Atomics.store(w, Ctl.Gen, -1)
    fill()
    w[Ctl.Chunks] = chunks
    Atomics.store(w, Ctl.Done, 0)
    Atomics.store(w, Ctl.Gen, gen)
    Atomics.store(w, Ctl.Next, gen << 16)
    Atomics.store(w, Ctl.Wake, gen)
    Atomics.notify(w, Ctl.Wake)
    const t0 = performance.now()
    participate()
    const t1 = performance.now()
    let spins = 0
    for (;;) {
      const d = Atomics.load(w, Ctl.Done)
      if (d >= chunks) break
      if (block && ++spins > 1000) Atomics.wait(w, Ctl.Done, d, 5)
    }
    const t2 = performance.now()
    probeTime += t2 - t0
    probeWait += t2 - t1
  }

  const fields = (job: GemmJob, cut: number, size: number): void => {
    w[Ctl.Cut] = cut
    w[Ctl.Size] = size
    w[Ctl.M] = job.m
    w[Ctl.N] = job.n
    w[Ctl.K] = job.k
    w[Ctl.A] = job.a
    w[Ctl.Ars] = job.ars
    w[Ctl.Acs] = job.acs
    w[Ctl.B] = job.b
    w[Ctl.Brs] = job.brs
    w[Ctl.Bcs] = job.bcs
    w[Ctl.C] = job.c
    w[Ctl.Ldc] = job.ldc
    w[Ctl.Acc] = job.acc ? 1 : 0
    w[Ctl.ABS] = job.aBS
    w[Ctl.BBS] = job.bBS
    w[Ctl.CBS] = job.cBS
    w[Ctl.Batch] = job.batch
  }

  // When the workers take almost no chunks, or this thread spends much of a product waiting for
  // chunks a worker has taken (their cores are busy with other processes: a worker preempted in
  // the middle of a chunk holds the product up), the split only costs: then the next BACKOFF
  // products run on this thread alone before trying again. (One thread and several give the same
  // bits, so switching never changes results.)
  let probeJobs = 0
  let probeChunks = 0
  let probeWorker = 0
  let probeTime = 0
  let probeWait = 0
  let backoff = 0

  /** Whether a job of `flops` runs on this thread alone (small, or backing off). */
  const alone = (flops: number): boolean => {
    if (!open || flops < minFlops) return true
    if (backoff > 0) {
      backoff--
      return true
    }
    return false
  }

  /** Runs `split` (which returns the number of chunks it posted) and counts the workers' share. */
  const probed = (split: () => number): void => {
    const before = Atomics.load(w, Ctl.WorkerChunks)
    const chunks = split()
    probeJobs++
    probeChunks += chunks
    probeWorker += Atomics.load(w, Ctl.WorkerChunks) - before
    if (adaptive && probeJobs >= PROBE) {
      if (probeWorker * 10 < probeChunks || probeWait > 0.25 * probeTime) backoff = BACKOFF
      probeJobs = probeChunks = probeWorker = probeTime = probeWait = 0
    }
  }

  const run = (job: GemmJob): void => {
    if (alone(2 * job.m * job.n * job.k * job.batch)) return runWhole(e, job)
    // a split job's epilogue runs after it, as a pass of its own (the chunks store plain sums)
    const epi = job.epi ?? 0
    probed(() => split(epi === 0 ? job : { ...job, epi: 0 }))
    if (epi !== 0) runEpilogue(e, job)
  }

  /** A conv job in blocks of output pixels, each thread with its own scratch block. */
  const runConv = (job: ConvJob): void => {
    if (alone(job.flops)) return runConvWhole(e, job)
    const p = planConv(job.rows, threads)
    if (p.chunks <= 1) return runConvWhole(e, job)
    probed(() => {
      post(p.chunks, () => {
        w[Ctl.Cut] = p.cut
        w[Ctl.Size] = p.size
        w[Ctl.M] = job.rows
        w[Ctl.A] = job.x
        w[Ctl.B] = job.w
        w[Ctl.C] = job.out
        w[Ctl.Spec] = job.spec
        w[Ctl.Scratch] = job.scratch
        w[Ctl.ScratchStride] = job.stride
      })
      return p.chunks
    })
  }

  /** Runs a job split over the threads; returns the number of chunks posted. */
  const split = (job: GemmJob): number => {
    const s = splitScratch(e, job.n, job.k, threads)
    const p = plan(job.m, job.n, job.batch, threads)
    if (p.chunks <= 1) {
      runWhole(e, job)
      return 0
    }
    if (p.cut === Cut.Batch) {
      post(p.chunks, () => {
        fields(job, p.cut, p.size)
        w[Ctl.Scratch] = job.scratch + s.packed
        w[Ctl.ScratchStride] = s.stride
      })
      return p.chunks
    }
    // one matrix at a time: B packed once here, then rows or columns over the threads
    for (let t = 0; t < job.batch; t++) {
      const item: GemmJob = { ...job, a: job.a + t * job.aBS, b: job.b + t * job.bBS, c: job.c + t * job.cBS, batch: 1 }
      e.exports.packBFull(item.b, item.brs, item.bcs, item.n, item.k, job.scratch)
      post(p.chunks, () => {
        fields(item, p.cut, p.size)
        w[Ctl.PackedB] = job.scratch
        w[Ctl.Scratch] = job.scratch + s.packed
        w[Ctl.ScratchStride] = s.stride
      })
    }
    return p.chunks * job.batch
  }

  return {
    threads,
    scratchBytes: (n, k) => splitScratch(e, n, k, threads).total,
    run,
    convScratchBytes: (k, outC, inC) => threads * convStride(e, k, outC, inC),
    runConv,
    chunks: () => ({ workers: Atomics.load(w, Ctl.WorkerChunks), caller: callerChunks }),
    close: () => {
      if (!open) return
      open = false
      Atomics.store(w, Ctl.Wake, -1)
      Atomics.notify(w, Ctl.Wake)
      for (const h of handles) h.terminate()
    },
  }
}
