/**
 * TensorFlow.js 4.22 for the side-by-side runs (`@tensorflow/tfjs`: core, gradients, the cpu
 * backend), with the cpu backend (plain JS) and the wasm
 * backend (XNNPACK, SIMD, one thread: tfjs disables its wasm threads under Node), whose .wasm
 * files are read from node_modules, so nothing is fetched at run time.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'

const require = createRequire(import.meta.url)
const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')
setWasmPaths(`${wasmDir}/`)

export type Backend = 'cpu' | 'wasm'

/** Switches tfjs to a backend (quietly: tfjs suggests tfjs-node on the console under Node). */
export const useBackend = async (b: Backend): Promise<void> => {
  const warn = console.warn
  const log = console.log
  console.warn = () => {}
  console.log = () => {}
  try {
    await tf.setBackend(b)
    await tf.ready()
  } finally {
    console.warn = warn
    console.log = log
  }
  if (tf.getBackend() !== b) throw new Error(`tfjs backend ${b} did not start (got ${tf.getBackend()})`)
}

export { tf }
