/**
 * The safetensors reader and writer: a golden file built by hand from the format's description
 * (so the test does not lean on the writer), bit-exact round trips, one refused input per rule
 * of the format, reading into a network's tree, and a cross-check with an independent reader and
 * writer in Python (numpy), skipped with a reason when Python or numpy is absent.
 */
import { spawnSync } from 'node:child_process'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Net, Rng, Tensor as T, Tree } from '../../src/index.js'

const enc = new TextEncoder()

/** A file from its header text (padded by the caller, or not) and data bytes. */
const file = (header: string, data: ArrayLike<number> = []): Uint8Array => {
  const h = enc.encode(header)
  const out = new Uint8Array(8 + h.length + data.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true)
  out.set(h, 8)
  out.set(Array.from(data), 8 + h.length)
  return out
}

const f32 = (...xs: number[]): number[] => Array.from(new Uint8Array(Float32Array.from(xs).buffer))

const left = (r: E.Either<{ code: string; message: string }, unknown>): { code: string; message: string } => {
  if (E.isRight(r)) throw new Error('expected a refusal')
  return r.left
}

const bits = (t: T.Tensor): string => {
  const a = T.toArray(t) as unknown
  const flat = (Array.isArray(a) ? a.flat(Infinity) : [a]) as number[]
  const b = new DataView(new ArrayBuffer(8))
  return flat.map((x) => (b.setFloat64(0, x), b.getBigUint64(0).toString(16))).join(',')
}

describe('safetensors: the format', () => {
  // {"a": F32 [2] = [1, -2], "b": I32 [1] = [7]}: a 108-byte header padded with 4 spaces to 112
  const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}'
  const golden = Uint8Array.from([
    0x70, 0, 0, 0, 0, 0, 0, 0,
    ...enc.encode(header), 0x20, 0x20, 0x20, 0x20,
    0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0,
    0x07, 0x00, 0x00, 0x00,
  ])

  it('reads a file built byte by byte from the format', () => {
    const r = Tree.readSafetensors(golden)
    expect(E.isRight(r)).toBe(true)
    if (E.isLeft(r)) return
    expect(r.right.tensors.map((t) => [t.name, t.stored, t.value.dtype, [...t.value.shape], T.toNested(t.value)])).toEqual([
      ['a', 'F32', 'float32', [2], [1, -2]],
      ['b', 'I32', 'int32', [1], [7]],
    ])
    expect(r.right.metadata).toEqual({})
  })

  it('writes exactly those bytes', () => {
    expect(Tree.toSafetensors({ b: T.tensor([7], 'int32'), a: T.tensor([1, -2]) })).toEqual(golden)
  })

  it('round-trips float32, float64 and int32 bit for bit, with metadata and prefixes', () => {
    const k = Rng.split(Rng.key(3), 3)
    const odd = T.fromArray([Number.NaN, -0, Infinity, -Infinity, 1e-45, 3.4e38], [6], 'float64')
    const tree = {
      layers: [{ W: Rng.normal(k[0]!, [3, 4]), b: T.zeros([4]) }, {}, { W: Rng.normal(k[1]!, [4, 2], { dtype: 'float64' }) }],
      odd,
      odd32: T.cast(odd, 'float32'),
      step: T.tensor([[1, -2147483648, 2147483647]], 'int32'),
      scalar: T.scalar(0.1),
      empty: T.zeros([0, 3]),
    }
    for (const prefix of ['', 'params.']) {
      const bytes = Tree.toSafetensors(tree, { metadata: { format: 'pt', note: 'ünïcode' }, prefix })
      const h = Number(new DataView(bytes.buffer).getBigUint64(0, true))
      expect(h % 8).toBe(0)
      const r = Tree.readSafetensors(bytes)
      expect(E.isRight(r) && r.right.metadata).toEqual({ format: 'pt', note: 'ünïcode' })
      expect(E.isRight(r) && r.right.tensors.map((t) => t.name)).toEqual(Tree.paths(tree).map((p) => prefix + p))
      const back = Tree.fromSafetensors(bytes, tree, { prefix })
      expect(E.isRight(back)).toBe(true)
      if (E.isLeft(back)) return
      expect(Tree.structure(back.right)).toEqual(Tree.structure(tree))
      const a = Tree.leaves(tree)
      Tree.leaves(back.right).forEach((l, i) => expect(bits(l.value), l.path).toBe(bits(a[i]!.value)))
    }
  })

  it('converts F16, BF16 and I64 on reading', () => {
    // F16: 1, -2, 65504, 2^-24 (subnormal), inf, -0; BF16: 1.5, -3 ; I64: -5, 2^31-1
    const h16 = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000]
    const hb = [0x3fc0, 0xc040]
    const data: number[] = []
    for (const v of [...h16, ...hb]) data.push(v & 0xff, v >> 8)
    const i64 = new DataView(new ArrayBuffer(16))
    i64.setBigInt64(0, -5n, true)
    i64.setBigInt64(8, 2147483647n, true)
    data.push(...new Uint8Array(i64.buffer))
    const bytes = file(
      '{"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"g":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"i":{"dtype":"I64","shape":[2],"data_offsets":[16,32]}}',
      data,
    )
    const r = Tree.readSafetensors(bytes)
    expect(E.isRight(r)).toBe(true)
    if (E.isLeft(r)) return
    const [h, g, i] = r.right.tensors
    expect([h!.value.dtype, T.toNested(h!.value)]).toEqual(['float32', [[1, -2, 65504], [2 ** -24, Infinity, -0]]])
    expect(Object.is(T.toArray(h!.value)[5], -0)).toBe(true)
    expect([g!.value.dtype, T.toArray(g!.value)]).toEqual(['float32', [1.5, -3]])
    expect([i!.stored, i!.value.dtype, T.toArray(i!.value)]).toEqual(['I64', 'int32', [-5, 2147483647]])
    // into a float64 tree: widened
    const like = Tree.fromSafetensors(bytes, { g: { dtype: 'float64', shape: [2] }, h: { dtype: 'float32', shape: [2, 3] }, i: { dtype: 'int32', shape: [2] } })
    expect(E.isRight(like) && (like.right as { g: T.Tensor }).g.dtype).toBe('float64')
  })
})

describe('safetensors: every rule of the format refuses', () => {
  const ok = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
  const cases: ReadonlyArray<readonly [string, Uint8Array, string, RegExp]> = [
    ['fewer than 8 bytes', Uint8Array.from([1, 0, 0]), 'INVALID_VALUE', /fewer than the 8 bytes/],
    ['a header beyond the buffer', (() => {
      const b = file(ok, f32(1, 2))
      new DataView(b.buffer).setBigUint64(0, 10_000n, true)
      return b
    })(), 'INVALID_VALUE', /announces 10000 bytes but only/],
    ['a header above the 100 MB limit', (() => {
      const b = file(ok, f32(1, 2))
      new DataView(b.buffer).setBigUint64(0, 100_000_001n, true)
      return b
    })(), 'RESOURCE_LIMIT', /more than the limit of 100000000/],
    ['a header length of 2^64 - 1', (() => {
      const b = file(ok, f32(1, 2))
      new DataView(b.buffer).setBigUint64(0, 2n ** 64n - 1n, true)
      return b
    })(), 'RESOURCE_LIMIT', /limit/],
    ['a header that is not UTF-8', file('{"a\xff":1}'.replace('\xff', ''), []).map((x, i) => (i === 11 ? 0xff : x)), 'INVALID_VALUE', /not valid UTF-8/],
    ['a header not starting with {', file(' ' + ok, f32(1, 2)), 'INVALID_VALUE', /starting with '\{'/],
    ['invalid JSON', file('{"a":{"dtype":"F32",', f32(1, 2)), 'INVALID_VALUE', /not JSON/],
    ['an unknown dtype', file('{"a":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}}', f32(1, 2)), 'INVALID_VALUE', /unknown dtype "F31"/],
    ['a dtype of the format puregrad cannot hold', file('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', [1, 2]), 'INVALID_VALUE', /dtype U8 cannot be read/],
    ['a shape of the wrong size', file('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', f32(1, 2)), 'INVALID_VALUE', /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/],
    ['an absurd shape', file('{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}}', f32(1, 2)), 'INVALID_VALUE', /needs .* bytes but/],
    ['a negative size', file('{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', f32(1, 2)), 'INVALID_VALUE', /whole numbers ≥ 0/],
    ['offsets out of range', file('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}', f32(1, 2)), 'INVALID_VALUE', /reach past the 8 bytes/],
    ['offsets ending before they begin', file('{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}', f32(1, 2)), 'INVALID_VALUE', /end before they begin/],
    ['overlapping offsets', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32(1, 2)), 'INVALID_VALUE', /overlap/],
    ['a hole between tensors', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', f32(1, 2, 3)), 'INVALID_VALUE', /bytes 4 to 8 unused/],
    ['trailing data', file(ok, f32(1, 2, 3)), 'INVALID_VALUE', /trailing bytes/],
    ['a duplicate name', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32(1, 2)), 'INVALID_VALUE', /"a" appears twice/],
    ['metadata that is not strings', file('{"__metadata__":{"n":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', f32(1, 2)), 'INVALID_VALUE', /__metadata__ must be/],
    ['an extra field of a tensor', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}', f32(1, 2)), 'INVALID_VALUE', /unexpected field "x"/],
    ['an I64 value beyond int32', file('{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', [0, 0, 0, 0, 1, 0, 0, 0]), 'INVALID_VALUE', /does not fit in int32/],
  ]
  it.each(cases)('%s', (_, bytes, code, message) => {
    const e = left(Tree.readSafetensors(bytes))
    expect(e.code).toBe(code)
    expect(e.message).toMatch(message)
    // the same refusal when reading into a tree (the I64 value is read only once the tree fits)
    if (!_.startsWith('an I64')) expect(left(Tree.fromSafetensors(bytes, { a: T.zeros([2]) })).code).toBe(code)
  })

  it('the valid file these cases break is read', () => {
    expect(E.isRight(Tree.readSafetensors(file(ok, f32(1, 2))))).toBe(true)
    expect(E.isRight(Tree.readSafetensors(file(`${ok}    `, f32(1, 2))))).toBe(true) // padding
  })

  it('refuses a buffer that is not bytes, and bad options, as INVALID_ARGUMENT', () => {
    expect(left(Tree.readSafetensors('x' as unknown as Uint8Array)).code).toBe('INVALID_ARGUMENT')
    expect(left(Tree.readSafetensors(file(ok, f32(1, 2)), { maxHeaderBytes: 10 ** 9 })).code).toBe('INVALID_ARGUMENT')
    expect(left(Tree.readSafetensors(file(ok, f32(1, 2)), { maxHeaderBytes: 16 })).code).toBe('RESOURCE_LIMIT')
  })

  it('the writer refuses two leaves with the same path and metadata that is not strings', () => {
    expect(() => Tree.toSafetensors({ 'a.b': T.zeros([1]), a: { b: T.zeros([1]) } })).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }))
    expect(() => Tree.toSafetensors({ a: T.zeros([1]) }, { metadata: { n: 1 as unknown as string } })).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }))
  })
})

describe('safetensors: into a network', () => {
  const net = Net.serial(Net.conv2d(2, 3), Net.batchNorm(), Net.flatten, Net.dense(3))
  const vars = Net.init(net, { key: Rng.key(1), inShape: [5, 5, 1] })

  it('fills the params of the network and is never half-loaded', () => {
    const bytes = Tree.toSafetensors(vars.params)
    const structure = Net.initStructure(net, { inShape: [5, 5, 1] }).params
    const r = Tree.fromSafetensors(bytes, structure)
    expect(E.isRight(r) && Tree.structure(r.right)).toEqual(structure)
    // a network with a wider dense layer and no batch norm: everything that differs is named
    const other = Net.serial(Net.conv2d(2, 3), Net.flatten, Net.dense(4), Net.dense(1))
    const e = left(Tree.fromSafetensors(bytes, Net.initStructure(other, { inShape: [5, 5, 1] }).params))
    expect(e.code).toBe('TREE_MISMATCH')
    expect(e.message).toContain("missing '2.W', '2.b'")
    expect(e.message).toContain("extra '1.beta', '1.gamma'")
    expect(e.message).toContain("'3.W' has shape [18, 3] where [4, 1] is needed")
    expect(e.message).toContain("'3.b' has shape [3] where [1] is needed")
  })

  it('refuses an integer tensor for a float leaf, and a float one for an int leaf', () => {
    const bytes = Tree.toSafetensors({ a: T.tensor([1], 'int32') })
    expect(left(Tree.fromSafetensors(bytes, { a: T.zeros([1]) })).message).toMatch(/'a' is I32 where float32 is needed/)
    expect(left(Tree.fromSafetensors(Tree.toSafetensors({ a: T.zeros([1]) }), { a: T.tensor([1], 'int32') })).message).toMatch(/'a' is F32 where int32/)
  })
})

describe('safetensors: an independent implementation in Python', () => {
  const probe = spawnSync('python3', ['-c', 'import numpy, json, struct; print(numpy.__version__)'], { encoding: 'utf8' })
  const missing = probe.status !== 0 ? `python3 with numpy is not available (${(probe.stderr || String(probe.error)).trim().split('\n').pop()})` : undefined
  if (missing !== undefined) console.log(`skipping the Python cross-check: ${missing}`)
  const python = (script: string, input?: Uint8Array): Buffer => {
    const r = spawnSync('python3', ['-c', script], { input, maxBuffer: 1 << 24 })
    if (r.status !== 0) throw new Error(String(r.stderr))
    return r.stdout
  }

  it.skipIf(missing !== undefined)('numpy reads the files puregrad writes', () => {
    const tree = { W: Rng.normal(Rng.key(5), [3, 2]), d: Rng.normal(Rng.key(6), [2], { dtype: 'float64' }), i: T.tensor([3, -4], 'int32') }
    const out = python(
      `import sys, json, struct, numpy as np
b = sys.stdin.buffer.read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8+n])
kinds = {'F32': '<f4', 'F64': '<f8', 'I32': '<i4'}
res = {}
for k, v in h.items():
    if k == '__metadata__': res[k] = v; continue
    s, e = v['data_offsets']
    a = np.frombuffer(b[8+n+s:8+n+e], dtype=kinds[v['dtype']]).reshape(v['shape'])
    res[k] = [v['dtype'], list(a.shape), [struct.pack('>d', float(x)).hex() for x in a.ravel()]]
print(json.dumps(res))`,
      Tree.toSafetensors(tree, { metadata: { by: 'puregrad' } }),
    )
    const hex = (t: T.Tensor): string[] => T.toArray(t).map(f64hex)
    expect(JSON.parse(out.toString())).toEqual({
      __metadata__: { by: 'puregrad' },
      W: ['F32', [3, 2], hex(tree.W)],
      d: ['F64', [2], hex(tree.d)],
      i: ['I32', [2], hex(tree.i)],
    })
  })

  it.skipIf(missing !== undefined)('puregrad reads the files numpy writes', () => {
    const bytes = python(`import sys, json, struct, numpy as np
arrs = {'x': np.arange(6, dtype='<f4').reshape(2, 3) / 7, 'h': np.array([0.1, -2.5, 6e4], dtype='<f2'), 'l': np.array([-3, 9], dtype='<i8'), 'z': np.array([1e-300, -0.0], dtype='<f8')}
header, data = {'__metadata__': {'format': 'np'}}, b''
for k, a in arrs.items():
    header[k] = {'dtype': {'f4': 'F32', 'f2': 'F16', 'i8': 'I64', 'f8': 'F64'}[a.dtype.str[1:]], 'shape': list(a.shape), 'data_offsets': [len(data), len(data) + a.nbytes]}
    data += a.tobytes()
h = json.dumps(header).encode()
sys.stdout.buffer.write(struct.pack('<Q', len(h)) + h + data)`)
    const r = Tree.readSafetensors(new Uint8Array(bytes))
    expect(E.isRight(r)).toBe(true)
    if (E.isLeft(r)) return
    const got = Object.fromEntries(r.right.tensors.map((t) => [t.name, T.toNested(t.value)]))
    expect(got['x']).toEqual([[0, 1, 2], [3, 4, 5]].map((row) => row.map((v) => Math.fround(Math.fround(v) / 7))))
    expect(got['h']).toEqual([0.0999755859375, -2.5, 60000])
    expect(got['l']).toEqual([-3, 9])
    expect(got['z']).toEqual([1e-300, -0])
    expect(r.right.metadata).toEqual({ format: 'np' })
  })
})

/** The big-endian bytes of a number as a float64, in hex (Python's struct.pack('>d', x).hex()). */
const f64hex = (x: number): string => {
  const b = new DataView(new ArrayBuffer(8))
  b.setFloat64(0, x)
  return b.getBigUint64(0).toString(16).padStart(16, '0')
}
