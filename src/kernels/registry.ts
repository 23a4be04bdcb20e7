/**
 * Which kernels run. The plain TypeScript kernels are the default and the reference.
 * @internal
 */
import type { Kernels } from './Kernels.js'
import { jsKernels } from './js/index.js'

let current: Kernels = jsKernels

/** The kernels in use. */
export const kernels = (): Kernels => current

/** Installs another implementation (e.g. WebAssembly); returns the previous one. */
export const useKernels = (k: Kernels): Kernels => {
  const previous = current
  current = k
  return previous
}
