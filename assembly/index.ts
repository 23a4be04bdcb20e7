// puregrad's WebAssembly kernels (float32, SIMD128; the matrix products also with relaxed SIMD's
// fused multiply-add). Built by `npm run build:wasm` (wasm/build.mjs) into src/kernels/wasm/generated/; the TypeScript side (src/kernels/wasm)
// copies operands into one linear memory, calls these, and copies the results out.

export { gemm, gemmEpilogue, gemmScratchBytes, gemmPacked, gemmPackedScratchBytes, packBFull, packedBFloats, MR, NR, KC, MC, NC, RELAXED } from './gemm'
// The op-code enums are exported too: wasm/build.mjs reads them from the module (as globals
// such as `Unary.exp`) to generate the TypeScript op-code maps.
export { Binary, Unary, binary, unary } from './elementwise'
export { Reduce, reduce } from './reduce'
export { im2col, col2imAdd } from './conv'
export { maxPool2d, maxPool2dRoute } from './pool'
export { conv2dOneChannel, conv2dBackFilterOneChannel } from './convone'
export { conv2dGemm, conv2dGemmScratchBytes, conv2dGemmBackFilter, conv2dGemmBackFilterScratchBytes } from './convgemm'

/** First free byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base
}
