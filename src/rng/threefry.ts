/**
 * The Threefry-2x32 block function with 20 rounds (Salmon, Moraes, Dror & Shaw, "Parallel
 * random numbers: as easy as 1, 2, 3", SC 2011), the counter-based generator behind JAX, as a
 * function of four words. The block itself and the key's stream live with the kernels
 * (`kernels/random/threefry.ts`), where the random primitives evaluate them too.
 *
 * @since 0.1.0
 */
import { blockInto } from '../kernels/random/threefry.js'

/**
 * One Threefry-2x32 block: 20 rounds with rotations 13, 15, 26, 6, 17, 29, 16, 24 and a key
 * injection every 4 rounds, exactly as in Random123's `threefry2x32_R(20, …)` and JAX's
 * `threefry_2x32`. Words are unsigned 32-bit integers.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Rng } from 'puregrad'
 * assert.deepStrictEqual(Rng.threefry2x32(0, 0, 0, 0), [0x6b200159, 0x99ba4efe])
 * @category generator
 */
export const threefry2x32 = (k0: number, k1: number, c0: number, c1: number): readonly [number, number] => {
  const out = new Uint32Array(2)
  blockInto(k0, k1, c0, c1, out, 0)
  return [out[0]!, out[1]!]
}
