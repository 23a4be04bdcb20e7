import { describe, expect, it } from 'vitest'
import { Rng, Tensor as T } from '../../src/index.js'
import { blockInto, fillWords } from '../../src/kernels/random/threefry.js'
import { threefry2x32 } from '../../src/rng/threefry.js'

const hex = (ws: ReadonlyArray<number>): string[] => ws.map((w) => (w >>> 0).toString(16).padStart(8, '0'))

describe('threefry2x32 (20 rounds)', () => {
  // Known-answer vectors of Random123's kat_vectors (lines `threefry2x32 20 <ctr> <key> <out>`),
  // also asserted by JAX's random_test.py (testThreefry2x32).
  it('matches the Random123 / JAX known-answer vectors', () => {
    expect(hex(threefry2x32(0x00000000, 0x00000000, 0x00000000, 0x00000000))).toEqual(['6b200159', '99ba4efe'])
    expect(hex(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff))).toEqual(['1cb996fc', 'bb002be7'])
    // key (0x13198a2e, 0x03707344), counter (0x243f6a88, 0x85a308d3): digits of π
    expect(hex(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3))).toEqual(['c4923a9c', '483df7a0'])
  })

  it('returns unsigned 32-bit words', () => {
    for (const w of threefry2x32(1, 2, 3, 4)) expect(Number.isInteger(w) && w >= 0 && w < 2 ** 32).toBe(true)
  })

  it('is a function of (key, counter) only', () => {
    expect(threefry2x32(7, 8, 9, 10)).toEqual(threefry2x32(7, 8, 9, 10))
    expect(threefry2x32(7, 8, 9, 10)).not.toEqual(threefry2x32(7, 8, 9, 11))
    expect(threefry2x32(7, 8, 9, 10)).not.toEqual(threefry2x32(7, 9, 9, 10))
  })

  it('fillWords lays out block(key, (j, 0)) as words 2j, 2j + 1, prefix-stable and odd-length safe', () => {
    const out = new Uint32Array(9)
    fillWords(5, 6, 0, out, 9)
    for (let j = 0; j < 4; j++) expect([out[2 * j], out[2 * j + 1]]).toEqual([...threefry2x32(5, 6, j, 0)])
    expect(out[8]).toBe(threefry2x32(5, 6, 4, 0)[0])
    const later = new Uint32Array(4)
    fillWords(5, 6, 2, later, 4)
    expect([...later]).toEqual([...out.subarray(4, 8)])
    const one = new Uint32Array(2)
    blockInto(5, 6, 3, 0, one, 0)
    expect([...one]).toEqual([out[6], out[7]])
  })

  it('Rng.bits exposes the same stream as int32 bit patterns', () => {
    const b = T.toArray(Rng.bits(Rng.keyFromWords(0x13198a2e, 0x03707344), [6])).map((w) => w >>> 0)
    for (let j = 0; j < 3; j++) expect([b[2 * j], b[2 * j + 1]]).toEqual([...threefry2x32(0x13198a2e, 0x03707344, j, 0)])
  })
})
