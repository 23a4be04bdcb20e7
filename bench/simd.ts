/**
 * Part 3 of `npm run bench` (alone: `npm run bench -- --only simd`): the two builds of the
 * WebAssembly kernels, SIMD128 and relaxed SIMD (fused multiply-add), one thread each, beside
 * tfjs-wasm (and jax-js when it can be imported; see bench/simd-child.ts), on square matmul
 * n = 1024 and the convolution of Part 2 (forward, and its input gradient: tfjs's
 * conv2dTranspose), with the targets: matmul ≥ 1.5× tfjs-wasm and conv2d forward ≥ 1.2×
 * tfjs-wasm for the relaxed build.
 *
 * The measurements run in a child process, started with --experimental-wasm-relaxed-simd where
 * this Node lacks relaxed SIMD (Node 20), so that all libraries run side by side in one process,
 * round after round; medians are printed.
 *
 * Fraction of peak: against the native float32 FMA peak of one core, 170 GFLOP/s by default (this
 * machine: AVX-512, 2 FMA units × 16 lanes × 2 flops at about 2.65 GHz, measured by a C loop of
 * 12 independent vfmadd chains; `--peak=<GFLOP/s>` for another machine). WebAssembly SIMD is
 * 128 bits wide, so one quarter of that peak is the most any wasm kernel can reach there.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { relaxedSimdSupported } from '../src/kernels/wasm/index.js'
import { table } from './lib/report.js'

interface ChildResult {
  readonly node: string
  readonly relaxed: boolean
  readonly rounds: number
  readonly results: ReadonlyArray<{ readonly name: string; readonly matmulMs: number; readonly convMs: number | null; readonly convInputMs: number | null }>
}

const MATMUL_FLOPS = 2 * 1024 ** 3
/** 2·N·H·W·O·(3·3·C) for the case of bench/simd-child.ts. */
const CONV_FLOPS = 2 * 32 * 28 * 28 * 32 * 9 * 16

export const simdBuilds = (quick: boolean): void => {
  const peakArg = process.argv.find((a) => a.startsWith('--peak='))
  const peak = peakArg === undefined ? 170 : Number(peakArg.slice('--peak='.length))
  const script = fileURLToPath(new URL('./simd-child.ts', import.meta.url))
  const root = fileURLToPath(new URL('..', import.meta.url))
  const flags = relaxedSimdSupported() ? [] : ['--experimental-wasm-relaxed-simd']
  const out = execFileSync(process.execPath, [...flags, '--import', 'tsx', script, ...(quick ? ['--quick'] : [])], { cwd: root, encoding: 'utf8' })
  const r = JSON.parse(out.trim().split('\n').pop()!) as ChildResult
  const gf = (flops: number, ms: number | null): number => (ms === null ? NaN : flops / ms / 1e6)
  const by = new Map(r.results.map((x) => [x.name, { mm: gf(MATMUL_FLOPS, x.matmulMs), conv: gf(CONV_FLOPS, x.convMs), input: gf(CONV_FLOPS, x.convInputMs) }]))
  const tw = by.get('tfjs-wasm')!
  const pct = (g: number): string => (Number.isFinite(g) ? `${((100 * g) / peak).toFixed(1)}%` : '–')
  const cell = (g: number, base: number): string => (Number.isFinite(g) ? `${g.toFixed(1)} (${(g / base).toFixed(2)}×)` : '–')
  const rows = [['library (one thread)', 'matmul n=1024 GFLOP/s (÷ tfjs-wasm)', 'of peak', 'conv2d forward GFLOP/s (÷ tfjs-wasm)', 'of peak', 'conv2d input gradient GFLOP/s (÷ tfjs-wasm)']]
  for (const [name, g] of by) rows.push([name, cell(g.mm, tw.mm), pct(g.mm), cell(g.conv, tw.conv), pct(g.conv), cell(g.input, tw.input)])
  const flagNote = flags.length > 0 ? ', child process started with --experimental-wasm-relaxed-simd' : ''
  console.log(`## Part 3: the relaxed-SIMD and SIMD128 builds\n`)
  console.log(`node ${r.node}${flagNote}; medians of ${r.rounds} rounds; peak = ${peak} GFLOP/s per core (native float32 FMA; WebAssembly's 128-bit SIMD tops out at a quarter of it)\n`)
  if (!by.has('jax-js (wasm)')) console.log('(jax-js: not installed; npm i -D @jax-js/jax, or JAXJS=<path to its dist/index.js>, adds its row)\n')
  table('Square matmul n=1024 and conv2d x [32, 28, 28, 16] * w [3, 3, 16, 32] \'same\'', rows)
  const relaxed = by.get('puregrad relaxed-simd')!
  const met = (ok: boolean): string => (ok ? 'yes' : 'no')
  table('Targets (relaxed-SIMD build, one thread)', [
    ['target', 'measured', 'met'],
    ['matmul n=1024 ≥ 1.5× tfjs-wasm', `${(relaxed.mm / tw.mm).toFixed(2)}× (${relaxed.mm.toFixed(1)} vs ${tw.mm.toFixed(1)} GFLOP/s)`, met(relaxed.mm >= 1.5 * tw.mm)],
    ['conv2d forward ≥ 1.2× tfjs-wasm', `${(relaxed.conv / tw.conv).toFixed(2)}× (${relaxed.conv.toFixed(1)} vs ${tw.conv.toFixed(1)} GFLOP/s)`, met(relaxed.conv >= 1.2 * tw.conv)],
  ])
}
