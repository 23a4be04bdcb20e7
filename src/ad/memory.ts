/**
 * What a reverse-mode call keeps for its backward pass, measured deterministically: the bytes
 * of the distinct buffers its tape holds (inputs, outputs and residuals of every node). Used
 * by tests and benchmarks to compare ways of writing one computation (`scan`, `checkpoint`).
 * @internal
 */
import * as Tr from '../tree/index.js'
import { reverse } from './reverse.js'

/** The bytes the tape of `vjp(f, ...primals)` holds once the forward pass is done. */
export const retainedBytes = <A extends ReadonlyArray<Tr.Tree>>(f: (...args: A) => unknown, ...primals: A): number => {
  const r = reverse('retainedBytes')
  try {
    f(...(primals.map((p) => Tr.map(p, (x) => r.input(x))) as unknown as A))
  } finally {
    r.close()
  }
  return r.retainedBytes()
}
