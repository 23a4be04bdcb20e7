/**
 * Matrix-product jobs over the engine's memory, and how one job is cut into chunks that threads
 * take in turn.
 * @internal
 */
import { type Engine, MR, NR, align } from './engine.js'

/**
 * C[t] (m × n, row stride ldc) = op(A[t])·op(B[t]) (+ C[t] when `acc`) for t < batch, with
 * A(i, p) = a[i·ars + p·acs] and B(p, j) = b[p·brs + j·bcs]. Pointers and batch strides are
 * bytes; strides are elements. `scratch` holds `runner.scratchBytes(n, k)` bytes.
 */
export interface GemmJob {
  readonly m: number
  readonly n: number
  readonly k: number
  readonly a: number
  readonly ars: number
  readonly acs: number
  readonly b: number
  readonly brs: number
  readonly bcs: number
  readonly c: number
  readonly ldc: number
  readonly acc: boolean
  readonly batch: number
  readonly aBS: number
  readonly bBS: number
  readonly cBS: number
  readonly scratch: number
}

/** Something that runs gemm jobs: one thread, or the caller plus workers. */
export interface GemmRunner {
  /** How many threads a job may be split over (1: no workers). */
  readonly threads: number
  /** Scratch bytes a job with these sizes needs. */
  scratchBytes(n: number, k: number): number
  run(job: GemmJob): void
}

/** The whole job on the calling thread, one `gemm` call per matrix. */
export const runWhole = (e: Engine, job: GemmJob): void => {
  const g = e.exports.gemm
  for (let t = 0; t < job.batch; t++) {
    g(job.n, job.k, job.a + t * job.aBS, job.ars, job.acs, job.b + t * job.bBS, job.brs, job.bcs, job.c + t * job.cBS, job.ldc, job.acc ? 1 : 0, 0, job.m, job.scratch)
  }
}

/** The one-thread runner. */
export const singleThread = (e: Engine): GemmRunner => ({
  threads: 1,
  scratchBytes: (n, k) => e.exports.gemmScratchBytes(n, k),
  run: (job) => runWhole(e, job),
})

/** How a job is cut: runs of whole matrices of a batch, row blocks, or column blocks (of one matrix, B packed once). */
export const Cut = { Batch: 0, Rows: 1, Cols: 2 } as const

/** A cut job: `chunks` pieces of `size` matrices, rows or columns each (the last may be smaller). */
export interface Plan {
  readonly cut: number
  readonly chunks: number
  readonly size: number
}

/**
 * Cuts a job (of one matrix, or a batch) into about three chunks per thread, so that a thread
 * that starts late or runs slowly (on a busy core) takes fewer: runs of whole matrices when the
 * batch has at least one per thread, else row blocks (multiples of the register tile), else
 * column blocks (multiples of NR) for short wide products. Every element of C is computed by the
 * same float32 operations whatever the cut (see gemmPacked), so results do not depend on it.
 */
export const plan = (m: number, n: number, batch: number, threads: number): Plan => {
  const want = 3 * threads
  if (batch >= threads) {
    const size = Math.ceil(batch / want)
    return { cut: Cut.Batch, chunks: Math.ceil(batch / size), size }
  }
  if (m >= n || m >= 8 * threads) {
    const size = Math.max(2 * MR, Math.ceil(m / want / MR) * MR)
    return { cut: Cut.Rows, chunks: Math.ceil(m / size), size }
  }
  const size = Math.max(NR, Math.ceil(n / want / NR) * NR)
  return { cut: Cut.Cols, chunks: Math.ceil(n / size), size }
}

/**
 * The words of the control block (int32 indices from its start): the wake-up and chunk counters
 * and the job, written by the calling thread and read by every thread; see threads.ts for the
 * protocol. The worker source (worker.ts) uses the same numbers.
 */
export const Ctl = {
  Wake: 0, Gen: 1, Next: 2, Done: 3, Cut: 4, Chunks: 5, Size: 6, M: 7, N: 8, K: 9,
  A: 10, Ars: 11, Acs: 12, B: 13, Brs: 14, Bcs: 15, C: 16, Ldc: 17, Acc: 18,
  ABS: 19, BBS: 20, CBS: 21, PackedB: 22, Scratch: 23, ScratchStride: 24, Batch: 25,
  /** chunks the workers have run, in all (a statistic) */
  WorkerChunks: 26,
} as const

/** Scratch layout of a split job: packed B, then one block per thread. */
export const splitScratch = (e: Engine, n: number, k: number, threads: number): { readonly packed: number; readonly stride: number; readonly total: number } => {
  const packed = align(e.exports.packedBFloats(n, k) * 4)
  const stride = align(Math.max(e.exports.gemmScratchBytes(n, k), e.exports.gemmPackedScratchBytes(k)))
  return { packed, stride, total: packed + threads * stride }
}

/**
 * Runs chunk `c` of the job described in the control block `w` on engine `e`, with this
 * thread's scratch. (The worker source repeats these lines in plain JavaScript.)
 */
export const runChunk = (e: Engine, w: Int32Array, c: number, thread: number): void => {
  const x = e.exports
  const size = w[Ctl.Size]!
  const m = w[Ctl.M]!
  const n = w[Ctl.N]!
  const k = w[Ctl.K]!
  const scratch = w[Ctl.Scratch]! + thread * w[Ctl.ScratchStride]!
  const cut = w[Ctl.Cut]!
  if (cut === Cut.Batch) {
    const end = Math.min(w[Ctl.Batch]!, (c + 1) * size)
    for (let t = c * size; t < end; t++) {
      x.gemm(n, k, w[Ctl.A]! + t * w[Ctl.ABS]!, w[Ctl.Ars]!, w[Ctl.Acs]!, w[Ctl.B]! + t * w[Ctl.BBS]!, w[Ctl.Brs]!, w[Ctl.Bcs]!, w[Ctl.C]! + t * w[Ctl.CBS]!, w[Ctl.Ldc]!, w[Ctl.Acc]!, 0, m, scratch)
    }
  } else if (cut === Cut.Rows) {
    x.gemmPacked(k, w[Ctl.A]!, w[Ctl.Ars]!, w[Ctl.Acs]!, w[Ctl.PackedB]!, n, w[Ctl.C]!, w[Ctl.Ldc]!, w[Ctl.Acc]!, c * size, Math.min(m, (c + 1) * size), 0, n, scratch)
  } else {
    x.gemmPacked(k, w[Ctl.A]!, w[Ctl.Ars]!, w[Ctl.Acs]!, w[Ctl.PackedB]!, n, w[Ctl.C]!, w[Ctl.Ldc]!, w[Ctl.Acc]!, 0, m, c * size, Math.min(n, (c + 1) * size), scratch)
  }
}
