/**
 * Drawing a distribution's values from a key: eagerly, from the words of the key's stream one
 * chunk at a time, or, for a key held by a traced tensor (inside `jit` or `vmap`), by the
 * random primitives. Both convert the words with the same code (`kernels/random/convert.ts`),
 * so a key gives the same values bit for bit either way.
 * @internal
 */
import { alloc } from '../core/dtype.js'
import type { Shape } from '../core/shape.js'
import { type Tensor, fromBuffer, isTensor } from '../core/Tensor.js'
import { type Dist, converter, dtypeOfDist, wordsPer } from '../kernels/random/convert.js'
import { CHUNK, fillWords, scratch } from '../kernels/random/threefry.js'
import { bind } from '../prims/bind.js'

/** The first words of the stream of a key held by a tensor, shaped `shape`. @internal */
export const streamOf = (data: Tensor, shape: Shape): Tensor => bind('randomBits', [data], { shape })

/**
 * `n` values of `dist` in `shape` from a key's words or from the tensor holding it. Element i
 * takes words i·w … i·w + w − 1 of the stream, w = `wordsPer(dist)` (a permutation of n takes
 * the 2n words of n blocks). @internal
 */
export const draw = (op: string, held: readonly [number, number] | Tensor, shape: Shape, n: number, d: Dist): Tensor => {
  const per = wordsPer(d)
  if (isTensor(held)) return bind('fromBits', [streamOf(held, [...shape, per])], d)
  const [k0, k1] = held
  const out = alloc(dtypeOfDist(d), n, op)
  const convert = converter(d)
  if (d.dist === 'permutation') {
    // one permutation reads all its blocks
    const words = new Uint32Array(2 * n)
    fillWords(k0, k1, 0, words, 2 * n)
    convert(words, 0, out, 0, n)
    return fromBuffer(out, shape)
  }
  const step = CHUNK / per
  for (let start = 0; start < n; start += step) {
    const m = Math.min(step, n - start)
    fillWords(k0, k1, (start * per) / 2, scratch, m * per)
    convert(scratch, 0, out, start, m)
  }
  return fromBuffer(out, shape)
}
