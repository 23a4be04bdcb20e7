/**
 * Matrix-product jobs over the engine's memory, and how one job is cut into chunks that threads
 * take in turn.
 * @internal
 */
import { type Engine, MR, NR, align } from './engine.js'

/** The flags of a product's epilogue (assembly/gemm.ts: EPI_BIAS, EPI_RELU): what is applied to C once its sums are done. */
export const Epi = { Bias: 1, Relu: 2 } as const

/**
 * C[t] (m × n, row stride ldc) = op(A[t])·op(B[t]) (+ C[t] when `acc`) for t < batch, with
 * A(i, p) = a[i·ars + p·acs] and B(p, j) = b[p·brs + j·bcs], then the epilogue `epi` (flags of
 * `Epi`, 0 or absent: none) with the bias (n floats) at `bias`. Pointers and batch strides are
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
  readonly bias?: number
  readonly epi?: number
}

/**
 * conv2d forward as an implicit product (`conv2dGemm`, no column matrix) over output pixels
 * [0, rows): x, w, out and the Conv2dSpec words at `spec` are byte offsets. `scratch` holds
 * `runner.convScratchBytes(k, outC, inC)` bytes; `flops` = 2·rows·k·outC decides whether it is split.
 */
export interface ConvJob {
  readonly x: number
  readonly w: number
  readonly out: number
  readonly spec: number
  readonly rows: number
  readonly flops: number
  readonly scratch: number
  /** bytes of one thread's scratch (conv2dGemmScratchBytes, aligned) */
  readonly stride: number
}

/** Something that runs gemm jobs: one thread, or the caller plus workers. */
export interface GemmRunner {
  /** How many threads a job may be split over (1: no workers). */
  readonly threads: number
  /** Scratch bytes a job with these sizes needs. */
  scratchBytes(n: number, k: number): number
  run(job: GemmJob): void
  /** Scratch bytes a `ConvJob` with K = k, outC and inC needs (one block per thread). */
  convScratchBytes(k: number, outC: number, inC: number): number
  runConv(job: ConvJob): void
}

/** The whole job on the calling thread, one `gemm` call per matrix. */
export const runWhole = (e: Engine, job: GemmJob): void => {
  const g = e.exports.gemm
  const bias = job.bias ?? 0
  const epi = job.epi ?? 0
  for (let t = 0; t < job.batch; t++) {
    g(job.n, job.k, job.a + t * job.aBS, job.ars, job.acs, job.b + t * job.bBS, job.brs, job.bcs, job.c + t * job.cBS, job.ldc, job.acc ? 1 : 0, 0, job.m, job.scratch, bias, epi)
  }
}

/** The epilogue of a job as a pass of its own over its C (after a split run that left it out). */
export const runEpilogue = (e: Engine, job: GemmJob): void => {
  const epi = job.epi ?? 0
  if (epi === 0) return
  for (let t = 0; t < job.batch; t++) e.exports.gemmEpilogue(job.c + t * job.cBS, job.m, job.n, job.ldc, job.bias ?? 0, epi)
}

/** The whole conv job on the calling thread. */
export const runConvWhole = (e: Engine, job: ConvJob): void => {
  e.exports.conv2dGemm(job.x, job.w, job.out, job.spec, 0, job.rows, job.scratch)
}

/** One thread's scratch block of a conv job, aligned. */
export const convStride = (e: Engine, k: number, outC: number, inC: number): number => align(e.exports.conv2dGemmScratchBytes(k, outC, inC))

/** The one-thread runner. */
export const singleThread = (e: Engine): GemmRunner => ({
  threads: 1,
  scratchBytes: (n, k) => e.exports.gemmScratchBytes(n, k),
  run: (job) => runWhole(e, job),
  convScratchBytes: (k, outC, inC) => convStride(e, k, outC, inC),
  runConv: (job) => runConvWhole(e, job),
})

/**
 * How a job is cut: runs of whole matrices of a batch, row blocks, or column blocks (of one
 * matrix, B packed once); `Conv`: blocks of output pixels of a conv job (each packs W itself).
 */
export const Cut = { Batch: 0, Rows: 1, Cols: 2, Conv: 3 } as const

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
 * Cuts a conv job of `rows` output pixels into about eight blocks per thread (multiples of the
 * register tile's MR rows, at least 8·MR): one job, so a slow thread is made up for within it.
 */
export const planConv = (rows: number, threads: number): Plan => {
  const size = Math.max(8 * MR, Math.ceil(rows / (8 * threads) / MR) * MR)
  return { cut: Cut.Conv, chunks: Math.ceil(rows / size), size }
}

/**
 * The words of the control block (int32 indices from its start): the wake-up and chunk counters
 * and the job, written by the calling thread and read by every thread; see threads.ts for the
 * protocol. The worker source (worker.ts) uses the same numbers. A conv job (`Cut.Conv`) has its
 * x, w and out in A, B and C, its output pixels in M and its Conv2dSpec at Spec.
 */
export const Ctl = {
  Wake: 0, Gen: 1, Next: 2, Done: 3, Cut: 4, Chunks: 5, Size: 6, M: 7, N: 8, K: 9,
  A: 10, Ars: 11, Acs: 12, B: 13, Brs: 14, Bcs: 15, C: 16, Ldc: 17, Acc: 18,
  ABS: 19, BBS: 20, CBS: 21, PackedB: 22, Scratch: 23, ScratchStride: 24, Batch: 25,
  /** chunks the workers have run, in all (a statistic) */
  WorkerChunks: 26,
  Spec: 27,
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
  } else if (cut === Cut.Conv) {
    x.conv2dGemm(w[Ctl.A]!, w[Ctl.B]!, w[Ctl.C]!, w[Ctl.Spec]!, c * size, Math.min(m, (c + 1) * size), scratch)
  } else if (cut === Cut.Rows) {
    x.gemmPacked(k, w[Ctl.A]!, w[Ctl.Ars]!, w[Ctl.Acs]!, w[Ctl.PackedB]!, n, w[Ctl.C]!, w[Ctl.Ldc]!, w[Ctl.Acc]!, c * size, Math.min(m, (c + 1) * size), 0, n, scratch)
  } else {
    x.gemmPacked(k, w[Ctl.A]!, w[Ctl.Ars]!, w[Ctl.Acs]!, w[Ctl.PackedB]!, n, w[Ctl.C]!, w[Ctl.Ldc]!, w[Ctl.Acc]!, 0, m, c * size, Math.min(n, (c + 1) * size), scratch)
  }
}
