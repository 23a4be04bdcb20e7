/**
 * Safetensors files from untrusted hands: random bytes, and valid files with bytes flipped,
 * cut, inserted or a header length forged, are read into a value or a coded Left (never
 * another exception), and what is read is held to the input's size: the tensors hold at most
 * twice the bytes of the file (float16 and bfloat16 widened to float32), whatever the header
 * claims. A file the writer made is read back equal.
 */
import { fc, test } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect } from 'vitest'
import { Rng, Tensor as T, Tree } from '../../src/index.js'
import { outcome } from './support.js'

const bytesOf = (t: T.Tensor): number => t.size * (t.dtype === 'float64' ? 8 : 4)

/** Reads `bytes` both ways; the law's checks on the outcome. */
const check = (bytes: Uint8Array): void => {
  const o = outcome(() => Tree.readSafetensors(bytes))
  expect(o.ok).toBe(true)
  if (!o.ok) return
  const r = o.value
  if (E.isLeft(r)) expect(['INVALID_VALUE', 'RESOURCE_LIMIT']).toContain(r.left.code)
  else expect(r.right.tensors.reduce((n, t) => n + bytesOf(t.value), 0)).toBeLessThanOrEqual(2 * bytes.length)
  const into = outcome(() => Tree.fromSafetensors(bytes, { a: T.zeros([2]), b: [T.zeros([1, 2], 'int32')] }))
  expect(into.ok).toBe(true)
  if (into.ok && E.isLeft(into.value)) expect(['INVALID_VALUE', 'RESOURCE_LIMIT', 'TREE_MISMATCH']).toContain(into.value.left.code)
}

const tensor: fc.Arbitrary<T.Tensor> = fc
  .record({ dims: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), dtype: fc.constantFrom<'float32' | 'float64' | 'int32'>('float32', 'float64', 'int32'), seed: fc.nat() })
  .map(({ dims, dtype, seed }) => (dtype === 'int32' ? T.cast(Rng.uniform(Rng.key(seed), dims, { min: -9, max: 9 }), 'int32') : Rng.normal(Rng.key(seed), dims, { dtype })))

const tree: fc.Arbitrary<Tree.Tree> = fc.dictionary(fc.constantFrom('a', 'b', 'W', 'layers', 'x'), fc.oneof(tensor, fc.array(tensor, { maxLength: 2 })), { maxKeys: 4 })

type Edit = { kind: 'flip'; at: number; value: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; value: number } | { kind: 'length'; value: bigint }

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.constantFrom(0x20, 0x22, 0x2c, 0x30, 0x39, 0x5b, 0x7b, 0x7d, 0xff) }),
  fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 200n })) }),
)

const apply = (b: Uint8Array, e: Edit): Uint8Array => {
  if (b.length === 0) return b
  const at = e.kind === 'length' ? 0 : e.at % b.length
  switch (e.kind) {
    case 'flip': {
      const c = b.slice()
      c[at] = e.value
      return c
    }
    case 'cut':
      return b.slice(0, at)
    case 'insert':
      return Uint8Array.from([...b.subarray(0, at), e.value, ...b.subarray(at)])
    case 'length': {
      const c = b.slice()
      if (c.length >= 8) new DataView(c.buffer).setBigUint64(0, e.value, true)
      return c
    }
  }
}

describe('safetensors fuzz', () => {
  test.prop([fc.uint8Array({ maxLength: 200 })], { numRuns: 300 })('random bytes are read or refused with a code', (bytes) => check(bytes))

  test.prop([fc.uint8Array({ maxLength: 64 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })], { numRuns: 200 })('a random header length over random bytes is read or refused with a code', (rest, n) => {
    const b = new Uint8Array(8 + rest.length)
    new DataView(b.buffer).setBigUint64(0, n, true)
    b.set(rest, 8)
    check(b)
  })

  test.prop([tree, fc.array(edit, { minLength: 1, maxLength: 3 })], { numRuns: 300 })('valid files with bytes changed are read or refused with a code', (t, edits) => {
    const bytes = Tree.toSafetensors(t, { metadata: { k: 'v' } })
    const back = Tree.fromSafetensors(bytes, t)
    expect(E.isRight(back) && Tree.structure(back.right)).toEqual(Tree.structure(t))
    check(edits.reduce(apply, bytes))
  })
})
