/**
 * The measurements of bench/simd.ts, in a process that has relaxed SIMD (Node 20: started with
 * --experimental-wasm-relaxed-simd). One thread each: puregrad's SIMD128 and relaxed-SIMD builds
 * and tfjs-wasm (XNNPACK, SIMD128), and jax-js's wasm backend when `@jax-js/jax` is installed,
 * taken in turn round after round so that a busy moment of the machine hits them alike. Prints
 * one JSON line: the per-call times of each library for each case (the convolution's input
 * gradient for puregrad and tfjs-wasm).
 * Usage: node --experimental-wasm-relaxed-simd --import tsx bench/simd-child.ts [--quick]
 */
import { Tensor as T } from '../src/index.js'
import { useKernels } from '../src/kernels/registry.js'
import { createWasmKernels, relaxedSimdSupported } from '../src/kernels/wasm/index.js'
import * as M from './lib/mlp.js'
import { median } from './lib/report.js'
import { tf, useBackend } from './lib/tf.js'

const quick = process.argv.includes('--quick')
const rounds = quick ? 5 : 15

/** The cases: square matmul n = 1024 and the convolution of Part 2 of the bench. */
export const N = 1024
export const CONV = { batch: 32, h: 28, w: 28, c: 16, o: 32, k: 3 } as const

const a = Float32Array.from({ length: N * N }, (_, i) => Math.sin(i) * 0.5)
const b = Float32Array.from({ length: N * N }, (_, i) => Math.cos(i * 0.7) * 0.5)
const { batch, h, w, c, o, k } = CONV
const xs = Float32Array.from({ length: batch * h * w * c }, (_, i) => Math.sin(i) * 0.5)
const ws = Float32Array.from({ length: k * k * c * o }, (_, i) => Math.cos(i * 0.3) * 0.2)
const dys = Float32Array.from({ length: batch * h * w * o }, (_, i) => Math.cos(i * 0.9) * 0.5)

/** A library under test: runs one call of each case (results copied back to a Float32Array). */
interface Runner {
  readonly name: string
  before(): Promise<void>
  matmul(): unknown
  conv(): unknown
  /** the convolution's input gradient (a transposed convolution of dy with the same filter), where the library has it */
  convInput?: () => unknown
}

const puregrad = (name: string, simd: 'simd128' | 'relaxed-simd'): Runner => {
  const kernels = createWasmKernels(simd)
  if (kernels === undefined) throw new Error(`the ${simd} build does not run here`)
  const ta = T.fromArray(a, [N, N])
  const tb = T.fromArray(b, [N, N])
  const tx = T.fromArray(xs, [batch, h, w, c])
  const tw = T.fromArray(ws, [k, k, c, o])
  const tdy = T.fromArray(dys, [batch, h, w, o])
  return {
    name,
    before: async () => void useKernels(kernels),
    matmul: () => T.toTypedArray(T.matmul(ta, tb)),
    conv: () => T.toTypedArray(T.conv2d(tx, tw, { padding: 'same' })),
    convInput: () => T.toTypedArray(T.conv2dGradInput(tdy, tw, [batch, h, w, c], { padding: 'same' })),
  }
}

const tfjsWasm = (): Runner => {
  let xa: ReturnType<typeof tf.tensor2d> | undefined
  let xb: ReturnType<typeof tf.tensor2d> | undefined
  let x: ReturnType<typeof tf.tensor4d> | undefined
  let f: ReturnType<typeof tf.tensor4d> | undefined
  let dy: ReturnType<typeof tf.tensor4d> | undefined
  return {
    name: 'tfjs-wasm',
    before: async () => {
      await useBackend('wasm')
      tf.enableProdMode()
      xa ??= tf.tensor2d(a, [N, N])
      xb ??= tf.tensor2d(b, [N, N])
      x ??= tf.tensor4d(xs, [batch, h, w, c])
      f ??= tf.tensor4d(ws, [k, k, c, o])
      dy ??= tf.tensor4d(dys, [batch, h, w, o])
    },
    matmul: () => M.tfRead(() => tf.matMul(xa!, xb!)),
    conv: () => M.tfRead(() => tf.conv2d(x!, f!, 1, 'same')),
    convInput: () => M.tfRead(() => tf.conv2dTranspose(dy!, f!, [batch, h, w, c], 1, 'same')),
  }
}

/**
 * jax-js on its wasm backend, when it can be imported: `@jax-js/jax` is not a dependency, so
 * install it (npm i -D @jax-js/jax) or point JAXJS at its dist/index.js. Its convolution takes
 * NCHW images and OIHW filters: the same sizes and flops in its own layout.
 */
const jaxJs = async (): Promise<Runner | undefined> => {
  let jax: any
  try {
    jax = await import(process.env['JAXJS'] ?? '@jax-js/jax')
  } catch {
    return undefined
  }
  await jax.init('wasm')
  jax.defaultDevice('wasm')
  const { numpy: np, lax } = jax
  const ja = np.array(a).reshape([N, N])
  const jb = np.array(b).reshape([N, N])
  const jx = np.array(xs).reshape([batch, c, h, w])
  const jw = np.array(ws).reshape([o, c, k, k])
  return {
    name: 'jax-js (wasm)',
    before: async () => {},
    matmul: () => np.matmul(ja.ref, jb.ref).dataSync(),
    conv: () => lax.conv(jx.ref, jw.ref, [1, 1], 'SAME').dataSync(),
  }
}

const runners: Runner[] = [puregrad('puregrad simd128', 'simd128'), puregrad('puregrad relaxed-simd', 'relaxed-simd'), tfjsWasm()]
const jx = await jaxJs()
if (jx !== undefined) runners.push(jx)

const times: Record<string, { matmul: number[]; conv: number[]; convInput: number[] }> = {}
for (const r of runners) {
  await r.before()
  r.matmul() // warm-up (compiles and tiers up)
  r.conv()
  r.convInput?.()
  times[r.name] = { matmul: [], conv: [], convInput: [] }
}
for (let round = 0; round < rounds; round++) {
  for (const r of runners) {
    await r.before()
    const t = times[r.name]!
    let t0 = performance.now()
    r.matmul()
    t.matmul.push(performance.now() - t0)
    t0 = performance.now()
    for (let i = 0; i < 5; i++) r.conv()
    t.conv.push((performance.now() - t0) / 5)
    if (r.convInput === undefined) continue
    t0 = performance.now()
    for (let i = 0; i < 5; i++) r.convInput()
    t.convInput.push((performance.now() - t0) / 5)
  }
}
console.log(
  JSON.stringify({
    node: process.version,
    relaxed: relaxedSimdSupported(),
    rounds,
    results: runners.map((r) => {
      const t = times[r.name]!
      return { name: r.name, matmulMs: median(t.matmul), convMs: median(t.conv), convInputMs: t.convInput.length > 0 ? median(t.convInput) : null }
    }),
  }),
)
