/**
 * The source of a kernel worker, plain JavaScript run by `new Worker(source, { eval: true })` in
 * Node or from a blob URL in a browser (a string, so no worker file has to be located at run
 * time, from `src/`, `dist/` or a bundle alike).
 *
 * It receives `{ module, memory, ctl, thread }`, instantiates the shared-memory module on the
 * shared memory, answers 'ready', and then serves the control block forever: when the wake-up
 * word changes it takes chunks of the posted job until none is left (the protocol and the word
 * numbers are those of threads.ts and `Ctl` in gemm.ts; the chunk code is `runChunk`'s). Between
 * jobs it spins briefly (the next product of a training step usually follows within
 * microseconds) and then sleeps in `Atomics.wait`. A wake-up word of −1 stops it.
 * @internal
 */
import { Ctl, Cut } from './gemm.js'

const body = `'use strict'
const C = ${JSON.stringify(Ctl)}
const CUT = ${JSON.stringify(Cut)}
const serve = (init, post) => {
  const { module, memory, ctl, thread } = init
  const x = new WebAssembly.Instance(module, { env: { memory } }).exports
  const w = new Int32Array(memory.buffer, ctl, 64)
  post('ready')
  let seen = Atomics.load(w, C.Wake)
  for (;;) {
    let spins = 0
    let q = Atomics.load(w, C.Wake)
    while (q === seen) {
      if (++spins > 1000) {
        Atomics.wait(w, C.Wake, seen)
        spins = 0
      }
      q = Atomics.load(w, C.Wake)
    }
    if (q < 0) return
    seen = q
    for (;;) {
      const v = Atomics.add(w, C.Next, 1)
      const g = v >>> 16
      if (Atomics.load(w, C.Gen) !== g) break
      const chunks = w[C.Chunks], cut = w[C.Cut], size = w[C.Size], m = w[C.M], n = w[C.N], k = w[C.K]
      const a = w[C.A], ars = w[C.Ars], acs = w[C.Acs], b = w[C.B], brs = w[C.Brs], bcs = w[C.Bcs]
      const c0 = w[C.C], ldc = w[C.Ldc], acc = w[C.Acc], aBS = w[C.ABS], bBS = w[C.BBS], cBS = w[C.CBS]
      const pb = w[C.PackedB], scratch = w[C.Scratch] + thread * w[C.ScratchStride], batch = w[C.Batch], spec = w[C.Spec]
      if (Atomics.load(w, C.Gen) !== g) break
      const c = v & 0xffff
      if (c >= chunks) break
      if (cut === CUT.Conv) {
        x.conv2dGemm(a, b, c0, spec, c * size, Math.min(m, (c + 1) * size), scratch)
      } else if (cut === CUT.Batch) {
        const end = Math.min(batch, (c + 1) * size)
        for (let t = c * size; t < end; t++) x.gemm(n, k, a + t * aBS, ars, acs, b + t * bBS, brs, bcs, c0 + t * cBS, ldc, acc, 0, m, scratch)
      } else if (cut === CUT.Rows) {
        x.gemmPacked(k, a, ars, acs, pb, n, c0, ldc, acc, c * size, Math.min(m, (c + 1) * size), 0, n, scratch)
      } else {
        x.gemmPacked(k, a, ars, acs, pb, n, c0, ldc, acc, 0, m, c * size, Math.min(n, (c + 1) * size), scratch)
      }
      Atomics.add(w, C.WorkerChunks, 1)
      Atomics.add(w, C.Done, 1)
      Atomics.notify(w, C.Done)
    }
  }
}
if (typeof require === 'function') {
  const { workerData, parentPort } = require('node:worker_threads')
  try {
    serve(workerData, (m) => parentPort.postMessage(m))
  } catch (e) {
    parentPort.postMessage(String((e && e.stack) || e))
  }
} else {
  self.onmessage = (ev) => {
    self.onmessage = null
    try {
      serve(ev.data, (m) => self.postMessage(m))
    } catch (e) {
      self.postMessage(String((e && e.stack) || e))
    }
  }
}
`

/** The worker's JavaScript source. */
export const workerSource: string = body
