/**
 * The Threefry-2x32 block function with 20 rounds (Salmon, Moraes, Dror & Shaw, "Parallel
 * random numbers: as easy as 1, 2, 3", SC 2011), the counter-based generator behind JAX, and
 * the sampling stream of a key built from it.
 *
 * A block maps a 64-bit key and a 64-bit counter to 64 pseudo-random bits; for a fixed key it
 * is a bijection of the counter space, so distinct counters never give equal blocks. Everything
 * here is 32-bit integer arithmetic (`+`, `^`, `<<`, `>>>` wrapped with `| 0`), which every
 * JavaScript engine evaluates identically. The eager samplers (`rng/`) and the random
 * primitives (`prims/eval/random.ts`) both run these functions, so a key gives the same words
 * either way.
 * @internal
 */

/** Skein key-schedule parity constant. @internal */
const PARITY = 0x1bd11bda

/**
 * One Threefry-2x32 block: 20 rounds with rotations 13, 15, 26, 6, 17, 29, 16, 24 and a key
 * injection every 4 rounds, exactly as in Random123's `threefry2x32_R(20, …)` and JAX's
 * `threefry_2x32`; words are unsigned 32-bit integers. Writes block(key, counter) into
 * `out[at]`, `out[at + 1]`. @internal
 */
export const blockInto = (k0: number, k1: number, c0: number, c1: number, out: Uint32Array, at: number): void => {
  const ks0 = k0 | 0
  const ks1 = k1 | 0
  const ks2 = (PARITY ^ ks0 ^ ks1) | 0
  let x0 = (c0 + ks0) | 0
  let x1 = (c1 + ks1) | 0
  // rounds 1-4
  x0 = (x0 + x1) | 0; x1 = (x1 << 13) | (x1 >>> 19); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 15) | (x1 >>> 17); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 26) | (x1 >>> 6); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 6) | (x1 >>> 26); x1 ^= x0
  x0 = (x0 + ks1) | 0; x1 = (x1 + ks2 + 1) | 0
  // rounds 5-8
  x0 = (x0 + x1) | 0; x1 = (x1 << 17) | (x1 >>> 15); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 29) | (x1 >>> 3); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 16) | (x1 >>> 16); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 24) | (x1 >>> 8); x1 ^= x0
  x0 = (x0 + ks2) | 0; x1 = (x1 + ks0 + 2) | 0
  // rounds 9-12
  x0 = (x0 + x1) | 0; x1 = (x1 << 13) | (x1 >>> 19); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 15) | (x1 >>> 17); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 26) | (x1 >>> 6); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 6) | (x1 >>> 26); x1 ^= x0
  x0 = (x0 + ks0) | 0; x1 = (x1 + ks1 + 3) | 0
  // rounds 13-16
  x0 = (x0 + x1) | 0; x1 = (x1 << 17) | (x1 >>> 15); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 29) | (x1 >>> 3); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 16) | (x1 >>> 16); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 24) | (x1 >>> 8); x1 ^= x0
  x0 = (x0 + ks1) | 0; x1 = (x1 + ks2 + 4) | 0
  // rounds 17-20
  x0 = (x0 + x1) | 0; x1 = (x1 << 13) | (x1 >>> 19); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 15) | (x1 >>> 17); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 26) | (x1 >>> 6); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 6) | (x1 >>> 26); x1 ^= x0
  x0 = (x0 + ks2) | 0; x1 = (x1 + ks0 + 5) | 0
  out[at] = x0
  out[at + 1] = x1
}

/**
 * The sampling stream of a key: word `2j` and `2j + 1` are block(key, counter (j, 0)).
 * Fills `out[0 .. n)` with words `2·firstBlock …`; an odd `n` drops the last block's second word.
 *
 * The stream is prefix-stable: the first m words do not depend on how many are asked for.
 * Counters (j, 0) never meet the counters (i, n + i) that `split` hashes.
 * @internal
 */
export const fillWords = (k0: number, k1: number, firstBlock: number, out: Uint32Array, n: number): void => {
  const even = n - (n & 1)
  let j = firstBlock
  for (let w = 0; w < even; w += 2, j++) blockInto(k0, k1, j, 0, out, w)
  if (even < n) {
    const tail = new Uint32Array(2)
    blockInto(k0, k1, j, 0, tail, 0)
    out[even] = tail[0]!
  }
}

/** Words generated per pass by the samplers (even, so chunks start on block boundaries). @internal */
export const CHUNK = 4096

/**
 * Scratch space the samplers fill one chunk at a time (JavaScript runs one sampler at a time
 * and none calls back into user code, so sharing it is safe). @internal
 */
export const scratch = new Uint32Array(CHUNK)
