// puregrad's WebAssembly kernels (float32, SIMD128). Built by `npm run build:wasm`
// (wasm/build.mjs) into src/kernels/wasm/generated/; the TypeScript side (src/kernels/wasm)
// copies operands into one linear memory, calls these, and copies the results out.

export { gemm, gemmScratchBytes, gemmPacked, gemmPackedScratchBytes, packBFull, packedBFloats, MR, NR, KC, MC, NC } from './gemm'
export { binary, unary } from './elementwise'
export { sumMid, extremumMid } from './reduce'
export { im2col, col2imAdd } from './conv'

/** First free byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base
}
