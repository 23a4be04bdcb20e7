/**
 * The random primitives on concrete keys held as data (int32 tensors whose last axis is a key's
 * two words): the same Threefry blocks, streams and conversions as the eager samplers, so a
 * key gives the same values bit for bit either way. @internal
 */
import { alloc } from '../../core/dtype.js'
import { broadcastOrThrow, sameShape, sizeOf } from '../../core/shape.js'
import { type Tensor, dataOf, fromBuffer } from '../../core/Tensor.js'
import { converter, dtypeOfDist } from '../../kernels/random/convert.js'
import { blockInto, fillWords } from '../../kernels/random/threefry.js'
import type { Evaluation, RandomPrim } from '../Prim.js'
import { layoutEval } from './layout.js'

/** The words of an int32 tensor, read as unsigned. */
const words = (t: Tensor): Uint32Array => {
  const d = dataOf(t)
  return new Uint32Array(d.buffer, d.byteOffset, d.length)
}

export const randomEval: { readonly [P in RandomPrim]: Evaluation<P> } = {
  // keys [...k, 2] → the first size(shape) words of each key's stream, [...k, ...shape]
  randomBits: ([key], { shape }) => {
    const ks = words(key!)
    const n = sizeOf(shape)
    const out = alloc('int32', (ks.length / 2) * n)
    const w = new Uint32Array(out.buffer, out.byteOffset, out.length)
    for (let b = 0; 2 * b < ks.length; b++) fillWords(ks[2 * b]!, ks[2 * b + 1]!, 0, w.subarray(b * n, (b + 1) * n), n)
    return fromBuffer(out, [...key!.shape.slice(0, -1), ...shape])
  },
  // block(key, counter) for keys and counters [..., 2], broadcast against each other
  threefry2x32: ([key, counter]) => {
    const shape = broadcastOrThrow('threefry2x32', key!.shape, counter!.shape)
    const at = (t: Tensor): Uint32Array => words(sameShape(t.shape, shape) ? t : layoutEval.broadcastTo([t], { shape }))
    const [k, c] = [at(key!), at(counter!)]
    const out = alloc('int32', sizeOf(shape))
    const w = new Uint32Array(out.buffer, out.byteOffset, out.length)
    for (let i = 0; i < w.length; i += 2) blockInto(k[i]!, k[i + 1]!, c[i]!, c[i + 1]!, w, i)
    return fromBuffer(out, shape)
  },
  // words [..., wordsPer] → values [...]; a permutation reads the blocks [..., m, 2] of each row
  fromBits: ([bits], d) => {
    const w = words(bits!)
    const shape = bits!.shape.slice(0, -1)
    const out = alloc(dtypeOfDist(d), sizeOf(shape))
    const convert = converter(d)
    if (d.dist !== 'permutation') convert(w, 0, out, 0, out.length)
    else {
      const m = shape[shape.length - 1]!
      for (let r = 0; r * m < out.length; r++) convert(w, 2 * r * m, out, r * m, m)
    }
    return fromBuffer(out, shape)
  },
}
